"""Integration (items 9, 18): plans, reassignment, closing with a recheck, key protection, accountability."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import grpc
import pytest

from mesh.environment.v1 import environment_pb2 as pb
from mesh_environment import events
from mesh_environment.convert import ts
from mesh_environment.testing import GUANLIN, KAIYUAN, LUOLONG, RunningEnvironment, Sites
from meshlib.deadlines import DeadlineScanner
from meshlib.errors import ITEM_KEY, RULE_KEY, Refused
from meshlib.testing.streams import read_stream


async def open_complaint(env: RunningEnvironment, enterprise_id: str, **over: object) -> pb.Case:
    request = pb.OpenCaseRequest(enterprise_id=enterprise_id, offence=pb.OFFENCE_MARKET_BULLYING,
                                 description="a gang forces the site to buy sand from it", location="north gate",
                                 source=pb.CASE_SOURCE_COMPLAINT, source_ref="12345-2026-88", actor="hotline")
    for k, v in over.items():
        setattr(request, k, v)
    opened: pb.Case = await env.stub.OpenCase(request)
    return opened


def refusal(err: pytest.ExceptionInfo[grpc.aio.AioRpcError]) -> tuple[grpc.StatusCode, str | None, str | None]:
    md = dict(err.value.trailing_metadata() or ())
    return err.value.code(), md.get(RULE_KEY), md.get(ITEM_KEY)


async def test_a_complaint_case_is_planned_closed_and_closed_only_after_the_recheck_confirms(
    environment: RunningEnvironment, sites: Sites,
) -> None:
    env = environment
    case = await open_complaint(env, sites.plain)
    assert case.recheck_required and case.state == pb.CASE_STATE_OPEN
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await env.stub.CloseCase(pb.CloseCaseRequest(case_id=case.id, outcome="gang dispersed", actor="kaiyuan"))
    assert refusal(err) == (grpc.StatusCode.FAILED_PRECONDITION, "plan-before-close", "Item 9")

    due = datetime.now(UTC) + timedelta(days=10)
    planned = await env.stub.FilePlan(pb.FilePlanRequest(
        case_id=case.id, measures=["joint patrol at the north gate", "talk to the suppliers"],
        responsible_units=["Kaiyuan police station", "Kaiyuan township office"], due_at=ts(due), actor="kaiyuan"))
    assert planned.state == pb.CASE_STATE_PLANNED
    clocks = {c.kind: c for c in planned.clocks}
    assert clocks["case-plan"].state == "met"
    # The plan's due date is now the case's resolution deadline (stored to the millisecond).
    assert abs(clocks["case-resolve"].due_at.ToDatetime(UTC) - due) < timedelta(milliseconds=1)
    await env.stub.AddProgress(pb.AddProgressRequest(case_id=case.id, note="patrols started", actor="kaiyuan"))

    reported = await env.stub.CloseCase(pb.CloseCaseRequest(case_id=case.id, outcome="gang dispersed",
                                                            actor="kaiyuan"))
    assert reported.state == pb.CASE_STATE_AWAITING_RECHECK and not reported.HasField("closed_at")
    reopened = await env.stub.RecheckCase(pb.RecheckCaseRequest(case_id=case.id, confirmed=False,
                                                                note="they are back", actor="city-inspector"))
    assert reopened.state == pb.CASE_STATE_PLANNED and reopened.outcome == ""
    await env.stub.CloseCase(pb.CloseCaseRequest(case_id=case.id, outcome="two arrested", actor="kaiyuan"))
    closed = await env.stub.RecheckCase(pb.RecheckCaseRequest(case_id=case.id, confirmed=True, note="quiet",
                                                              actor="city-inspector"))
    assert closed.state == pb.CASE_STATE_CLOSED and closed.outcome == "two arrested"
    assert [r.confirmed for r in closed.rechecks] == [False, True]
    assert [p.note for p in closed.progress] == ["patrols started"]
    (event,) = await read_stream(env.bus, events.CASE_CLOSED, until=lambda seen: len(seen) >= 1)
    assert event.subject == case.id and event.data["outcome"] == "two arrested"
    records = await env.stub.ListAccountability(pb.ListAccountabilityRequest(subject_id=case.id))
    assert list(records.records) == []  # closed in time


async def test_a_wrong_territory_is_reassigned_and_the_history_kept(
    environment: RunningEnvironment, sites: Sites,
) -> None:
    env = environment
    await env.stub.NameLeaderInCharge(pb.NameLeaderInChargeRequest(level=pb.LEVEL_TOWNSHIP, code=GUANLIN,
                                                                   leader="Zhao Gang", actor="guanlin-office"))
    case = await open_complaint(env, sites.plain)
    assert case.territory.township_code == KAIYUAN
    moved = await env.stub.AssignTerritory(pb.AssignTerritoryRequest(
        case_id=case.id, county_code=LUOLONG, county_name="洛龙区", township_code=GUANLIN, township_name="关林镇",
        reason="the yard is across the township line", actor="luolong-gov"))
    assert moved.territory.township_code == GUANLIN and moved.territory.township_leader == "Zhao Gang"
    assert moved.responsible_unit == f"township:{GUANLIN}"
    (change,) = moved.reassignments
    assert change.from_territory.township_code == KAIYUAN and change.to_territory.township_code == GUANLIN
    assert change.reason == "the yard is across the township line"
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await env.stub.AssignTerritory(pb.AssignTerritoryRequest(case_id=case.id, county_code=LUOLONG,
                                                                 township_code=KAIYUAN, actor="x"))
    assert refusal(err)[:2] == (grpc.StatusCode.INVALID_ARGUMENT, "reassignment-reason")


async def test_a_project_case_takes_the_projects_territory_and_key_status(
    environment: RunningEnvironment, sites: Sites,
) -> None:
    case = await open_complaint(environment, "", project_id=sites.project)
    assert case.territory.township_code == GUANLIN
    assert case.key_protection and case.major


async def test_manual_key_protection_gives_shorter_clocks(environment: RunningEnvironment, sites: Sites) -> None:
    env = environment
    before = await open_complaint(env, sites.other)
    await env.stub.AddKeyProtection(pb.AddKeyProtectionRequest(
        site_kind=pb.SITE_KIND_ENTERPRISE, site_id=sites.other, reason="repeated extortion this year",
        actor="city-optimisation-office"))
    after = await open_complaint(env, sites.other)
    assert not before.key_protection
    assert after.key_protection and after.key_protection_reason == "repeated extortion this year"

    def plan_span(c: pb.Case) -> timedelta:
        (clock,) = [k for k in c.clocks if k.kind == "case-plan"]
        return clock.due_at.ToDatetime(UTC) - c.opened_at.ToDatetime(UTC)

    assert (plan_span(before), plan_span(after)) == (timedelta(days=7), timedelta(days=3))
    listed = await env.stub.ListKeyProtection(pb.ListKeyProtectionRequest())
    assert [e.site_id for e in listed.entries] == [sites.other]
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await env.stub.FilePlan(pb.FilePlanRequest(case_id=after.id, measures=["m"], responsible_units=["u"],
                                                   due_at=ts(datetime.now(UTC) + timedelta(days=16)), actor="x"))
    assert refusal(err)[:2] == (grpc.StatusCode.INVALID_ARGUMENT, "plan-due-within-limit")

    # Ending it needs a reason; who ended it and why are kept, and adding it again starts a clean entry.
    remove = pb.RemoveKeyProtectionRequest(site_kind=pb.SITE_KIND_ENTERPRISE, site_id=sites.other, reason=" ",
                                           actor="city-optimisation-office")
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await env.stub.RemoveKeyProtection(remove)
    assert refusal(err)[:2] == (grpc.StatusCode.INVALID_ARGUMENT, "key-reason")
    remove.reason = "the gang was convicted"
    ended = await env.stub.RemoveKeyProtection(remove)
    assert (ended.active, ended.removal_reason, ended.removed_by) == (
        False, "the gang was convicted", "city-optimisation-office")
    assert ended.removed_at.ToDatetime(UTC) >= ended.added_at.ToDatetime(UTC)
    assert not (await env.stub.ListKeyProtection(pb.ListKeyProtectionRequest())).entries
    again = await env.stub.AddKeyProtection(pb.AddKeyProtectionRequest(
        site_kind=pb.SITE_KIND_ENTERPRISE, site_id=sites.other, reason="threatened again", actor="office-2"))
    assert (again.active, again.HasField("removed_at"), again.removal_reason, again.removed_by) == (True, False, "", "")


async def test_a_missing_plan_and_a_late_closing_are_accounted_for(environment: RunningEnvironment,
                                                                   sites: Sites) -> None:
    env = environment
    await env.stub.NameLeaderInCharge(pb.NameLeaderInChargeRequest(level=pb.LEVEL_TOWNSHIP, code=KAIYUAN,
                                                                   leader="Liu Yang", actor="kaiyuan-office"))
    no_plan = await open_complaint(env, sites.plain, source=pb.CASE_SOURCE_ENTERPRISE)
    late = await open_complaint(env, sites.other, source=pb.CASE_SOURCE_ENTERPRISE)
    due = datetime.now(UTC) + timedelta(days=2)
    await env.stub.FilePlan(pb.FilePlanRequest(case_id=late.id, measures=["m"], responsible_units=["u"],
                                               due_at=ts(due), actor="kaiyuan"))

    # Eight days on: the plan of the first case is overdue; the second is closed a day after its due date.
    later = datetime.now(UTC) + timedelta(days=8)
    parts = env.parts(clock=lambda: later)
    scanner = DeadlineScanner(parts.clocks, env.bus, domain=events.DOMAIN, source=events.SOURCE,
                              clock=lambda: later, on_fire=parts.casework.on_deadline)
    await scanner.scan_once()
    await scanner.scan_once()  # a second pass (another replica) records nothing more
    # A plan whose due date has passed is not revised (that would move the date it is judged by).
    with pytest.raises(Refused) as refused:
        await parts.casework.file_plan(late.id, measures=["m"], responsible_units=["u"],
                                       due_at=later + timedelta(days=1), actor="kaiyuan")
    assert refused.value.rule == "plan-overdue"
    await parts.casework.close(late.id, "settled with the suppliers", "kaiyuan")

    records = await env.stub.ListAccountability(pb.ListAccountabilityRequest())
    got = sorted((r.kind, r.subject_id, r.responsible_unit, r.responsible_leader) for r in records.records)
    assert got == sorted([
        (pb.ACCOUNTABILITY_KIND_PLAN_MISSING, no_plan.id, f"township:{KAIYUAN}", "Liu Yang"),
        (pb.ACCOUNTABILITY_KIND_CASE_CLOSED_LATE, late.id, f"township:{KAIYUAN}", "Liu Yang"),
    ])
    counts = await env.stub.CountAccountability(pb.CountAccountabilityRequest())
    assert [(u.responsible_unit, u.count) for u in counts.units] == [(f"township:{KAIYUAN}", 2)]
    recorded = await read_stream(env.bus, events.ACCOUNTABILITY_RECORDED, until=lambda seen: len(seen) >= 2)
    assert {e.data["kind"] for e in recorded} == {"plan_missing", "case_closed_late"}
