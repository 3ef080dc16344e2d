"""Gaps found auditing the gateway against its issue (/work/helpers/audit-7.md), closed and proven here.

The links a user follows (a leader's pairings to their visits and problems, a case to its accountability
records), an enterprise's own requests and cases and nothing of another's (not even through the leaders
paired with it), and fine filings decided by the body they were routed to (item 11). The contacts
(demo city), officers and environment services run in-process, and sign-in is on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from opentelemetry import trace

from mesh.environment.v1 import environment_pb2 as epb
from mesh.officers.v1 import officers_pb2 as opb
from mesh_contacts.domain.calendar import city_today
from mesh_contacts.settings import ContactsSettings
from mesh_contacts.testing import run_contacts
from mesh_environment.settings import EnvironmentSettings
from mesh_environment.testing import RunningEnvironment, run_environment
from mesh_gateway.auth import Principal, Role
from mesh_gateway.testing import SignedIn, codes, signed_in_gateway
from mesh_officers.testing import RunningOfficers
from mesh_response.push import push
from mesh_response.service import SPEC as RESPONSE
from mesh_response.settings import ResponseSettings
from mesh_response.testing import report
from meshlib import telemetry
from meshlib.bus import Bus
from meshlib.service import running
from meshlib.testing.plugin import settings_for
from meshlib.testing.poll import eventually

CITY_LEADER = Principal("l1", Role.LEADER)
OFFICE = Principal("x1", Role.OPTIMISATION_OFFICE)
DEPARTMENT = Principal("d1", Role.DEPARTMENT, agency="city-market-supervision")
# Demo city (mesh_contacts.demo): ldr-001 is paired with ent-001 (pair-001), ent-004 (pair-002) and prj-001
# (pair-003); it visited ent-001 (vis-001, problem prb-001), prj-001 (vis-012, problem prb-012) and, unpaired,
# ent-008 (vis-007).
OWN, OTHER = "ent-001", "ent-004"
ENTERPRISE = Principal("e1", Role.ENTERPRISE, enterprise_id=OWN)


@dataclass
class Mesh(SignedIn):
    officers: RunningOfficers
    environment: RunningEnvironment


@pytest.fixture
def mesh(demo_city: tuple[SignedIn, RunningOfficers, RunningEnvironment]) -> Mesh:
    signed_in, officers, environment = demo_city
    return Mesh(signed_in.gateway, signed_in.secret, officers, environment)


def ok(reply: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in reply, reply["errors"]
    data: dict[str, Any] = reply["data"]
    return data


async def client_calls(exporter: Any, trace_id: int, method: str, expected: int, timeout: float = 10.0) -> int:
    """How many CLIENT spans of ``method`` the trace has, once at least ``expected`` have ended."""
    def count() -> int:
        return sum(1 for s in exporter.get_finished_spans()
                   if s.context.trace_id == trace_id and s.name == method and s.kind.name == "CLIENT")

    return await eventually(count, until=lambda n: n >= expected, timeout=timeout, interval=0.02,
                            what=f"{expected} {method} call(s) to end")


# ---- a leader -> pairings -> visits -> problems -------------------------------------------------------

PAIRING_VISITS = """{ leader(id: "ldr-001") {
  pairings(includeEnded: true) { id visits { id pairingId unpaired problems { id } } } } }"""


async def test_a_leaders_pairings_lead_to_their_visits_and_problems_in_one_call_for_every_pairing(
    mesh: Mesh, span_exporter: Any
) -> None:
    with trace.get_tracer("test.frontend").start_as_current_span("frontend asks") as root:
        reply = await mesh.query(PAIRING_VISITS, CITY_LEADER, headers=telemetry.inject({}))
    pairings = {p["id"]: p["visits"] for p in ok(reply)["leader"]["pairings"]}
    assert pairings == {
        "pair-001": [{"id": "vis-001", "pairingId": "pair-001", "unpaired": False, "problems": [{"id": "prb-001"}]}],
        "pair-002": [],
        "pair-003": [{"id": "vis-012", "pairingId": "pair-003", "unpaired": False, "problems": [{"id": "prb-012"}]}],
    }, "each pairing has the visits made under it; the unpaired visit vis-007 is under none"
    # The visits of every pairing (of every leader on the page) come from one list call, not one per pairing.
    calls = await client_calls(span_exporter, root.get_span_context().trace_id,
                               "/mesh.contacts.v1.ContactsService/ListVisits", expected=1)
    assert calls == 1


# ---- an enterprise: its own requests and cases, nothing of another's ---------------------------------

async def _open_request(officers: RunningOfficers, enterprise_id: str) -> str:
    opened = await officers.stub.OpenRequest(opb.OpenRequestRequest(
        enterprise_id=enterprise_id, source=opb.REQUEST_SOURCE_ENTERPRISE, subject=f"a permit for {enterprise_id}",
        category=opb.REQUEST_CATEGORY_PERMIT, department="Housing Bureau", actor=enterprise_id))
    return str(opened.id)


async def _open_case(environment: RunningEnvironment, enterprise_id: str,
                     source: int = epb.CASE_SOURCE_COMPLAINT) -> str:
    case = await environment.stub.OpenCase(epb.OpenCaseRequest(
        enterprise_id=enterprise_id, offence=epb.OFFENCE_MARKET_BULLYING, description="sand sold by force",
        location="north gate", source=source, source_ref="12345", actor="hotline"))  # type: ignore[arg-type]
    return str(case.id)


OWN_ROWS = """query($e: ID!) {
  requestsOfEnterprise(enterpriseId: $e) { id enterpriseId }
  enterpriseCases(enterpriseId: $e) { id enterpriseId }
  enterprise(id: $e) { requests { id } cases { id } pairings { leader { name } } } }"""
# Through the leader paired with it, to the leader's other pairings and what lies under them.
THROUGH_ITS_LEADER = {
    "Leader.pairings": """{ enterprise(id: "ent-001") { pairings { leader { pairings { target {
        ... on Enterprise { id requests { id } cases { id } } } } } } } }""",
    "Leader.visits": '{ enterprise(id: "ent-001") { pairings { leader { visits { id learned } } } } }',
    "Leader.openProblems": '{ enterprise(id: "ent-001") { pairings { leader { openProblems { id } } } } }',
    "Pairing.visits": '{ enterprise(id: "ent-001") { pairings { visits { id } } } }',
}


async def test_an_enterprise_reads_its_own_requests_and_cases_and_nothing_of_another_enterprises(mesh: Mesh) -> None:
    own_request, other_request = (await _open_request(mesh.officers, OWN), await _open_request(mesh.officers, OTHER))
    own_case, other_case = await _open_case(mesh.environment, OWN), await _open_case(mesh.environment, OTHER)

    own = ok(await mesh.query(OWN_ROWS, ENTERPRISE, {"e": OWN}))
    assert own["requestsOfEnterprise"] == [{"id": own_request, "enterpriseId": OWN}]
    assert own["enterpriseCases"] == [{"id": own_case, "enterpriseId": OWN}]
    assert own["enterprise"] == {"requests": [{"id": own_request}], "cases": [{"id": own_case}],
                                 "pairings": [{"leader": {"name": "王建国"}}]}

    for field in ("requestsOfEnterprise", "enterpriseCases"):
        refused = await mesh.query(f"query($e: ID!) {{ {field}(enterpriseId: $e) {{ id }} }}", ENTERPRISE,
                                   {"e": OTHER})
        assert refused["data"] is None and codes(refused) == ["FORBIDDEN"], (field, refused)
        assert "only for itself" in refused["errors"][0]["message"]
    listed = await mesh.query("{ enterpriseRequests(first: 10) { edges { node { id } } } }", ENTERPRISE)
    assert listed["data"] is None and codes(listed) == ["FORBIDDEN"]

    # The leader paired with it is named; the leader's other pairings, visits and problems are not the
    # enterprise's to read (through them it would reach ent-004's request and case).
    for field, query in THROUGH_ITS_LEADER.items():
        refused = await mesh.query(query, ENTERPRISE)
        assert refused["data"] is None and codes(refused) == ["FORBIDDEN"], (field, refused)
        assert refused["errors"][0]["extensions"]["field"] == field
        assert other_request not in str(refused) and other_case not in str(refused)
    # A city leader follows the same links.
    city = ok(await mesh.query(THROUGH_ITS_LEADER["Leader.pairings"], CITY_LEADER))
    reached = {t["id"]: t for p in city["enterprise"]["pairings"] for q in p["leader"]["pairings"]
               if (t := q["target"]) and "id" in t}
    assert reached[OTHER] == {"id": OTHER, "requests": [{"id": other_request}], "cases": [{"id": other_case}]}


# ---- a case -> its accountability records ------------------------------------------------------------

CASE_RECORDS = """query($e: ID!) { governanceCases(first: 100, filter: {enterpriseId: $e}) { edges { node {
  id accountabilityRecords { kind subjectType subjectId clause } } } } }"""
RECORDS_OF = """query($s: ID!) {
  accountabilityRecords(first: 100, subjectId: $s) { edges { node { kind subjectId } } } }"""


def _ts(value: datetime) -> Timestamp:
    t = Timestamp()
    t.FromDatetime(value)
    return t


async def test_a_case_leads_to_its_accountability_records_for_leaders_and_the_office_only(mesh: Mesh) -> None:
    env = mesh.environment
    late, on_time, open_ = [await _open_case(env, "ent-002", epb.CASE_SOURCE_ENTERPRISE) for _ in range(3)]
    for case_id in (late, on_time):
        await env.stub.FilePlan(epb.FilePlanRequest(case_id=case_id, measures=["patrols"], responsible_units=["u"],
                                                    due_at=_ts(datetime.now(UTC) + timedelta(days=2)), actor="x"))
    await env.stub.CloseCase(epb.CloseCaseRequest(case_id=on_time, outcome="settled", actor="x"))
    later = datetime.now(UTC) + timedelta(days=40)  # past the case's due date: closed late (items 9, 18)
    await env.parts(clock=lambda: later).casework.close(late, "settled at last", "x")

    for principal in (CITY_LEADER, OFFICE):
        edges = ok(await mesh.query(CASE_RECORDS, principal, {"e": "ent-002"}))["governanceCases"]["edges"]
        records = {e["node"]["id"]: [(r["kind"], r["subjectType"], r["subjectId"]) for r in
                                     e["node"]["accountabilityRecords"]] for e in edges}
        assert records == {late: [("CASE_CLOSED_LATE", "case", late)], on_time: [], open_: []}
    by_subject = ok(await mesh.query(RECORDS_OF, OFFICE, {"s": late}))["accountabilityRecords"]["edges"]
    assert [e["node"] for e in by_subject] == [{"kind": "CASE_CLOSED_LATE", "subjectId": late}]
    assert ok(await mesh.query(RECORDS_OF, OFFICE, {"s": on_time}))["accountabilityRecords"]["edges"] == []

    # A department works the case but reads accountability no more through it than at the root.
    assert ok(await mesh.query('query($c: ID!) { governanceCase(id: $c) { id } }', DEPARTMENT, {"c": late}))
    refused = await mesh.query('query($c: ID!) { governanceCase(id: $c) { accountabilityRecords { kind } } }',
                               DEPARTMENT, {"c": late})
    assert refused["data"] is None and codes(refused) == ["FORBIDDEN"]
    assert refused["errors"][0]["extensions"]["field"] == "GovernanceCase.accountabilityRecords"


# ---- item 11: a filing is decided by the body it was routed to -----------------------------------------

DECIDE = """mutation($f: ID!, $b: FilingBody!) {
  decideFine(fineId: $f, body: $b, approve: true, reason: "lawful and at the low end") { state decidedBy } }"""


async def _file_fine(environment: RunningEnvironment, fen: int) -> str:
    filed = await environment.stub.FileFine(epb.FileFineRequest(
        enterprise_id="ent-002", agency="city-market-supervision", kind=epb.CHARGE_KIND_FINE, amount_fen=fen,
        matter="food safety", legal_basis="Food Safety Law art. 124", actor="agency-desk"))
    return str(filed.id)


async def test_the_office_decides_the_filings_routed_to_it_and_city_leaders_those_routed_to_the_committee(
    mesh: Mesh,
) -> None:
    env = mesh.environment
    small, middle, large = [await _file_fine(env, fen) for fen in (299_999, 300_000, 1_000_000)]

    def decide(fine_id: str, body: str, principal: Principal) -> Any:
        return mesh.query(DECIDE, principal, {"f": fine_id, "b": body})

    # Claiming to be another body is refused before the service is asked (the filing stays pending).
    for fine_id, body, principal in ((large, "CITY_COMMITTEE_AND_GOVERNMENT", OFFICE),
                                     (middle, "CITY_OPTIMISATION_OFFICE", CITY_LEADER),
                                     (small, "CITY_BURDEN_REDUCTION_OFFICE", CITY_LEADER)):
        refused = await decide(fine_id, body, principal)
        assert refused["data"] is None and codes(refused) == ["FORBIDDEN"], (body, refused)
        assert refused["errors"][0]["extensions"]["field"] == "body"
        assert f"does not decide as {body}" in refused["errors"][0]["message"]
    assert codes(await decide(middle, "CITY_OPTIMISATION_OFFICE", DEPARTMENT)) == ["FORBIDDEN"]
    # Every filing body is a city body: a county's leader or office decides none.
    for body, principal in (("CITY_COMMITTEE_AND_GOVERNMENT", Principal("l9", Role.LEADER, county_code="410311")),
                            ("CITY_OPTIMISATION_OFFICE", Principal("x9", Role.OPTIMISATION_OFFICE,
                                                                   county_code="410311"))):
        refused = await decide(large if principal.role is Role.LEADER else middle, body, principal)
        assert codes(refused) == ["FORBIDDEN"], refused
        assert "decided by city bodies" in refused["errors"][0]["message"]
    # The service still checks the filing was routed to the body that decides.
    misrouted = await decide(large, "CITY_OPTIMISATION_OFFICE", OFFICE)
    assert misrouted["errors"][0]["extensions"]["rule"] == "filing-body"

    for fine_id, body, principal in ((middle, "CITY_OPTIMISATION_OFFICE", OFFICE),
                                     (small, "CITY_BURDEN_REDUCTION_OFFICE", OFFICE),
                                     (large, "CITY_COMMITTEE_AND_GOVERNMENT", CITY_LEADER)):
        decided = ok(await decide(fine_id, body, principal))["decideFine"]
        assert decided == {"state": "APPROVED", "decidedBy": principal.subject}, body


# ---- item 9: the leaders in charge the counties and townships named ----------------------------------------

LEADERS_IN_CHARGE = "query($c: [String!]) { leadersInCharge(codes: $c) { level code leader } }"


async def test_the_leaders_in_charge_each_county_and_township_named_are_in_the_graph(mesh: Mesh) -> None:
    named = [("LEVEL_COUNTY", "410311", "Zhang Wei"), ("LEVEL_TOWNSHIP", "410311010", "Liu Yang"),
             ("LEVEL_COUNTY", "410305", "Chen Jie")]
    for level, code, leader in named:
        await mesh.environment.stub.NameLeaderInCharge(epb.NameLeaderInChargeRequest(
            level=epb.Level.Value(level), code=code, leader=leader, actor="county-office"))

    def rows(reply: dict[str, Any]) -> set[tuple[str, str, str]]:
        return {(r["level"], r["code"], r["leader"]) for r in ok(reply)["leadersInCharge"]}

    expected = {(level.removeprefix("LEVEL_"), code, leader) for level, code, leader in named}
    assert rows(await mesh.query(LEADERS_IN_CHARGE, CITY_LEADER)) == expected
    assert rows(await mesh.query(LEADERS_IN_CHARGE, CITY_LEADER, {"c": ["410305"]})) == {
        ("COUNTY", "410305", "Chen Jie")}
    county_leader = Principal("l2", Role.LEADER, county_code="410311")
    assert rows(await mesh.query(LEADERS_IN_CHARGE, county_leader)) == {
        ("COUNTY", "410311", "Zhang Wei"), ("TOWNSHIP", "410311010", "Liu Yang")}
    refused = await mesh.query(LEADERS_IN_CHARGE, ENTERPRISE)
    assert refused["data"] is None and codes(refused) == ["FORBIDDEN"]


# ---- filters users need: visits by date, findings by channel and enterprise --------------------------------

VISITS_BETWEEN = """query($from: Date, $to: Date) {
  visits(first: 100, filter: {visitedFrom: $from, visitedTo: $to}) { edges { node { id visitedOn } } } }"""
FINDINGS = """query($c: FindingChannel, $e: ID) {
  inspectionFindings(first: 100, channel: $c, enterpriseId: $e) { edges { node { id channel enterpriseId } } } }"""


async def test_visits_are_filtered_by_date_and_findings_by_channel_and_enterprise(mesh: Mesh) -> None:
    # Demo visits were made 12, 8, 5 and 3 days ago (vis-009 .. vis-012), the others earlier.
    today = city_today(datetime.now(UTC))
    window = {"from": (today - timedelta(days=12)).isoformat(), "to": (today - timedelta(days=5)).isoformat()}
    visits = ok(await mesh.query(VISITS_BETWEEN, CITY_LEADER, window))["visits"]["edges"]
    assert [e["node"]["id"] for e in visits] == ["vis-011", "vis-010", "vis-009"], "newest first, bounds included"

    found = {}
    for enterprise_id, channel in (("ent-002", epb.CHANNEL_ONLINE_PETITION), ("ent-002", epb.CHANNEL_POLICE_110),
                                   ("ent-003", epb.CHANNEL_ONLINE_PETITION)):
        finding = await mesh.environment.stub.RegisterFinding(epb.RegisterFindingRequest(
            channel=channel, kind=epb.FINDING_KIND_SLOW_ACTION, description="sign-off pending",
            responsible_unit="fire brigade", responsible_leader="Deputy chief Wu", enterprise_id=enterprise_id,
            actor="desk"))
        found[finding.id] = (epb.Channel.Name(channel).removeprefix("CHANNEL_"), enterprise_id)

    async def findings(**variables: str) -> dict[str, tuple[str, str]]:
        edges = ok(await mesh.query(FINDINGS, OFFICE, variables))["inspectionFindings"]["edges"]
        return {e["node"]["id"]: (e["node"]["channel"], e["node"]["enterpriseId"]) for e in edges}

    assert await findings() == found
    assert await findings(c="ONLINE_PETITION") == {i: f for i, f in found.items() if f[0] == "ONLINE_PETITION"}
    assert await findings(e="ent-002") == {i: f for i, f in found.items() if f[1] == "ent-002"}
    assert await findings(c="POLICE_110", e="ent-003") == {}


# ---- a case -> its plan and its incidents (and back) ---------------------------------------------------

@pytest.fixture
async def response_mesh(mesh_env: dict[str, str], tmp_path: Path) -> AsyncIterator[tuple[Mesh, Bus]]:
    """The registry (demo city), the response and environment services, the gateway; a bus to push reports on."""
    async with run_contacts(settings_for(ContactsSettings, mesh_env, EDITION_SCHEDULE="off",
                                         DEMO_DATA="true")) as contacts:
        contacts_target = f"127.0.0.1:{contacts.runtime.port}"
        # The response service declares the INCIDENTS stream the environment service consumes from: first.
        async with running(RESPONSE, settings_for(ResponseSettings, mesh_env,
                                                  CONTACTS_GRPC_TARGET=contacts_target)) as response, \
                run_environment(settings_for(EnvironmentSettings, mesh_env,
                                             CONTACTS_GRPC_TARGET=contacts_target)) as environment, \
                signed_in_gateway(mesh_env, tmp_path, CONTACTS_GRPC_TARGET=contacts_target,
                                  RESPONSE_GRPC_TARGET=f"127.0.0.1:{response.port}",
                                  ENVIRONMENT_GRPC_TARGET=f"127.0.0.1:{environment.runtime.port}") as signed_in:
            pusher = await Bus.connect(signed_in.gateway.settings, name="test-pusher")
            try:
                yield Mesh(signed_in.gateway, signed_in.secret, None, environment), pusher  # type: ignore[arg-type]
            finally:
                await pusher.close()


CASE_OF_INCIDENT = """query($i: ID!) { incidentCase(incidentId: $i) {
  id plan { measures responsibleUnits } incidents { id externalId case { id } } } }"""


async def test_a_case_leads_to_its_plan_and_the_incidents_that_opened_or_joined_it(
    response_mesh: tuple[Mesh, Bus],
) -> None:
    mesh, pusher = response_mesh
    await push(pusher.nc, "luolong-police", [report("C-1", enterprise_id="ent-002"),
                                             report("C-2", enterprise_id="ent-002")], namespace=pusher.ns.prefix)
    ids = ["luolong-police:C-1", "luolong-police:C-2"]

    async def cases() -> set[str]:
        reply = await mesh.environment.stub.BatchGetCasesByIncident(epb.BatchGetCasesByIncidentRequest(
            incident_ids=ids))
        return {c.id for r in reply.results for c in r.cases} if all(r.cases for r in reply.results) else set()

    (case_id,) = await eventually(cases, until=bool, what="one case opened and joined by both reports (item 9)")
    await mesh.environment.stub.FilePlan(epb.FilePlanRequest(
        case_id=case_id, measures=["daily patrols", "talk to the suppliers"], responsible_units=["Luolong police"],
        due_at=_ts(datetime.now(UTC) + timedelta(days=2)), actor="kaiyuan"))

    found = ok(await mesh.query(CASE_OF_INCIDENT, CITY_LEADER, {"i": ids[0]}))["incidentCase"]
    assert found["id"] == case_id
    assert found["plan"] == {"measures": ["daily patrols", "talk to the suppliers"],
                             "responsibleUnits": ["Luolong police"]}
    assert sorted(found["incidents"], key=lambda i: i["id"]) == [
        {"id": incident_id, "externalId": incident_id.split(":")[1], "case": {"id": case_id}} for incident_id in ids]


# ---- a link to another service's rows reads them only as their root list would ---------------------------

async def test_links_from_an_enterprise_or_officer_do_not_widen_who_reads_what_they_lead_to(mesh: Mesh) -> None:
    officer = Principal("o1", Role.OFFICER)
    police = Principal("p1", Role.POLICE, agency="luolong-police")
    refused = {
        # A chief service officer reads neither incidents nor cases at the root, nor through an enterprise...
        (officer, "{ enterprise(id: \"ent-001\") { incidents { id } } }"): "Enterprise.incidents",
        (officer, "{ enterprise(id: \"ent-001\") { latestIncident { id } } }"): "Enterprise.latestIncident",
        (officer, "{ enterprise(id: \"ent-001\") { cases { id } } }"): "Enterprise.cases",
        (officer, "{ project(id: \"prj-001\") { cases { id } } }"): "Project.cases",
        # ...police neither an enterprise's officers nor its requests...
        (police, "{ enterprise(id: \"ent-001\") { officers { id } } }"): "Enterprise.officers",
        (police, "{ enterprise(id: \"ent-001\") { requests { id } } }"): "Enterprise.requests",
        (police, "{ project(id: \"prj-001\") { leadHandling { projectId } } }"): "Project.leadHandling",
        (police, "{ project(id: \"prj-001\") { leadHandlingProcedures { id } } }"): "Project.leadHandlingProcedures",
        # ...and an enterprise sees who serves it, not their pledges, supervision, rewards or record (item 6).
        (ENTERPRISE, "{ enterprise(id: \"ent-001\") { officers { pledges { id } } } }"): "Officer.pledges",
        (ENTERPRISE, "{ enterprise(id: \"ent-001\") { officers { supervision { id } } } }"): "Officer.supervision",
        (ENTERPRISE, "{ enterprise(id: \"ent-001\") { officers { rewards { kind } } } }"): "Officer.rewards",
        (ENTERPRISE, "{ enterprise(id: \"ent-001\") { officers { record { requestsHandled } } } }"): "Officer.record",
    }
    for (principal, query), field in refused.items():
        reply = await mesh.query(query, principal)
        assert reply["data"] is None and codes(reply) == ["FORBIDDEN"], (principal.role, query, reply)
        assert reply["errors"][0]["extensions"]["field"] == field, reply

    # What each may read through the same links.
    own = ok(await mesh.query("""{ enterprise(id: "ent-001") { officers { id } requests { id } cases { id } } }""",
                              ENTERPRISE))["enterprise"]
    assert set(own) == {"officers", "requests", "cases"}
    ok(await mesh.query("""{ enterprise(id: "ent-001") { officers { id pledges { id } } requests { id } } }""",
                        officer))
    ok(await mesh.query("""{ enterprise(id: "ent-001") { cases { id } } }""", police))
    ok(await mesh.query("""{ project(id: "prj-001") { leadHandling { projectId } leadHandlingProcedures { id } } }""",
                        ENTERPRISE))  # its own project (prj-001 is ent-001's)
