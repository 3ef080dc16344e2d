"""Through the gateway: the enforcement guard (item 10), fine filing (item 11) and governance cases (item 9),
with the contacts and environment services running in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from mesh.contacts.v1 import contacts_pb2 as cpb
from mesh_contacts.settings import ContactsSettings
from mesh_contacts.testing import enterprise, run_contacts
from mesh_environment.settings import EnvironmentSettings
from mesh_environment.testing import run_environment
from mesh_gateway.settings import GatewaySettings
from mesh_gateway.testing import RunningGateway, running_gateway
from mesh_response.events import STREAMS as RESPONSE_STREAMS
from meshlib.bus import Bus
from meshlib.testing.plugin import settings_for


@pytest.fixture
async def mesh(mesh_env: dict[str, str], bus: Bus) -> AsyncIterator[tuple[RunningGateway, str]]:
    """The gateway over contacts and environment; yields it and a registered enterprise's id."""
    await bus.ensure_streams(RESPONSE_STREAMS)  # the response service would declare them
    async with run_contacts(settings_for(ContactsSettings, mesh_env, EDITION_SCHEDULE="off")) as contacts:
        contacts_target = f"127.0.0.1:{contacts.runtime.port}"
        registered = await contacts.stub.RegisterEnterprise(cpb.RegisterEnterpriseRequest(
            enterprise=enterprise(1, "洛阳开元机械有限公司", township="410311010"), actor="test"))
        env_settings = settings_for(EnvironmentSettings, mesh_env, CONTACTS_GRPC_TARGET=contacts_target)
        async with run_environment(env_settings) as environment:
            gw = settings_for(GatewaySettings, mesh_env, HTTP_PORT=0, CONTACTS_GRPC_TARGET=contacts_target,
                              ENVIRONMENT_GRPC_TARGET=f"127.0.0.1:{environment.runtime.port}")
            async with running_gateway(gw) as gateway:
                yield gateway, registered.id


DECLARE = """
mutation Declare($id: ID!) {
  declareQuietProductionDays(enterpriseId: $id, weekdays: [2]) { weekdays }
}"""

CHECK = """
mutation Check($action: EnforcementActionInput!) {
  checkEnforcement(action: $action) {
    allowed plannedOn
    reasons { prohibition message item }
  }
}"""

STATS = """
query Stats($id: ID!) {
  enforcementStats(enterpriseId: $id) { checks refused refusalsByReason { prohibition count } }
}"""


def action(enterprise_id: str, planned_at: str) -> dict[str, Any]:
    return {
        "enterpriseId": enterprise_id, "agency": "city-market-supervision", "matter": "food safety",
        "plannedAt": planned_at, "filingReference": "BA-2026-17",
        "officers": [{"officerId": "o-1", "name": "Zhang Wei", "credentialNumber": "HN-ZF-0001",
                      "credentialExpiresOn": "2027-06-30"}],
    }


async def test_the_guard_refuses_an_action_on_a_quiet_production_day_and_says_why(mesh: Any) -> None:
    gateway, ent = mesh
    declared = await gateway.query(DECLARE, {"id": ent})
    assert declared == {"data": {"declareQuietProductionDays": {"weekdays": [2]}}}

    # 2026-12-01 is a Tuesday in Shanghai (it is still Monday in UTC at 00:30 +08:00).
    refused = await gateway.query(CHECK, {"action": action(ent, "2026-12-01T00:30:00+08:00")})
    assert refused == {"data": {"checkEnforcement": {
        "allowed": False, "plannedOn": "2026-12-01",
        "reasons": [{"prohibition": "QUIET_PRODUCTION_DAY", "item": "Item 10",
                     "message": f"2026-12-01 is a quiet production day of {ent} (every Tuesday)"}],
    }}}
    allowed = await gateway.query(CHECK, {"action": action(ent, "2026-12-02T09:00:00+08:00")})
    assert allowed == {"data": {"checkEnforcement": {"allowed": True, "plannedOn": "2026-12-02", "reasons": []}}}

    stats = (await gateway.query(STATS, {"id": ent}))["data"]["enforcementStats"]
    assert (stats["checks"], stats["refused"]) == (2, 1)
    assert {r["prohibition"]: r["count"] for r in stats["refusalsByReason"]}["QUIET_PRODUCTION_DAY"] == 1


FILE = """
mutation File($input: FineFilingInput!) {
  fileFine(input: $input) { amountYuan body hearingRequired state }
}"""


async def test_fines_are_filed_by_exact_amount_and_refusals_name_the_rule(mesh: Any) -> None:
    gateway, ent = mesh

    def fine(amount: str) -> dict[str, Any]:
        return {"input": {"enterpriseId": ent, "agency": "city-market-supervision", "amountYuan": amount,
                          "matter": "food safety"}}

    assert (await gateway.query(FILE, fine("2999.99")))["data"]["fileFine"] == {
        "amountYuan": "2999.99", "body": "CITY_BURDEN_REDUCTION_OFFICE", "hearingRequired": False,
        "state": "PENDING"}
    assert (await gateway.query(FILE, fine("10000")))["data"]["fileFine"]["body"] == "CITY_COMMITTEE_AND_GOVERNMENT"
    zero = await gateway.query(FILE, fine("0"))
    assert zero["data"] is None
    assert zero["errors"][0]["extensions"] == {"code": "INVALID_ARGUMENT", "rule": "fine-amount-positive",
                                               "policyItem": "Item 11", "field": "input.amountYuan"}
    sub_fen = await gateway.query(FILE, fine("2999.999"))
    assert sub_fen["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


CASES = """
mutation Open($input: OpenCaseInput!) { openGovernanceCase(input: $input) { id } }
"""
AROUND = """
query Around($id: ID!) {
  enterpriseCases(enterpriseId: $id) {
    offence state recheckRequired responsibleUnit
    territory { countyName townshipCode townshipName }
    enterprise { name }
    clocks { kind state clause }
  }
}"""


async def test_a_case_shows_its_enterprise_and_territory(mesh: Any) -> None:
    gateway, ent = mesh
    opened = await gateway.query(CASES, {"input": {"source": "COMPLAINT", "enterpriseId": ent,
                                                   "offence": "MARKET_BULLYING",
                                                   "description": "sand must be bought from one gang"}})
    assert opened["data"]["openGovernanceCase"]["id"]
    around = await gateway.query(AROUND, {"id": ent})
    (case,) = around["data"]["enterpriseCases"]
    assert case["enterprise"] == {"name": "洛阳开元机械有限公司"}
    assert case["territory"] == {"countyName": "洛龙区", "townshipCode": "410311010", "townshipName": "开元路街道"}
    assert (case["offence"], case["state"], case["recheckRequired"]) == ("MARKET_BULLYING", "OPEN", True)
    assert case["responsibleUnit"] == "township:410311010"
    assert sorted(c["kind"] for c in case["clocks"]) == ["case-plan", "case-resolve"]
