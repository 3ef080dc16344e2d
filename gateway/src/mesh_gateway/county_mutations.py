"""Item 9 (territorial management) for changes: a county-level user acts only within their county.

Every mutation is checked here, before its resolver runs and so before anything is sent to a service:
:func:`in_county_only` puts :class:`InCounty` on every field of the ``Mutation`` type, and :data:`ACTS`
names, per mutation, what it acts on or at (the rows it names by id, the enterprise or project it creates
something at, the county it places a new row in). Each of those must lie in the user's county
(:func:`mesh_gateway.county.sees`), or the mutation is refused with FORBIDDEN naming the field
(``Mutation.resolveProblem``), as a by-id read of another county's row is (``Query.problem``). The rows are
found through the request's DataLoaders, so a check costs one batched read per kind of row.

As for reads: a row with no county (a case whose territory is not known yet, a finding at no site, a
request whose enterprise's county is not known yet, a city leader, the city's office) is for city-wide
users only, and so is a row the gateway cannot find (it lies in no county it knows). City-wide users
and sign-in off (no verifier) are not checked. Police are scoped by agency, not county, on incidents
(see ``mesh_gateway.incidents.types.may_see``): the response service checks that their unit is the one
responsible, and no county check is added for them there; elsewhere (cases, enforcement checks) they are
county-level users like any other. A mutation missing from :data:`ACTS` is refused to every county-level
user (fail closed; a test keeps the table complete).

Which row decides the county (what must lie in the user's county), per mutation:

================================  ===========================================================================
mutation                          decided by
================================  ===========================================================================
registerEnterprise                the county its territory places it in
updateEnterprise                  the enterprise (id), and the county its new territory places it in
registerProject                   the county its territory places it in
updateProject                     the project (id), and the county its new territory places it in
registerLeader                    the leader's county (none: a city leader, city-wide users only)
updateLeader                      the leader (id) by its own county (a city leader: city-wide only), and the
                                  new county
pairLeader                        the target enterprise or project; the leader (a city leader is every
                                  county's, as for reads)
endPairing                        the pairing (its target's county)
recordVisit                       the target enterprise or project; the leader (a city leader is every
                                  county's)
raiseProblem                      the visit
coordinateProblem,                the problem
resolveProblem,
closeProblemUnresolved
publishPairingList                nothing of one county: the list covers the city, so city-wide users only
dispatchOfficer                   the target enterprise or project; the dispatching office (the city's:
                                  city-wide only)
addGroupMembers,                  the officer (the county of what they serve)
releaseGroupMember, filePledge,
openSupervision
recordReward                      the officer; the authority's level (the city's: city-wide only)
assessPledge, closeSupervision    the pledge or supervision item, by its officer's county (one not found, or
                                  whose officer is not found: city-wide only)
openRequest                       the enterprise; the project, if named
openRequestFromProblem            the problem
agreeAnswerDeadline,              the request (its enterprise's county)
handOverRequest, acceptHandOver,
declineHandOver, completeRequest,
rateRequest, recordAgencyStep,
proposeLeaderTakeCharge
takeAsAgent                       the request; the service centre taking it (the city's: city-wide only)
fileAgencyMonthlyReport           the service centre (the city's: city-wide only)
startLeadHandling                 the project (in the registry; one it does not know: city-wide only); the
                                  office (the city's: city-wide only)
setStaffing, openProcedure,       the lead-handled project, whose county is its project's
updateProcedure
reportNonApproval                 the subject: the request, or the procedure's project
decideNonApproval                 the report's subject (as for ``nonApproval(id)``)
declareQuietProductionDays        the enterprise
checkEnforcement                  the enterprise
recordRoughEnforcement            the enforcement check (the county its enterprise lay in when checked; none
                                  when the registry did not know: city-wide only)
fileFine                          the enterprise
decideFine, imposeFine            the fine filing
openGovernanceCase                the enterprise and/or project (neither: no territory, city-wide only)
assignCaseTerritory               the case, and the county it is moved to (a move between counties is for
                                  city-wide users)
acknowledgeCase,                  the case (its territory)
fileGovernancePlan,
addCaseProgress,
closeGovernanceCase,
recheckGovernanceCase
nameLeaderInCharge                the county named, or the township's county (its code's first 6 digits)
addKeyProtection,                 the enterprise or project
removeKeyProtection
assignInspectionGroup             every site assigned, and every site the group has now (they are replaced)
registerFinding                   the enterprise and/or project (neither: a finding at no site, city-wide
                                  only)
resolveFinding, recheckFinding    the finding
dispatchIncident                  the incident (its territory), and the unit named, if any (its county; a
                                  city-level unit, in the city's code, or one not registered: city-wide
                                  only); police: neither (agency)
transferIncident                  the incident, and the unit it is handed to (as for dispatchIncident);
                                  police: neither (they hand incidents across county lines, by agency)
acknowledgeIncident,              the incident (its territory); police: not county-checked (agency)
arriveOnScene, resolveIncident,
closeIncidentUnfounded
registerRespondingUnit            the unit's county, and the county of the unit it replaces, if any
================================  ===========================================================================
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from strawberry.extensions import FieldExtension
from strawberry.types.base import get_object_definition

from mesh.environment.v1 import environment_pb2
from mesh.officers.v1 import officers_pb2
from mesh.response.v1 import response_pb2
from mesh_gateway.auth import Role
from mesh_gateway.authorization import forbidden
from mesh_gateway.county import leader_county, row_county, sees, user_county
from mesh_gateway.errors import call
from mesh_gateway.officers.project_types import subject_county
from mesh_gateway.officers.types import officer_counties

Counties = Callable[[Any], Awaitable[Sequence[str | None]]]
"""info -> the counties something lies in (None: in none, or not found)."""


@dataclass(frozen=True)
class Target:
    """Something a mutation acts on or at: named for the refusal, with the counties it lies in."""

    what: str
    counties: Counties
    police: bool = True
    """False: police are not county-checked on it (incidents: they are scoped by agency)."""


def _one(county: Callable[[Any], Awaitable[str | None]]) -> Counties:
    async def counties(info: Any) -> list[str | None]:
        return [await county(info)]
    return counties


def _row(what: str, loader: Callable[[Any], Any],
         county: Callable[[Any], str | None] = row_county) -> Callable[[Any], Target]:
    """A row by id, loaded through the request's DataLoader ``loader(info.context.loaders)``."""
    def target(row_id: Any) -> Target:
        async def find(info: Any) -> str | None:
            row = await loader(info.context.loaders).load(str(row_id))
            return None if row is None else county(row)
        return Target(f"{what} {row_id}", _one(find))
    return target


enterprise = _row("enterprise", lambda ls: ls.contacts.enterprises)
project = _row("project", lambda ls: ls.contacts.projects)
leader = _row("leader", lambda ls: ls.contacts.leaders, lambda r: r.county_code or None)
paired_leader = _row("leader", lambda ls: ls.contacts.leaders, leader_county)
pairing = _row("pairing", lambda ls: ls.contacts.pairings)
visit = _row("visit", lambda ls: ls.contacts.visits)
problem = _row("problem", lambda ls: ls.contacts.problems)
request = _row("request", lambda ls: ls.officers.requests)
case = _row("case", lambda ls: ls.environment.cases)
enforcement_check = _row("enforcement check", lambda ls: ls.environment.enforcement_checks)
fine = _row("fine filing", lambda ls: ls.environment.fines)
finding = _row("finding", lambda ls: ls.environment.findings)


def site(kind: Any, site_id: Any) -> Target:
    """An enterprise or a project, by a kind (a GraphQL enum) whose value is "enterprise" or "project"."""
    return project(site_id) if kind.value == "project" else enterprise(site_id)


def sites(what: str, enterprise_id: Any, project_id: Any) -> list[Target]:
    """The enterprise and/or project a new row is at (neither: a row at no site, in no county)."""
    named = [*([enterprise(enterprise_id)] if enterprise_id else []), *([project(project_id)] if project_id else [])]
    return named or [city_wide(f"{what} at no enterprise or project")]


def incident(incident_id: Any) -> Target:
    found = _row("incident", lambda ls: ls.incidents)(incident_id)
    return Target(found.what, found.counties, police=False)


def officer(officer_id: Any) -> Target:
    """An officer lies where what they serve lies (``mesh_gateway.officers.types.officer_counties``)."""
    async def find(info: Any) -> str | None:
        row = await info.context.loaders.officers.officers.load(str(officer_id))
        return None if row is None else (await officer_counties(info, [row])).get(row.id)
    return Target(f"officer {officer_id}", _one(find))


def _of_officer(what: str, loader: Callable[[Any], Any]) -> Callable[[Any], Target]:
    """A row of an officer's by id (a pledge, a supervision item): it lies where its officer does."""
    def target(row_id: Any) -> Target:
        async def counties(info: Any) -> Sequence[str | None]:
            row = await loader(info.context.loaders).load(str(row_id))
            return [None] if row is None else await officer(row.officer_id).counties(info)
        return Target(f"{what} {row_id}", counties)
    return target


pledge = _of_officer("pledge", lambda ls: ls.officers.pledges)
supervision_item = _of_officer("supervision item", lambda ls: ls.officers.supervision_items)


def subject(kind: Any, subject_id: str) -> Target:
    """A non-approval's subject: a request, or a procedure ("<project id>/<kind>") of a project."""
    pb_kind = officers_pb2.SUBJECT_KIND_REQUEST if kind.value == "request" else officers_pb2.SUBJECT_KIND_PROCEDURE
    return Target(f"{kind.value} {subject_id}", _one(lambda info: subject_county(info, pb_kind, subject_id)))


def non_approval(non_approval_id: Any) -> Target:
    async def find(info: Any) -> str | None:
        row = await info.context.loaders.officers.non_approvals.load(str(non_approval_id))
        return None if row is None else await subject_county(info, row.subject_kind, row.subject_id)
    return Target(f"non-approval {non_approval_id}", _one(find))


def placed(what: str, county: str | None) -> Target:
    """The county a change places something in (empty: the city's, for city-wide users only)."""
    async def counties(_: Any) -> list[str | None]:
        return [county or None]
    return Target(f"{what} (county {county})" if county else f"{what} (the city's)", counties)


def office(what: str, jurisdiction: Any) -> Target:
    """An office or service centre: a county's lies in that county; the city's in none (city-wide only)."""
    return placed(what, jurisdiction.county_code if jurisdiction.level.value == "county" else None)


def leader_in_charge(level: Any, code: str) -> Target:
    """A county's code is its county; a township's (9 digits) begins with its county's 6."""
    county = {"county": code, "township": code[:6]}.get(level.value)
    return placed(f"the {level.value} {code}", county)


async def _in_none(_: Any) -> list[str | None]:
    return [None]


def city_wide(what: str) -> Target:
    """Something of the whole city, in no one county (city-wide users only)."""
    return Target(what, _in_none)


def inspection_group(group_id: Any) -> Target:
    """The sites an existing group has now (an assignment replaces them); a new group has none."""
    async def counties(info: Any) -> list[str | None]:
        reply = await call(info.context.clients.environment.ListInspectionGroups(
            environment_pb2.ListInspectionGroupsRequest()))
        group = next((g for g in reply.groups if g.id == str(group_id)), None)
        if group is None:
            return []
        found = await asyncio.gather(*((project if s.kind == environment_pb2.SITE_KIND_PROJECT else enterprise)(
            s.id).counties(info) for s in group.sites))
        return [c for counties in found for c in counties]
    return Target(f"inspection group {group_id}'s current sites", counties)


async def _unit_counties(info: Any, unit_id: str) -> list[str | None]:
    """The county of the registered unit ``unit_id`` (a list of one), or no county at all (not registered)."""
    reply = await call(info.context.clients.response.ListUnits(response_pb2.ListUnitsRequest()))
    return [u.county_code or None for u in reply.units if u.id == unit_id]


def responding_unit(unit_id: str) -> Target:
    """The unit a registration replaces, if there is one (a new unit replaces nothing)."""
    async def counties(info: Any) -> list[str | None]:
        return await _unit_counties(info, unit_id)
    return Target(f"responding unit {unit_id}", counties)


def receiving_unit(unit_id: Any) -> Target:
    """The unit an incident is dispatched or handed to: in its county (one not registered is in none).

    A city-level unit carries the city's code (410300), no county's, so it is for city-wide users. Police are
    not checked (they act by agency, and hand incidents to the unit of the county where they lie).
    """
    async def counties(info: Any) -> list[str | None]:
        return await _unit_counties(info, str(unit_id)) or [None]
    return Target(f"the receiving unit {unit_id}", counties, police=False)


Acts = Callable[[dict[str, Any]], list[Target]]
"""A mutation's arguments (Python names, converted) -> what it acts on or at."""

ACTS: dict[str, Acts] = {
    # Contacts: the registry, pairings (item 20), visits and problems (items 19, 20).
    "registerEnterprise": lambda a: [placed("the enterprise", a["input"].territory.county_code)],
    "updateEnterprise": lambda a: [enterprise(a["id"]), placed("the enterprise", a["input"].territory.county_code)],
    "registerProject": lambda a: [placed("the project", a["input"].territory.county_code)],
    "updateProject": lambda a: [project(a["id"]), placed("the project", a["input"].territory.county_code)],
    "registerLeader": lambda a: [placed("the leader", a["input"].county_code)],
    "updateLeader": lambda a: [leader(a["id"]), placed("the leader", a["input"].county_code)],
    "pairLeader": lambda a: [site(a["target_kind"], a["target_id"]), paired_leader(a["leader_id"])],
    "endPairing": lambda a: [pairing(a["pairing_id"])],
    "recordVisit": lambda a: [site(a["input"].target_kind, a["input"].target_id),
                              paired_leader(a["input"].leader_id)],
    "raiseProblem": lambda a: [visit(a["visit_id"])],
    "coordinateProblem": lambda a: [problem(a["problem_id"])],
    "resolveProblem": lambda a: [problem(a["problem_id"])],
    "closeProblemUnresolved": lambda a: [problem(a["problem_id"])],
    "publishPairingList": lambda a: [city_wide("the city's pairing list")],
    # Officers (items 6, 7, 8, 13, 14).
    "dispatchOfficer": lambda a: [site(a["target_kind"], a["target_id"]),
                                  office("the dispatching office", a["office"])],
    "addGroupMembers": lambda a: [officer(a["officer_id"])],
    "releaseGroupMember": lambda a: [officer(a["officer_id"])],
    "filePledge": lambda a: [officer(a["officer_id"])],
    "assessPledge": lambda a: [pledge(a["pledge_id"])],
    "openSupervision": lambda a: [officer(a["officer_id"])],
    "closeSupervision": lambda a: [supervision_item(a["supervision_id"])],
    "recordReward": lambda a: [officer(a["officer_id"]), office("the authority", a["authority_level"])],
    "openRequest": lambda a: sites("a request", a["enterprise_id"], a.get("project_id")),
    "openRequestFromProblem": lambda a: [problem(a["problem_id"])],
    "agreeAnswerDeadline": lambda a: [request(a["request_id"])],
    "handOverRequest": lambda a: [request(a["request_id"])],
    "acceptHandOver": lambda a: [request(a["request_id"])],
    "declineHandOver": lambda a: [request(a["request_id"])],
    "completeRequest": lambda a: [request(a["request_id"])],
    "rateRequest": lambda a: [request(a["request_id"])],
    "takeAsAgent": lambda a: [request(a["request_id"]), office("the service centre", a["centre"])],
    "recordAgencyStep": lambda a: [request(a["request_id"])],
    "proposeLeaderTakeCharge": lambda a: [request(a["request_id"])],
    "fileAgencyMonthlyReport": lambda a: [office("the service centre", a["centre"])],
    "startLeadHandling": lambda a: [project(a["project_id"]), office("the office", a["office"])],
    "setStaffing": lambda a: [project(a["project_id"])],
    "openProcedure": lambda a: [project(a["project_id"])],
    "updateProcedure": lambda a: [project(a["project_id"])],
    "reportNonApproval": lambda a: [subject(a["subject_kind"], a["subject_id"])],
    "decideNonApproval": lambda a: [non_approval(a["non_approval_id"])],
    # Environment: the guard (item 10), fines (item 11), cases (item 9), findings (item 15).
    "declareQuietProductionDays": lambda a: [enterprise(a["enterprise_id"])],
    "checkEnforcement": lambda a: [enterprise(a["action"].enterprise_id)],
    "recordRoughEnforcement": lambda a: [enforcement_check(a["check_id"])],
    "fileFine": lambda a: [enterprise(a["input"].enterprise_id)],
    "decideFine": lambda a: [fine(a["fine_id"])],
    "imposeFine": lambda a: [fine(a["fine_id"])],
    "openGovernanceCase": lambda a: sites("a case", a["input"].enterprise_id, a["input"].project_id),
    "assignCaseTerritory": lambda a: [case(a["case_id"]), placed("the case", a["county_code"])],
    "acknowledgeCase": lambda a: [case(a["case_id"])],
    "fileGovernancePlan": lambda a: [case(a["case_id"])],
    "addCaseProgress": lambda a: [case(a["case_id"])],
    "closeGovernanceCase": lambda a: [case(a["case_id"])],
    "recheckGovernanceCase": lambda a: [case(a["case_id"])],
    "nameLeaderInCharge": lambda a: [leader_in_charge(a["level"], a["code"])],
    "addKeyProtection": lambda a: [site(a["site_kind"], a["site_id"])],
    "removeKeyProtection": lambda a: [site(a["site_kind"], a["site_id"])],
    "assignInspectionGroup": lambda a: [*(site(s.kind, s.id) for s in a["sites"]),
                                        inspection_group(a["group_id"])],
    "registerFinding": lambda a: sites("a finding", a["input"].enterprise_id, a["input"].project_id),
    "resolveFinding": lambda a: [finding(a["finding_id"])],
    "recheckFinding": lambda a: [finding(a["finding_id"])],
    # Rapid response (item 9): police act as their agency's unit, which the service checks.
    "dispatchIncident": lambda a: [incident(a["incident_id"]),
                                   *([receiving_unit(a["unit_id"])] if a.get("unit_id") else [])],
    "acknowledgeIncident": lambda a: [incident(a["incident_id"])],
    "arriveOnScene": lambda a: [incident(a["incident_id"])],
    "resolveIncident": lambda a: [incident(a["incident_id"])],
    "transferIncident": lambda a: [incident(a["incident_id"]), receiving_unit(a["to_unit_id"])],
    "closeIncidentUnfounded": lambda a: [incident(a["incident_id"])],
    "registerRespondingUnit": lambda a: [placed("the unit", a["county_code"]), responding_unit(a["id"])],
}


async def check(info: Any, arguments: dict[str, Any]) -> None:
    """Refuse a county-level user's mutation that acts on or at anything outside their county (item 9)."""
    user = user_county(info)
    if user is None:
        return
    where = f"{info.path.typename}.{info.field_name}"
    acts = ACTS.get(info.field_name)
    if acts is None:
        raise forbidden(f"{where} has no county rule yet, so no county-level user may use it (item 9)", where)
    police = info.context.principal.role is Role.POLICE
    targets = [t for t in acts(arguments) if t.police or not police]
    found = await asyncio.gather(*(t.counties(info) for t in targets))  # one batched read per kind of row
    for target, counties in zip(targets, found, strict=True):
        if not all(sees(user, c) for c in counties):
            raise forbidden(f"{target.what} does not lie in county {user}: a county-level user acts only on and in "
                            f"their county (item 9)", where)


class InCounty(FieldExtension):
    """Runs :func:`check` before the mutation's resolver, so a refused change never reaches a service."""

    # Positional-only (strawberry passes them so): a mutation may have an argument named ``source`` (openRequest).
    async def resolve_async(self, next_: Callable[..., Awaitable[Any]], source: Any, info: Any, /,  # type: ignore[override]
                            **kwargs: Any) -> Any:
        await check(info, kwargs)
        return await next_(source, info, **kwargs)


T = TypeVar("T", bound=type)


def in_county_only(mutation: T) -> T:
    """Put :class:`InCounty` on every field of the ``Mutation`` type (once: the type may be built many times)."""
    definition = get_object_definition(mutation, strict=True)
    for field in definition.fields:
        if not any(isinstance(e, InCounty) for e in field.extensions):
            field.extensions.append(InCounty())
    return mutation
