"""Integration (item 9): an incident's clocks are its county's, and move with it when a re-dispatch places it elsewhere.

The gateway delivers a clock's warning and breach (``incidents.deadline.*``) to the users of the county named in the
event's ``data.county_code``, and lists the incident in the county of its territory. A re-dispatch locates the
incident again (its enterprise, from the registry): when the enterprise has moved since, the alerts must follow it,
not stay with the county of the first dispatch.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mesh.contacts.v1 import contacts_pb2 as cpb
from mesh.response.v1 import response_pb2 as pb
from mesh_contacts.settings import ContactsSettings
from mesh_contacts.testing import RunningContacts, enterprise, run_contacts, territory
from mesh_response.events import DEADLINE_BREACHED, SOURCE
from mesh_response.push import push
from mesh_response.testing import report, wait_dispatched
from meshlib.deadlines import DeadlineScanner, DeadlineStore
from meshlib.testing.plugin import settings_for
from meshlib.testing.streams import read_stream

AGENCY = "luolong-police"
LUOLONG, JIANXI = "410311", "410305"


@pytest.fixture
async def contacts(mesh_env: dict[str, str]) -> AsyncIterator[RunningContacts]:
    async with run_contacts(settings_for(ContactsSettings, mesh_env, EDITION_SCHEDULE="off")) as running:
        yield running


async def test_a_redispatch_where_the_enterprise_now_lies_moves_the_clocks_alerts_to_that_county(
    contacts: RunningContacts, start_response: Any,
) -> None:
    site_input = enterprise(1, "洛阳伊滨新材料科技有限公司")  # in Luolong, Kaiyuan township
    site = await contacts.stub.RegisterEnterprise(cpb.RegisterEnterpriseRequest(enterprise=site_input, actor="t"))
    svc = await start_response(DEMO_DATA="true", CONTACTS_GRPC_TARGET=f"127.0.0.1:{contacts.runtime.port}")
    await push(svc.bus.nc, AGENCY, [report("C-1", agency=AGENCY, enterprise_id=site.id)], namespace=svc.bus.ns.prefix)
    incident_id = f"{AGENCY}:C-1"
    [placed] = await wait_dispatched(svc.stub, [incident_id])
    assert (placed.territory.county_code, placed.territory.source) == (LUOLONG, "enterprise")

    # The registry moves the enterprise to Jianxi; the desk re-dispatches by the rule, which places it there.
    site_input.territory.CopyFrom(territory("410305005", "涧西区", "长春路街道"))
    await contacts.stub.UpdateEnterprise(cpb.UpdateEnterpriseRequest(id=site.id, enterprise=site_input, actor="t"))
    moved = await svc.stub.Dispatch(pb.DispatchRequest(incident_id=incident_id, by="duty desk",
                                                       reason="the site lies in Jianxi now"))
    assert (moved.territory.county_code, moved.unit_id) == (JIANXI, "jianxi-police")
    in_jianxi = await svc.stub.ListIncidents(pb.ListIncidentsRequest(filter=pb.IncidentFilter(county_code=JIANXI)))
    assert [i.id for i in in_jianxi.incidents] == [incident_id]

    # Its three clocks fall due (the service's own scanner, living two days on): each breach is Jianxi's.
    later = DeadlineScanner(DeadlineStore(svc.runtime.db), svc.bus, domain="incidents", source=SOURCE,
                            clock=lambda: datetime.now(UTC) + timedelta(days=2))
    assert await later.scan_once() == 3
    breached = await read_stream(svc.bus, DEADLINE_BREACHED, count=3)
    assert sorted((e.data["kind"], e.data["responsible"], e.data["data"]["county_code"]) for e in breached) == [
        ("incident-acknowledge", "jianxi-police", JIANXI), ("incident-arrive", "jianxi-police", JIANXI),
        ("incident-resolve", "jianxi-police", JIANXI)]
