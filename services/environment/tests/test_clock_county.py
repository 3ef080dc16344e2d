"""Integration (item 9): the clocks of a case or finding carry its county, so their warnings and breaches reach
that county's users (the gateway places a deadline event by ``data.county_code``); they move with the case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mesh.environment.v1 import environment_pb2 as pb
from mesh_environment import events
from mesh_environment.testing import LUOLONG, RunningEnvironment, Sites
from meshlib import deadlines
from meshlib.deadlines import DeadlineScanner
from meshlib.envelope import Envelope
from meshlib.testing.streams import read_stream

JIANXI, JIANXI_TOWNSHIP = "410305", "410305005"


async def scan_at(env: RunningEnvironment, at: datetime) -> None:
    """Fire what is due at ``at``, as a replica living then would."""
    parts = env.parts(clock=lambda: at)
    await DeadlineScanner(parts.clocks, env.bus, domain=events.DOMAIN, source=events.SOURCE, clock=lambda: at,
                          on_fire=parts.casework.on_deadline).scan_once()


def counties(seen: list[Envelope]) -> dict[str, str | None]:
    """Each deadline event's clock id and the county its data carries (None: none)."""
    return {e.data["deadline_id"]: e.data["data"].get("county_code") for e in seen}


async def test_case_and_finding_deadline_events_carry_the_county_and_follow_a_reassignment(
    environment: RunningEnvironment, sites: Sites,
) -> None:
    env = environment
    major = await env.stub.OpenCase(pb.OpenCaseRequest(
        enterprise_id=sites.plain, offence=pb.OFFENCE_EXTORTION, description="protection money demanded",
        source=pb.CASE_SOURCE_COMPLAINT, major=True, actor="hotline"))
    moved = await env.stub.OpenCase(pb.OpenCaseRequest(
        enterprise_id=sites.other, offence=pb.OFFENCE_MARKET_BULLYING, description="sand sold by force",
        source=pb.CASE_SOURCE_COMPLAINT, actor="hotline"))
    assert (major.territory.county_code, moved.territory.county_code) == (LUOLONG, LUOLONG)
    await env.stub.AssignTerritory(pb.AssignTerritoryRequest(
        case_id=moved.id, county_code=JIANXI, county_name="涧西区", township_code=JIANXI_TOWNSHIP,
        township_name="重庆路街道", reason="the site is across the district line", actor="city-office"))
    finding = await env.stub.RegisterFinding(pb.RegisterFindingRequest(
        channel=pb.CHANNEL_ONLINE_PETITION, kind=pb.FINDING_KIND_SLOW_ACTION, description="sign-off pending",
        responsible_unit="city fire brigade", enterprise_id=sites.plain, actor="desk"))
    nowhere = await env.stub.RegisterFinding(pb.RegisterFindingRequest(
        channel=pb.CHANNEL_ONLINE_PETITION, kind=pb.FINDING_KIND_SLOW_ACTION, description="a rule nobody applies",
        responsible_unit="city archives", actor="desk"))

    # Six days on the plans are late to come (a warning); the major case was not acknowledged: it escalates to
    # the county, whose new clock is the case's county's too. Sixteen days on, everything is breached.
    now = datetime.now(UTC)
    await scan_at(env, now + timedelta(days=6))
    await scan_at(env, now + timedelta(days=16))

    warned = await read_stream(env.bus, events.DEADLINE_WARNING, until=lambda seen: len(seen) >= 2)
    assert counties(warned) == {f"case-plan:{major.id}": LUOLONG, f"case-plan:{moved.id}": JIANXI}
    breached = await read_stream(env.bus, events.DEADLINE_BREACHED, until=lambda seen: len(seen) >= 6)
    assert counties(breached) == {
        f"case-ack:{major.id}:township": LUOLONG,
        f"case-ack:{major.id}:county": LUOLONG,
        f"case-plan:{major.id}": LUOLONG,
        f"case-plan:{moved.id}": JIANXI,
        f"finding-resolve:{finding.id}": LUOLONG,
        f"finding-resolve:{nowhere.id}": None,  # at no site: in no county, for city-wide users only
    }

    # Every clock of a case carries its county, the ones not yet fired included.
    clocks = await env.runtime.db[deadlines.COLLECTION].find(
        {"subject_type": "case"}, {"subject_id": 1, "data.county_code": 1}).to_list(None)
    by_case: dict[str, set[str | None]] = {}
    for c in clocks:
        by_case.setdefault(c["subject_id"], set()).add(c["data"].get("county_code"))
    assert by_case == {major.id: {LUOLONG}, moved.id: {JIANXI}}
    assert len([c for c in clocks if c["subject_id"] == major.id]) == 5  # plan, resolve, ack at three levels
