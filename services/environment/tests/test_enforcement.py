"""Integration (items 10, 11): the guard over gRPC, its filing record and counts; fine filings decided and imposed."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from mesh.environment.v1 import environment_pb2 as pb
from mesh.environment.v1 import environment_pb2_grpc
from mesh_environment import events
from mesh_environment.testing import RunningEnvironment
from meshlib.errors import ITEM_KEY, RULE_KEY
from meshlib.testing.streams import read_stream

OFFICERS = [pb.EnforcementOfficer(officer_id="o-1", name="Zhang Wei", credential_number="HN-ZF-0001",
                                  credential_expires_on="2027-06-30")]


def at(text: str) -> Timestamp:
    out = Timestamp()
    out.FromDatetime(datetime.fromisoformat(text).astimezone(UTC))
    return out


def action(**over: object) -> pb.CheckEnforcementRequest:
    request = pb.CheckEnforcementRequest(enterprise_id="ent-001", agency="city-market-supervision",
                                         matter="food safety", planned_at=at("2026-12-02T10:00:00+08:00"),
                                         officers=OFFICERS, filing_reference="BA-2026-17", actor="agency-desk")
    for k, v in over.items():
        if isinstance(v, list):
            del getattr(request, k)[:]
            getattr(request, k).extend(v)
        elif isinstance(v, Timestamp):
            getattr(request, k).CopyFrom(v)
        else:
            setattr(request, k, v)
    return request


async def test_the_guard_refuses_with_reasons_keeps_every_check_and_counts_refusals(
    environment: RunningEnvironment,
) -> None:
    stub = environment.stub
    # Tuesdays (2026-12-01 is one) and the first week of January.
    await stub.DeclareQuietDays(pb.DeclareQuietDaysRequest(
        enterprise_id="ent-001", weekdays=[2], ranges=[pb.DateRange(first="2027-01-01", last="2027-01-07")],
        actor="ent-001"))
    quiet = await stub.CheckEnforcement(action(planned_at=at("2026-12-01T00:00:00+08:00")))
    assert not quiet.allowed and quiet.planned_on == "2026-12-01"
    assert [(r.prohibition, r.item) for r in quiet.reasons] == [(pb.PROHIBITION_QUIET_PRODUCTION_DAY, "Item 10")]
    assert "(every Tuesday)" in quiet.reasons[0].message

    allowed = await stub.CheckEnforcement(action())
    assert allowed.allowed and list(allowed.reasons) == []
    repeat = await stub.CheckEnforcement(action(filing_reference="BA-2026-30", agency="city-health-commission"))
    assert [r.prohibition for r in repeat.reasons] == [pb.PROHIBITION_REPEATED_ENFORCEMENT]
    everything = await stub.CheckEnforcement(action(
        matter="tax records", planned_at=at("2027-01-05T09:00:00+08:00"), filing_reference="",
        officers=[], proposed_fine_fen=50_000, minor_violation=True))
    assert [r.prohibition for r in everything.reasons] == [
        pb.PROHIBITION_QUIET_PRODUCTION_DAY, pb.PROHIBITION_NO_PRIOR_FILING, pb.PROHIBITION_FINE_NOT_REVIEWED,
        pb.PROHIBITION_NO_VALID_CREDENTIALS, pb.PROHIBITION_MINOR_VIOLATION_FINE]
    assert everything.no_fine_notice

    # Another enterprise may not complain about this enterprise's check: not found, and nothing recorded.
    with pytest.raises(grpc.aio.AioRpcError) as other:
        await stub.RecordRoughEnforcement(pb.RecordRoughEnforcementRequest(
            check_id=allowed.id, complaint="not ours", actor="ent-002", enterprise_id="ent-002"))
    assert other.value.code() == grpc.StatusCode.NOT_FOUND and "ent-002" in (other.value.details() or "")
    await stub.RecordRoughEnforcement(pb.RecordRoughEnforcementRequest(
        check_id=allowed.id, complaint="officers shouted at the staff", actor="ent-001", enterprise_id="ent-001"))
    stats = await stub.GetEnforcementStats(pb.GetEnforcementStatsRequest(enterprise_id="ent-001"))
    assert (stats.checks, stats.allowed, stats.refused, stats.rough_enforcement_complaints) == (4, 1, 3, 1)
    counts = {c.prohibition: c.count for c in stats.refusals_by_reason}
    assert counts == {pb.PROHIBITION_QUIET_PRODUCTION_DAY: 2, pb.PROHIBITION_REPEATED_ENFORCEMENT: 1,
                      pb.PROHIBITION_NO_PRIOR_FILING: 1, pb.PROHIBITION_FINE_NOT_REVIEWED: 1,
                      pb.PROHIBITION_NO_VALID_CREDENTIALS: 1, pb.PROHIBITION_MINOR_VIOLATION_FINE: 1}
    by_agency = await stub.GetEnforcementStats(pb.GetEnforcementStatsRequest(agency="city-health-commission"))
    assert (by_agency.checks, by_agency.refused) == (1, 1)
    listed = await stub.ListEnforcementChecks(pb.ListEnforcementChecksRequest(enterprise_id="ent-001",
                                                                              allowed=False, page_size=2))
    assert [c.id for c in listed.checks] == [everything.id, repeat.id] and listed.next_page_token
    rest = await stub.ListEnforcementChecks(pb.ListEnforcementChecksRequest(
        enterprise_id="ent-001", allowed=False, page_size=2, page_token=listed.next_page_token))
    assert [c.id for c in rest.checks] == [quiet.id] and not rest.next_page_token
    refused = await read_stream(environment.bus, events.ENFORCEMENT_REFUSED, until=lambda seen: len(seen) >= 3)
    assert [e.subject for e in refused] == [quiet.id, repeat.id, everything.id]


async def file(stub: environment_pb2_grpc.EnvironmentServiceStub, amount_fen: int) -> pb.FineFiling:
    filed: pb.FineFiling = await stub.FileFine(pb.FileFineRequest(
        enterprise_id="ent-001", agency="city-market-supervision", kind=pb.CHARGE_KIND_FINE, amount_fen=amount_fen,
        matter="food safety", legal_basis="Food Safety Law art. 124", actor="agency-desk"))
    return filed


async def test_fines_are_routed_by_amount_decided_by_their_body_and_imposed_only_when_approved(
    environment: RunningEnvironment,
) -> None:
    stub = environment.stub
    routed = {fen: (await file(stub, fen)).body for fen in (1, 299_999, 300_000, 999_999, 1_000_000)}
    assert routed == {1: pb.FILING_BODY_CITY_BURDEN_REDUCTION_OFFICE,
                      299_999: pb.FILING_BODY_CITY_BURDEN_REDUCTION_OFFICE,
                      300_000: pb.FILING_BODY_CITY_OPTIMISATION_OFFICE,
                      999_999: pb.FILING_BODY_CITY_OPTIMISATION_OFFICE,
                      1_000_000: pb.FILING_BODY_CITY_COMMITTEE_AND_GOVERNMENT}
    for bad in (0, -100):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await file(stub, bad)
        md = dict(err.value.trailing_metadata() or ())
        assert (err.value.code(), md[RULE_KEY], md[ITEM_KEY]) == (grpc.StatusCode.INVALID_ARGUMENT,
                                                                  "fine-amount-positive", "Item 11")

    big = await file(stub, 100_000_000)  # 1,000,000 CNY: the committee and government, with a hearing
    assert big.amount == "1000000.00" and big.hearing_required
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.ImposeFine(pb.ImposeFineRequest(fine_id=big.id, hearing_held=True, actor="agency"))
    assert dict(err.value.trailing_metadata() or ())[RULE_KEY] == "fine-filed-before-imposed"
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.DecideFine(pb.DecideFineRequest(fine_id=big.id, body=pb.FILING_BODY_CITY_OPTIMISATION_OFFICE,
                                                   approve=True, reason="ok", actor="optimisation-office"))
    assert dict(err.value.trailing_metadata() or ())[RULE_KEY] == "filing-body"

    # The guard will not let a fine under review be imposed at the enterprise (item 10).
    pending = await stub.CheckEnforcement(action(proposed_fine_fen=100_000_000, fine_filing_id=big.id))
    assert [r.prohibition for r in pending.reasons] == [pb.PROHIBITION_FINE_NOT_REVIEWED]
    approved = await stub.DecideFine(pb.DecideFineRequest(
        fine_id=big.id, body=pb.FILING_BODY_CITY_COMMITTEE_AND_GOVERNMENT, approve=True,
        reason="proportionate; repeated offence", actor="city-government-office"))
    assert approved.state == pb.FILING_STATE_APPROVED and approved.decided_by == "city-government-office"
    cleared = await stub.CheckEnforcement(action(matter="food safety follow-up", proposed_fine_fen=100_000_000,
                                                 fine_filing_id=big.id, filing_reference="BA-2026-40"))
    assert cleared.allowed
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.ImposeFine(pb.ImposeFineRequest(fine_id=big.id, hearing_held=False, actor="agency"))
    assert dict(err.value.trailing_metadata() or ())[RULE_KEY] == "hearing-before-large-fine"
    imposed = await stub.ImposeFine(pb.ImposeFineRequest(fine_id=big.id, hearing_held=True, actor="agency"))
    assert imposed.state == pb.FILING_STATE_IMPOSED

    small = await file(stub, 50_000)
    rejected = await stub.DecideFine(pb.DecideFineRequest(
        fine_id=small.id, body=pb.FILING_BODY_CITY_BURDEN_REDUCTION_OFFICE, approve=False,
        reason="a first, minor offence: educate instead", actor="burden-reduction-office"))
    assert rejected.state == pb.FILING_STATE_REJECTED
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.ImposeFine(pb.ImposeFineRequest(fine_id=small.id, actor="agency"))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.FileFine(pb.FileFineRequest(enterprise_id="ent-001", agency="a", amount_fen=100, matter="m",
                                               minor_violation=True, actor="x"))
    assert dict(err.value.trailing_metadata() or ())[RULE_KEY] == "minor-violation-no-fine"

    pending_list = await stub.ListFines(pb.ListFinesRequest(body=pb.FILING_BODY_CITY_OPTIMISATION_OFFICE,
                                                            state=pb.FILING_STATE_PENDING))
    assert sorted(f.amount for f in pending_list.fines) == ["3000.00", "9999.99"]
    decided = await read_stream(environment.bus, events.FINE_DECIDED, until=lambda seen: len(seen) >= 2)
    assert [e.data["state"] for e in decided] == ["approved", "rejected"]
