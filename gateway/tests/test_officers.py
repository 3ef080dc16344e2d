"""Through the gateway: chief service officers (items 6, 7, 8, 13, 14) with the officers service in-process."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from mesh_gateway.testing import RunningGateway, codes, signed_in_gateway
from mesh_officers.testing import MovableClock, RunningOfficers, officers_service
from mesh_response.events import STREAMS as RESPONSE_STREAMS
from meshlib.bus import Bus

DAY = timedelta(days=1)


async def run(gateway: RunningGateway, query: str, **variables: Any) -> dict[str, Any]:
    reply = await gateway.query(query, variables)
    assert "errors" not in reply, reply
    data: dict[str, Any] = reply["data"]
    return data


WANG = '{id: "p-wang", name: "Wang Lei", department: "Commerce Bureau", rank: DEPARTMENT_LEADER}'

RECORD_AND_HISTORY = """
query($officer: ID!, $request: ID!) {
  officer(id: $officer) {
    person { name department }
    office { level }
    basis { kind leaderName }
    group { person { name department } active releaseReason }
    pledges { commitments status deadline { kind state clause } }
    rewards { kind authority evidence { kind favourable } }
    record { requestsHandled requestsCompleted requestsOnTime requestsLate onTimeRate pledgesKept pledgesBroken
             commendations }
  }
  enterpriseRequest(id: $request) {
    subject category state firstInquiryDepartment accountableDepartment outcome onTime overdue
    handOvers { seq fromDepartment toDepartment reason state }
    deadlines { kind responsible state onTime clause }
    agency { mode method centre { level countyCode } steps { department permit status history { status } } }
    nonApprovals { id }
    officer { person { name } record { requestsHandled } }
  }
}"""


async def test_an_officers_record_and_a_requests_full_history_in_one_query(
    with_officers: tuple[RunningGateway, RunningOfficers], span_exporter: Any
) -> None:
    gateway, officers = with_officers
    now = officers.clock.now
    dispatched = await run(
        gateway,
        f"""
      mutation($at: DateTime!) {{ dispatchOfficer(officer: {WANG}, targetKind: ENTERPRISE, targetId: "ent-1",
          enterpriseId: "ent-1", office: {{level: CITY}},
          basis: {{leaderName: "Vice Mayor Li", instruction: "serve the new plant", at: $at}}) {{ id }} }}""",
        at=(now - DAY).isoformat(),
    )
    officer_id = dispatched["dispatchOfficer"]["id"]
    await run(
        gateway,
        """
      mutation($o: ID!) {
        addGroupMembers(officerId: $o, proposal: "land and tax questions", members: [
          {id: "p-zhao", name: "Zhao Min", department: "Natural Resources Bureau", rank: STAFF},
          {id: "p-qian", name: "Qian Fang", department: "Tax Bureau", rank: STAFF}]) { id } }""",
        o=officer_id,
    )
    await run(
        gateway,
        """mutation($o: ID!) { releaseGroupMember(officerId: $o, personId: "p-qian",
                            reason: "tax settled") { id } }""",
        o=officer_id,
    )
    pledge = (
        await run(
            gateway,
            """mutation($o: ID!, $due: DateTime!) {
        filePledge(officerId: $o, commitments: "answer within 2 days", dueAt: $due) { id } }""",
            o=officer_id,
            due=(now + 30 * DAY).isoformat(),
        )
    )["filePledge"]["id"]
    request_id = (
        await run(
            gateway,
            """mutation($o: ID!) {
        openRequest(enterpriseId: "ent-1", officerId: $o, source: OFFICER, subject: "temporary land use",
                    category: PERMIT, department: "Housing Bureau") { id } }""",
            o=officer_id,
        )
    )["openRequest"]["id"]
    await run(
        gateway,
        """mutation($r: ID!) {
        handOverRequest(requestId: $r, fromDepartment: "Housing Bureau", toDepartment: "Natural Resources Bureau",
                        reason: "land is theirs") { id }
        acceptHandOver(requestId: $r, department: "Natural Resources Bureau") { id } }""",
        r=request_id,
    )
    await run(
        gateway,
        """mutation($r: ID!) {
        takeAsAgent(requestId: $r, centre: {level: COUNTY, countyCode: "410311"}, mode: SINGLE_ITEM,
                    method: CENTRE_ALONE, agent: {id: "p-ma", name: "Ma Li", department: "Service Centre",
                    rank: SECTION_HEAD}) { id }
        recordAgencyStep(requestId: $r, status: SUBMITTED, department: "Natural Resources Bureau",
                         permit: "temporary land use permit") { id } }""",
        r=request_id,
    )
    officers.clock.now += 2 * DAY
    await run(
        gateway,
        """mutation($r: ID!, $p: ID!) {
        completeRequest(requestId: $r, department: "Natural Resources Bureau", outcome: RESOLVED,
                        summary: "approved") { id }
        assessPledge(pledgeId: $p, kept: true, finding: "kept") { status } }""",
        r=request_id,
        p=pledge,
    )
    await run(
        gateway,
        """mutation($o: ID!, $p: String!, $r: String!) {
        recordReward(officerId: $o, kind: COMMENDATION, authority: LEADING_GROUP, authorityLevel: {level: CITY},
                     citation: "fast service", evidence: [{kind: PLEDGE, ref: $p}, {kind: REQUEST, ref: $r}]) { id }
      }""",
        o=officer_id,
        p=pledge,
        r=request_id,
    )

    span_exporter.clear()
    data = await run(gateway, RECORD_AND_HISTORY, officer=officer_id, request=request_id)

    officer = data["officer"]
    assert officer["person"] == {"name": "Wang Lei", "department": "Commerce Bureau"}
    assert officer["office"] == {"level": "CITY"}
    assert officer["basis"] == {"kind": "leader_instruction", "leaderName": "Vice Mayor Li"}
    assert officer["group"] == [
        {"person": {"name": "Zhao Min", "department": "Natural Resources Bureau"}, "active": True, "releaseReason": ""},
        {"person": {"name": "Qian Fang", "department": "Tax Bureau"}, "active": False, "releaseReason": "tax settled"},
    ]
    assert officer["pledges"] == [
        {
            "commitments": "answer within 2 days",
            "status": "KEPT",
            "deadline": {"kind": "pledge", "state": "met", "clause": "Item 6"},
        }
    ]
    assert officer["rewards"] == [
        {
            "kind": "COMMENDATION",
            "authority": "LEADING_GROUP",
            "evidence": [{"kind": "PLEDGE", "favourable": True}, {"kind": "REQUEST", "favourable": True}],
        }
    ]
    assert officer["record"] == {
        "requestsHandled": 1,
        "requestsCompleted": 1,
        "requestsOnTime": 1,
        "requestsLate": 0,
        "onTimeRate": 1.0,
        "pledgesKept": 1,
        "pledgesBroken": 0,
        "commendations": 1,
    }

    request = data["enterpriseRequest"]
    assert (request["state"], request["outcome"], request["onTime"], request["overdue"]) == (
        "COMPLETED",
        "RESOLVED",
        True,
        False,
    )
    assert (request["firstInquiryDepartment"], request["accountableDepartment"]) == (
        "Housing Bureau",
        "Natural Resources Bureau",
    )
    assert request["handOvers"] == [
        {
            "seq": 1,
            "fromDepartment": "Housing Bureau",
            "toDepartment": "Natural Resources Bureau",
            "reason": "land is theirs",
            "state": "ACCEPTED",
        }
    ]
    clocks = {d["kind"]: d for d in request["deadlines"]}
    assert clocks["request-completion"] == {
        "kind": "request-completion",
        "responsible": "Natural Resources Bureau",
        "state": "met",
        "onTime": True,
        "clause": "Item 13",
    }
    assert clocks["handover-acceptance"]["state"] == "met"
    assert request["agency"] == {
        "mode": "SINGLE_ITEM",
        "method": "CENTRE_ALONE",
        "centre": {"level": "COUNTY", "countyCode": "410311"},
        "steps": [
            {
                "department": "Natural Resources Bureau",
                "permit": "temporary land use permit",
                "status": "SUBMITTED",
                "history": [{"status": "SUBMITTED"}],
            }
        ],
    }
    assert request["nonApprovals"] == []
    assert request["officer"] == {"person": {"name": "Wang Lei"}, "record": {"requestsHandled": 1}}

    # One call per kind of lookup: the officer and its dossier are asked for twice in the query, fetched once.
    calls = sorted(
        s.name.rsplit("/", 1)[-1]
        for s in span_exporter.get_finished_spans()
        if s.name.startswith("/mesh.officers.v1.OfficersService/") and s.kind.name == "CLIENT"
    )
    assert calls == ["BatchGetOfficerDossiers", "BatchGetOfficers", "BatchGetRequests", "NonApprovalsBySubjects"]


async def test_refusals_and_money_through_the_graph(with_officers: tuple[RunningGateway, RunningOfficers]) -> None:
    gateway, officers = with_officers
    refused = await gateway.query(
        """
      mutation($at: DateTime!) { dispatchOfficer(
          officer: {id: "p1", name: "Sun", department: "Commerce Bureau", rank: SECTION_HEAD},
          targetKind: ENTERPRISE, targetId: "e", enterpriseId: "e", office: {level: CITY},
          basis: {enterpriseContact: "CEO", at: $at}) { id } }""",
        {"at": officers.clock.now.isoformat()},
    )
    (error,) = refused["errors"]
    assert error["extensions"] == {
        "code": "INVALID_ARGUMENT",
        "rule": "leading-cadre",
        "policyItem": "Item 6",
        "field": "officer.rank",
    }

    eligible = """query($yuan: Decimal!, $sector: LeadHandlingSector!) {
        leadHandlingEligibility(facts: {sector: $sector, investmentYuan: $yuan, fitsIndustrialPolicy: true}) {
          eligible basis rule } }"""
    below = await run(gateway, eligible, yuan="99999999.99", sector="INDUSTRIAL")
    assert below["leadHandlingEligibility"]["eligible"] is False
    assert "100,000,000 CNY" in below["leadHandlingEligibility"]["rule"]
    at = await run(gateway, eligible, yuan="100000000", sector="INDUSTRIAL")
    assert at["leadHandlingEligibility"] == {
        "eligible": True,
        "basis": "INDUSTRY_SERVICE_INVESTMENT",
        "rule": at["leadHandlingEligibility"]["rule"],
    }
    agri = await run(gateway, eligible, yuan="30000000.00", sector="AGRICULTURE")
    assert agri["leadHandlingEligibility"]["eligible"] is True
    finer = await gateway.query(eligible, {"yuan": "30000000.001", "sector": "AGRICULTURE"})
    assert finer["errors"][0]["extensions"]["field"] == "facts.investmentYuan"

    not_eligible = await gateway.query("""mutation { startLeadHandling(projectId: "prj-1", enterpriseId: "ent-1",
        office: {level: CITY}, facts: {sector: SERVICE, investmentYuan: "99999999", fitsIndustrialPolicy: true}) {
        projectId } }""")
    assert not_eligible["errors"][0]["extensions"]["rule"] == "lead-handling-eligibility"
    assert not_eligible["errors"][0]["extensions"]["policyItem"] == "Item 8"


async def test_an_enterprise_rates_its_own_completed_request_and_no_one_elses(
    mesh_env: dict[str, str], bus: Bus, tmp_path: Any
) -> None:
    from mesh.officers.v1 import officers_pb2 as opb
    from mesh_gateway.auth import Principal, Role

    await bus.ensure_streams(RESPONSE_STREAMS)
    async with officers_service(mesh_env, MovableClock()) as officers, \
            signed_in_gateway(mesh_env, tmp_path, OFFICERS_GRPC_TARGET=f"127.0.0.1:{officers.runtime.port}") as mesh:
        opened = await officers.stub.OpenRequest(opb.OpenRequestRequest(
            enterprise_id="ent-7", source=opb.REQUEST_SOURCE_ENTERPRISE, subject="water hook-up",
            category=opb.REQUEST_CATEGORY_PERMIT, department="Water Company", actor="ent-7"))
        await officers.stub.CompleteRequest(opb.CompleteRequestRequest(
            request_id=opened.id, department="Water Company", outcome=opb.OUTCOME_RESOLVED,
            summary="connected", actor="clerk"))
        rate = "mutation($id: ID!) { rateRequest(requestId: $id, score: 5) { rating { score ratedBy } } }"

        def enterprise(enterprise_id: str) -> Principal:
            return Principal(f"user-{enterprise_id}", Role.ENTERPRISE, enterprise_id=enterprise_id)

        other = await mesh.query(rate, enterprise("ent-8"), {"id": opened.id})
        assert codes(other) == ["FORBIDDEN"]
        own = await mesh.data(rate, enterprise("ent-7"), {"id": opened.id})
        assert own["rateRequest"]["rating"] == {"score": 5, "ratedBy": "user-ent-7"}
