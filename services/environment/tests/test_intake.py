"""Integration (item 9): pushed incidents open cases at the right county and township, once; major ones escalate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from mesh.environment.v1 import environment_pb2 as pb
from mesh_environment import events
from mesh_environment.testing import GUANLIN, KAIYUAN, LUOLONG, RunningEnvironment, Sites
from mesh_response.push import push
from mesh_response.testing import report
from meshlib.deadlines import DeadlineScanner
from meshlib.envelope import Envelope
from meshlib.testing.poll import eventually
from meshlib.testing.streams import read_stream

AGENCY = "luolong-police"


async def case_of(env: RunningEnvironment, incident_id: str) -> pb.Case | None:
    reply = await env.stub.BatchGetCasesByIncident(pb.BatchGetCasesByIncidentRequest(incident_ids=[incident_id]))
    (result,) = reply.results
    return result.cases[0] if result.cases else None


async def pushed(response: Any, *reports: dict[str, Any]) -> None:
    await push(response.bus.nc, AGENCY, list(reports), namespace=response.bus.ns.prefix)


async def test_an_extortion_incident_pushed_on_nats_opens_a_case_at_its_county_and_township(
    environment: RunningEnvironment, response_service: Any, sites: Sites,
) -> None:
    env = environment
    await env.stub.NameLeaderInCharge(pb.NameLeaderInChargeRequest(level=pb.LEVEL_COUNTY, code=LUOLONG,
                                                                   leader="Chen Ming", actor="luolong-gov"))
    await env.stub.NameLeaderInCharge(pb.NameLeaderInChargeRequest(level=pb.LEVEL_TOWNSHIP, code=KAIYUAN,
                                                                   leader="Liu Yang", actor="kaiyuan-office"))
    await pushed(response_service, report("INC-1", category="extortion", enterprise_id=sites.plain))

    case = await eventually(lambda: case_of(env, f"{AGENCY}:INC-1"), what="a case for INC-1")
    assert case.offence == pb.OFFENCE_EXTORTION
    assert case.source == pb.CASE_SOURCE_POLICE_INCIDENT and case.source_ref == f"{AGENCY}:INC-1"
    assert case.enterprise_id == sites.plain
    assert (case.territory.county_code, case.territory.county_name) == (LUOLONG, "洛龙区")
    assert (case.territory.township_code, case.territory.township_name) == (KAIYUAN, "开元路街道")
    assert (case.territory.county_leader, case.territory.township_leader) == ("Chen Ming", "Liu Yang")
    assert case.level == pb.LEVEL_TOWNSHIP and case.responsible_unit == f"township:{KAIYUAN}"
    assert case.responsible_leader == "Liu Yang"
    assert case.state == pb.CASE_STATE_OPEN and not case.major and not case.key_protection
    assert sorted(c.kind for c in case.clocks) == ["case-plan", "case-resolve"]
    opened = await read_stream(env.bus, events.CASE_OPENED, until=lambda seen: len(seen) >= 1)
    assert opened[0].subject == case.id and opened[0].data["territory"]["township_code"] == KAIYUAN


async def test_the_same_incident_redelivered_opens_nothing_more_and_incidents_within_the_window_join(
    environment: RunningEnvironment, response_service: Any, sites: Sites,
) -> None:
    env = environment
    await pushed(response_service, report("INC-1", enterprise_id=sites.plain))
    first = await eventually(lambda: case_of(env, f"{AGENCY}:INC-1"))

    # The accepted event arrives again (a redelivery, or a re-publish after the duplicate window).
    (accepted,) = await read_stream(env.bus, events.INCIDENT_ACCEPTED, until=lambda seen: len(seen) >= 1)
    for n in range(2):
        await env.bus.publish(events.INCIDENT_ACCEPTED, accepted, msg_id=f"redelivered-{n}")
    # Not an item-9 offence and no site: no case. Then a second incident at the same enterprise, in the window.
    await pushed(response_service, report("INC-2", category="other", enterprise_id=None),
                 report("INC-3", category="provoking_trouble", enterprise_id=sites.plain))

    joined = await eventually(lambda: _with_incidents(env, first.id, 2), what="INC-3 joining the case")
    assert list(joined.incident_ids) == [f"{AGENCY}:INC-1", f"{AGENCY}:INC-3"]
    assert await case_of(env, f"{AGENCY}:INC-2") is None
    by_incident = await env.stub.BatchGetCasesByIncident(pb.BatchGetCasesByIncidentRequest(
        incident_ids=[f"{AGENCY}:INC-3", f"{AGENCY}:INC-2", f"{AGENCY}:INC-1"]))
    assert [(r.key, [c.id for c in r.cases]) for r in by_incident.results] == [
        (f"{AGENCY}:INC-3", [first.id]), (f"{AGENCY}:INC-2", []), (f"{AGENCY}:INC-1", [first.id])]
    by_site = await env.stub.BatchGetCasesByEnterprise(
        pb.BatchGetCasesByEnterpriseRequest(enterprise_ids=[sites.plain, sites.other]))
    assert [(r.key, [c.id for c in r.cases]) for r in by_site.results] == [(sites.plain, [first.id]),
                                                                         (sites.other, [])]
    opened = await read_stream(env.bus, events.CASE_OPENED, until=lambda seen: len(seen) >= 1)
    assert [e.subject for e in opened] == [first.id]
    # The join's event carries the case as it is once joined (it carried it as it was before).
    (joined_event,) = await read_stream(env.bus, events.CASE_INCIDENT_JOINED, until=lambda seen: len(seen) >= 1)
    assert (joined_event.subject, joined_event.data["incident_id"]) == (first.id, f"{AGENCY}:INC-3")
    assert joined_event.data["incident_ids"] == [f"{AGENCY}:INC-1", f"{AGENCY}:INC-3"]


async def _with_incidents(env: RunningEnvironment, case_id: str, n: int) -> pb.Case | None:
    case = await env.stub.GetCase(pb.GetCaseRequest(id=case_id))
    return case if len(case.incident_ids) >= n else None


async def test_an_incident_outside_the_window_opens_its_own_case(
    environment: RunningEnvironment, response_service: Any, sites: Sites,
) -> None:
    env = environment
    long_ago = (datetime.now(UTC) - timedelta(days=5)).isoformat()
    await pushed(response_service, report("OLD-1", enterprise_id=sites.plain, occurred_at=long_ago),
                 report("NEW-1", enterprise_id=sites.plain))
    old = await eventually(lambda: case_of(env, f"{AGENCY}:OLD-1"))
    new = await eventually(lambda: case_of(env, f"{AGENCY}:NEW-1"))
    assert old.id != new.id


async def test_a_major_incident_escalates_to_county_then_city_when_not_acknowledged(
    start_environment: Any, response_service: Any, sites: Sites,
) -> None:
    env = await start_environment(MAJOR_ACK_SECONDS=0.5)
    await pushed(response_service, report("INC-9", severity="major", enterprise_id=sites.other))
    case = await eventually(lambda: case_of(env, f"{AGENCY}:INC-9"))
    assert case.major

    async def at_city() -> pb.Case | None:
        got = await env.stub.GetCase(pb.GetCaseRequest(id=case.id))
        return got if got.level == pb.LEVEL_CITY else None

    top = await eventually(at_city, what="escalation to the city")
    assert [(e.from_level, e.to_level) for e in top.escalations] == [(pb.LEVEL_TOWNSHIP, pb.LEVEL_COUNTY),
                                                                     (pb.LEVEL_COUNTY, pb.LEVEL_CITY)]
    assert top.responsible_unit == "city"
    escalated = await read_stream(env.bus, events.CASE_ESCALATED, until=lambda seen: len(seen) >= 2)
    assert [e.data["to_level"] for e in escalated] == ["county", "city"]
    assert escalated[0].data["responsible_unit"] == f"county:{LUOLONG}"
    breached = await read_stream(env.bus, events.DEADLINE_BREACHED,
                                 until=lambda seen: sum(e.data["kind"] == "case-ack" for e in seen) >= 2)
    assert {e.data["escalate_to"] for e in breached if e.data["kind"] == "case-ack"} == {"county", "city"}


async def test_an_acknowledged_major_case_does_not_escalate_and_key_sites_are_major(
    environment: RunningEnvironment, response_service: Any, sites: Sites,
) -> None:
    env = environment
    # A general incident at a key enterprise is major (item 9: key protection), with the shorter clock.
    await pushed(response_service, report("K-1", severity="general", enterprise_id=sites.key),
                 report("M-1", severity="major", enterprise_id=sites.plain))
    key_case = await eventually(lambda: case_of(env, f"{AGENCY}:K-1"))
    plain_case = await eventually(lambda: case_of(env, f"{AGENCY}:M-1"))
    assert key_case.major and key_case.key_protection and "contacts" in key_case.key_protection_reason
    assert key_case.territory.township_code == GUANLIN

    def ack_due(c: pb.Case) -> datetime:
        (clock,) = [k for k in c.clocks if k.kind == "case-ack"]
        return clock.due_at.ToDatetime(UTC)

    assert ack_due(key_case) - key_case.opened_at.ToDatetime(UTC) == timedelta(seconds=900)
    assert ack_due(plain_case) - plain_case.opened_at.ToDatetime(UTC) == timedelta(seconds=1800)

    await env.stub.AcknowledgeCase(pb.AcknowledgeCaseRequest(case_id=key_case.id, actor="guanlin-duty"))
    # An hour later, by a scanner living then: only the unacknowledged case escalates.
    later = datetime.now(UTC) + timedelta(hours=1)
    parts = env.parts(clock=lambda: later)
    scanner = DeadlineScanner(parts.clocks, env.bus, domain=events.DOMAIN, source=events.SOURCE,
                              clock=lambda: later, on_fire=parts.casework.on_deadline)
    await scanner.scan_once()
    acked = await env.stub.GetCase(pb.GetCaseRequest(id=key_case.id))
    unacked = await env.stub.GetCase(pb.GetCaseRequest(id=plain_case.id))
    assert acked.level == pb.LEVEL_TOWNSHIP and not acked.escalations and acked.acknowledged_by == "guanlin-duty"
    assert [c.state for c in acked.clocks if c.kind == "case-ack"] == ["met"]
    assert unacked.level == pb.LEVEL_COUNTY


async def test_a_redelivered_event_is_decoded_once_and_an_undecodable_one_is_skipped(
    environment: RunningEnvironment, response_service: Any, sites: Sites,
) -> None:
    env = environment
    await env.bus.publish_raw(events.INCIDENT_ACCEPTED, b"not an envelope", msg_id="garbage-1")
    bad = Envelope(id="x", type="mesh.incident.accepted", source="test", subject="x", data={"incident_id": 7})
    await env.bus.publish(events.INCIDENT_ACCEPTED, bad)
    await pushed(response_service, report("INC-5", enterprise_id=sites.plain))
    assert await eventually(lambda: case_of(env, f"{AGENCY}:INC-5"))
