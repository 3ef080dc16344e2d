"""Integration: dispatch → working group → pledge → request → hand-over → complete, with events and record."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from mesh.officers.v1 import officers_pb2 as pb
from mesh_officers.testing import CITY, RunningOfficers, person
from meshlib.bus import Bus
from meshlib.errors import ITEM_KEY, RULE_KEY
from meshlib.settings import RuntimeSettings
from meshlib.testing.plugin import settings_for
from meshlib.testing.streams import read_stream

DAY = timedelta(days=1)


def ts(value: object) -> Timestamp:
    t = Timestamp()
    t.FromDatetime(value)  # type: ignore[arg-type]
    return t


async def dispatch(svc: RunningOfficers, enterprise: str = "ent-1") -> pb.Officer:
    return await svc.stub.DispatchOfficer(
        pb.DispatchOfficerRequest(
            officer=person("p-wang", "Wang Lei", "Commerce Bureau", pb.RANK_DEPARTMENT_LEADER),
            target_kind=pb.TARGET_KIND_ENTERPRISE,
            target_id=enterprise,
            enterprise_id=enterprise,
            office=CITY,
            basis=pb.DispatchBasis(
                leader_instruction=pb.LeaderInstruction(
                    leader_id="ldr-1",
                    leader_name="Vice Mayor Li",
                    instruction="serve the new plant",
                    instructed_at=ts(svc.clock.now - DAY),
                )
            ),
            actor="city optimisation office",
        )
    )


async def test_dispatch_group_pledge_request_hand_over_complete(
    officers: RunningOfficers, mesh_env: dict[str, str]
) -> None:
    svc, stub = officers, officers.stub
    officer = await dispatch(svc)
    assert officer.office.level == pb.LEVEL_CITY and officer.basis.leader_instruction.leader_name == "Vice Mayor Li"

    # Working group, with history.
    officer = await stub.AddGroupMembers(
        pb.AddGroupMembersRequest(
            officer_id=officer.id,
            proposal="land and tax questions expected",
            actor="Wang Lei",
            members=[
                person("p-zhao", "Zhao Min", "Natural Resources Bureau"),
                person("p-qian", "Qian Fang", "Tax Bureau"),
            ],
        )
    )
    officer = await stub.ReleaseGroupMember(
        pb.ReleaseGroupMemberRequest(
            officer_id=officer.id, person_id="p-qian", reason="tax matters settled", actor="Wang Lei"
        )
    )
    officer = await stub.AddGroupMembers(
        pb.AddGroupMembersRequest(
            officer_id=officer.id,
            proposal="tax again",
            members=[person("p-qian", "Qian Fang", "Tax Bureau")],
            actor="x",
        )
    )
    assert [(m.person.id, m.active) for m in officer.group] == [("p-zhao", True), ("p-qian", False), ("p-qian", True)]
    assert officer.group[1].release_reason == "tax matters settled"

    pledge = await stub.FilePledge(
        pb.FilePledgeRequest(
            officer_id=officer.id,
            commitments="answer within 2 days",
            due_at=ts(svc.clock.now + 30 * DAY),
            actor="Wang Lei",
        )
    )
    assert pledge.office.level == pb.LEVEL_CITY and pledge.status == pb.PLEDGE_STATUS_OPEN
    assert pledge.deadline.kind == "pledge" and pledge.deadline.clause == "Item 6"

    request = await stub.OpenRequest(
        pb.OpenRequestRequest(
            enterprise_id="ent-1",
            officer_id=officer.id,
            source=pb.REQUEST_SOURCE_OFFICER,
            subject="temporary land use for the site office",
            category=pb.REQUEST_CATEGORY_PERMIT,
            department="Housing Bureau",
            actor="Wang Lei",
        )
    )
    assert request.first_inquiry_department == request.accountable_department == "Housing Bureau"
    assert request.due_at.ToDatetime() == (svc.clock.now + 20 * DAY).replace(tzinfo=None)

    svc.clock.now += DAY
    request = await stub.HandOver(
        pb.HandOverRequest(
            request_id=request.id,
            from_department="Housing Bureau",
            to_department="Natural Resources Bureau",
            reason="land use is theirs",
            actor="desk clerk",
        )
    )
    assert request.state == pb.REQUEST_STATE_HANDOVER_PENDING
    assert request.accountable_department == "Housing Bureau"

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.CompleteRequest(
            pb.CompleteRequestRequest(
                request_id=request.id, department="Natural Resources Bureau", outcome=pb.OUTCOME_RESOLVED, summary="x"
            )
        )
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    md = dict(refused.value.trailing_metadata() or ())
    assert md[RULE_KEY] == "accountable-department" and md[ITEM_KEY] == "Item 13"

    svc.clock.now += DAY
    request = await stub.AcceptHandOver(
        pb.AcceptHandOverRequest(request_id=request.id, department="Natural Resources Bureau", actor="land clerk")
    )
    assert request.accountable_department == "Natural Resources Bureau"
    assert request.first_inquiry_department == "Housing Bureau"

    svc.clock.now += DAY
    request = await stub.CompleteRequest(
        pb.CompleteRequestRequest(
            request_id=request.id,
            department="Natural Resources Bureau",
            outcome=pb.OUTCOME_RESOLVED,
            summary="temporary land use approved",
            actor="land clerk",
        )
    )
    assert request.state == pb.REQUEST_STATE_COMPLETED and request.on_time and not request.overdue
    (h,) = request.hand_overs
    assert (h.from_department, h.to_department, h.state) == (
        "Housing Bureau",
        "Natural Resources Bureau",
        pb.HAND_OVER_STATE_ACCEPTED,
    )
    assert h.decided_at.ToDatetime() - h.handed_at.ToDatetime() == DAY
    clocks = {d.kind: d for d in request.deadlines}
    assert clocks["request-completion"].state == "met" and clocks["request-completion"].on_time
    assert clocks["request-completion"].responsible == "Natural Resources Bureau"  # reassigned, not restarted
    assert clocks["handover-acceptance"].state == "met"

    pledge = await stub.AssessPledge(
        pb.AssessPledgeRequest(pledge_id=pledge.id, kept=True, finding="all answers within 2 days", actor="office")
    )
    reward = await stub.RecordReward(
        pb.RecordRewardRequest(
            officer_id=officer.id,
            kind=pb.REWARD_KIND_COMMENDATION,
            authority=pb.AUTHORITY_LEADING_GROUP,
            authority_level=CITY,
            citation="fast service for the new plant",
            actor="leading group",
            evidence=[
                pb.Evidence(kind=pb.EVIDENCE_KIND_PLEDGE, ref=pledge.id),
                pb.Evidence(kind=pb.EVIDENCE_KIND_REQUEST, ref=request.id),
                pb.Evidence(kind=pb.EVIDENCE_KIND_RATING, rating=5, note="SMS rating"),
            ],
        )
    )
    assert [e.favourable for e in reward.evidence] == [True, True, True]

    (dossier,) = (
        await stub.BatchGetOfficerDossiers(pb.BatchGetOfficerDossiersRequest(officer_ids=[officer.id, "off-unknown"]))
    ).dossiers
    r = dossier.record
    assert (r.requests_handled, r.requests_completed, r.requests_on_time, r.requests_late) == (1, 1, 1, 0)
    assert r.on_time_rate == 1.0 and (r.pledges_kept, r.pledges_broken, r.commendations) == (1, 0, 1)

    # Every step announced once, in order.
    bus = await Bus.connect(settings_for(RuntimeSettings, mesh_env), name="test-peer")
    try:
        seen = await read_stream(bus, "officers.>", count=11)
    finally:
        await bus.close()
    # The hand-over was accepted at its clock's due instant: on time, so no warning or breach either.
    assert [e.type.removeprefix("mesh.officers.") for e in seen] == [
        "officer.dispatched",
        "group.members_added",
        "group.member_released",
        "group.members_added",
        "pledge.filed",
        "request.opened",
        "request.handed_over",
        "request.handover_accepted",
        "request.completed",
        "pledge.assessed",
        "reward.recorded",
    ]
    assert seen[5].data["officer_id"] == officer.id and seen[8].data["on_time"] is True


async def test_refusals_name_their_rule_and_item(officers: RunningOfficers) -> None:
    stub = officers.stub
    with pytest.raises(grpc.aio.AioRpcError) as not_cadre:
        await stub.DispatchOfficer(
            pb.DispatchOfficerRequest(
                officer=person("p1", "Sun", "Commerce Bureau", pb.RANK_SECTION_HEAD),
                target_kind=pb.TARGET_KIND_ENTERPRISE,
                target_id="e",
                enterprise_id="e",
                office=CITY,
                basis=pb.DispatchBasis(enterprise_ask=pb.EnterpriseAsk(contact="CEO", asked_at=ts(officers.clock.now))),
            )
        )
    assert not_cadre.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert dict(not_cadre.value.trailing_metadata() or ())[RULE_KEY] == "leading-cadre"

    officer = await dispatch(officers)
    with pytest.raises(grpc.aio.AioRpcError) as no_group:
        await stub.FilePledge(
            pb.FilePledgeRequest(officer_id=officer.id, commitments="c", due_at=ts(officers.clock.now + DAY))
        )
    assert dict(no_group.value.trailing_metadata() or ())[RULE_KEY] == "pledge-needs-working-group"

    with pytest.raises(grpc.aio.AioRpcError) as wrong_enterprise:
        await stub.OpenRequest(
            pb.OpenRequestRequest(
                enterprise_id="ent-other",
                officer_id=officer.id,
                source=pb.REQUEST_SOURCE_OFFICER,
                subject="s",
                category=pb.REQUEST_CATEGORY_OTHER,
                department="d",
            )
        )
    assert dict(wrong_enterprise.value.trailing_metadata() or ())[RULE_KEY] == "officer-serves-enterprise"

    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await stub.GetRequest(pb.GetRequestRequest(id="req-nope"))
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND


async def test_requests_page_newest_first_and_filter_overdue(officers: RunningOfficers) -> None:
    stub, clock = officers.stub, officers.clock
    ids = []
    for i in range(3):
        r = await stub.OpenRequest(
            pb.OpenRequestRequest(
                enterprise_id="ent-p",
                source=pb.REQUEST_SOURCE_ENTERPRISE,
                subject=f"question {i}",
                category=pb.REQUEST_CATEGORY_CONSULTATION,
                urgent=i == 0,
                department="Tax Bureau",
            )
        )
        ids.append(r.id)
        clock.now += timedelta(hours=1)
    first = await stub.ListRequests(pb.ListRequestsRequest(filter=pb.RequestFilter(enterprise_id="ent-p"), page_size=2))
    rest = await stub.ListRequests(
        pb.ListRequestsRequest(
            filter=pb.RequestFilter(enterprise_id="ent-p"), page_size=2, page_token=first.next_page_token
        )
    )
    assert [r.id for r in (*first.requests, *rest.requests)] == ids[::-1] and not rest.next_page_token
    clock.now += timedelta(hours=22)  # the urgent one (1 day) is past due, the others (3 days) are not
    late = await stub.ListRequests(pb.ListRequestsRequest(filter=pb.RequestFilter(overdue=True)))
    assert [r.id for r in late.requests] == [ids[0]] and late.requests[0].overdue
    timely = await stub.ListRequests(pb.ListRequestsRequest(filter=pb.RequestFilter(overdue=False)))
    assert {r.id for r in timely.requests} == set(ids[1:])


async def test_an_enterprise_rates_a_completed_service_once(officers: RunningOfficers,
                                                            mesh_env: dict[str, str]) -> None:
    """Item 17: the rating after each service, only once the service is done, and only once."""
    stub = officers.stub
    request = await stub.OpenRequest(pb.OpenRequestRequest(
        enterprise_id="ent-9", source=pb.REQUEST_SOURCE_ENTERPRISE, subject="power capacity increase",
        category=pb.REQUEST_CATEGORY_PERMIT, department="Power Supply Company", actor="ent-9"))
    with pytest.raises(grpc.aio.AioRpcError) as early:
        await stub.RateRequest(pb.RateRequestRequest(request_id=request.id, score=5, actor="ent-9"))
    assert dict(early.value.trailing_metadata() or ())[RULE_KEY] == "rate-completed-only"
    await stub.CompleteRequest(pb.CompleteRequestRequest(
        request_id=request.id, department="Power Supply Company", outcome=pb.OUTCOME_RESOLVED,
        summary="capacity raised to 2 MVA", actor="clerk"))
    for bad in (0, 6):
        with pytest.raises(grpc.aio.AioRpcError) as wrong:
            await stub.RateRequest(pb.RateRequestRequest(request_id=request.id, score=bad, actor="ent-9"))
        assert wrong.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    rated = await stub.RateRequest(pb.RateRequestRequest(request_id=request.id, score=4, comment="  quick  ",
                                                         actor="ent-9"))
    assert (rated.rating.score, rated.rating.comment, rated.rating.rated_by) == (4, "quick", "ent-9")
    with pytest.raises(grpc.aio.AioRpcError) as again:
        await stub.RateRequest(pb.RateRequestRequest(request_id=request.id, score=1, actor="ent-9"))
    assert dict(again.value.trailing_metadata() or ())[RULE_KEY] == "rate-once"
    bus = await Bus.connect(settings_for(RuntimeSettings, mesh_env), name="test")
    try:
        seen = await read_stream(bus, "officers.request.rated", count=1)
    finally:
        await bus.close()
    assert seen[0].data["score"] == 4
