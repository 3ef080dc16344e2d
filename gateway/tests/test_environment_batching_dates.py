"""Through the gateway, with the contacts and environment services in-process and sign-in on: a page of cases
with their accountability records in one call (items 9, 18), case deadline alerts to the case's county only
(item 9), and cases, fine filings and enforcement checks listed by time (items 9, 10, 11)."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from mesh.contacts.v1 import contacts_pb2 as cpb
from mesh_contacts.settings import ContactsSettings
from mesh_contacts.testing import enterprise, run_contacts
from mesh_environment import events
from mesh_environment.domain.cases import CaseSource, Offence, Site
from mesh_environment.domain.fines import ChargeKind
from mesh_environment.domain.guard import Action
from mesh_environment.settings import EnvironmentSettings
from mesh_environment.testing import RunningEnvironment, run_environment
from mesh_gateway.auth import Principal, Role
from mesh_gateway.testing import SignedIn, next_payload, signed_in_gateway, subscription
from mesh_response.events import STREAMS as RESPONSE_STREAMS
from meshlib import telemetry
from meshlib.bus import Bus
from meshlib.deadlines import DeadlineScanner
from meshlib.testing.plugin import settings_for
from meshlib.testing.poll import eventually

LUOLONG, JIANXI = "410311", "410305"
OFFICE = Principal("x1", Role.OPTIMISATION_OFFICE)
COUNTY_LEADER = Principal("l2", Role.LEADER, county_code=LUOLONG)
ENVIRONMENT = "/mesh.environment.v1.EnvironmentService/"
CITY_OFFSET = timezone(timedelta(hours=8))


@dataclass
class Mesh(SignedIn):
    environment: RunningEnvironment
    luolong: str
    """An enterprise in Luolong District."""
    jianxi: str
    """An enterprise in Jianxi District."""

    async def open_case(self, enterprise_id: str, at: datetime) -> str:
        """A case an enterprise opened at ``at`` (by the service's own casework, living then)."""
        parts = self.environment.parts(clock=lambda: at)
        doc = await parts.casework.open_case(
            site=Site(enterprise_id=enterprise_id), offence=Offence.MARKET_BULLYING, description="sand sold by force",
            location="", occurred_at=None, source=CaseSource.ENTERPRISE, source_ref="", major=False, actor="hotline")
        return str(doc["_id"])

    async def scan_at(self, at: datetime) -> None:
        """Fire the environment service's clocks due at ``at``, as a replica living then would."""
        parts = self.environment.parts(clock=lambda: at)
        await DeadlineScanner(parts.clocks, self.environment.bus, domain=events.DOMAIN, source=events.SOURCE,
                              clock=lambda: at, on_fire=parts.casework.on_deadline).scan_once()


@pytest.fixture
async def mesh(mesh_env: dict[str, str], bus: Bus, tmp_path: Path) -> AsyncIterator[Mesh]:
    await bus.ensure_streams(RESPONSE_STREAMS)  # the gateway follows incidents.accepted from start-up
    async with run_contacts(settings_for(ContactsSettings, mesh_env, EDITION_SCHEDULE="off")) as contacts:
        target = f"127.0.0.1:{contacts.runtime.port}"
        sites = ((1, "洛阳开元机械有限公司", "410311010"), (2, "洛阳涧西重工有限公司", "410305005"))
        luolong, jianxi = [(await contacts.stub.RegisterEnterprise(cpb.RegisterEnterpriseRequest(
            enterprise=enterprise(n, name, township=township), actor="test"))).id for n, name, township in sites]
        async with run_environment(settings_for(EnvironmentSettings, mesh_env, CONTACTS_GRPC_TARGET=target)) as env, \
                signed_in_gateway(mesh_env, tmp_path, CONTACTS_GRPC_TARGET=target,
                                  ENVIRONMENT_GRPC_TARGET=f"127.0.0.1:{env.runtime.port}") as signed_in:
            yield Mesh(signed_in.gateway, signed_in.secret, env, luolong, jianxi)


async def environment_calls(exporter: Any, trace_id: int, timeout: float = 10.0) -> Counter[str]:
    """The environment service's methods the trace called (CLIENT spans), once every one of them has ended."""
    def settled() -> Counter[str] | None:
        # A client span ends a moment after its reply is read: wait until its parents have all ended.
        spans = [s for s in exporter.get_finished_spans() if s.context.trace_id == trace_id]
        ended = {s.context.span_id for s in spans}
        clients = [s for s in spans if s.kind is SpanKind.CLIENT and s.name.startswith(ENVIRONMENT)]
        if clients and all(s.parent is None or s.parent.span_id in ended for s in spans):
            return Counter(s.name.removeprefix(ENVIRONMENT) for s in clients)
        return None

    return await eventually(settled, timeout=timeout, interval=0.02, what="the trace's spans to all end")


# ---- a page of cases -> their accountability records, in one call ------------------------------------

PAGE = """{ governanceCases(first: 100) { edges { node { id accountabilityRecords { kind subjectId } } } } }"""


async def test_a_page_of_cases_reads_its_accountability_records_in_one_call(mesh: Mesh, span_exporter: Any) -> None:
    now = datetime.now(UTC)
    no_plan, late, clean, other = [await mesh.open_case(e, now) for e in
                                   (mesh.luolong, mesh.luolong, mesh.luolong, mesh.jianxi)]
    # Eight days on the first case has no plan; the second was planned and is closed after its due date; the
    # others are planned and still within their time.
    env = mesh.environment
    later = now + timedelta(days=8)
    for case_id in (late, clean, other):
        await env.parts(clock=lambda: now).casework.file_plan(
            case_id, measures=["patrols"], responsible_units=["u"], due_at=now + timedelta(days=2), actor="x")
    await mesh.scan_at(later)
    await env.parts(clock=lambda: later).casework.close(late, "settled at last", "x")

    span_exporter.clear()
    with trace.get_tracer("test.frontend").start_as_current_span("frontend asks") as root:
        reply = await mesh.query(PAGE, OFFICE, headers=telemetry.inject({}))
    assert "errors" not in reply, reply
    records = {e["node"]["id"]: e["node"]["accountabilityRecords"] for e in reply["data"]["governanceCases"]["edges"]}
    assert records == {
        no_plan: [{"kind": "PLAN_MISSING", "subjectId": no_plan}],
        late: [{"kind": "CASE_CLOSED_LATE", "subjectId": late}],
        clean: [],
        other: [],
    }
    calls = await environment_calls(span_exporter, root.get_span_context().trace_id)
    assert calls == {"ListCases": 1, "BatchGetAccountabilityBySubject": 1}


# ---- case deadline alerts reach the case's county --------------------------------------------------

ALERTS = """subscription { %s { deadlineId subjectId countyCode clause } }"""


async def test_a_county_user_gets_its_countys_case_deadline_alerts_and_not_another_countys(mesh: Mesh) -> None:
    now = datetime.now(UTC)
    # Jianxi's case a day earlier than Luolong's: its plan's warning and breach are published first, so were a
    # Luolong subscriber given another county's alert, that would be the first it got.
    jianxi = await mesh.open_case(mesh.jianxi, now)
    luolong = await mesh.open_case(mesh.luolong, now + timedelta(days=1))
    url = mesh.gateway.url
    async with subscription(url, ALERTS % "deadlineWarning", payload=mesh.auth(COUNTY_LEADER)) as county_warned, \
            subscription(url, ALERTS % "deadlineBreached", payload=mesh.auth(COUNTY_LEADER)) as county_breached, \
            subscription(url, ALERTS % "deadlineBreached", payload=mesh.auth(OFFICE)) as office_breached:
        await mesh.gateway.wait_subscribers("environment.deadline.warning", 1)
        await mesh.gateway.wait_subscribers("environment.deadline.breached", 2)
        # Plans are due in 7 days, warned of after 5.6: Jianxi's warns at +6, breaches at +7.5 (when Luolong's
        # warns), and Luolong's breaches at +9.
        for days in (6, 7.5, 9):
            await mesh.scan_at(now + timedelta(days=days))

        def alert(field: str, case_id: str, county: str) -> dict[str, Any]:
            return {"data": {field: {"deadlineId": f"case-plan:{case_id}", "subjectId": case_id,
                                     "countyCode": county, "clause": "Item 9"}}}

        assert await next_payload(county_warned) == alert("deadlineWarning", luolong, LUOLONG)
        assert await next_payload(county_breached) == alert("deadlineBreached", luolong, LUOLONG)
        assert await next_payload(office_breached) == alert("deadlineBreached", jianxi, JIANXI)
        assert await next_payload(office_breached) == alert("deadlineBreached", luolong, LUOLONG)


# ---- lists by time -------------------------------------------------------------------------------------

BY_TIME = """query($a: DateTime, $b: DateTime) {
  governanceCases(filter: {openedAfter: $a, openedBefore: $b}) { edges { node { id } } }
  fineFilings(filedAfter: $a, filedBefore: $b) { edges { node { id } } }
  enforcementChecks(checkedAfter: $a, checkedBefore: $b) { edges { node { id } } }
}"""


async def test_cases_filings_and_checks_are_listed_from_after_up_to_before(mesh: Mesh) -> None:
    now = datetime.now(UTC)
    base = now.replace(microsecond=now.microsecond // 1000 * 1000) + timedelta(days=1)
    at = [base + timedelta(seconds=n) for n in range(3)]
    written: dict[str, list[str]] = {"governanceCases": [], "fineFilings": [], "enforcementChecks": []}
    for n, t in enumerate(at):
        enforcement = mesh.environment.parts(clock=lambda t=t: t).enforcement  # type: ignore[misc]
        written["governanceCases"].append(await mesh.open_case(mesh.luolong, t))
        written["fineFilings"].append((await enforcement.file_fine(
            enterprise_id=mesh.luolong, agency="city-market-supervision", kind=ChargeKind.FINE, amount_fen=100_000,
            matter=f"matter {n}", legal_basis="", minor_violation=False, actor="desk"))["_id"])
        written["enforcementChecks"].append((await enforcement.check(Action(
            enterprise_id=mesh.luolong, agency="city-market-supervision", matter=f"matter {n}",
            planned_at=t + timedelta(days=1), officers=()), "desk"))["_id"])

    async def listed(after: datetime | None, before: datetime | None) -> dict[str, list[str]]:
        reply = await mesh.query(BY_TIME, OFFICE, {"a": after and after.isoformat(),
                                                   "b": before and before.isoformat()})
        assert "errors" not in reply, reply
        return {k: [e["node"]["id"] for e in v["edges"]] for k, v in reply["data"].items()}

    def rows(*n: int) -> dict[str, list[str]]:
        return {k: [ids[i] for i in n] for k, ids in written.items()}

    # A row exactly at `after` is listed, one exactly at `before` is not; newest first.
    assert await listed(at[1], at[2]) == rows(1)
    assert await listed(at[0], at[2]) == rows(1, 0)
    assert await listed(at[1], None) == rows(2, 1)
    assert await listed(None, at[1]) == rows(0)
    # In the city's own offset (+08:00) too: the same instant.
    assert await listed(at[1].astimezone(CITY_OFFSET), at[2]) == rows(1)

    # A window that ends before it starts is refused, naming its end.
    for field, prefix in (("governanceCases(filter: {openedAfter: $a, openedBefore: $b})", "filter.opened"),
                          ("fineFilings(filedAfter: $a, filedBefore: $b)", "filed"),
                          ("enforcementChecks(checkedAfter: $a, checkedBefore: $b)", "checked")):
        refused = await mesh.query(f"query($a: DateTime, $b: DateTime) {{ {field} {{ edges {{ node {{ id }} }} }} }}",
                                   OFFICE, {"a": at[2].isoformat(), "b": at[1].isoformat()})
        assert refused["data"] is None, field
        assert {k: refused["errors"][0]["extensions"][k] for k in ("code", "rule", "field")} == {
            "code": "INVALID_ARGUMENT", "rule": "date-range", "field": f"{prefix}Before"}

    naive = await mesh.query(BY_TIME, OFFICE, {"a": "2026-12-01T00:00:00", "b": None})
    assert naive["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
