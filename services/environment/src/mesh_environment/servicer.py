"""gRPC in and out for the environment service; conversion at the edge, the work in casework/enforcement/oversight."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import Any, TypeAlias

import grpc

from mesh.environment.v1 import environment_pb2 as pb
from mesh.environment.v1 import environment_pb2_grpc
from mesh_environment import convert
from mesh_environment.casework import Casework
from mesh_environment.convert import dt, enum_in
from mesh_environment.domain.accountability import AccountabilityKind
from mesh_environment.domain.calendar import parse_date
from mesh_environment.domain.cases import CaseSource, CaseState, Level, Offence, Site, SiteKind
from mesh_environment.domain.findings import Channel, FindingKind, FindingState
from mesh_environment.domain.fines import ChargeKind, FilingBody, FilingState
from mesh_environment.domain.guard import Action, Officer
from mesh_environment.enforcement import Enforcement
from mesh_environment.oversight import Findings
from mesh_environment.repository.cases import CaseFilter, CaseRepository
from mesh_environment.repository.enforcement import CheckFilter, EnforcementRepository, FineFilter
from mesh_environment.repository.oversight import AccountabilityFilter, FindingFilter, OversightRepository
from mesh_environment.repository.paging import cursor_of
from meshlib.deadlines import DeadlineStore
from meshlib.errors import InvalidArgument
from meshlib.mongo import Document

MAX_BATCH = 500
Ctx: TypeAlias = grpc.aio.ServicerContext[Any, Any]


def _opt(msg: object, name: str) -> str | None:
    return getattr(msg, name) if msg.HasField(name) else None  # type: ignore[attr-defined]


class EnvironmentServicer(environment_pb2_grpc.EnvironmentServiceServicer):
    def __init__(self, casework: Casework, enforcement: Enforcement, findings: Findings, cases: CaseRepository,
                 enforcement_repo: EnforcementRepository, oversight: OversightRepository,
                 clocks: DeadlineStore) -> None:
        self._work = casework
        self._guard = enforcement
        self._findings = findings
        self._cases = cases
        self._enf = enforcement_repo
        self._over = oversight
        self._clocks = clocks

    async def _with_clocks(self, docs: Sequence[Document]) -> list[pb.Case]:
        clocks = await self._clocks.for_subject("case", [d["_id"] for d in docs])
        by_case: dict[str, list[Document]] = {}
        for c in sorted(clocks, key=lambda c: c["due_at"]):
            by_case.setdefault(c["subject_id"], []).append(c)
        return [convert.case(d, by_case.get(d["_id"], [])) for d in docs]

    async def _case(self, doc: Document) -> pb.Case:
        return (await self._with_clocks([doc]))[0]

    # ---- cases ----

    async def OpenCase(self, request: pb.OpenCaseRequest, context: Ctx) -> pb.Case:
        doc = await self._work.open_case(
            site=Site(request.enterprise_id or None, request.project_id or None),
            offence=enum_in(pb.Offence, request.offence, Offence, field="offence", default=Offence.OTHER),
            description=request.description, location=request.location,
            occurred_at=dt(request.occurred_at, request.HasField("occurred_at")),
            source=enum_in(pb.CaseSource, request.source, CaseSource, field="source"),
            source_ref=request.source_ref, major=request.major, actor=request.actor)
        return await self._case(doc)

    async def GetCase(self, request: pb.GetCaseRequest, context: Ctx) -> pb.Case:
        return await self._case(await self._work.get(request.id, field="id"))

    async def BatchGetCases(self, request: pb.BatchGetCasesRequest, context: Ctx) -> pb.BatchGetCasesResponse:
        docs = await self._cases.get_many(list(request.ids)[:MAX_BATCH])
        return pb.BatchGetCasesResponse(cases=await self._with_clocks(docs))

    async def _by_key(self, field: str, keys: Sequence[str], open_only: bool = False) -> pb.CasesByKeyResponse:
        keys = list(dict.fromkeys(keys))[:MAX_BATCH]
        docs = await self._cases.by_field(field, keys, open_only=open_only)
        by_key: dict[str, list[pb.Case]] = {}  # one pass over the cases, each under its key(s), newest first
        for doc, case in zip(docs, await self._with_clocks(docs), strict=True):
            for value in dict.fromkeys(doc[field] if field == "incident_ids" else [doc.get(field)]):
                by_key.setdefault(value, []).append(case)
        return pb.CasesByKeyResponse(results=[pb.CasesForKey(key=k, cases=by_key.get(k, [])) for k in keys])

    async def BatchGetCasesByEnterprise(self, request: pb.BatchGetCasesByEnterpriseRequest,
                                        context: Ctx) -> pb.CasesByKeyResponse:
        return await self._by_key("enterprise_id", request.enterprise_ids, request.open_only)

    async def BatchGetCasesByProject(self, request: pb.BatchGetCasesByProjectRequest,
                                     context: Ctx) -> pb.CasesByKeyResponse:
        return await self._by_key("project_id", request.project_ids, request.open_only)

    async def BatchGetCasesByIncident(self, request: pb.BatchGetCasesByIncidentRequest,
                                      context: Ctx) -> pb.CasesByKeyResponse:
        return await self._by_key("incident_ids", request.incident_ids)

    async def ListCases(self, request: pb.ListCasesRequest, context: Ctx) -> pb.ListCasesResponse:
        f = request.filter
        flt = CaseFilter(
            county_code=_opt(f, "county_code"), township_code=_opt(f, "township_code"),
            states=[enum_in(pb.CaseState, s, CaseState, field=f"filter.states[{i}]").value
                    for i, s in enumerate(f.states)],
            enterprise_id=_opt(f, "enterprise_id"), project_id=_opt(f, "project_id"),
            key_protection=f.key_protection if f.HasField("key_protection") else None,
            major=f.major if f.HasField("major") else None,
            level=enum_in(pb.Level, f.level, Level, field="filter.level").value if f.HasField("level") else None,
            opened=convert.window(f, "opened", "filter"))
        docs, token = await self._cases.page(flt, request.page_size, request.page_token)
        return pb.ListCasesResponse(cases=await self._with_clocks(docs), next_page_token=token,
                                    cursors=[cursor_of(d) for d in docs])

    async def AssignTerritory(self, request: pb.AssignTerritoryRequest, context: Ctx) -> pb.Case:
        doc = await self._work.assign_territory(
            request.case_id, county_code=request.county_code, county_name=request.county_name,
            township_code=request.township_code, township_name=request.township_name, reason=request.reason,
            actor=request.actor)
        return await self._case(doc)

    async def AcknowledgeCase(self, request: pb.AcknowledgeCaseRequest, context: Ctx) -> pb.Case:
        return await self._case(await self._work.acknowledge(request.case_id, request.actor))

    async def FilePlan(self, request: pb.FilePlanRequest, context: Ctx) -> pb.Case:
        doc = await self._work.file_plan(request.case_id, measures=request.measures,
                                         responsible_units=request.responsible_units,
                                         due_at=dt(request.due_at, request.HasField("due_at")), actor=request.actor)
        return await self._case(doc)

    async def AddProgress(self, request: pb.AddProgressRequest, context: Ctx) -> pb.Case:
        return await self._case(await self._work.add_progress(request.case_id, request.note, request.actor))

    async def CloseCase(self, request: pb.CloseCaseRequest, context: Ctx) -> pb.Case:
        return await self._case(await self._work.close(request.case_id, request.outcome, request.actor))

    async def RecheckCase(self, request: pb.RecheckCaseRequest, context: Ctx) -> pb.Case:
        doc = await self._work.recheck(request.case_id, confirmed=request.confirmed, note=request.note,
                                       actor=request.actor)
        return await self._case(doc)

    async def NameLeaderInCharge(self, request: pb.NameLeaderInChargeRequest, context: Ctx) -> pb.LeaderInCharge:
        level = enum_in(pb.Level, request.level, Level, field="level")
        return convert.leader(await self._work.name_leader(level, request.code, request.leader, request.actor))

    async def ListLeadersInCharge(self, request: pb.ListLeadersInChargeRequest,
                                  context: Ctx) -> pb.ListLeadersInChargeResponse:
        docs = await self._cases.leaders(list(request.codes))
        return pb.ListLeadersInChargeResponse(leaders=[convert.leader(d) for d in docs])

    # ---- key protection ----

    def _site_kind(self, number: int, field: str = "site_kind") -> str:
        return enum_in(pb.SiteKind, number, SiteKind, field=field).value

    async def AddKeyProtection(self, request: pb.AddKeyProtectionRequest, context: Ctx) -> pb.KeyProtection:
        doc = await self._work.add_key_protection(self._site_kind(request.site_kind), request.site_id,
                                                  request.reason, request.actor)
        return convert.key_protection(doc)

    async def RemoveKeyProtection(self, request: pb.RemoveKeyProtectionRequest, context: Ctx) -> pb.KeyProtection:
        doc = await self._work.remove_key_protection(self._site_kind(request.site_kind), request.site_id,
                                                     request.reason, request.actor)
        return convert.key_protection(doc)

    async def ListKeyProtection(self, request: pb.ListKeyProtectionRequest,
                                context: Ctx) -> pb.ListKeyProtectionResponse:
        docs = await self._cases.active_key_protection()
        return pb.ListKeyProtectionResponse(entries=[convert.key_protection(d) for d in docs])

    # ---- the guard ----

    async def DeclareQuietDays(self, request: pb.DeclareQuietDaysRequest, context: Ctx) -> pb.QuietDays:
        doc = await self._guard.declare_quiet_days(request.enterprise_id, list(request.weekdays),
                                                   [(r.first, r.last) for r in request.ranges], request.actor)
        return convert.quiet_days(doc)

    async def GetQuietDays(self, request: pb.GetQuietDaysRequest, context: Ctx) -> pb.QuietDays:
        return convert.quiet_days(await self._guard.quiet_days(request.enterprise_id))

    async def CheckEnforcement(self, request: pb.CheckEnforcementRequest, context: Ctx) -> pb.EnforcementCheck:
        if not request.HasField("planned_at"):
            raise InvalidArgument("planned_at is required", rule="required", item="Item 10", field="planned_at")
        officers = tuple(
            Officer(o.officer_id, o.name, o.credential_number,
                    parse_date(o.credential_expires_on, field=f"officers[{i}].credential_expires_on")
                    if o.credential_expires_on else None)
            for i, o in enumerate(request.officers))
        action = Action(
            enterprise_id=request.enterprise_id, agency=request.agency, matter=request.matter,
            planned_at=request.planned_at.ToDatetime(UTC), officers=officers,
            filing_reference=request.filing_reference,
            proposed_fine_fen=request.proposed_fine_fen if request.HasField("proposed_fine_fen") else None,
            fine_filing_id=request.fine_filing_id, minor_violation=request.minor_violation)
        return convert.check(await self._guard.check(action, request.actor))

    async def RecordRoughEnforcement(self, request: pb.RecordRoughEnforcementRequest,
                                     context: Ctx) -> pb.EnforcementCheck:
        doc = await self._guard.record_rough_enforcement(request.check_id, request.complaint, request.actor,
                                                         enterprise_id=_opt(request, "enterprise_id"))
        return convert.check(doc)

    async def ListEnforcementChecks(self, request: pb.ListEnforcementChecksRequest,
                                    context: Ctx) -> pb.ListEnforcementChecksResponse:
        flt = CheckFilter(_opt(request, "enterprise_id"), _opt(request, "agency"),
                          request.allowed if request.HasField("allowed") else None, _opt(request, "county_code"),
                          checked=convert.window(request, "checked"))
        docs, token = await self._enf.page_checks(flt, request.page_size, request.page_token)
        return pb.ListEnforcementChecksResponse(checks=[convert.check(d) for d in docs], next_page_token=token,
                                                cursors=[cursor_of(d) for d in docs])

    async def BatchGetEnforcementChecks(self, request: pb.BatchGetEnforcementChecksRequest,
                                        context: Ctx) -> pb.BatchGetEnforcementChecksResponse:
        docs = await self._enf.checks_by_id(list(request.ids)[:MAX_BATCH])
        return pb.BatchGetEnforcementChecksResponse(checks=[convert.check(d) for d in docs])

    async def GetEnforcementStats(self, request: pb.GetEnforcementStatsRequest, context: Ctx) -> pb.EnforcementStats:
        stats = await self._enf.check_stats(CheckFilter(_opt(request, "enterprise_id"), _opt(request, "agency"),
                                                        county_code=_opt(request, "county_code")))
        return pb.EnforcementStats(
            checks=stats["checks"], allowed=stats["allowed"], refused=stats["refused"],
            refusals_by_reason=[pb.ReasonCount(prohibition=convert.enum_out(pb.Prohibition, reason), count=n)
                                for reason, n in stats["by_reason"].items()],
            rough_enforcement_complaints=stats["complaints"])

    # ---- fines ----

    async def FileFine(self, request: pb.FileFineRequest, context: Ctx) -> pb.FineFiling:
        doc = await self._guard.file_fine(
            enterprise_id=request.enterprise_id, agency=request.agency,
            kind=enum_in(pb.ChargeKind, request.kind, ChargeKind, field="kind", default=ChargeKind.FINE),
            amount_fen=request.amount_fen, matter=request.matter, legal_basis=request.legal_basis,
            minor_violation=request.minor_violation, actor=request.actor)
        return convert.fine(doc)

    async def DecideFine(self, request: pb.DecideFineRequest, context: Ctx) -> pb.FineFiling:
        doc = await self._guard.decide_fine(
            request.fine_id, body=enum_in(pb.FilingBody, request.body, FilingBody, field="body"),
            approve=request.approve, reason=request.reason, actor=request.actor)
        return convert.fine(doc)

    async def ImposeFine(self, request: pb.ImposeFineRequest, context: Ctx) -> pb.FineFiling:
        return convert.fine(await self._guard.impose_fine(request.fine_id, hearing_held=request.hearing_held,
                                                          actor=request.actor))

    async def BatchGetFines(self, request: pb.BatchGetFinesRequest, context: Ctx) -> pb.BatchGetFinesResponse:
        docs = await self._enf.fines_by_id(list(request.ids)[:MAX_BATCH])
        return pb.BatchGetFinesResponse(fines=[convert.fine(d) for d in docs])

    async def ListFines(self, request: pb.ListFinesRequest, context: Ctx) -> pb.ListFinesResponse:
        flt = FineFilter(
            enterprise_id=_opt(request, "enterprise_id"), agency=_opt(request, "agency"),
            body=enum_in(pb.FilingBody, request.body, FilingBody, field="body").value
            if request.HasField("body") else None,
            state=enum_in(pb.FilingState, request.state, FilingState, field="state").value
            if request.HasField("state") else None, county_code=_opt(request, "county_code"),
            filed=convert.window(request, "filed"))
        docs, token = await self._enf.page_fines(flt, request.page_size, request.page_token)
        return pb.ListFinesResponse(fines=[convert.fine(d) for d in docs], next_page_token=token,
                                    cursors=[cursor_of(d) for d in docs])

    # ---- findings ----

    async def AssignInspectionGroup(self, request: pb.AssignInspectionGroupRequest,
                                    context: Ctx) -> pb.InspectionGroup:
        sites = [(self._site_kind(s.kind, f"sites[{i}].kind"), s.id) for i, s in enumerate(request.sites)]
        return convert.group(await self._findings.assign_group(request.group_id, request.name, sites, request.actor))

    async def ListInspectionGroups(self, request: pb.ListInspectionGroupsRequest,
                                   context: Ctx) -> pb.ListInspectionGroupsResponse:
        return pb.ListInspectionGroupsResponse(groups=[convert.group(d) for d in await self._over.groups()])

    async def _finding(self, doc: Document) -> pb.Finding:
        return convert.finding(doc, await self._clocks.for_subject("finding", [doc["_id"]]))

    async def RegisterFinding(self, request: pb.RegisterFindingRequest, context: Ctx) -> pb.Finding:
        doc = await self._findings.register(
            channel=enum_in(pb.Channel, request.channel, Channel, field="channel"),
            inspection_group=request.inspection_group,
            kind=enum_in(pb.FindingKind, request.kind, FindingKind, field="kind"),
            description=request.description, responsible_unit=request.responsible_unit,
            responsible_leader=request.responsible_leader,
            site=Site(request.enterprise_id or None, request.project_id or None),
            due_at=dt(request.due_at, request.HasField("due_at")), actor=request.actor)
        return await self._finding(doc)

    async def ResolveFinding(self, request: pb.ResolveFindingRequest, context: Ctx) -> pb.Finding:
        return await self._finding(await self._findings.resolve(request.finding_id, request.outcome, request.actor))

    async def RecheckFinding(self, request: pb.RecheckFindingRequest, context: Ctx) -> pb.Finding:
        doc = await self._findings.recheck(request.finding_id, confirmed=request.confirmed, note=request.note,
                                           actor=request.actor)
        return await self._finding(doc)

    async def BatchGetFindings(self, request: pb.BatchGetFindingsRequest,
                               context: Ctx) -> pb.BatchGetFindingsResponse:
        docs = await self._over.findings_by_id(list(request.ids)[:MAX_BATCH])
        clocks = await self._clocks.for_subject("finding", [d["_id"] for d in docs])
        return pb.BatchGetFindingsResponse(
            findings=[convert.finding(d, [c for c in clocks if c["subject_id"] == d["_id"]]) for d in docs])

    async def ListFindings(self, request: pb.ListFindingsRequest, context: Ctx) -> pb.ListFindingsResponse:
        flt = FindingFilter(
            responsible_unit=_opt(request, "responsible_unit"),
            states=[enum_in(pb.FindingState, s, FindingState, field=f"states[{i}]").value
                    for i, s in enumerate(request.states)],
            channel=enum_in(pb.Channel, request.channel, Channel, field="channel").value
            if request.HasField("channel") else None,
            enterprise_id=_opt(request, "enterprise_id"), county_code=_opt(request, "county_code"))
        docs, token = await self._over.page_findings(flt, request.page_size, request.page_token)
        return pb.ListFindingsResponse(findings=[convert.finding(d) for d in docs], next_page_token=token,
                                       cursors=[cursor_of(d) for d in docs])

    # ---- accountability ----

    async def ListAccountability(self, request: pb.ListAccountabilityRequest,
                                 context: Ctx) -> pb.ListAccountabilityResponse:
        flt = AccountabilityFilter(
            responsible_unit=_opt(request, "responsible_unit"),
            kind=enum_in(pb.AccountabilityKind, request.kind, AccountabilityKind, field="kind").value
            if request.HasField("kind") else None,
            subject_id=_opt(request, "subject_id"), county_code=_opt(request, "county_code"))
        docs, token = await self._over.page_accountability(flt, request.page_size, request.page_token)
        return pb.ListAccountabilityResponse(records=[convert.accountability(d) for d in docs],
                                             next_page_token=token, cursors=[cursor_of(d) for d in docs])

    async def BatchGetAccountabilityBySubject(self, request: pb.BatchGetAccountabilityBySubjectRequest,
                                              context: Ctx) -> pb.AccountabilityBySubjectResponse:
        ids = list(dict.fromkeys(request.subject_ids))[:MAX_BATCH]
        by_subject: dict[str, list[pb.AccountabilityRecord]] = {}
        for doc in await self._over.accountability_of(ids):
            by_subject.setdefault(doc["subject_id"], []).append(convert.accountability(doc))
        return pb.AccountabilityBySubjectResponse(results=[
            pb.AccountabilityForSubject(subject_id=i, records=by_subject.get(i, [])) for i in ids])

    async def CountAccountability(self, request: pb.CountAccountabilityRequest,
                                  context: Ctx) -> pb.CountAccountabilityResponse:
        rows = await self._over.count_by_unit(_opt(request, "county_code"))
        return pb.CountAccountabilityResponse(units=[pb.UnitCount(responsible_unit=u, count=n) for u, n in rows])
