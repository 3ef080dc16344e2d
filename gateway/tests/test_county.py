"""Item 9 through the gateway: a county-level user's requests, enforcement checks, fine filings, findings and
accountability records (and their counts) hold only its county's rows; looking up another county's row by id
is refused, naming the field; the lists under a row the user may see hold only their county's rows; a change
to another county's row (or at another county's enterprise) is refused before it reaches the service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from strawberry.types.base import StrawberryList, get_object_definition

from mesh.environment.v1 import environment_pb2 as epb
from mesh.officers.v1 import officers_pb2 as opb
from mesh.response.v1 import response_pb2_grpc
from mesh_environment.testing import RunningEnvironment, allowed_check, records_at
from mesh_gateway.auth import Principal, Role
from mesh_gateway.county_mutations import ACTS
from mesh_gateway.schema import Mutation, build_schema
from mesh_gateway.testing import SignedIn, codes
from mesh_officers.testing import CITY, RunningOfficers, person
from mesh_response.push import push
from mesh_response.testing import report
from meshlib.bus import Bus
from meshlib.testing.poll import eventually

OWN, OTHER = "410311", "410305"
COUNTY_LEADER = Principal("l2", Role.LEADER, county_code=OWN)
CITY_LEADER = Principal("l1", Role.LEADER)
OFFICE = Principal("x1", Role.OPTIMISATION_OFFICE)
# Demo enterprises (mesh_contacts.demo): ent-001 lies in 410305, ent-002 and ent-003 in 410311, ent-006 in 410307.
REQUESTED = ["ent-001", "ent-002", "ent-003", "ent-006"]


@dataclass
class Mesh(SignedIn):
    officers: RunningOfficers
    environment: RunningEnvironment


@pytest.fixture
def officers_overrides() -> dict[str, str]:
    return {"FOLLOW_ENTERPRISES": "true"}  # requests learn their enterprise's county from the registry's events


@pytest.fixture
def mesh(demo_city: tuple[SignedIn, RunningOfficers, RunningEnvironment]) -> Mesh:
    signed_in, officers, environment = demo_city
    return Mesh(signed_in.gateway, signed_in.secret, officers, environment)


def assert_scoped(everything: dict[str, str], own: dict[str, str]) -> None:
    assert len(set(everything.values())) > 1
    assert own and own == {i: c for i, c in everything.items() if c == OWN}


REQUESTS = """query($f: RequestFilter) {
  enterpriseRequests(first: 100, filter: $f) { edges { node { id enterprise { territory { countyCode } } } } } }"""


async def test_a_county_level_user_sees_only_its_countys_enterprise_requests(mesh: Mesh) -> None:
    stub = mesh.officers.stub
    for enterprise_id in REQUESTED:
        await stub.OpenRequest(opb.OpenRequestRequest(
            enterprise_id=enterprise_id, source=opb.REQUEST_SOURCE_ENTERPRISE, subject="a permit",
            category=opb.REQUEST_CATEGORY_PERMIT, department="Housing Bureau", actor="t"))

    async def settled() -> bool:  # the officers service has heard from the registry where each lies
        counted = 0
        for county in ("410305", "410311", "410307"):
            reply = await stub.ListRequests(opb.ListRequestsRequest(filter=opb.RequestFilter(county_code=county)))
            counted += len(reply.requests)
        return counted == len(REQUESTED)

    await eventually(settled)

    def rows(reply: dict[str, Any]) -> dict[str, str]:
        assert "errors" not in reply, reply["errors"]
        edges = reply["data"]["enterpriseRequests"]["edges"]
        return {e["node"]["id"]: e["node"]["enterprise"]["territory"]["countyCode"] for e in edges}

    everything = rows(await mesh.query(REQUESTS, CITY_LEADER))
    assert len(everything) == len(REQUESTED)
    own = rows(await mesh.query(REQUESTS, COUNTY_LEADER))
    assert_scoped(everything, own)
    assert len(own) == 2
    assert rows(await mesh.query(REQUESTS, COUNTY_LEADER, {"f": {"countyCode": OWN}})) == own
    other = await mesh.query(REQUESTS, COUNTY_LEADER, {"f": {"countyCode": OTHER}})
    assert codes(other) == ["FORBIDDEN"] and f"only county {OWN}" in other["errors"][0]["message"]
    assert other["errors"][0]["extensions"]["field"] == "filter.countyCode"
    # A city-wide user may narrow to any county.
    assert rows(await mesh.query(REQUESTS, OFFICE, {"f": {"countyCode": OTHER}})) == {
        i: c for i, c in everything.items() if c == OTHER}


COUNTY_OF = {"ent-001": OTHER, "ent-002": OWN, "ent-003": OWN, "ent-006": "410307"}
ENVIRONMENT_LISTS = {
    "enforcementChecks": "enterpriseId", "fineFilings": "enterpriseId", "inspectionFindings": "enterpriseId",
    "accountabilityRecords": "subjectId",
}


async def test_a_county_level_user_sees_only_its_countys_enforcement_fines_findings_and_accountability(
    mesh: Mesh,
) -> None:
    findings = {f: COUNTY_OF[e] for f, e in (await records_at(mesh.environment, REQUESTED)).items()}

    async def rows(field: str, principal: Principal, county: str | None = None) -> dict[str, str]:
        """Row id → the county of its enterprise (or of its finding, for accountability records)."""
        key = ENVIRONMENT_LISTS[field]
        reply = await mesh.query(f"""query($c: String) {{ {field}(first: 100, countyCode: $c) {{
            edges {{ node {{ id {key} }} }} }} }}""", principal, {"c": county})
        assert "errors" not in reply, reply["errors"]
        return {e["node"]["id"]: COUNTY_OF.get(e["node"][key]) or findings[e["node"][key]]
                for e in reply["data"][field]["edges"]}

    for field in ENVIRONMENT_LISTS:
        everything = await rows(field, CITY_LEADER)
        assert len(everything) == len(REQUESTED), field
        own = await rows(field, COUNTY_LEADER)
        assert_scoped(everything, own)
        assert await rows(field, COUNTY_LEADER, OWN) == own
        assert await rows(field, OFFICE, OTHER) == {i: c for i, c in everything.items() if c == OTHER}
        other = await mesh.query(f'{{ {field}(countyCode: "{OTHER}") {{ edges {{ node {{ id }} }} }} }}',
                                 COUNTY_LEADER)
        assert codes(other) == ["FORBIDDEN"] and f"only county {OWN}" in other["errors"][0]["message"], field
        assert other["errors"][0]["extensions"]["field"] == "countyCode"

    async def stats(principal: Principal, county: str | None = None) -> int:
        reply = await mesh.query("query($c: String) { enforcementStats(countyCode: $c) { checks } }", principal,
                                 {"c": county})
        assert "errors" not in reply, reply["errors"]
        checks: int = reply["data"]["enforcementStats"]["checks"]
        return checks

    assert (await stats(CITY_LEADER), await stats(COUNTY_LEADER), await stats(OFFICE, OTHER)) == (4, 2, 1)
    assert codes(await mesh.query('{ enforcementStats(countyCode: "410305") { checks } }', COUNTY_LEADER)) == [
        "FORBIDDEN"]

    async def counts(principal: Principal, county: str | None = None) -> dict[str, int]:
        reply = await mesh.query("query($c: String) { accountabilityCounts(countyCode: $c) { responsibleUnit count } }",
                                 principal, {"c": county})
        assert "errors" not in reply, reply["errors"]
        return {r["responsibleUnit"]: r["count"] for r in reply["data"]["accountabilityCounts"]}

    assert len(await counts(CITY_LEADER)) == len(REQUESTED)
    assert await counts(COUNTY_LEADER) == {"fire brigade of ent-002": 1, "fire brigade of ent-003": 1}
    assert await counts(OFFICE, OTHER) == {"fire brigade of ent-001": 1}
    assert codes(await mesh.query('{ accountabilityCounts(countyCode: "410305") { count } }', COUNTY_LEADER)) == [
        "FORBIDDEN"]


# Demo rows (mesh_contacts.demo) of the county-level user's county (OWN) and of another; the city leader ldr-002 is
# paired with ent-002 and prj-002 (OWN) and ent-020 (OTHER), and visited prj-002 (OWN) and ent-020 (OTHER).
DEMO_LOOKUPS = {
    "enterprise": ("ent-002", "ent-001"), "project": ("prj-002", "prj-001"), "leader": ("ldr-004", "ldr-005"),
    "visit": ("vis-003", "vis-001"), "problem": ("prb-004", "prb-001"),
}
OWN_SITE, OTHER_SITE = "ent-002", "ent-001"


async def _rows_at(mesh: Mesh, enterprise_id: str) -> dict[str, str]:
    """An officer, a request, a case, a fine filing and a finding at the enterprise: lookup field -> id."""
    o, env = mesh.officers.stub, mesh.environment.stub
    asked_at = Timestamp()
    asked_at.FromDatetime(mesh.officers.clock.now)
    officer = await o.DispatchOfficer(opb.DispatchOfficerRequest(
        officer=person(f"p-{enterprise_id}", "Officer Sun", "Commerce Bureau", opb.RANK_DEPARTMENT_LEADER),
        target_kind=opb.TARGET_KIND_ENTERPRISE, target_id=enterprise_id, enterprise_id=enterprise_id, office=CITY,
        basis=opb.DispatchBasis(enterprise_ask=opb.EnterpriseAsk(contact="CEO", asked_at=asked_at)), actor="t"))
    request = await o.OpenRequest(opb.OpenRequestRequest(
        enterprise_id=enterprise_id, source=opb.REQUEST_SOURCE_ENTERPRISE, subject="a permit",
        category=opb.REQUEST_CATEGORY_PERMIT, department="Housing Bureau", actor="t"))
    case = await env.OpenCase(epb.OpenCaseRequest(
        enterprise_id=enterprise_id, offence=epb.OFFENCE_MARKET_BULLYING, description="sand sold by force",
        location="north gate", source=epb.CASE_SOURCE_COMPLAINT, source_ref="12345", actor="hotline"))
    fine = await env.FileFine(epb.FileFineRequest(
        enterprise_id=enterprise_id, agency="city-market-supervision", kind=epb.CHARGE_KIND_FINE, amount_fen=200_000,
        matter="food safety", legal_basis="Food Safety Law art. 124", actor="agency-desk"))
    finding = await env.RegisterFinding(epb.RegisterFindingRequest(
        channel=epb.CHANNEL_ONLINE_PETITION, kind=epb.FINDING_KIND_SLOW_ACTION, description="sign-off pending",
        responsible_unit="fire brigade", responsible_leader="Deputy chief Wu", enterprise_id=enterprise_id,
        actor="desk"))
    return {"officer": officer.id, "enterpriseRequest": request.id, "governanceCase": case.id,
            "fineFiling": fine.id, "inspectionFinding": finding.id}


async def _requests_placed(mesh: Mesh, placed: dict[str, str]) -> None:
    """Wait until the officers service has heard where each request's enterprise lies (request id -> county)."""
    async def settled() -> bool:
        for request_id, county in placed.items():
            reply = await mesh.officers.stub.ListRequests(opb.ListRequestsRequest(
                filter=opb.RequestFilter(county_code=county)))
            if request_id not in {r.id for r in reply.requests}:
                return False
        return True

    await eventually(settled)


async def test_a_county_level_user_looks_up_its_countys_rows_by_id_and_is_refused_another_countys(
    mesh: Mesh,
) -> None:
    own, other = await _rows_at(mesh, OWN_SITE), await _rows_at(mesh, OTHER_SITE)
    await _requests_placed(mesh, {own["enterpriseRequest"]: OWN, other["enterpriseRequest"]: OTHER})
    lookups = {**DEMO_LOOKUPS, **{field: (own[field], other[field]) for field in own}}

    async def look_up(field: str, row_id: str, principal: Principal) -> dict[str, Any]:
        return await mesh.query(f"query($id: ID!) {{ {field}(id: $id) {{ id }} }}", principal, {"id": row_id})

    for field, (mine, theirs) in lookups.items():
        reply = await look_up(field, mine, COUNTY_LEADER)
        assert "errors" not in reply, (field, reply["errors"])
        assert reply["data"][field] == {"id": mine}
        refused = await look_up(field, theirs, COUNTY_LEADER)
        assert refused["data"] == {field: None}, field
        assert codes(refused) == ["FORBIDDEN"], (field, refused)
        assert refused["errors"][0]["extensions"]["field"] == f"Query.{field}"
        assert f"county {OWN}" in refused["errors"][0]["message"]
        for row_id in (mine, theirs):  # a city-wide user looks up any county's
            reply = await look_up(field, row_id, CITY_LEADER)
            assert reply.get("errors") is None and reply["data"][field] == {"id": row_id}, (field, reply)

    # A city leader's remit covers every county; a row that does not exist is null, not refused.
    assert (await look_up("leader", "ldr-002", COUNTY_LEADER))["data"] == {"leader": {"id": "ldr-002"}}
    assert await look_up("enterprise", "ent-404", COUNTY_LEADER) == {"data": {"enterprise": None}}
    # The case and the filing say which county they are in.
    reply = await mesh.query("query($c: ID!, $f: ID!) { governanceCase(id: $c) { territory { countyCode } } "
                             "fineFiling(id: $f) { countyCode } }", COUNTY_LEADER,
                             {"c": own["governanceCase"], "f": own["fineFiling"]})
    assert reply["data"] == {"governanceCase": {"territory": {"countyCode": OWN}}, "fineFiling": {"countyCode": OWN}}


CITY_LEADER_ROWS = """{ leader(id: "ldr-002") {
  pairings { id countyCode target { ... on Enterprise { territory { countyCode } } ... on Project { territory {
    countyCode } } } }
  visits { id countyCode } } }"""
BY_KEY = """query($e: ID!) {
  requestsOfEnterprise(enterpriseId: $e) { id countyCode } enterpriseCases(enterpriseId: $e) { id }
  officersServing(targetId: $e) { id } }"""


async def test_the_lists_under_a_row_hold_a_county_level_users_countys_rows_and_every_row_for_a_city_wide_user(
    mesh: Mesh,
) -> None:
    def rows(reply: dict[str, Any]) -> dict[str, dict[str, str]]:
        assert "errors" not in reply, reply["errors"]
        leader = reply["data"]["leader"]
        for p in leader["pairings"]:  # a pairing is in the county its target lies in
            assert p["countyCode"] == p["target"]["territory"]["countyCode"]
        return {"pairings": {p["id"]: p["countyCode"] for p in leader["pairings"]},
                "visits": {v["id"]: v["countyCode"] for v in leader["visits"]}}

    everything = rows(await mesh.query(CITY_LEADER_ROWS, CITY_LEADER))
    assert everything == {"pairings": {"pair-004": OWN, "pair-005": OWN, "pair-006": OTHER},
                          "visits": {"vis-002": OWN, "vis-009": OTHER}}
    own = rows(await mesh.query(CITY_LEADER_ROWS, COUNTY_LEADER))
    assert own == {"pairings": {"pair-004": OWN, "pair-005": OWN}, "visits": {"vis-002": OWN}}

    # Lists by key: another county's enterprise's requests, cases and officers are none of the user's.
    other = await _rows_at(mesh, OTHER_SITE)
    await _requests_placed(mesh, {other["enterpriseRequest"]: OTHER})
    city_wide = await mesh.query(BY_KEY, CITY_LEADER, {"e": OTHER_SITE})
    assert city_wide["data"] == {"requestsOfEnterprise": [{"id": other["enterpriseRequest"], "countyCode": OTHER}],
                                 "enterpriseCases": [{"id": other["governanceCase"]}],
                                 "officersServing": [{"id": other["officer"]}]}
    assert await mesh.query(BY_KEY, COUNTY_LEADER, {"e": OTHER_SITE}) == {
        "data": {"requestsOfEnterprise": [], "enterpriseCases": [], "officersServing": []}}


# ---- changes (mutations): a county-level user acts only on and in their county ----

COUNTY_DEPARTMENT = Principal("d2", Role.DEPARTMENT, county_code=OWN, agency="luolong-housing")
COUNTY_OFFICE = Principal("x2", Role.OPTIMISATION_OFFICE, county_code=OWN)
CITY_DEPARTMENT = Principal("d1", Role.DEPARTMENT, agency="city-market-supervision")


def assert_refused(reply: dict[str, Any], mutation: str, says: str = f"county {OWN}") -> None:
    """FORBIDDEN naming the mutation, as a by-id read names its field (``Query.problem``); no data."""
    assert codes(reply) == ["FORBIDDEN"], reply
    assert reply["errors"][0]["extensions"]["field"] == f"Mutation.{mutation}"
    assert says in reply["errors"][0]["message"], reply["errors"][0]["message"]
    assert reply["data"] is None


class _Argument(str):
    """Any argument's value: every attribute is another (an input's fields), and an enum's value is "county"."""

    def __new__(cls) -> _Argument:
        return str.__new__(cls, "410311001")

    def __getattr__(self, name: str) -> Any:
        return "county" if name == "value" else _Argument()


def test_every_mutation_says_which_row_decides_its_county_from_its_own_arguments() -> None:
    schema = build_schema()
    assert set(schema._schema.mutation_type.fields) == set(ACTS)  # type: ignore[union-attr]
    for field in get_object_definition(Mutation, strict=True).fields:
        arguments = {a.python_name: [_Argument()] if isinstance(a.type, StrawberryList) else _Argument()
                     for a in field.arguments}
        assert ACTS[schema.config.name_converter.get_graphql_name(field)](arguments), field.name


PROBLEM = "query($id: ID!) { problem(id: $id) { status department trail { action note } } }"
COORDINATE = """mutation($id: ID!, $d: String!) {
  coordinateProblem(problemId: $id, department: $d, note: "re-routed") { id status department } }"""
VISITS_AT = "query($t: ID!) { visits(first: 100, filter: {targetIds: [$t]}) { edges { node { id } } } }"
VISIT = """mutation($t: ID!) { recordVisit(input: {leaderId: "ldr-004", targetKind: ENTERPRISE, targetId: $t,
  learned: "orders are up"}) { visit { id countyCode } } }"""
# Demo problems: prb-003 is being coordinated, at prj-002 (OWN); prb-010 is open, at ent-006 (410307).
OWN_PROBLEM, OTHER_PROBLEM = "prb-003", "prb-010"


async def test_a_county_level_user_coordinates_and_visits_in_its_county_only(mesh: Mesh) -> None:
    async def read(query: str, variables: dict[str, Any]) -> Any:
        reply = await mesh.query(query, CITY_LEADER, variables)
        assert "errors" not in reply, reply["errors"]
        return reply["data"]

    before = await read(PROBLEM, {"id": OTHER_PROBLEM})
    assert before["problem"]["status"] == "OPEN"
    assert await mesh.query(COORDINATE, COUNTY_LEADER, {"id": OWN_PROBLEM, "d": "Luolong Land Bureau"}) == {
        "data": {"coordinateProblem": {"id": OWN_PROBLEM, "status": "COORDINATING",
                                       "department": "Luolong Land Bureau"}}}
    assert_refused(await mesh.query(COORDINATE, COUNTY_LEADER, {"id": OTHER_PROBLEM, "d": "Luolong Land Bureau"}),
                   "coordinateProblem")
    assert await read(PROBLEM, {"id": OTHER_PROBLEM}) == before  # nothing changed
    for problem_id in (OWN_PROBLEM, OTHER_PROBLEM):  # a city-wide user acts in every county
        reply = await mesh.query(COORDINATE, CITY_LEADER, {"id": problem_id, "d": "City Land Bureau"})
        assert reply["data"]["coordinateProblem"]["department"] == "City Land Bureau", reply

    # A visit is recorded at the county's enterprise, not at another county's.
    visits_before = await read(VISITS_AT, {"t": OTHER_SITE})
    own = await mesh.query(VISIT, COUNTY_LEADER, {"t": OWN_SITE})
    assert own["data"]["recordVisit"]["visit"]["countyCode"] == OWN, own
    assert_refused(await mesh.query(VISIT, COUNTY_LEADER, {"t": OTHER_SITE}), "recordVisit")
    assert await read(VISITS_AT, {"t": OTHER_SITE}) == visits_before
    for site in (OWN_SITE, OTHER_SITE):
        reply = await mesh.query(VISIT, CITY_LEADER, {"t": site})
        assert "errors" not in reply, reply["errors"]


REQUEST = "query($id: ID!) { enterpriseRequest(id: $id) { answerBy nonApprovals { id } } }"
AGREE = """mutation($id: ID!, $by: DateTime!) {
  agreeAnswerDeadline(requestId: $id, department: "Housing Bureau", answerBy: $by) { id answerBy } }"""
OFFICER = "query($id: ID!) { officer(id: $id) { group { person { id } } } }"
ADD_MEMBER = """mutation($id: ID!, $p: ID!) { addGroupMembers(officerId: $id, proposal: "land questions", members: [
  {id: $p, name: "Zhao Min", department: "Natural Resources Bureau", rank: STAFF}]) { id } }"""
DOSSIER = "query($id: ID!) { officer(id: $id) { pledges { id status finding } supervision { id status } } }"
ASSESS = """mutation($id: ID!) { assessPledge(pledgeId: $id, kept: true, finding: "answered in time") { id status } }"""
CLOSE = """mutation($id: ID!) {
  closeSupervision(supervisionId: $id, finding: SATISFACTORY, note: "done") { id status } }"""
NON_APPROVAL = "query($id: ID!) { nonApproval(id: $id) { id state level steps { decision } } }"
DECIDE = """mutation($id: ID!) { decideNonApproval(nonApprovalId: $id, level: DEPUTY_HEAD, approve: false,
  decidedBy: "Deputy Director Sun", reasons: "the land use plan forbids it",
  suggestion: "apply for the eastern plot") { id level } }"""


async def test_a_county_level_user_acts_on_its_countys_requests_officers_and_non_approvals_only(
    mesh: Mesh,
) -> None:
    own, other = await _rows_at(mesh, OWN_SITE), await _rows_at(mesh, OTHER_SITE)
    await _requests_placed(mesh, {own["enterpriseRequest"]: OWN, other["enterpriseRequest"]: OTHER})

    async def read(query: str, row_id: str) -> Any:
        reply = await mesh.query(query, OFFICE, {"id": row_id})
        assert "errors" not in reply, reply["errors"]
        return reply["data"]

    def agree(row_id: str, hours: int) -> dict[str, Any]:
        return {"id": row_id, "by": (mesh.officers.clock.now + timedelta(hours=hours)).isoformat()}

    # Requests (item 13): a county department agrees an answer deadline on its county's, not another's.
    mine, theirs = own["enterpriseRequest"], other["enterpriseRequest"]
    before = await read(REQUEST, theirs)
    reply = await mesh.query(AGREE, COUNTY_DEPARTMENT, agree(mine, 1))
    assert "errors" not in reply and reply["data"]["agreeAnswerDeadline"]["answerBy"], reply
    assert_refused(await mesh.query(AGREE, COUNTY_DEPARTMENT, agree(theirs, 1)), "agreeAnswerDeadline")
    assert await read(REQUEST, theirs) == before and before["enterpriseRequest"]["answerBy"] is None
    for request_id in (mine, theirs):
        reply = await mesh.query(AGREE, OFFICE, agree(request_id, 2))
        assert "errors" not in reply and reply["data"]["agreeAnswerDeadline"]["answerBy"], reply

    # Officers (item 6): a county office adds to the working group of an officer serving its county.
    before = await read(OFFICER, other["officer"])
    assert "errors" not in await mesh.query(ADD_MEMBER, COUNTY_OFFICE, {"id": own["officer"], "p": "p-zhao"})
    assert_refused(await mesh.query(ADD_MEMBER, COUNTY_OFFICE, {"id": other["officer"], "p": "p-zhao"}),
                   "addGroupMembers")
    assert await read(OFFICER, other["officer"]) == before
    for officer_id in (own["officer"], other["officer"]):
        reply = await mesh.query(ADD_MEMBER, OFFICE, {"id": officer_id, "p": "p-qian"})
        assert "errors" not in reply, reply["errors"]

    # Pledges and supervision items (item 6) lie where their officer does: a county office assesses and closes
    # its county's, not another's; one the gateway cannot find is in no county (city-wide users only).
    due = Timestamp()
    due.FromDatetime(mesh.officers.clock.now + timedelta(days=30))
    pledges, items = {}, {}
    for officer_id in (own["officer"], other["officer"]):
        pledges[officer_id] = (await mesh.officers.stub.FilePledge(opb.FilePledgeRequest(
            officer_id=officer_id, commitments="answer within 2 days", due_at=due, actor="t"))).id
        items[officer_id] = (await mesh.officers.stub.OpenSupervision(opb.OpenSupervisionRequest(
            officer_id=officer_id, task="land questions", due_at=due, actor="t"))).id
    before = await read(DOSSIER, other["officer"])
    assert [p["status"] for p in before["officer"]["pledges"]] == ["OPEN"]
    assert [s["status"] for s in before["officer"]["supervision"]] == ["OPEN"]
    mine_p, theirs_p = pledges[own["officer"]], pledges[other["officer"]]
    mine_s, theirs_s = items[own["officer"]], items[other["officer"]]
    assert await mesh.query(ASSESS, COUNTY_OFFICE, {"id": mine_p}) == {
        "data": {"assessPledge": {"id": mine_p, "status": "KEPT"}}}
    assert await mesh.query(CLOSE, COUNTY_OFFICE, {"id": mine_s}) == {
        "data": {"closeSupervision": {"id": mine_s, "status": "CLOSED"}}}
    assert_refused(await mesh.query(ASSESS, COUNTY_OFFICE, {"id": theirs_p}), "assessPledge")
    assert_refused(await mesh.query(CLOSE, COUNTY_OFFICE, {"id": theirs_s}), "closeSupervision")
    assert await read(DOSSIER, other["officer"]) == before
    assert_refused(await mesh.query(ASSESS, COUNTY_OFFICE, {"id": "plg-missing"}), "assessPledge")
    assert_refused(await mesh.query(CLOSE, COUNTY_OFFICE, {"id": "sup-missing"}), "closeSupervision")
    assert await mesh.query(ASSESS, OFFICE, {"id": theirs_p}) == {  # a city-wide office assesses any county's
        "data": {"assessPledge": {"id": theirs_p, "status": "KEPT"}}}

    # Non-approvals (item 14) lie where their subject does: looked up and decided in its county only.
    reports = {}
    for request_id in (mine, theirs):
        reports[request_id] = (await mesh.officers.stub.ReportNonApproval(opb.ReportNonApprovalRequest(
            subject_kind=opb.SUBJECT_KIND_REQUEST, subject_id=request_id, agency="Housing Bureau",
            kind=opb.NON_APPROVAL_KIND_NOT_APPROVED, handler="Section chief Li", reasons="outside the plan",
            suggestion="apply for the eastern plot", actor="t"))).id
    looked_up = await mesh.query(NON_APPROVAL, COUNTY_LEADER, {"id": reports[mine]})
    assert looked_up["data"]["nonApproval"]["id"] == reports[mine], looked_up
    refused = await mesh.query(NON_APPROVAL, COUNTY_LEADER, {"id": reports[theirs]})
    assert codes(refused) == ["FORBIDDEN"] and refused["data"] == {"nonApproval": None}
    assert refused["errors"][0]["extensions"]["field"] == "Query.nonApproval"
    assert (await mesh.query(REQUEST, COUNTY_LEADER, {"id": mine}))["data"]["enterpriseRequest"]["nonApprovals"] == [
        {"id": reports[mine]}]
    before = await read(NON_APPROVAL, reports[theirs])
    assert_refused(await mesh.query(DECIDE, COUNTY_DEPARTMENT, {"id": reports[theirs]}), "decideNonApproval")
    assert await read(NON_APPROVAL, reports[theirs]) == before
    for report_id in reports.values():
        reply = await mesh.query(DECIDE, OFFICE, {"id": report_id})
        assert reply.get("data") and reply["data"]["decideNonApproval"]["level"] == "HEAD", reply


CASE = "query($id: ID!) { governanceCase(id: $id) { state progress { note } } }"
PROGRESS = 'mutation($id: ID!, $n: String!) { addCaseProgress(caseId: $id, note: $n) { id progress { note } } }'
FINES_AT = "query($e: ID!) { fineFilings(first: 100, enterpriseId: $e) { edges { node { id } } } }"
FILE_FINE = """mutation($e: ID!) { fileFine(input: {enterpriseId: $e, agency: "city-market-supervision",
  amountYuan: "500", matter: "signage", legalBasis: "Advertising Law art. 58"}) { id countyCode } }"""


async def test_a_county_level_user_works_its_countys_cases_and_files_fines_there_only(mesh: Mesh) -> None:
    own, other = await _rows_at(mesh, OWN_SITE), await _rows_at(mesh, OTHER_SITE)

    async def read(query: str, variables: dict[str, Any]) -> Any:
        reply = await mesh.query(query, CITY_LEADER, variables)
        assert "errors" not in reply, reply["errors"]
        return reply["data"]

    # Governance cases (item 9): progress is noted on the county's case, not on another's.
    mine, theirs = own["governanceCase"], other["governanceCase"]
    before = await read(CASE, {"id": theirs})
    reply = await mesh.query(PROGRESS, COUNTY_LEADER, {"id": mine, "n": "patrols doubled"})
    assert reply["data"]["addCaseProgress"]["progress"][-1] == {"note": "patrols doubled"}, reply
    assert_refused(await mesh.query(PROGRESS, COUNTY_LEADER, {"id": theirs, "n": "patrols doubled"}),
                   "addCaseProgress")
    assert await read(CASE, {"id": theirs}) == before
    for case_id in (mine, theirs):
        reply = await mesh.query(PROGRESS, CITY_LEADER, {"id": case_id, "n": "city inspection"})
        assert reply["data"]["addCaseProgress"]["progress"][-1] == {"note": "city inspection"}, reply

    # Fine filing (item 11): a county department files at its county's enterprise, not at another's.
    filed_before = await read(FINES_AT, {"e": OTHER_SITE})
    reply = await mesh.query(FILE_FINE, COUNTY_DEPARTMENT, {"e": OWN_SITE})
    assert reply["data"]["fileFine"]["countyCode"] == OWN, reply
    assert_refused(await mesh.query(FILE_FINE, COUNTY_DEPARTMENT, {"e": OTHER_SITE}), "fileFine")
    assert await read(FINES_AT, {"e": OTHER_SITE}) == filed_before
    for site in (OWN_SITE, OTHER_SITE):
        reply = await mesh.query(FILE_FINE, CITY_DEPARTMENT, {"e": site})
        assert "errors" not in reply, reply["errors"]
    assert len((await read(FINES_AT, {"e": OTHER_SITE}))["fineFilings"]["edges"]) == len(
        filed_before["fineFilings"]["edges"]) + 1


@pytest.fixture
async def incidents_mesh(incident_desk: tuple[SignedIn, response_pb2_grpc.ResponseServiceStub], bus: Bus) -> SignedIn:
    """The registry, the response service and the gateway; an incident reported at OWN_SITE and at OTHER_SITE."""
    signed_in, _ = incident_desk
    await push(bus.nc, "luolong-police", [report("A-1", enterprise_id=OWN_SITE),
                                          report("A-2", enterprise_id=OTHER_SITE)], namespace=bus.ns.prefix)
    return signed_in


INCIDENT = "query($id: ID!) { incident(id: $id) { status unitId territory { countyCode } history { status } } }"
OWN_INCIDENT, OTHER_INCIDENT = "luolong-police:A-1", "luolong-police:A-2"
COUNTY_POLICE = Principal("p2", Role.POLICE, county_code=OWN, agency="luolong-police")


async def test_a_county_level_user_acts_on_its_countys_incidents_only_and_police_by_their_agency(
    incidents_mesh: SignedIn,
) -> None:
    mesh = incidents_mesh

    async def read(incident_id: str) -> dict[str, Any]:
        reply = await mesh.query(INCIDENT, OFFICE, {"id": incident_id})
        assert "errors" not in reply, reply.get("errors")
        found: dict[str, Any] = reply["data"]["incident"] or {}
        return found

    async def dispatched() -> bool:
        statuses = [(await read(i)).get("status") for i in (OWN_INCIDENT, OTHER_INCIDENT)]
        return statuses == ["dispatched", "dispatched"]

    await eventually(dispatched)
    assert {(await read(i))["territory"]["countyCode"] for i in (OWN_INCIDENT, OTHER_INCIDENT)} == {OWN, OTHER}

    def change(mutation: str) -> str:
        return f"mutation($id: ID!) {{ {mutation}(incidentId: $id) {{ id status }} }}"

    reply = await mesh.query(change("acknowledgeIncident"), COUNTY_OFFICE, {"id": OWN_INCIDENT})
    assert reply == {"data": {"acknowledgeIncident": {"id": OWN_INCIDENT, "status": "acknowledged"}}}, reply
    before = await read(OTHER_INCIDENT)
    assert_refused(await mesh.query(change("acknowledgeIncident"), COUNTY_OFFICE, {"id": OTHER_INCIDENT}),
                   "acknowledgeIncident")
    assert await read(OTHER_INCIDENT) == before
    # Police act as their agency's unit wherever the incident lies: the service checks the unit, not the county.
    assert before["unitId"] == "luolong-police"
    reply = await mesh.query(change("acknowledgeIncident"), COUNTY_POLICE, {"id": OTHER_INCIDENT})
    assert reply["data"] == {"acknowledgeIncident": {"id": OTHER_INCIDENT, "status": "acknowledged"}}, reply
    for incident_id in (OWN_INCIDENT, OTHER_INCIDENT):  # a city-wide user acts in every county
        reply = await mesh.query(change("arriveOnScene"), OFFICE, {"id": incident_id})
        assert reply["data"] == {"arriveOnScene": {"id": incident_id, "status": "on_scene"}}, reply


ROUGH = """mutation($id: ID!) { recordRoughEnforcement(checkId: $id, complaint: "shouted at the staff") { id } }"""


async def test_an_enterprise_complains_of_rough_enforcement_at_itself_only(mesh: Mesh) -> None:
    """Item 10: the complaint is kept against the action; another enterprise's check is not found to it."""
    done = await mesh.environment.stub.CheckEnforcement(allowed_check("ent-002"))
    stranger = Principal("e3", Role.ENTERPRISE, enterprise_id="ent-003")
    owner = Principal("e2", Role.ENTERPRISE, enterprise_id="ent-002")

    refused = await mesh.query(ROUGH, stranger, {"id": done.id})
    assert codes(refused) == ["NOT_FOUND"], refused
    assert await mesh.query(ROUGH, owner, {"id": done.id}) == {"data": {"recordRoughEnforcement": {"id": done.id}}}
    stats = await mesh.environment.stub.GetEnforcementStats(epb.GetEnforcementStatsRequest(enterprise_id="ent-002"))
    assert stats.rough_enforcement_complaints == 1  # the stranger's complaint was not kept


COMPLAINTS = """query($e: ID!) { enforcementChecks(first: 100, enterpriseId: $e) { edges { node { id countyCode
  complaints { complaint } } } } }"""


async def test_a_county_level_office_records_rough_enforcement_against_its_countys_checks_only(mesh: Mesh) -> None:
    """Item 9: a check lies in the county its enterprise lay in when checked; one in no county is city-wide only."""
    async def checked(enterprise_id: str) -> str:
        return str((await mesh.environment.stub.CheckEnforcement(allowed_check(enterprise_id))).id)

    async def complaints(enterprise_id: str) -> dict[str, list[str]]:
        reply = await mesh.query(COMPLAINTS, OFFICE, {"e": enterprise_id})
        assert "errors" not in reply, reply["errors"]
        edges = reply["data"]["enforcementChecks"]["edges"]
        assert {e["node"]["countyCode"] for e in edges} <= {COUNTY_OF.get(enterprise_id)}  # ent-404: no county
        return {e["node"]["id"]: [c["complaint"] for c in e["node"]["complaints"]] for e in edges}

    mine, theirs, nowhere = await checked(OWN_SITE), await checked(OTHER_SITE), await checked("ent-404")
    assert await mesh.query(ROUGH, COUNTY_OFFICE, {"id": mine}) == {"data": {"recordRoughEnforcement": {"id": mine}}}
    assert await complaints(OWN_SITE) == {mine: ["shouted at the staff"]}
    for check_id in (theirs, nowhere, "CHK-missing"):
        assert_refused(await mesh.query(ROUGH, COUNTY_OFFICE, {"id": check_id}), "recordRoughEnforcement")
    assert await complaints(OTHER_SITE) == {theirs: []} and await complaints("ent-404") == {nowhere: []}
    for check_id in (theirs, nowhere):  # a city-wide office records against any county's check
        reply = await mesh.query(ROUGH, OFFICE, {"id": check_id})
        assert reply == {"data": {"recordRoughEnforcement": {"id": check_id}}}, reply
