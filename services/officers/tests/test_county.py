"""Integration with the contacts registry: a county's requests are those of the enterprises that lie in it (item 9)."""

from __future__ import annotations

import pytest

from mesh.contacts.v1 import contacts_pb2 as cpb
from mesh.officers.v1 import officers_pb2 as pb
from mesh_officers.testing import MovableClock, officers_service, wait_for
from meshlib.testing.plugin import settings_for

contacts_testing = pytest.importorskip("mesh_contacts.testing")
contacts_settings = pytest.importorskip("mesh_contacts.settings")

LUOLONG, JIANXI = "410311", "410305"


def ask(enterprise_id: str, subject: str) -> pb.OpenRequestRequest:
    return pb.OpenRequestRequest(enterprise_id=enterprise_id, source=pb.REQUEST_SOURCE_ENTERPRISE, subject=subject,
                                 category=pb.REQUEST_CATEGORY_PERMIT, department="Housing Bureau", actor="t")


async def test_requests_follow_where_their_enterprise_lies_and_filter_by_county(
    mesh_env: dict[str, str], clock: MovableClock
) -> None:
    settings = settings_for(contacts_settings.ContactsSettings, mesh_env, EDITION_SCHEDULE="off",
                            OUTBOX_RELAY_SECONDS=1)
    async with (
        contacts_testing.run_contacts(settings) as contacts,
        officers_service(mesh_env, clock, FOLLOW_ENTERPRISES="true",
                         CONTACTS_GRPC_TARGET=f"127.0.0.1:{contacts.runtime.port}") as officers,
    ):
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

        await wait_for(settled)
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

        await wait_for(moved_over)
