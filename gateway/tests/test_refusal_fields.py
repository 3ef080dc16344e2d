"""A refusal names what to fix as the user typed it: the argument or input field, at its path in the graph
(``input.territory.countyCode``, ``plan.dueAt``, ``evidence[1].rating``), whatever the service's request calls
it (``enterprise.territory.county_code``, ``due_at``, ``evidence[1].rating``) and however the gateway builds
that request from the arguments (an input flattened into the request, or nested in one of its messages).

Through the signed-in gateway, against the real contacts (demo city), officers and environment services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from mesh_contacts.demo import demo_credit_code
from mesh_environment.testing import RunningEnvironment
from mesh_gateway.auth import Principal, Role
from mesh_gateway.testing import SignedIn
from mesh_officers.testing import RunningOfficers

OFFICE = Principal("x1", Role.OPTIMISATION_OFFICE)
DEPARTMENT = Principal("d1", Role.DEPARTMENT, agency="city-market-supervision")
DAY = timedelta(days=1)
LUOLONG = {"countyCode": "410311", "countyName": "洛龙区", "townshipCode": "410311010", "townshipName": "开元路街道"}


@dataclass
class Mesh(SignedIn):
    officers: RunningOfficers
    environment: RunningEnvironment

    @property
    def now(self) -> datetime:
        """The officers service's clock."""
        return self.officers.clock.now

    async def refusal(self, query: str, principal: Principal, **variables: Any) -> tuple[str, str | None]:
        """The rule of the one error the query is refused with, and the field it names."""
        reply = await self.query(query, principal, variables)
        assert reply["data"] is None, reply
        (error,) = reply["errors"]
        return error["extensions"]["rule"], error["extensions"]["field"]

    async def ok(self, query: str, principal: Principal, **variables: Any) -> Any:
        reply = await self.query(query, principal, variables)
        assert "errors" not in reply, reply["errors"]
        return reply["data"]


@pytest.fixture
def mesh(demo_city: tuple[SignedIn, RunningOfficers, RunningEnvironment]) -> Mesh:
    signed_in, officers, environment = demo_city
    return Mesh(signed_in.gateway, signed_in.secret, officers, environment)


def future(days: int = 30) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


# ---- contacts: the registry (an input nested in the request as its enterprise, project or leader) ----------

REGISTER_ENTERPRISE = "mutation($i: EnterpriseInput!) { registerEnterprise(input: $i) { id } }"
UPDATE_ENTERPRISE = "mutation($id: ID!, $i: EnterpriseInput!) { updateEnterprise(id: $id, input: $i) { id } }"


def enterprise_input(n: int, **more: Any) -> dict[str, Any]:
    return {"name": "洛阳开元测试有限公司", "creditCode": demo_credit_code("410311", n), "sector": "装备制造",
            "territory": LUOLONG, **more}


async def test_enterprise_refusals_name_the_field_inside_input(mesh: Mesh) -> None:
    async def refused(**more: Any) -> tuple[str, str | None]:
        return await mesh.refusal(REGISTER_ENTERPRISE, OFFICE, i=enterprise_input(91, **more))

    assert await refused(territory={**LUOLONG, "countyCode": "4103"}) == (
        "territory-code", "input.territory.countyCode")
    assert await refused(contactName="办" * 201) == ("too-long", "input.contactName")
    assert await refused(contactPhone="0" * 51) == ("too-long", "input.contactPhone")
    assert await refused(creditCode=demo_credit_code("410311", 91)[:-1] + "0") == (
        "credit-code-check-digit", "input.creditCode")
    await mesh.ok(REGISTER_ENTERPRISE, OFFICE, i=enterprise_input(92))
    assert await refused(creditCode=demo_credit_code("410311", 92)) == ("credit-code-unique", "input.creditCode")

    assert await mesh.refusal(UPDATE_ENTERPRISE, OFFICE, id="ent-010", i=enterprise_input(93, sector=" ")) == (
        "required", "input.sector")
    assert await mesh.refusal(UPDATE_ENTERPRISE, OFFICE, id="ent-404", i=enterprise_input(93)) == (
        "enterprise-exists", "id")  # outside the input: as it was


REGISTER_PROJECT = "mutation($i: ProjectInput!) { registerProject(input: $i) { id } }"
UPDATE_PROJECT = "mutation($id: ID!, $i: ProjectInput!) { updateProject(id: $id, input: $i) { id } }"


def project_input(**more: Any) -> dict[str, Any]:
    return {"name": "开元测试项目", "ownerEnterpriseId": "ent-005", "sector": "SERVICE", "investmentYuan": "100",
            "territory": LUOLONG, "stage": "PRELIMINARY", **more}


async def test_project_refusals_name_the_field_inside_input(mesh: Mesh) -> None:
    assert await mesh.refusal(REGISTER_PROJECT, OFFICE, i=project_input(ownerEnterpriseId="ent-404")) == (
        "owner-exists", "input.ownerEnterpriseId")
    assert await mesh.refusal(REGISTER_PROJECT, OFFICE, i=project_input(investmentYuan="-1")) == (
        "investment-range", "input.investmentYuan")
    assert await mesh.refusal(UPDATE_PROJECT, OFFICE, id="prj-007", i=project_input(name=" ")) == (
        "required", "input.name")
    assert await mesh.refusal(UPDATE_PROJECT, OFFICE, id="prj-007",
                              i=project_input(territory={**LUOLONG, "townshipCode": "410305005"})) == (
        "territory-code", "input.territory.townshipCode")


REGISTER_LEADER = "mutation($i: LeaderInput!) { registerLeader(input: $i) { id } }"
UPDATE_LEADER = "mutation($id: ID!, $i: LeaderInput!) { updateLeader(id: $id, input: $i) { id } }"


async def test_leader_refusals_name_the_field_inside_input(mesh: Mesh) -> None:
    county_leader = {"name": "周测试", "level": "COUNTY", "post": "区长", "countyCode": "410311",
                     "countyName": "洛龙区"}
    assert await mesh.refusal(REGISTER_LEADER, OFFICE, i={**county_leader, "countyCode": ""}) == (
        "territory-code", "input.countyCode")
    assert await mesh.refusal(REGISTER_LEADER, OFFICE, i={**county_leader, "countyName": ""}) == (
        "required", "input.countyName")
    assert await mesh.refusal(UPDATE_LEADER, OFFICE, id="ldr-004", i={**county_leader, "post": " "}) == (
        "required", "input.post")


# ---- contacts: pairings, visits and problems ----------------------------------------------------------------

PAIR = """mutation($l: ID!, $t: ID!) { pairLeader(leaderId: $l, targetKind: ENTERPRISE, targetId: $t) { id } }"""
END_PAIRING = "mutation($p: ID!) { endPairing(pairingId: $p) { id } }"
RAISE = "mutation($v: ID!, $i: ProblemInput!) { raiseProblem(visitId: $v, input: $i) { id } }"
COORDINATE = "mutation($p: ID!) { coordinateProblem(problemId: $p, department: \"供电公司\") { id } }"
RESOLVE = "mutation($p: ID!) { resolveProblem(problemId: $p, resolution: \"已解决\") { id } }"
CLOSE_UNRESOLVED = "mutation($p: ID!) { closeProblemUnresolved(problemId: $p, reason: \"无法解决\") { id } }"


def problem_input(**more: Any) -> dict[str, Any]:
    return {"category": "FACTOR_POWER", "description": "用电增容", "department": "供电公司", "dueOn": future(),
            **more}


async def test_an_unknown_id_is_named_as_the_argument_that_sent_it(mesh: Mesh) -> None:
    assert await mesh.refusal(PAIR, OFFICE, l="ldr-404", t="ent-001") == ("leader-exists", "leaderId")
    assert await mesh.refusal(END_PAIRING, OFFICE, p="pair-404") == ("pairing-exists", "pairingId")
    assert await mesh.refusal(RAISE, OFFICE, v="vis-404", i=problem_input()) == ("visit-exists", "visitId")
    for query in (COORDINATE, RESOLVE, CLOSE_UNRESOLVED):
        assert await mesh.refusal(query, OFFICE, p="prb-404") == ("problem-exists", "problemId"), query


RECORD_VISIT = "mutation($i: VisitInput!) { recordVisit(input: $i) { visit { id } } }"


def visit_input(**more: Any) -> dict[str, Any]:
    return {"leaderId": "ldr-001", "targetKind": "ENTERPRISE", "targetId": "ent-001", **more}


async def test_visit_and_problem_refusals_name_the_field_inside_input(mesh: Mesh) -> None:
    async def visit(**more: Any) -> tuple[str, str | None]:
        return await mesh.refusal(RECORD_VISIT, OFFICE, i=visit_input(**more))

    assert await visit(leaderId="ldr-404") == ("leader-exists", "input.leaderId")
    assert await visit(targetId="ent-404") == ("target-exists", "input.targetId")
    assert await visit(visitedOn=future(2)) == ("visit-date", "input.visitedOn")
    # Each problem by its place in the list (safety is a project's only; ent-001 is an enterprise).
    assert await visit(problems=[problem_input(), problem_input(category="SAFETY")]) == (
        "problem-category", "input.problems[1].category")
    assert await visit(problems=[problem_input(description=" ")]) == ("required", "input.problems[0].description")
    assert await visit(problems=[problem_input(dueOn="2020-01-01")]) == ("due-date", "input.problems[0].dueOn")

    # vis-001 is ldr-001's visit to ent-001, an enterprise.
    assert await mesh.refusal(RAISE, OFFICE, v="vis-001", i=problem_input(category="QUALITY")) == (
        "problem-category", "input.category")
    assert await mesh.refusal(RAISE, OFFICE, v="vis-001", i=problem_input(department=" ")) == (
        "required", "input.department")
    assert await mesh.refusal(RAISE, OFFICE, v="vis-001", i=problem_input(dueOn="2020-01-01")) == (
        "due-date", "input.dueOn")


# ---- environment: the guard, filings, cases and findings (inputs flattened into the request) ------------------

CHECK = "mutation($a: EnforcementActionInput!) { checkEnforcement(action: $a) { id allowed } }"


async def test_enforcement_check_refusals_name_the_field_inside_action(mesh: Mesh) -> None:
    def action(**more: Any) -> dict[str, Any]:
        return {"enterpriseId": "ent-008", "agency": "city-market-supervision", "matter": "food safety",
                "plannedAt": (datetime.now(UTC) + DAY).isoformat(),
                "officers": [{"officerId": "o1", "name": "Li", "credentialNumber": "C1",
                              "credentialExpiresOn": future(365)}], **more}

    assert await mesh.refusal(CHECK, DEPARTMENT, a=action(agency=" ")) == ("required", "action.agency")
    assert await mesh.refusal(CHECK, DEPARTMENT, a=action(matter="")) == ("required", "action.matter")
    assert await mesh.refusal(CHECK, DEPARTMENT, a=action(proposedFineYuan="0")) == (
        "fine-amount-positive", "action.proposedFineYuan")


FILE_FINE = "mutation($i: FineFilingInput!) { fileFine(input: $i) { id } }"


async def test_fine_filing_refusals_name_the_field_inside_input(mesh: Mesh) -> None:
    def fine(**more: Any) -> dict[str, Any]:
        return {"enterpriseId": "ent-008", "agency": "city-market-supervision", "amountYuan": "500",
                "matter": "food safety", **more}

    assert await mesh.refusal(FILE_FINE, DEPARTMENT, i=fine(amountYuan="0")) == (
        "fine-amount-positive", "input.amountYuan")
    assert await mesh.refusal(FILE_FINE, DEPARTMENT, i=fine(matter=" ")) == ("required", "input.matter")
    assert await mesh.refusal(FILE_FINE, DEPARTMENT, i=fine(enterpriseId="")) == ("required", "input.enterpriseId")


async def test_the_gateways_own_input_checks_name_the_field_inside_its_argument(mesh: Mesh) -> None:
    """Money finer than the fen and a time without its offset are refused by the gateway itself, before any
    service: named at the path the query gives them, as the services' refusals are."""
    async def bad_input(query: str, **variables: Any) -> str:
        reply = await mesh.query(query, DEPARTMENT, variables)
        assert reply["data"] is None, reply
        (error,) = reply["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", error
        field: str = error["extensions"]["field"]
        assert error["message"].startswith(field), error  # the message names it the same way
        return field

    fine = {"enterpriseId": "ent-008", "agency": "city-market-supervision", "matter": "food safety"}
    assert await bad_input(FILE_FINE, i={**fine, "amountYuan": "500.001"}) == "input.amountYuan"
    action = {**fine, "officers": [], "plannedAt": "2026-12-02T10:00:00"}  # no offset: ambiguous, refused
    assert await bad_input(CHECK, a=action) == "action.plannedAt"
    assert await bad_input(CHECK, a={**action, "plannedAt": "2026-12-02T10:00:00+08:00",
                                     "proposedFineYuan": "0.001"}) == "action.proposedFineYuan"


QUIET = """mutation($w: [Int!]!, $r: [QuietDateRangeInput!]) {
  declareQuietProductionDays(enterpriseId: "ent-008", weekdays: $w, ranges: $r) { enterpriseId } }"""
ASSIGN_GROUP = """mutation($sites: [SiteRefInput!]!) {
  assignInspectionGroup(groupId: "grp-9", name: "第九督查组", sites: $sites) { id } }"""


async def test_an_element_of_a_list_at_fault_is_named_by_its_place(mesh: Mesh) -> None:
    """One weekday, range or site at fault is named where it is in the list the user sent, not as the list."""
    assert await mesh.refusal(QUIET, OFFICE, w=[2, 9], r=None) == ("quiet-weekday", "weekdays[1]")
    ranges = [{"first": future(10), "last": future(12)}, {"first": future(20), "last": future(19)}]
    assert await mesh.refusal(QUIET, OFFICE, w=[], r=ranges) == ("quiet-range-order", "ranges[1].last")
    # ent-001 is a city key enterprise; ent-010 is on no key list.
    sites = [{"kind": "ENTERPRISE", "id": "ent-001"}, {"kind": "ENTERPRISE", "id": "ent-010"}]
    assert await mesh.refusal(ASSIGN_GROUP, OFFICE, sites=sites) == ("inspection-key-sites", "sites[1].id")


OPEN_CASE = "mutation($i: OpenCaseInput!) { openGovernanceCase(input: $i) { id } }"
FILE_PLAN = "mutation($c: ID!, $p: GovernancePlanInput!) { fileGovernancePlan(caseId: $c, plan: $p) { id } }"
CASES = """query($a: DateTime, $b: DateTime) {
  governanceCases(filter: {openedAfter: $a, openedBefore: $b}) { edges { node { id } } } }"""


async def test_case_refusals_name_the_field_inside_input_and_plan(mesh: Mesh) -> None:
    case = {"source": "COMPLAINT", "enterpriseId": "ent-008", "description": "trucks blocked at the gate"}
    assert await mesh.refusal(OPEN_CASE, OFFICE, i={**case, "description": " "}) == (
        "case-description", "input.description")
    assert await mesh.refusal(OPEN_CASE, OFFICE, i={**case, "enterpriseId": "ent-404"}) == (
        "site-registered", "input.enterpriseId")

    case_id = (await mesh.ok(OPEN_CASE, OFFICE, i=case))["openGovernanceCase"]["id"]

    def plan(**more: Any) -> dict[str, Any]:
        return {"measures": ["daily patrols"], "responsibleUnits": ["Yanshi police"],
                "dueAt": (datetime.now(UTC) + 5 * DAY).isoformat(), **more}

    assert await mesh.refusal(FILE_PLAN, OFFICE, c=case_id, p=plan(measures=[" "])) == (
        "plan-measures", "plan.measures")
    assert await mesh.refusal(FILE_PLAN, OFFICE, c=case_id, p=plan(responsibleUnits=[])) == (
        "plan-units", "plan.responsibleUnits")
    assert await mesh.refusal(FILE_PLAN, OFFICE, c=case_id, p=plan(dueAt=(datetime.now(UTC) - DAY).isoformat())) == (
        "plan-due-future", "plan.dueAt")

    now = datetime.now(UTC)
    assert await mesh.refusal(CASES, OFFICE, a=now.isoformat(), b=(now - DAY).isoformat()) == (
        "date-range", "filter.openedBefore")


REGISTER_FINDING = "mutation($i: FindingInput!) { registerFinding(input: $i) { id } }"


async def test_finding_refusals_name_the_field_inside_input(mesh: Mesh) -> None:
    def finding(**more: Any) -> dict[str, Any]:
        return {"channel": "SERVICE_CENTRE", "kind": "SLOW_ACTION", "description": "permit held for weeks",
                "responsibleUnit": "City Housing Bureau", **more}

    assert await mesh.refusal(REGISTER_FINDING, OFFICE, i=finding(responsibleUnit=" ")) == (
        "finding-unit", "input.responsibleUnit")
    assert await mesh.refusal(REGISTER_FINDING, OFFICE, i=finding(channel="INSPECTION_GROUP")) == (
        "finding-group", "input.inspectionGroup")
    assert await mesh.refusal(REGISTER_FINDING, OFFICE, i=finding(dueAt=(datetime.now(UTC) - DAY).isoformat())) == (
        "finding-due", "input.dueAt")


# ---- officers ---------------------------------------------------------------------------------------------

DISPATCH = """mutation($basis: DispatchBasisInput!, $office: JurisdictionInput!) { dispatchOfficer(
  officer: {id: "p-zhou", name: "Zhou Min", department: "Commerce Bureau", rank: DEPARTMENT_LEADER},
  targetKind: ENTERPRISE, targetId: "ent-002", enterpriseId: "ent-002", office: $office, basis: $basis) { id } }"""
CITY = {"level": "CITY"}


async def test_dispatch_refusals_name_the_basis_and_office_fields_as_typed(mesh: Mesh) -> None:
    at = (mesh.now - DAY).isoformat()
    # The graph's basis is one flat input; the service's is one of two messages.
    assert await mesh.refusal(DISPATCH, OFFICE, office=CITY, basis={"instruction": "serve it", "at": at}) == (
        "required", "basis.leaderName")
    assert await mesh.refusal(DISPATCH, OFFICE, office=CITY, basis={"leaderName": "Li", "at": at}) == (
        "required", "basis.instruction")
    assert await mesh.refusal(DISPATCH, OFFICE, office=CITY, basis={"note": "asked by phone", "at": at}) == (
        "required", "basis.enterpriseContact")
    assert await mesh.refusal(DISPATCH, OFFICE, office={"level": "CITY", "countyCode": "410311"},
                              basis={"enterpriseContact": "CEO", "at": at}) == ("jurisdiction", "office.countyCode")
    assert await mesh.refusal(DISPATCH, OFFICE, office={"level": "COUNTY", "countyCode": "4103"},
                              basis={"enterpriseContact": "CEO", "at": at}) == ("jurisdiction", "office.countyCode")


REPORT = """query($c: JurisdictionInput!) { agencyMonthlyReport(centre: $c, month: "2026-01") { month } }"""
FILE_REPORT = """mutation($c: JurisdictionInput!) { fileAgencyMonthlyReport(centre: $c, month: "2026-01") {
  month } }"""


async def test_a_centre_is_named_as_typed(mesh: Mesh) -> None:
    centre = {"level": "CITY", "countyCode": "410311"}
    assert await mesh.refusal(REPORT, OFFICE, c=centre) == ("jurisdiction", "centre.countyCode")
    assert await mesh.refusal(FILE_REPORT, OFFICE, c=centre) == ("jurisdiction", "centre.countyCode")


ASSESS = "mutation($p: ID!) { assessPledge(pledgeId: $p, kept: true, finding: \"kept\") { id } }"
CLOSE_SUPERVISION = """mutation($s: ID!) { closeSupervision(supervisionId: $s, finding: SATISFACTORY, note: "done") {
  id } }"""
ADD_MEMBERS = """mutation($o: ID!) { addGroupMembers(officerId: $o, proposal: "more hands", members: [
  {id: "p-m1", name: "Ma", department: "Land Bureau", rank: STAFF}]) { id } }"""
RELEASE = "mutation($o: ID!) { releaseGroupMember(officerId: $o, personId: \"p-m1\", reason: \"moved\") { id } }"
AGREE = """mutation($r: ID!, $by: DateTime!) { agreeAnswerDeadline(requestId: $r, department: "Housing Bureau",
  answerBy: $by) { id } }"""
STAFFING = """mutation($p: ID!) { setStaffing(projectId: $p, units: [{unit: "City Development and Reform Commission",
  kind: COORDINATION_DEPARTMENT, agents: [], leadHandlers: [
    {id: "p-l1", name: "Lu", department: "DRC", rank: DEPUTY_COUNTY_OR_ABOVE},
    {id: "p-l2", name: "Lin", department: "DRC", rank: DEPUTY_COUNTY_OR_ABOVE}]}]) { projectId } }"""
UPDATE_PROCEDURE = """mutation($p: ID!) { updateProcedure(projectId: $p, kind: LAND, status: IN_PROGRESS) {
  projectId } }"""
DECIDE = """mutation($n: ID!) { decideNonApproval(nonApprovalId: $n, level: DEPUTY_HEAD, approve: true,
  decidedBy: "Deputy Head Sun") { id } }"""


async def test_an_unknown_officers_id_is_named_as_the_argument_that_sent_it(mesh: Mesh) -> None:
    assert await mesh.refusal(ASSESS, OFFICE, p="plg-404") == ("pledge-exists", "pledgeId")
    assert await mesh.refusal(CLOSE_SUPERVISION, OFFICE, s="sup-404") == ("supervision-item-exists", "supervisionId")
    assert await mesh.refusal(ADD_MEMBERS, OFFICE, o="off-404") == ("officer-exists", "officerId")
    assert await mesh.refusal(RELEASE, OFFICE, o="off-404") == ("officer-exists", "officerId")
    assert await mesh.refusal(AGREE, OFFICE, r="req-404", by=(mesh.now + DAY).isoformat()) == (
        "request-exists", "requestId")
    assert await mesh.refusal(STAFFING, OFFICE, p="prj-404") == ("lead-handled-project-exists", "projectId")
    assert await mesh.refusal(UPDATE_PROCEDURE, OFFICE, p="prj-404") == ("lead-handled-project-exists", "projectId")
    assert await mesh.refusal(DECIDE, OFFICE, n="na-404") == ("non-approval-exists", "nonApprovalId")


OPEN_REQUEST = """mutation { openRequest(enterpriseId: "ent-002", source: ENTERPRISE, subject: "temporary land use",
  category: PERMIT, department: "Housing Bureau") { id } }"""
HAND_OVER = """mutation($r: ID!, $from: String!) { handOverRequest(requestId: $r, fromDepartment: $from,
  toDepartment: "Land Bureau", reason: "a land matter") { id } }"""


async def test_a_hand_over_from_another_department_names_from_department(mesh: Mesh) -> None:
    request_id = (await mesh.ok(OPEN_REQUEST, OFFICE))["openRequest"]["id"]
    assert await mesh.refusal(HAND_OVER, OFFICE, r=request_id, **{"from": "Water Bureau"}) == (
        "accountable-department", "fromDepartment")


DISPATCHED = """mutation($at: DateTime!) { dispatchOfficer(
  officer: {id: "p-wang", name: "Wang Lei", department: "Commerce Bureau", rank: DEPARTMENT_LEADER},
  targetKind: ENTERPRISE, targetId: "ent-002", enterpriseId: "ent-002", office: {level: CITY},
  basis: {leaderName: "Vice Mayor Li", instruction: "serve the new plant", at: $at}) { id } }"""
REWARD = """mutation($o: ID!, $level: JurisdictionInput!, $evidence: [EvidenceInput!]!) { recordReward(officerId: $o,
  kind: COMMENDATION, authority: LEADING_GROUP, authorityLevel: $level, citation: "served well",
  evidence: $evidence) { id } }"""


async def test_reward_evidence_is_named_by_its_place_in_the_list(mesh: Mesh) -> None:
    officer_id = (await mesh.ok(DISPATCHED, OFFICE, at=(mesh.now - DAY).isoformat()))["dispatchOfficer"]["id"]
    good = {"kind": "RATING", "rating": 5, "note": "SMS rating"}

    async def reward(*evidence: dict[str, Any], level: dict[str, str] = CITY) -> tuple[str, str | None]:
        return await mesh.refusal(REWARD, OFFICE, o=officer_id, level=level, evidence=list(evidence))

    assert await reward(good, {**good, "rating": 3}) == ("evidence-decisive", "evidence[1].rating")
    assert await reward(good, {**good, "rating": 9}) == ("rating-range", "evidence[1].rating")
    assert await reward(good, {**good, "rating": 1}) == ("reward-evidence-direction", "evidence[1]")
    assert await reward({**good, "note": " "}) == ("required", "evidence[0].note")
    assert await reward({"kind": "PLEDGE", "ref": "plg-404"}) == ("evidence-on-record", "evidence[0].ref")
    assert await reward(good, level={"level": "COUNTY", "countyCode": ""}) == (
        "jurisdiction", "authorityLevel.countyCode")


MEMBERS = """mutation($o: ID!, $m: [PersonInput!]!) { addGroupMembers(officerId: $o, proposal: "more hands",
  members: $m) { id } }"""
STAFF = """mutation($u: [StaffingUnitInput!]!) { setStaffing(projectId: "prj-404", units: $u) { projectId } }"""


async def test_a_member_or_staff_at_fault_is_named_by_its_place(mesh: Mesh) -> None:
    officer_id = (await mesh.ok(DISPATCHED, OFFICE, at=(mesh.now - DAY).isoformat()))["dispatchOfficer"]["id"]
    ma = {"id": "p-m1", "name": "Ma", "department": "Land Bureau", "rank": "STAFF"}
    wang = {"id": "p-wang", "name": "Wang Lei", "department": "Commerce Bureau", "rank": "DEPARTMENT_LEADER"}
    assert await mesh.refusal(MEMBERS, OFFICE, o=officer_id, m=[ma, wang]) == (
        "group-member-not-officer", "members[1].id")
    assert await mesh.refusal(MEMBERS, OFFICE, o=officer_id, m=[ma, {**ma, "name": "Ma Li"}]) == (
        "group-member-unique", "members[1].id")

    def lead(pid: str, rank: str = "DEPUTY_COUNTY_OR_ABOVE") -> dict[str, str]:
        return {"id": pid, "name": pid, "department": "DRC", "rank": rank}

    def unit(name: str, *leads: dict[str, str]) -> dict[str, Any]:
        return {"unit": name, "kind": "COORDINATION_DEPARTMENT", "agents": [], "leadHandlers": list(leads)}

    assert await mesh.refusal(STAFF, OFFICE, u=[unit("DRC", lead("p-l1"), lead("p-l2", "STAFF"))]) == (
        "lead-handler-rank", "units[0].leadHandlers[1].rank")
    drc, again = unit("DRC", lead("p-l1"), lead("p-l2")), unit("Audit Bureau", lead("p-l3"), lead("p-l1"))
    assert await mesh.refusal(STAFF, OFFICE, u=[drc, again]) == ("staff-unique", "units[1].leadHandlers[1].id")


START = """mutation($facts: ProjectFactsInput, $designation: DesignationInput) { startLeadHandling(
  projectId: "prj-001", enterpriseId: "ent-001", office: {level: CITY}, facts: $facts, designation: $designation) {
  projectId } }"""


async def test_a_designation_inside_the_facts_is_named_there(mesh: Mesh) -> None:
    designation = {"by": " ", "document": "Luo Zheng [2026] 1", "designatedAt": (mesh.now - DAY).isoformat()}
    facts = {"sector": "SERVICE", "investmentYuan": "1000", "designation": designation}
    assert await mesh.refusal(START, OFFICE, facts=facts, designation=None) == ("required", "facts.designation.by")
    assert await mesh.refusal(START, OFFICE, facts=None, designation=designation) == ("required", "designation.by")
