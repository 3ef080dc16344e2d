"""Integration: register → pair → visit → raise a problem → coordinate → resolve, events on NATS."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import grpc
import pytest

from mesh.contacts.v1 import contacts_pb2 as pb
from mesh_contacts import events
from mesh_contacts.domain.calendar import city_today
from mesh_contacts.domain.pairing import TargetKind
from mesh_contacts.domain.problems import ProblemCategory, ProblemInput
from mesh_contacts.repository import PROBLEMS
from mesh_contacts.testing import RunningContacts, enterprise, has, subjects
from meshlib.errors import ITEM_KEY, RULE_KEY
from meshlib.testing.poll import eventually
from meshlib.testing.streams import read_stream, with_subject


def refusal(err: grpc.aio.AioRpcError) -> tuple[grpc.StatusCode, str, str | None]:
    md = dict(err.trailing_metadata() or ())
    return err.code(), md[RULE_KEY], md.get(ITEM_KEY)


async def city(svc: RunningContacts) -> tuple[pb.Leader, pb.Leader, pb.Enterprise, pb.Enterprise]:
    stub = svc.stub
    mayor = await stub.RegisterLeader(pb.RegisterLeaderRequest(
        leader=pb.LeaderInput(name="王建国", level=pb.CITY, post="副市长"), actor="t"))
    county = await stub.RegisterLeader(pb.RegisterLeaderRequest(leader=pb.LeaderInput(
        name="张伟", level=pb.COUNTY, post="区长", county_code="410311", county_name="洛龙区"), actor="t"))
    key = await stub.RegisterEnterprise(pb.RegisterEnterpriseRequest(
        enterprise=enterprise(1, "河洛轴承", pb.PROVINCE_TOP_HUNDRED_STRONGEST), actor="t"))
    plain = await stub.RegisterEnterprise(pb.RegisterEnterpriseRequest(enterprise=enterprise(2, "普通企业"),
                                                                       actor="t"))
    return mayor, county, key, plain


async def test_the_whole_path_with_events(contacts_service: RunningContacts) -> None:
    svc, stub = contacts_service, contacts_service.stub
    mayor, _, key, _ = await city(svc)
    pairing = await stub.Pair(pb.PairRequest(leader_id=mayor.id, target_kind=pb.ENTERPRISE, target_id=key.id,
                                             actor="office"))
    assert pairing.current and pairing.started_on == city_today(datetime.now(UTC)).isoformat()

    due = (city_today(datetime.now(UTC)) + timedelta(days=10)).isoformat()
    recorded = await stub.RecordVisit(pb.RecordVisitRequest(
        leader_id=mayor.id, target_kind=pb.ENTERPRISE, target_id=key.id, participants=["市工信局", "企业总经理"],
        learned="订单增长", actor="mayor-office",
        problems=[pb.ProblemInput(category=pb.FACTOR_POWER, description="增容报装慢", department="供电公司",
                                  due_on=due)]))
    assert not recorded.visit.unpaired and recorded.visit.pairing_id == pairing.id
    (problem,) = recorded.problems
    assert problem.status == pb.OPEN and list(recorded.visit.problem_ids) == [problem.id]

    coordinating = await stub.CoordinateProblem(pb.CoordinateProblemRequest(
        problem_id=problem.id, note="供电公司牵头", actor="office"))
    assert coordinating.status == pb.COORDINATING
    resolved = await stub.ResolveProblem(pb.ResolveProblemRequest(problem_id=problem.id,
                                                                  resolution="专线已送电", actor="office"))
    assert resolved.status == pb.RESOLVED and resolved.resolution == "专线已送电"
    assert [(t.action, t.actor, t.from_status, t.to_status) for t in resolved.trail] == [
        ("raised", "mayor-office", pb.PROBLEM_STATUS_UNSPECIFIED, pb.OPEN),
        ("coordination_started", "office", pb.OPEN, pb.COORDINATING),
        ("resolved", "office", pb.COORDINATING, pb.RESOLVED),
    ]

    # Concluded: nothing moves it any more, and the refusal says why.
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.CloseProblemUnresolved(pb.CloseProblemUnresolvedRequest(problem_id=problem.id, reason="x",
                                                                           actor="t"))
    assert refusal(err.value) == (grpc.StatusCode.FAILED_PRECONDITION, "problem-transition", "Item 20")

    seen = await read_stream(svc.bus, "contacts.>", decode=with_subject,
                             until=has("contacts.pairing.started", "contacts.visit.recorded", "contacts.problem.raised",
                                       "contacts.problem.coordination_started", "contacts.problem.resolved"))
    problem_events = [s for s in subjects(seen) if s.startswith("contacts.problem.")]
    assert problem_events == ["contacts.problem.raised", "contacts.problem.coordination_started",
                              "contacts.problem.resolved"]
    raised = next(env for s, env in seen if s == "contacts.problem.raised")
    assert raised.data["target_id"] == key.id and raised.data["territory"]["county_code"] == "410311"
    assert raised.data["due_on"] == due and raised.type == "mesh.contacts.problem.raised"

    # The problem's deadline was set and then met (the shared deadline model).
    deadline = await svc.contacts.repo.db["deadlines"].find_one({"_id": f"problem-due:{problem.id}"})
    assert deadline is not None and deadline["state"] == "met" and deadline["clause"] == "Item 20"
    assert deadline["data"]["county_code"] == "410311"


async def test_pairing_rules_over_grpc(contacts_service: RunningContacts) -> None:
    stub = contacts_service.stub
    mayor, county, key, plain = await city(contacts_service)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.Pair(pb.PairRequest(leader_id=mayor.id, target_kind=pb.ENTERPRISE, target_id=plain.id, actor="t"))
    assert refusal(err.value) == (grpc.StatusCode.FAILED_PRECONDITION, "pair-key-only", "Item 20")
    assert "key lists" in (err.value.details() or "")

    first = await stub.Pair(pb.PairRequest(leader_id=mayor.id, target_kind=pb.ENTERPRISE, target_id=key.id,
                                           actor="t"))
    both = await stub.Pair(pb.PairRequest(leader_id=county.id, target_kind=pb.ENTERPRISE, target_id=key.id,
                                          actor="t"))
    assert both.leader_id == county.id
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.Pair(pb.PairRequest(leader_id=mayor.id, target_kind=pb.ENTERPRISE, target_id=key.id, actor="t"))
    assert refusal(err.value)[1] == "pair-once"

    # Ending keeps the history; the same leader may then be paired again.
    ended = await stub.EndPairing(pb.EndPairingRequest(pairing_id=first.id, reason="分工调整", actor="t"))
    assert not ended.current and ended.ended_on
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.EndPairing(pb.EndPairingRequest(pairing_id=first.id, actor="t"))
    assert refusal(err.value)[1] == "pairing-ended"
    again = await stub.Pair(pb.PairRequest(leader_id=mayor.id, target_kind=pb.ENTERPRISE, target_id=key.id,
                                           actor="t"))
    history = await stub.ListPairings(pb.ListPairingsRequest(filter=pb.PairingFilter(leader_ids=[mayor.id])))
    assert sorted(p.id for p in history.pairings) == sorted([first.id, again.id])
    current = await stub.ListPairings(pb.ListPairingsRequest(filter=pb.PairingFilter(target_ids=[key.id],
                                                                                     current=True)))
    assert sorted(p.leader_id for p in current.pairings) == sorted([mayor.id, county.id])


async def test_two_identical_pair_requests_at_once_make_one_pairing(contacts_service: RunningContacts) -> None:
    stub = contacts_service.stub
    mayor, _, key, _ = await city(contacts_service)
    request = pb.PairRequest(leader_id=mayor.id, target_kind=pb.ENTERPRISE, target_id=key.id, actor="t")
    results = await asyncio.gather(*(stub.Pair(request) for _ in range(4)), return_exceptions=True)
    assert sum(isinstance(r, pb.Pairing) for r in results) == 1
    assert all(refusal(r)[1] == "pair-once" for r in results if isinstance(r, grpc.aio.AioRpcError))


async def test_an_unpaired_visit_is_recorded_and_flagged(contacts_service: RunningContacts) -> None:
    stub = contacts_service.stub
    mayor, _, _, plain = await city(contacts_service)
    reply = await stub.RecordVisit(pb.RecordVisitRequest(leader_id=mayor.id, target_kind=pb.ENTERPRISE,
                                                         target_id=plain.id, learned="调研", actor="t"))
    assert reply.visit.unpaired and not reply.visit.pairing_id
    flagged = await stub.ListVisits(pb.ListVisitsRequest(filter=pb.VisitFilter(unpaired=True)))
    assert [v.id for v in flagged.visits] == [reply.visit.id]

    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.RecordVisit(pb.RecordVisitRequest(
            leader_id=mayor.id, target_kind=pb.ENTERPRISE, target_id=plain.id, actor="t",
            problems=[pb.ProblemInput(category=pb.SAFETY, description="x", department="y",
                                      due_on="2999-01-01")]))
    assert refusal(err.value)[:2] == (grpc.StatusCode.INVALID_ARGUMENT, "problem-category")
    # Nothing of the refused visit was stored.
    assert len((await stub.ListVisits(pb.ListVisitsRequest())).visits) == 1


async def test_illegal_moves_and_reroutes_keep_the_trail(contacts_service: RunningContacts) -> None:
    stub = contacts_service.stub
    mayor, _, key, _ = await city(contacts_service)
    visit = (await stub.RecordVisit(pb.RecordVisitRequest(leader_id=mayor.id, target_kind=pb.ENTERPRISE,
                                                          target_id=key.id, actor="t"))).visit
    later = (city_today(datetime.now(UTC)) + timedelta(days=30)).isoformat()
    problem = await stub.RaiseProblem(pb.RaiseProblemRequest(visit_id=visit.id, actor="t", problem=pb.ProblemInput(
        category=pb.FACTOR_LAND, description="用地", department="自然资源局", due_on=later)))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.ResolveProblem(pb.ResolveProblemRequest(problem_id=problem.id, resolution="done", actor="t"))
    assert refusal(err.value)[1] == "problem-transition"
    await stub.CoordinateProblem(pb.CoordinateProblemRequest(problem_id=problem.id, actor="a"))
    with pytest.raises(grpc.aio.AioRpcError):
        await stub.CoordinateProblem(pb.CoordinateProblemRequest(problem_id=problem.id, actor="a"))
    rerouted = await stub.CoordinateProblem(pb.CoordinateProblemRequest(
        problem_id=problem.id, department="发改委", note="改由发改委牵头", actor="b"))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.CloseProblemUnresolved(pb.CloseProblemUnresolvedRequest(problem_id=problem.id, actor="c"))
    assert refusal(err.value)[:2] == (grpc.StatusCode.INVALID_ARGUMENT, "required")
    closed = await stub.CloseProblemUnresolved(pb.CloseProblemUnresolvedRequest(
        problem_id=problem.id, reason="企业撤回诉求", actor="c"))
    assert rerouted.department == "发改委" and closed.status == pb.CLOSED_UNRESOLVED
    assert [(t.action, t.department) for t in closed.trail] == [
        ("raised", "自然资源局"), ("coordination_started", "自然资源局"), ("rerouted", "发改委"),
        ("closed_unresolved", "发改委")]
    (again,) = (await stub.BatchGetVisits(pb.BatchGetVisitsRequest(ids=[visit.id]))).visits
    assert list(again.problem_ids) == [problem.id]


async def test_a_problem_past_its_due_date_becomes_overdue_once(contacts_service: RunningContacts) -> None:
    svc = contacts_service
    mayor, _, key, _ = await city(svc)
    # Raised ten days ago, due five days ago, never concluded.
    then = datetime.now(UTC) - timedelta(days=10)
    past = svc.at(then)
    _, (problem,) = await past.record_visit(
        mayor.id, TargetKind.ENTERPRISE, key.id, None, [], "", [ProblemInput(
            ProblemCategory.FACTOR_FINANCE, "流动资金紧张", "金融局", city_today(then) + timedelta(days=5))], "t")
    seen = await read_stream(svc.bus, "contacts.>", decode=with_subject,
                             until=has("contacts.problem.overdue", "contacts.deadline.breached"))
    overdue = next(env for s, env in seen if s == "contacts.problem.overdue")
    assert overdue.data["problem_id"] == problem["_id"] and overdue.data["status"] == "open"

    listed = await svc.stub.ListProblems(pb.ListProblemsRequest(filter=pb.ProblemFilter(overdue=True)))
    assert [p.id for p in listed.problems] == [problem["_id"]] and listed.problems[0].overdue
    not_overdue = await svc.stub.ListProblems(pb.ListProblemsRequest(filter=pb.ProblemFilter(overdue=False)))
    assert not not_overdue.problems
    # The trail notes the breach once, however often the scanner (or a second replica) fires it.
    assert await svc.contacts.mark_overdue(problem["_id"], problem["due_on"]) is None
    doc = await svc.contacts.repo.get(PROBLEMS, problem["_id"])
    assert doc is not None and [t["action"] for t in doc["trail"]] == ["raised", "overdue"]


async def test_an_event_written_but_not_published_is_relayed(contacts_service: RunningContacts) -> None:
    svc = contacts_service
    mayor, _, _, _ = await city(svc)
    # As if the process died between the write and the publish: the entry is still in the document.
    entry = events.entry("contacts.leader.updated", "leader-updated:manual:9", mayor.id, {"leader_id": mayor.id},
                         datetime.now(UTC))
    entry["at"] = datetime.now(UTC) - timedelta(minutes=5)
    await svc.contacts.repo.db["leaders"].update_one({"_id": mayor.id}, {"$push": {"_outbox": entry}})
    seen = await read_stream(svc.bus, "contacts.>", decode=with_subject, until=has("contacts.leader.updated"))
    assert [env.id for s, env in seen if s == "contacts.leader.updated"] == ["leader-updated:manual:9"]

    async def published() -> bool:
        doc = await svc.contacts.repo.db["leaders"].find_one({"_id": mayor.id})
        return doc is not None and doc["_outbox"] == []

    await eventually(published, what="the relayed entry leaves the outbox")
