"""Environment queries: cases (by id, by enterprise, project or incident — batched), the guard's record, fines,
findings and accountability.

Item 9: a county-level user's lookups of another county's case, filing or finding (by id, or the case of an
incident), and of another county's enterprise's quiet production days, are refused, and the lists hold their
county's rows (see :mod:`mesh_gateway.county`); a case whose territory is not known yet, a finding at no site,
and a key-protected or inspected site the registry does not know are in no county: city-wide users see them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime

import strawberry

from mesh.environment.v1 import environment_pb2 as pb
from mesh_gateway.county import county_scoped, in_county, must_see, of_county, own_county, row_county, user_county
from mesh_gateway.environment.enums import (
    AccountabilityKind,
    Channel,
    FilingBody,
    FilingState,
    FindingState,
    Prohibition,
    from_proto,
    to_proto,
)
from mesh_gateway.environment.inputs import WINDOW, GovernanceCaseFilter
from mesh_gateway.environment.types import (
    AccountabilityCount,
    AccountabilityRecord,
    EnforcementCheck,
    EnforcementStats,
    FineFiling,
    GovernanceCase,
    InspectionFinding,
    InspectionGroup,
    KeyProtectionEntry,
    LeaderInCharge,
    QuietProductionDays,
    RefusalCount,
    environment_loaders,
)
from mesh_gateway.errors import call
from mesh_gateway.pagination import Connection, check_first
from mesh_gateway.proto_time import instant

Site = tuple[int, str]
"""A key-protected or inspected site: its kind and id."""


async def _site_counties(info: strawberry.Info, sites: Iterable[Site]) -> dict[Site, str | None]:
    """The county each enterprise or project lies in (None: the registry does not know it), batched."""
    keys = list(dict.fromkeys(sites))
    contacts = info.context.loaders.contacts
    found = await asyncio.gather(*((contacts.projects if kind == pb.SITE_KIND_PROJECT else contacts.enterprises)
                                   .load(site_id) for kind, site_id in keys))
    return {key: None if row is None else row_county(row) for key, row in zip(keys, found, strict=True)}


@strawberry.type
class EnvironmentQuery:
    @strawberry.field(description="Item 9: one governance case by id (a county-level user may look up their county's "
                                  "only)")
    async def governance_case(self, info: strawberry.Info, id: strawberry.ID) -> GovernanceCase | None:
        found = in_county(info, await environment_loaders(info).cases.load(str(id)), "case")
        return None if found is None else GovernanceCase.from_proto(found)

    @strawberry.field(description="Item 9: governance cases newest first, filtered; pages of at most 100")
    async def governance_cases(self, info: strawberry.Info, filter: GovernanceCaseFilter | None = None,
                               first: int = 20, after: str | None = None) -> Connection[GovernanceCase]:
        reply = await call(info.context.clients.environment.ListCases(pb.ListCasesRequest(
            filter=county_scoped(info, filter, GovernanceCaseFilter).to_proto(), page_size=check_first(first),
            page_token=after or "")))
        return Connection[GovernanceCase].from_page([GovernanceCase.from_proto(c) for c in reply.cases],
                                                    list(reply.cursors), reply.next_page_token)

    @strawberry.field(description="Item 9: the cases around an enterprise (batched across the request; a "
                                  "county-level user gets their county's)")
    async def enterprise_cases(self, info: strawberry.Info, enterprise_id: strawberry.ID) -> list[GovernanceCase]:
        found = await environment_loaders(info).cases_by_enterprise.load(str(enterprise_id))
        return [GovernanceCase.from_proto(c) for c in of_county(info, found)]

    @strawberry.field(description="Item 9: the cases around a project (batched across the request; a county-level "
                                  "user gets their county's)")
    async def project_cases(self, info: strawberry.Info, project_id: strawberry.ID) -> list[GovernanceCase]:
        found = await environment_loaders(info).cases_by_project.load(str(project_id))
        return [GovernanceCase.from_proto(c) for c in of_county(info, found)]

    @strawberry.field(description="Item 9: the case a police incident opened or joined, if any (a county-level user "
                                  "may look up their county's only)")
    async def incident_case(self, info: strawberry.Info, incident_id: strawberry.ID) -> GovernanceCase | None:
        found = await environment_loaders(info).cases_by_incident.load(str(incident_id))
        case = in_county(info, found[0] if found else None, "case")
        return None if case is None else GovernanceCase.from_proto(case)

    @strawberry.field(description="Item 10: an enterprise's quiet production days (item 9: a county-level user may "
                                  "look up their county's enterprises' only)")
    async def quiet_production_days(self, info: strawberry.Info, enterprise_id: strawberry.ID) -> QuietProductionDays:
        if user_county(info) is not None:
            found = await info.context.loaders.contacts.enterprises.load(str(enterprise_id))
            must_see(info, None if found is None else row_county(found), "enterprise")
        reply = await call(info.context.clients.environment.GetQuietDays(
            pb.GetQuietDaysRequest(enterprise_id=str(enterprise_id))))
        return QuietProductionDays.from_proto(reply)

    @strawberry.field(description="Item 10: the enforcement filing record, newest first, by enterprise, agency, "
                                  "county (item 9: a county-level user always gets their own) and the time checked "
                                  + WINDOW.format("checked"))
    async def enforcement_checks(
        self, info: strawberry.Info, enterprise_id: strawberry.ID | None = None, agency: str | None = None,
        allowed: bool | None = None, first: int = 20, after: str | None = None, county_code: str | None = None,
        checked_after: datetime | None = None, checked_before: datetime | None = None,
    ) -> Connection[EnforcementCheck]:
        reply = await call(info.context.clients.environment.ListEnforcementChecks(pb.ListEnforcementChecksRequest(
            enterprise_id=None if enterprise_id is None else str(enterprise_id), agency=agency, allowed=allowed,
            county_code=own_county(info, county_code), checked_after=instant(checked_after, "checkedAfter"),
            checked_before=instant(checked_before, "checkedBefore"), page_size=check_first(first),
            page_token=after or "")))
        return Connection[EnforcementCheck].from_page([EnforcementCheck.from_proto(c) for c in reply.checks],
                                                      list(reply.cursors), reply.next_page_token)

    @strawberry.field(description="Item 10: checks and refusals by reason, for an enterprise, an agency and/or a "
                                  "county (item 9: a county-level user always gets their own)")
    async def enforcement_stats(self, info: strawberry.Info, enterprise_id: strawberry.ID | None = None,
                                agency: str | None = None, county_code: str | None = None) -> EnforcementStats:
        reply = await call(info.context.clients.environment.GetEnforcementStats(pb.GetEnforcementStatsRequest(
            enterprise_id=None if enterprise_id is None else str(enterprise_id), agency=agency,
            county_code=own_county(info, county_code))))
        return EnforcementStats(
            checks=reply.checks, allowed=reply.allowed, refused=reply.refused,
            refusals_by_reason=[RefusalCount(prohibition=from_proto(Prohibition, pb.Prohibition, r.prohibition),
                                             count=r.count) for r in reply.refusals_by_reason],
            rough_enforcement_complaints=reply.rough_enforcement_complaints)

    @strawberry.field(description="Item 11: one fine or fee filing by id (item 9: a county-level user may look up "
                                  "their county's only)")
    async def fine_filing(self, info: strawberry.Info, id: strawberry.ID) -> FineFiling | None:
        found = in_county(info, await environment_loaders(info).fines.load(str(id)), "fine filing")
        return None if found is None else FineFiling.from_proto(found)

    @strawberry.field(description="Item 11: fine and fee filings newest first, by enterprise, agency, body, state, "
                                  "county (item 9: a county-level user always gets their own) and the time filed "
                                  + WINDOW.format("filed"))
    async def fine_filings(
        self, info: strawberry.Info, enterprise_id: strawberry.ID | None = None, agency: str | None = None,
        body: FilingBody | None = None, state: FilingState | None = None, first: int = 20, after: str | None = None,
        county_code: str | None = None, filed_after: datetime | None = None, filed_before: datetime | None = None,
    ) -> Connection[FineFiling]:
        reply = await call(info.context.clients.environment.ListFines(pb.ListFinesRequest(
            enterprise_id=None if enterprise_id is None else str(enterprise_id), agency=agency,
            county_code=own_county(info, county_code), filed_after=instant(filed_after, "filedAfter"),
            filed_before=instant(filed_before, "filedBefore"),
            body=None if body is None else to_proto(pb.FilingBody, body),
            state=None if state is None else to_proto(pb.FilingState, state),
            page_size=check_first(first), page_token=after or "")))
        return Connection[FineFiling].from_page([FineFiling.from_proto(f) for f in reply.fines],
                                                list(reply.cursors), reply.next_page_token)

    @strawberry.field(description="Item 15: one supervised finding by id (item 9: a county-level user may look up "
                                  "their county's only)")
    async def inspection_finding(self, info: strawberry.Info, id: strawberry.ID) -> InspectionFinding | None:
        found = in_county(info, await environment_loaders(info).findings.load(str(id)), "finding")
        return None if found is None else InspectionFinding.from_proto(found)

    @strawberry.field(description="Item 15: supervised findings newest first, by responsible unit, state, county, "
                                  "the channel that brought them and the enterprise (item 9: a county-level user "
                                  "always gets their own; a finding at no site is in no county)")
    async def inspection_findings(
        self, info: strawberry.Info, responsible_unit: str | None = None, states: list[FindingState] | None = None,
        first: int = 20, after: str | None = None, county_code: str | None = None, channel: Channel | None = None,
        enterprise_id: strawberry.ID | None = None,
    ) -> Connection[InspectionFinding]:
        reply = await call(info.context.clients.environment.ListFindings(pb.ListFindingsRequest(
            responsible_unit=responsible_unit, states=[to_proto(pb.FindingState, s) for s in states or []],
            channel=None if channel is None else to_proto(pb.Channel, channel),
            enterprise_id=None if enterprise_id is None else str(enterprise_id),
            county_code=own_county(info, county_code),
            page_size=check_first(first), page_token=after or "")))
        return Connection[InspectionFinding].from_page([InspectionFinding.from_proto(f) for f in reply.findings],
                                                       list(reply.cursors), reply.next_page_token)

    @strawberry.field(description="Item 15: inspection groups and their assigned key enterprises and projects "
                                  "(item 9: a county-level user gets the groups assigned sites in their county, "
                                  "with those sites)")
    async def inspection_groups(self, info: strawberry.Info) -> list[InspectionGroup]:
        reply = await call(info.context.clients.environment.ListInspectionGroups(pb.ListInspectionGroupsRequest()))
        if user_county(info) is None:
            return [InspectionGroup.from_proto(g) for g in reply.groups]
        counties = await _site_counties(info, ((s.kind, s.id) for g in reply.groups for s in g.sites))
        shown = []
        for group in reply.groups:
            sites = of_county(info, group.sites, lambda s: counties[(s.kind, s.id)])
            if sites:
                narrowed = pb.InspectionGroup()
                narrowed.CopyFrom(group)
                del narrowed.sites[:]
                narrowed.sites.extend(sites)
                shown.append(InspectionGroup.from_proto(narrowed))
        return shown

    @strawberry.field(description="Items 9, 18: accountability records newest first, by unit, kind, the case or "
                                  "finding held to account (subjectId) and county (of the case or finding; a "
                                  "county-level user always gets their own)")
    async def accountability_records(
        self, info: strawberry.Info, responsible_unit: str | None = None, kind: AccountabilityKind | None = None,
        first: int = 20, after: str | None = None, county_code: str | None = None,
        subject_id: strawberry.ID | None = None,
    ) -> Connection[AccountabilityRecord]:
        reply = await call(info.context.clients.environment.ListAccountability(pb.ListAccountabilityRequest(
            responsible_unit=responsible_unit, kind=None if kind is None else to_proto(pb.AccountabilityKind, kind),
            subject_id=None if subject_id is None else str(subject_id), county_code=own_county(info, county_code),
            page_size=check_first(first), page_token=after or "")))
        return Connection[AccountabilityRecord].from_page(
            [AccountabilityRecord.from_proto(r) for r in reply.records], list(reply.cursors), reply.next_page_token)

    @strawberry.field(description="Items 9, 18: accountability records counted per unit, most first; of one county "
                                  "if given (a county-level user always gets their own)")
    async def accountability_counts(self, info: strawberry.Info,
                                    county_code: str | None = None) -> list[AccountabilityCount]:
        reply = await call(info.context.clients.environment.CountAccountability(pb.CountAccountabilityRequest(
            county_code=own_county(info, county_code))))
        return [AccountabilityCount(responsible_unit=u.responsible_unit, count=u.count) for u in reply.units]

    @strawberry.field(description="Item 9: the leaders in charge each county and township has named, of the codes "
                                  "given or all (a county-level user gets their county's and its townships')")
    async def leaders_in_charge(self, info: strawberry.Info, codes: list[str] | None = None) -> list[LeaderInCharge]:
        reply = await call(info.context.clients.environment.ListLeadersInCharge(
            pb.ListLeadersInChargeRequest(codes=codes or [])))
        # A township's code (9 digits) begins with its county's 6.
        return [LeaderInCharge.from_proto(x) for x in of_county(info, reply.leaders, lambda x: x.code[:6] or None)]

    @strawberry.field(description="Item 9: enterprises and projects under key protection by hand (a county-level "
                                  "user gets their county's)")
    async def key_protection(self, info: strawberry.Info) -> list[KeyProtectionEntry]:
        reply = await call(info.context.clients.environment.ListKeyProtection(pb.ListKeyProtectionRequest()))
        entries = list(reply.entries)
        if user_county(info) is not None:
            counties = await _site_counties(info, ((k.site_kind, k.site_id) for k in entries))
            entries = of_county(info, entries, lambda k: counties[(k.site_kind, k.site_id)])
        return [KeyProtectionEntry.from_proto(k) for k in entries]
