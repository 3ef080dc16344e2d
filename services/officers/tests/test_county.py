"""Integration with the contacts registry: a county's requests are those of the enterprises that lie in it (item 9),
and their clocks' warnings say so."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from mesh.contacts.v1 import contacts_pb2 as cpb
from mesh.officers.v1 import officers_pb2 as pb
from mesh_officers.testing import MovableClock, RunningOfficers, officers_service
from meshlib import deadlines
from meshlib.bus import Bus
from meshlib.testing.plugin import settings_for
from meshlib.testing.poll import eventually
from meshlib.testing.streams import read_stream

contacts_testing = pytest.importorskip("mesh_contacts.testing")
contacts_settings = pytest.importorskip("mesh_contacts.settings")

LUOLONG, JIANXI = "410311", "410305"
Linked = tuple[Any, RunningOfficers]


@pytest.fixture
async def linked(mesh_env: dict[str, str], clock: MovableClock) -> AsyncIterator[Linked]:
    """The contacts registry, and this service following where its enterprises lie (``FOLLOW_ENTERPRISES``)."""
    settings = settings_for(contacts_settings.ContactsSettings, mesh_env, EDITION_SCHEDULE="off",
                            OUTBOX_RELAY_SECONDS=1)
    async with (
        contacts_testing.run_contacts(settings) as contacts,
        officers_service(mesh_env, clock, FOLLOW_ENTERPRISES="true",
                         CONTACTS_GRPC_TARGET=f"127.0.0.1:{contacts.runtime.port}") as officers,
    ):
        yield contacts, officers


def ask(enterprise_id: str, subject: str) -> pb.OpenRequestRequest:
    return pb.OpenRequestRequest(enterprise_id=enterprise_id, source=pb.REQUEST_SOURCE_ENTERPRISE, subject=subject,
                                 category=pb.REQUEST_CATEGORY_PERMIT, department="Housing Bureau", actor="t")


async def test_requests_follow_where_their_enterprise_lies_and_filter_by_county(linked: Linked) -> None:
    contacts, officers = linked
    c, o = contacts.stub, officers.stub
    bearings = await c.RegisterEnterprise(cpb.RegisterEnterpriseRequest(
        enterprise=contacts_testing.enterprise(1, "Heluo Bearings", township="410311010"), actor="t"))
    mining_input = contacts_testing.enterprise(2, "Zhongyuan Mining", township="410305008")
    mining = await c.RegisterEnterprise(cpb.RegisterEnterpriseRequest(enterprise=mining_input, actor="t"))
    # Opened as the registry's events arrive: before or after, each ends up in its enterprise's county.
    first = await o.OpenRequest(ask(bearings.id, "site office permit"))
    other = await o.OpenRequest(ask(mining.id, "power hook-up"))

    async def in_county(county: str) -> set[str]:  # the test's clock stands still: opened at the same time
        reply = await o.ListRequests(pb.ListRequestsRequest(filter=pb.RequestFilter(county_code=county)))
        return {r.id for r in reply.requests}

    async def settled() -> bool:
        return await in_county(LUOLONG) == {first.id} and await in_county(JIANXI) == {other.id}

    await eventually(settled)
    # Once the service has heard of the enterprise, a new request is its county's at once.
    second = await o.OpenRequest(ask(bearings.id, "fire safety check"))
    assert await in_county(LUOLONG) == {second.id, first.id}
    assert await in_county("410323") == set()
    assert len((await o.ListRequests(pb.ListRequestsRequest())).requests) == 3  # no county: every request
    both = pb.RequestFilter(county_code=LUOLONG, enterprise_id=bearings.id)
    assert {r.id for r in (await o.ListRequests(pb.ListRequestsRequest(filter=both))).requests} == {
        second.id, first.id}

    # The registry moves the mining company to Luolong: its request moves with it.
    mining_input.territory.CopyFrom(contacts_testing.territory("410311011"))
    await c.UpdateEnterprise(cpb.UpdateEnterpriseRequest(id=mining.id, enterprise=mining_input, actor="t"))

    async def moved_over() -> bool:
        return await in_county(LUOLONG) == {first.id, second.id, other.id} and await in_county(JIANXI) == set()

    await eventually(moved_over)


async def test_a_requests_clocks_carry_its_county_into_their_warnings_and_move_with_it(
    linked: Linked, clock: MovableClock, bus: Bus
) -> None:
    contacts, officers = linked
    c, o = contacts.stub, officers.stub
    clocks = officers.runtime.db[deadlines.COLLECTION]

    async def counties(request_id: str) -> dict[str, Any]:
        """Clock kind -> the county its data carries (None: none)."""
        return {d["kind"]: d["data"].get("county_code") async for d in clocks.find({"subject_id": request_id})}

    bearings_input = contacts_testing.enterprise(1, "Heluo Bearings", township="410311010")
    bearings = await c.RegisterEnterprise(cpb.RegisterEnterpriseRequest(enterprise=bearings_input, actor="t"))
    request = await o.OpenRequest(ask(bearings.id, "site office permit"))
    answer_by = Timestamp()
    answer_by.FromDatetime(clock.now + timedelta(days=2))
    await o.AgreeAnswerDeadline(pb.AgreeAnswerDeadlineRequest(
        request_id=request.id, department="Housing Bureau", answer_by=answer_by, actor="t"))
    both = {"request-completion", "first-inquiry-answer"}

    async def placed_in(county: str) -> bool:  # opened before or after the service heard where it lies
        return await counties(request.id) == dict.fromkeys(both, county)

    await eventually(lambda: placed_in(LUOLONG))
    # The warning a county's users subscribe to names the county.
    clock.now = answer_by.ToDatetime(tzinfo=clock.now.tzinfo) - timedelta(minutes=1)
    warned = await read_stream(bus, "officers.deadline.warning",
                               until=lambda seen: any(e.data["kind"] == "first-inquiry-answer" for e in seen))
    assert warned and {e.data["data"]["county_code"] for e in warned} == {LUOLONG}

    # The registry moves the enterprise: the request's clocks move with it.
    bearings_input.territory.CopyFrom(contacts_testing.territory("410305008"))
    await c.UpdateEnterprise(cpb.UpdateEnterpriseRequest(id=bearings.id, enterprise=bearings_input, actor="t"))
    await eventually(lambda: placed_in(JIANXI))
    # A request of an enterprise the service has not heard of: its clock has no county (city-wide users only).
    unknown = await o.OpenRequest(ask("ent-unknown", "a permit"))
    assert await counties(unknown.id) == {"request-completion": None}
