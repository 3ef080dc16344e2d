"""Integration: the published pairing list (item 20): numbered immutable editions and their differences."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import grpc
import pytest

from mesh.contacts.v1 import contacts_pb2 as pb
from mesh_contacts.domain.calendar import CITY_TZ, city_today
from mesh_contacts.testing import RunningContacts, enterprise, has
from meshlib.testing.streams import read_stream, with_subject


async def test_two_editions_and_their_difference(contacts_service: RunningContacts) -> None:
    stub = contacts_service.stub
    mayor = await stub.RegisterLeader(pb.RegisterLeaderRequest(
        leader=pb.LeaderInput(name="李红梅", level=pb.CITY, post="常务副市长"), actor="t"))
    a = await stub.RegisterEnterprise(pb.RegisterEnterpriseRequest(enterprise=enterprise(1, "甲", pb.LITTLE_GIANT),
                                                                   actor="t"))
    b = await stub.RegisterEnterprise(pb.RegisterEnterpriseRequest(enterprise=enterprise(2, "乙", pb.LITTLE_GIANT),
                                                                   actor="t"))
    today = city_today(datetime.now(UTC))
    start = (today - timedelta(days=60)).isoformat()
    pa = await stub.Pair(pb.PairRequest(leader_id=mayor.id, target_kind=pb.ENTERPRISE, target_id=a.id,
                                        started_on=start, actor="t"))
    await stub.RecordVisit(pb.RecordVisitRequest(
        leader_id=mayor.id, target_kind=pb.ENTERPRISE, target_id=a.id, visited_on=(today - timedelta(days=5))
        .isoformat(), actor="t"))
    first = await stub.PublishEdition(pb.PublishEditionRequest(actor="office",
                                                               period_end=(today - timedelta(days=1)).isoformat()))
    assert (first.number, first.entry_count, first.trigger) == (1, 1, "on_demand")
    (entry,) = first.entries
    assert (entry.pairing_id, entry.leader_name, entry.target_name) == (pa.id, "李红梅", "甲")
    assert entry.visits_in_period == 1
    assert entry.territory.county_code == "410311"

    # A day later: a ends, b begins; the second edition covers only the new day.
    await stub.EndPairing(pb.EndPairingRequest(pairing_id=pa.id, ended_on=(today - timedelta(days=1)).isoformat(),
                                               actor="t"))
    pb_ = await stub.Pair(pb.PairRequest(leader_id=mayor.id, target_kind=pb.ENTERPRISE, target_id=b.id, actor="t"))
    with pytest.raises(grpc.aio.AioRpcError) as err:  # the same day twice is not a new edition
        await stub.PublishEdition(pb.PublishEditionRequest(actor="office",
                                                           period_end=(today - timedelta(days=1)).isoformat()))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    second = await stub.PublishEdition(pb.PublishEditionRequest(actor="office"))
    assert (second.number, second.period_start, second.period_end) == (2, today.isoformat(), today.isoformat())
    assert [e.pairing_id for e in second.entries] == [pb_.id]

    diff = await stub.DiffEditions(pb.DiffEditionsRequest())
    assert (diff.from_number, diff.to_number) == (1, 2)
    assert [e.target_name for e in diff.added] == ["乙"] and [e.target_name for e in diff.ended] == ["甲"]
    first_diff = await stub.DiffEditions(pb.DiffEditionsRequest(to_number=1))
    assert [e.pairing_id for e in first_diff.added] == [pa.id] and not first_diff.ended

    # Edition 1 is as it was published; the list shows both, newest first, without entries.
    assert await stub.GetEdition(pb.GetEditionRequest(number=1)) == first
    assert (await stub.GetEdition(pb.GetEditionRequest())).number == 2
    listed = await stub.ListEditions(pb.ListEditionsRequest())
    assert [(e.number, e.entry_count, len(e.entries)) for e in listed.editions] == [(2, 1, 0), (1, 1, 0)]
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.GetEdition(pb.GetEditionRequest(number=3))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND

    seen = await read_stream(contacts_service.bus, "contacts.>", decode=with_subject,
                             until=has("contacts.edition.published", "contacts.edition.published"))
    assert [env.data["number"] for s, env in seen if s == "contacts.edition.published"] == [1, 2]


async def test_the_monthly_edition_is_published_once(contacts_service: RunningContacts) -> None:
    on_the_first = datetime(2026, 6, 1, 0, 5, tzinfo=CITY_TZ)
    scheduled = await contacts_service.at(on_the_first).publish_scheduled()
    assert scheduled is not None
    assert (scheduled["_id"], scheduled["period_start"], scheduled["period_end"], scheduled["trigger"]) == (
        1, "2026-05-01", "2026-05-31", "scheduled")
    assert await contacts_service.at(on_the_first + timedelta(days=10)).publish_scheduled() is None
    july = await contacts_service.at(datetime(2026, 7, 1, 9, tzinfo=CITY_TZ)).publish_scheduled()
    assert july is not None and (july["_id"], july["period_start"]) == (2, "2026-06-01")
    assert date.fromisoformat(july["period_end"]) == date(2026, 6, 30)
