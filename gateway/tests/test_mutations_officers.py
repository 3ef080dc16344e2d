"""Through the signed-in gateway, against the real officers and contacts services: the officers mutations no other
test ran (setStaffing, openProcedure, updateProcedure, reportNonApproval, openSupervision, declineHandOver,
proposeLeaderTakeCharge, fileAgencyMonthlyReport, openRequestFromProblem) each work for a role the gateway allows,
answer with the change made, and the change reads back through the graph's queries.

Each test walks a life-cycle of items 6, 7, 8, 13, 14 and 19/20: a project lead-handled, staffed, its procedures
opened and moved (one refused until its non-approval is reported); an officer dispatched and followed up; a request
handed over and declined; a request taken as agent, reported not approved, proposed to a leader and counted in its
centre's filed monthly report; a problem raised at a leader's visit becoming a request. Each family asserts one
refusal too (the role the gateway refuses, or the service's rule with its policy item and field).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mesh_contacts.domain.calendar import city_today
from mesh_environment.testing import RunningEnvironment
from mesh_gateway.auth import Principal, Role
from mesh_gateway.testing import SignedIn, codes, refusal
from mesh_officers.testing import RunningOfficers

DAY = timedelta(days=1)
OFFICE = Principal("office-1", Role.OPTIMISATION_OFFICE)
LEADER = Principal("leader-1", Role.LEADER)
DEPARTMENT = Principal("dept-1", Role.DEPARTMENT)
COUNTY_DEPARTMENT = Principal("dept-2", Role.DEPARTMENT, county_code="410311")  # item 9: acts in its county only
OFFICER = Principal("officer-1", Role.OFFICER)
ENTERPRISE = Principal("ent-user", Role.ENTERPRISE, enterprise_id="ent-002")
# Demo registry (mesh_contacts.demo): prj-002 is ent-002's, a provincial key project (so lead-handled from its
# registered facts) in county 410311; the city leader ldr-002 is paired with ent-002 and visited prj-002 (vis-002).
PROJECT, OWNER = "prj-002", "ent-002"
BUREAU = "Luolong Natural Resources Bureau"


@dataclass
class Mesh(SignedIn):
    officers: RunningOfficers

    @property
    def now(self) -> datetime:
        return self.officers.clock.now

    async def ok(self, query: str, principal: Principal, **variables: Any) -> Any:
        return await self.data(query, principal, variables)


@pytest.fixture
def mesh(demo_city: tuple[SignedIn, RunningOfficers, RunningEnvironment]) -> Mesh:
    signed_in, officers, _ = demo_city
    return Mesh(signed_in.gateway, signed_in.secret, officers)


def person(pid: str, name: str, rank: str) -> dict[str, str]:
    return {"id": pid, "name": name, "department": "-", "rank": rank}


def lead(*ids: str) -> list[dict[str, str]]:
    """Lead handlers of a department as ``setStaffing`` answers them (id and rank)."""
    return [{"id": i, "rank": "DEPUTY_COUNTY_OR_ABOVE"} for i in ids]


def problem_due() -> str:
    """A due date for a problem a month ahead of the contacts service's today (its clock is the real one)."""
    return (city_today(datetime.now(UTC)) + 30 * DAY).isoformat()


# ---------------------------------------------------------------- item 8 (and 14): a lead-handled project

START = """mutation($p: ID!) { startLeadHandling(projectId: $p, office: {level: CITY}) {
  projectId enterpriseId eligibility { eligible basis } } }"""
STAFF = """mutation($p: ID!, $units: [StaffingUnitInput!]!) { setStaffing(projectId: $p, units: $units) {
  projectId staffing { unit kind leadHandlers { id rank } agents { id rank } } } }"""
OPEN_PROCEDURE = """mutation($p: ID!, $kind: ProcedureKind!, $d: String!, $due: DateTime!) {
  openProcedure(projectId: $p, kind: $kind, department: $d, dueAt: $due) {
    procedures { id kind utilityHookup department status dueAt doneAt history { status by }
                 deadline { kind responsible state clause } } } }"""
UPDATE_PROCEDURE = """mutation($p: ID!, $kind: ProcedureKind!, $s: ProcedureStatus!, $note: String!) {
  updateProcedure(projectId: $p, kind: $kind, status: $s, note: $note) {
    procedures { id status doneAt history { status by note } deadline { state } } } }"""
REPORT = """mutation($kind: NonApprovalSubjectKind!, $id: String!, $agency: String!, $k: NonApprovalKind!) {
  reportNonApproval(subjectKind: $kind, subjectId: $id, agency: $agency, kind: $k, handler: "Section chief Liu",
                    reasons: "the plot lies outside the land use plan", suggestion: "apply for the eastern plot") {
    id subjectKind subjectId agency kind state level steps { level decision decidedBy reasons suggestion }
    levelDeadline { kind state clause } topOverdue officeFiling { basis } } }"""
LEAD_HANDLED = """query($p: ID!) {
  leadHandledProject(projectId: $p) {
    projectId staffing { unit kind leadHandlers { id } agents { id } }
    procedures { id kind status doneAt history { status by note } nonApprovals { id state level } } }
  project(id: $p) { leadHandling { projectId } leadHandlingProcedures { id status } } }"""

UNITS = [
    {"unit": BUREAU, "kind": "APPROVAL_DEPARTMENT",
     "leadHandlers": [person("p-1", "Deputy Director Zhao", "DEPUTY_COUNTY_OR_ABOVE"),
                      person("p-2", "Deputy Director Qian", "DEPUTY_COUNTY_OR_ABOVE")],
     "agents": [person("p-3", "Section head Sun", "SECTION_HEAD"), person("p-4", "Manager Li", "MIDDLE_MANAGER")]},
    {"unit": "City Development and Reform Commission", "kind": "COORDINATION_DEPARTMENT",
     "leadHandlers": [person("p-5", "Deputy Director Zhou", "DEPUTY_COUNTY_OR_ABOVE"),
                      person("p-6", "Deputy Director Wu", "DEPUTY_COUNTY_OR_ABOVE")],
     "agents": []},
    {"unit": "City Power Supply Company", "kind": "PUBLIC_UTILITY", "leadHandlers": [],
     "agents": [person("p-7", "Section head Zheng", "SECTION_HEAD"), person("p-8", "Manager Wang", "MIDDLE_MANAGER")]},
]
LAND, POWER = f"{PROJECT}/land", f"{PROJECT}/temporary_power"


async def test_a_project_is_lead_handled_staffed_and_its_procedures_opened_reported_and_moved(mesh: Mesh) -> None:
    started = (await mesh.ok(START, OFFICE, p=PROJECT))["startLeadHandling"]
    assert started == {"projectId": PROJECT, "enterpriseId": OWNER,
                       "eligibility": {"eligible": True, "basis": "KEY_PROJECT"}}

    # Staffing (item 8): two lead handlers a department, two agents an approval department or utility.
    short = [{**UNITS[0], "leadHandlers": UNITS[0]["leadHandlers"][:1]}]
    assert refusal(await mesh.query(STAFF, OFFICER, {"p": PROJECT, "units": short})) == {
        "code": "FAILED_PRECONDITION", "rule": "lead-handler-count", "policyItem": "Item 8",
        "field": "units[0].leadHandlers"}
    staffed = (await mesh.ok(STAFF, OFFICER, p=PROJECT, units=UNITS))["setStaffing"]
    assert staffed == {"projectId": PROJECT, "staffing": [
        {"unit": BUREAU, "kind": "APPROVAL_DEPARTMENT",
         "leadHandlers": lead("p-1", "p-2"),
         "agents": [{"id": "p-3", "rank": "SECTION_HEAD"}, {"id": "p-4", "rank": "MIDDLE_MANAGER"}]},
        {"unit": "City Development and Reform Commission", "kind": "COORDINATION_DEPARTMENT",
         "leadHandlers": lead("p-5", "p-6"),
         "agents": []},
        {"unit": "City Power Supply Company", "kind": "PUBLIC_UTILITY", "leadHandlers": [],
         "agents": [{"id": "p-7", "rank": "SECTION_HEAD"}, {"id": "p-8", "rank": "MIDDLE_MANAGER"}]},
    ]}

    # Procedures (item 8): a pre-construction procedure and a utility hook-up, each with its due date and clock.
    land_due, power_due = mesh.now + 30 * DAY, mesh.now + 20 * DAY
    opened = (await mesh.ok(OPEN_PROCEDURE, COUNTY_DEPARTMENT, p=PROJECT, kind="LAND", d=BUREAU,
                            due=land_due.isoformat()))["openProcedure"]
    assert opened["procedures"] == [{
        "id": LAND, "kind": "LAND", "utilityHookup": False, "department": BUREAU,
        "status": "NOT_STARTED", "dueAt": land_due.isoformat(), "doneAt": None,
        "history": [{"status": "NOT_STARTED", "by": "dept-2"}],
        "deadline": {"kind": "procedure", "responsible": BUREAU, "state": "pending",
                     "clause": "Item 8"}}]
    opened = (await mesh.ok(OPEN_PROCEDURE, OFFICER, p=PROJECT, kind="TEMPORARY_POWER", d="City Power Supply Company",
                            due=power_due.isoformat()))["openProcedure"]
    assert [(p["id"], p["utilityHookup"], p["status"]) for p in opened["procedures"]] == [
        (LAND, False, "NOT_STARTED"), (POWER, True, "NOT_STARTED")]

    async def move(kind: str, status: str, note: str = "") -> dict[str, Any]:
        moved = await mesh.ok(UPDATE_PROCEDURE, COUNTY_DEPARTMENT, p=PROJECT, kind=kind, s=status, note=note)
        return {p["id"]: p for p in moved["updateProcedure"]["procedures"]}

    assert (await move("LAND", "IN_PROGRESS", "application accepted"))[LAND]["history"] == [
        {"status": "NOT_STARTED", "by": "dept-2", "note": ""},
        {"status": "IN_PROGRESS", "by": "dept-2", "note": "application accepted"}]
    # Not approved only once the non-approval is reported in writing (item 14).
    not_yet = await mesh.query(UPDATE_PROCEDURE, COUNTY_DEPARTMENT,
                               {"p": PROJECT, "kind": "LAND", "s": "NOT_APPROVED", "note": ""})
    assert refusal(not_yet) == {"code": "FAILED_PRECONDITION", "rule": "non-approval-reported",
                                "policyItem": "Item 14", "field": "status"}
    reported = (await mesh.ok(REPORT, COUNTY_DEPARTMENT, kind="PROCEDURE", id=LAND, agency=BUREAU,
                              k="NOT_APPROVED"))["reportNonApproval"]
    assert reported == {
        "id": reported["id"], "subjectKind": "PROCEDURE", "subjectId": LAND, "agency": BUREAU,
        "kind": "NOT_APPROVED", "state": "PENDING", "level": "DEPUTY_HEAD",
        "steps": [{"level": "SECTION", "decision": "REPORTED", "decidedBy": "Section chief Liu",
                   "reasons": "the plot lies outside the land use plan", "suggestion": "apply for the eastern plot"}],
        "levelDeadline": {"kind": "non-approval-level", "state": "pending", "clause": "Item 14"}, "topOverdue": False,
        "officeFiling": None}
    assert (await move("LAND", "NOT_APPROVED", "refused: outside the plan"))[LAND]["status"] == "NOT_APPROVED"
    await move("TEMPORARY_POWER", "IN_PROGRESS")
    power = (await move("TEMPORARY_POWER", "DONE", "connected"))[POWER]
    assert (power["status"], power["doneAt"], power["deadline"]) == ("DONE", mesh.now.isoformat(), {"state": "met"})

    read = await mesh.ok(LEAD_HANDLED, OFFICE, p=PROJECT)
    handled = read["leadHandledProject"]
    assert [(u["unit"], len(u["leadHandlers"]), len(u["agents"])) for u in handled["staffing"]] == [
        (BUREAU, 2, 2), ("City Development and Reform Commission", 2, 0),
        ("City Power Supply Company", 0, 2)]
    land, power = handled["procedures"]
    assert (land["id"], land["status"], land["doneAt"]) == (LAND, "NOT_APPROVED", None)
    assert [h["status"] for h in land["history"]] == ["NOT_STARTED", "IN_PROGRESS", "NOT_APPROVED"]
    assert land["nonApprovals"] == [{"id": reported["id"], "state": "PENDING", "level": "DEPUTY_HEAD"}]
    assert (power["id"], power["status"], power["nonApprovals"]) == (POWER, "DONE", [])
    assert [h["note"] for h in power["history"]] == ["", "", "connected"]
    assert read["project"] == {"leadHandling": {"projectId": PROJECT}, "leadHandlingProcedures": [
        {"id": LAND, "status": "NOT_APPROVED"}, {"id": POWER, "status": "DONE"}]}


# ---------------------------------------------------------------- item 6: an officer followed up

DISPATCH = """mutation($at: DateTime!) { dispatchOfficer(
  officer: {id: "p-wang", name: "Wang Lei", department: "Commerce Bureau", rank: DEPARTMENT_LEADER},
  targetKind: ENTERPRISE, targetId: "ent-002", enterpriseId: "ent-002", office: {level: CITY},
  basis: {leaderName: "Vice Mayor Li", instruction: "serve the new plant", at: $at}) { id } }"""
SUPERVISE = """mutation($o: ID!, $task: String!, $due: DateTime!) {
  openSupervision(officerId: $o, task: $task, dueAt: $due) {
  id officerId task dueAt openedAt openedBy status finding findingNote closedAt
  deadline { kind responsible state clause } } }"""
DOSSIER = """query($o: ID!) { officer(id: $o) {
  supervision { id task status dueAt openedBy } record { supervisionOpen supervisionSatisfactory } } }"""


async def test_a_dispatched_officer_is_put_under_follow_up_supervision(mesh: Mesh) -> None:
    officer_id = (await mesh.ok(DISPATCH, LEADER, at=(mesh.now - DAY).isoformat()))["dispatchOfficer"]["id"]
    due = mesh.now + 14 * DAY
    task = "settle the plant's land questions"

    refused = await mesh.query(SUPERVISE, OFFICER, {"o": officer_id, "task": task, "due": due.isoformat()})
    assert codes(refused) == ["FORBIDDEN"] and refusal(refused)["field"] == "Mutation.openSupervision"
    past = await mesh.query(SUPERVISE, OFFICE, {"o": officer_id, "task": task, "due": (mesh.now - DAY).isoformat()})
    assert refusal(past) == {"code": "INVALID_ARGUMENT", "rule": "future-date", "policyItem": "Item 6",
                             "field": "dueAt"}

    item = (await mesh.ok(SUPERVISE, OFFICE, o=officer_id, task=task, due=due.isoformat()))["openSupervision"]
    assert item == {
        "id": item["id"], "officerId": officer_id, "task": task, "dueAt": due.isoformat(),
        "openedAt": mesh.now.isoformat(), "openedBy": "office-1", "status": "OPEN", "finding": None,
        "findingNote": "", "closedAt": None,
        "deadline": {"kind": "supervision", "responsible": f"officer:{officer_id}", "state": "pending",
                     "clause": "Item 6"}}

    officer = (await mesh.ok(DOSSIER, OFFICE, o=officer_id))["officer"]
    assert officer == {
        "supervision": [{"id": item["id"], "task": task, "status": "OPEN", "dueAt": due.isoformat(),
                         "openedBy": "office-1"}],
        "record": {"supervisionOpen": 1, "supervisionSatisfactory": 0}}


# ---------------------------------------------------------------- item 13: a hand-over declined

OPEN_REQUEST = """mutation($d: String!) { openRequest(enterpriseId: "ent-002", source: ENTERPRISE,
  subject: "temporary land use", category: PERMIT, department: $d) { id dueAt } }"""
HAND_OVER = """mutation($r: ID!) { handOverRequest(requestId: $r, fromDepartment: "Housing Bureau",
  toDepartment: "Natural Resources Bureau", reason: "land is theirs") { state } }"""
DECLINE = """mutation($r: ID!, $d: String!) { declineHandOver(requestId: $r, department: $d,
  reason: "the plot is collectively owned: not ours either") {
    id state accountableDepartment firstInquiryDepartment
    handOvers { seq fromDepartment toDepartment state decidedBy declineReason decidedAt }
    deadlines { kind responsible state } } }"""
REQUEST = """query($r: ID!) { enterpriseRequest(id: $r) {
  state accountableDepartment handOvers { seq state decidedBy declineReason } } }"""


async def test_a_hand_over_is_declined_and_the_hander_stays_accountable(mesh: Mesh) -> None:
    request_id = (await mesh.ok(OPEN_REQUEST, OFFICE, d="Housing Bureau"))["openRequest"]["id"]
    handed = await mesh.ok(HAND_OVER, DEPARTMENT, r=request_id)
    assert handed["handOverRequest"]["state"] == "HANDOVER_PENDING"

    wrong = await mesh.query(DECLINE, DEPARTMENT, {"r": request_id, "d": "Tax Bureau"})
    assert refusal(wrong) == {"code": "FAILED_PRECONDITION", "rule": "handover-addressee", "policyItem": "Item 13",
                              "field": "department"}

    declined = (await mesh.ok(DECLINE, DEPARTMENT, r=request_id, d="Natural Resources Bureau"))["declineHandOver"]
    assert declined["id"] == request_id
    assert (declined["state"], declined["accountableDepartment"], declined["firstInquiryDepartment"]) == (
        "OPEN", "Housing Bureau", "Housing Bureau")
    assert declined["handOvers"] == [{
        "seq": 1, "fromDepartment": "Housing Bureau", "toDepartment": "Natural Resources Bureau", "state": "DECLINED",
        "decidedBy": "dept-1", "declineReason": "the plot is collectively owned: not ours either",
        "decidedAt": mesh.now.isoformat()}]
    clocks = {d["kind"]: d for d in declined["deadlines"]}
    assert clocks["handover-acceptance"]["state"] == "met"
    assert clocks["request-completion"] == {"kind": "request-completion", "responsible": "Housing Bureau",
                                            "state": "pending"}

    assert (await mesh.ok(REQUEST, OFFICER, r=request_id))["enterpriseRequest"] == {
        "state": "OPEN", "accountableDepartment": "Housing Bureau",
        "handOvers": [{"seq": 1, "state": "DECLINED", "decidedBy": "dept-1",
                       "declineReason": "the plot is collectively owned: not ours either"}]}


# ---------------------------------------------------------------- items 7 and 14: an agency case to a leader

CENTRE = {"level": "COUNTY", "countyCode": "410311"}
TAKE = """mutation($r: ID!, $c: JurisdictionInput!) {
  takeAsAgent(requestId: $r, centre: $c, mode: FULL_PROCESS, method: JOINT,
              agent: {id: "p-ma", name: "Ma Li", department: "Service Centre", rank: SECTION_HEAD}) { id }
  recordAgencyStep(requestId: $r, status: SUBMITTED, department: "Natural Resources Bureau",
                   permit: "land use permit") { id } }"""
PROPOSE = """mutation($r: ID!) { proposeLeaderTakeCharge(requestId: $r, leader: "Vice Mayor Li",
  reason: "the land quota is the city's to grant") {
    id agency { leaderProposals { leader reason proposedAt proposedBy } } nonApprovals { id } } }"""
FILE = """mutation($c: JurisdictionInput!, $m: String!) { fileAgencyMonthlyReport(centre: $c, month: $m) {
  centre { level countyCode } month periodStart periodEnd leaderProposals fingerprint filedAt filedBy
  filedWith { level countyCode } total { taken completed openAtEnd overdueAtEnd }
  rows { mode method taken } stepsAtEnd { status count } } }"""
AGENCY_CASE = """query($r: ID!, $n: ID!) {
  enterpriseRequest(id: $r) { agency { leaderProposals { leader proposedBy } } nonApprovals { id kind state } }
  nonApproval(id: $n) { subjectKind subjectId kind state level steps { level decision } } }"""
FILED = """query($c: JurisdictionInput!, $m: String!) { agencyMonthlyReport(centre: $c, month: $m) {
  month fingerprint filedAt filedBy leaderProposals total { taken } } }"""


async def test_an_agency_case_not_approved_goes_to_a_leader_and_into_the_centres_filed_report(mesh: Mesh) -> None:
    request = (await mesh.ok(OPEN_REQUEST, OFFICE, d="Natural Resources Bureau"))["openRequest"]
    request_id = request["id"]
    await mesh.ok(TAKE, DEPARTMENT, r=request_id, c=CENTRE)

    reported = (await mesh.ok(REPORT, DEPARTMENT, kind="REQUEST", id=request_id, agency="Natural Resources Bureau",
                              k="NOT_IN_TIME"))["reportNonApproval"]
    assert (reported["subjectKind"], reported["subjectId"], reported["kind"], reported["state"],
            reported["level"]) == ("REQUEST", request_id, "NOT_IN_TIME", "PENDING", "DEPUTY_HEAD")

    assert refusal(await mesh.query(PROPOSE, ENTERPRISE, {"r": request_id}))["field"] == (
        "Mutation.proposeLeaderTakeCharge")
    proposed = (await mesh.ok(PROPOSE, DEPARTMENT, r=request_id))["proposeLeaderTakeCharge"]
    assert proposed == {"id": request_id, "agency": {"leaderProposals": [
        {"leader": "Vice Mayor Li", "reason": "the land quota is the city's to grant",
         "proposedAt": mesh.now.isoformat(), "proposedBy": "dept-1"}]}, "nonApprovals": [{"id": reported["id"]}]}

    read = await mesh.ok(AGENCY_CASE, OFFICE, r=request_id, n=reported["id"])
    assert read["enterpriseRequest"] == {
        "agency": {"leaderProposals": [{"leader": "Vice Mayor Li", "proposedBy": "dept-1"}]},
        "nonApprovals": [{"id": reported["id"], "kind": "NOT_IN_TIME", "state": "PENDING"}]}
    assert read["nonApproval"] == {"subjectKind": "REQUEST", "subjectId": request_id, "kind": "NOT_IN_TIME",
                                   "state": "PENDING", "level": "DEPUTY_HEAD",
                                   "steps": [{"level": "SECTION", "decision": "REPORTED"}]}

    # The month's report is filed once the month is over (item 7).
    month = "2026-11"
    early = await mesh.query(FILE, COUNTY_DEPARTMENT, {"c": CENTRE, "m": month})
    assert refusal(early) == {"code": "FAILED_PRECONDITION", "rule": "agency-report-month-ended",
                              "policyItem": "Item 7", "field": "month"}
    mesh.officers.clock.now = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    filed = (await mesh.ok(FILE, COUNTY_DEPARTMENT, c=CENTRE, m=month))["fileAgencyMonthlyReport"]
    overdue = int(datetime.fromisoformat(request["dueAt"]) < datetime.fromisoformat(filed["periodEnd"]))
    assert filed == {
        "centre": CENTRE, "month": month, "periodStart": "2026-10-31T16:00:00+00:00",
        "periodEnd": "2026-11-30T16:00:00+00:00", "leaderProposals": 1, "fingerprint": filed["fingerprint"],
        "filedAt": mesh.now.isoformat(), "filedBy": "dept-2", "filedWith": CENTRE,
        "total": {"taken": 1, "completed": 0, "openAtEnd": 1, "overdueAtEnd": overdue},
        "rows": filed["rows"], "stepsAtEnd": filed["stepsAtEnd"]}
    assert {(r["mode"], r["method"]): r["taken"] for r in filed["rows"]} == {
        ("FULL_PROCESS", "JOINT"): 1, ("FULL_PROCESS", "CENTRE_ALONE"): 0,
        ("SINGLE_ITEM", "JOINT"): 0, ("SINGLE_ITEM", "CENTRE_ALONE"): 0}
    assert {s["status"]: s["count"] for s in filed["stepsAtEnd"]} == {
        "PENDING": 0, "SUBMITTED": 1, "APPROVED": 0, "REFUSED": 0}

    # Filing again, later, changes nothing.
    mesh.officers.clock.now += DAY
    assert (await mesh.ok(FILE, OFFICE, c=CENTRE, m=month))["fileAgencyMonthlyReport"] == filed
    assert (await mesh.ok(FILED, LEADER, c=CENTRE, m=month))["agencyMonthlyReport"] == {
        "month": month, "fingerprint": filed["fingerprint"], "filedAt": filed["filedAt"], "filedBy": "dept-2",
        "leaderProposals": 1, "total": {"taken": 1}}


# ---------------------------------------------------------------- items 13, 19, 20: a leader's problem

VISIT = """mutation { recordVisit(input: {leaderId: "ldr-002", targetKind: ENTERPRISE, targetId: "ent-002",
  learned: "the second line waits for land"}) { visit { id } } }"""
RAISE = """mutation($v: ID!, $due: Date!) { raiseProblem(visitId: $v, input: {category: FACTOR_LAND,
  description: "20 mu for the second line", department: "Luolong Natural Resources Bureau", dueOn: $due}) {
    id targetKind targetId } }"""
FROM_PROBLEM = """mutation($p: ID!, $c: RequestCategory, $u: Boolean!) {
  openRequestFromProblem(problemId: $p, category: $c, urgent: $u) {
    id enterpriseId projectId source sourceRef subject category urgent firstInquiryDepartment
    accountableDepartment state openedBy } }"""
REQUESTS_OF = """query($r: ID!) { enterpriseRequest(id: $r) { id source sourceRef subject category state }
  requestsOfEnterprise(enterpriseId: "ent-002") { id } }"""


async def test_a_problem_raised_at_a_leaders_visit_becomes_a_request_once(mesh: Mesh) -> None:
    visit_id = (await mesh.ok(VISIT, LEADER))["recordVisit"]["visit"]["id"]
    problem = (await mesh.ok(RAISE, LEADER, v=visit_id, due=problem_due()))["raiseProblem"]
    assert (problem["targetKind"], problem["targetId"]) == ("ENTERPRISE", OWNER)

    assert codes(await mesh.query(FROM_PROBLEM, DEPARTMENT, {"p": problem["id"], "u": False})) == ["FORBIDDEN"]
    assert refusal(await mesh.query(FROM_PROBLEM, LEADER, {"p": "prb-nope", "u": False})) == {
        "code": "NOT_FOUND", "rule": "problem-exists", "policyItem": None, "field": "problemId"}

    opened = (await mesh.ok(FROM_PROBLEM, LEADER, p=problem["id"], u=False))["openRequestFromProblem"]
    assert opened == {
        "id": f"req-problem-{problem['id']}", "enterpriseId": OWNER, "projectId": "", "source": "LEADER_PROBLEM",
        "sourceRef": problem["id"], "subject": "20 mu for the second line", "category": "FACTOR_SUPPLY",
        "urgent": False, "firstInquiryDepartment": "Luolong Natural Resources Bureau",
        "accountableDepartment": "Luolong Natural Resources Bureau", "state": "OPEN", "openedBy": "leader-1"}
    # Once per problem: asking again (as an officer) gives the same request.
    again = await mesh.ok(FROM_PROBLEM, OFFICER, p=problem["id"], c="COORDINATION", u=True)
    assert again["openRequestFromProblem"] == opened

    read = await mesh.ok(REQUESTS_OF, OFFICE, r=opened["id"])
    assert read["enterpriseRequest"] == {"id": opened["id"], "source": "LEADER_PROBLEM", "sourceRef": problem["id"],
                                         "subject": "20 mu for the second line", "category": "FACTOR_SUPPLY",
                                         "state": "OPEN"}
    assert {"id": opened["id"]} in read["requestsOfEnterprise"]


async def test_a_problem_at_a_project_becomes_its_owners_request_in_the_category_asked(mesh: Mesh) -> None:
    # vis-002: the demo's visit of ldr-002 to prj-002 (ent-002's project).
    problem = (await mesh.ok(RAISE, OFFICE, v="vis-002", due=problem_due()))["raiseProblem"]
    assert (problem["targetKind"], problem["targetId"]) == ("PROJECT", PROJECT)
    request = (await mesh.ok(FROM_PROBLEM, OFFICER, p=problem["id"], c="COORDINATION", u=True))[
        "openRequestFromProblem"]
    assert (request["enterpriseId"], request["projectId"], request["category"], request["urgent"],
            request["openedBy"]) == (OWNER, PROJECT, "COORDINATION", True, "officer-1")
    read = await mesh.ok(REQUESTS_OF, LEADER, r=request["id"])
    assert read["enterpriseRequest"]["category"] == "COORDINATION"
