"""Integration: a county's incidents and statistics (item 9, territorial management), by the territory of dispatch."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from mesh.response.v1 import response_pb2 as pb
from mesh_response.push import push
from mesh_response.testing import report, wait_dispatched

LUOLONG, XIGONG = "410311", "410303"


@pytest.fixture
async def dispatched(start_response: Any) -> Any:
    """The demo units, and incidents reported (no enterprise: the reporting agency's territory) in two counties."""
    svc = await start_response(DEMO_DATA="true")
    ns = svc.bus.ns.prefix
    await push(svc.bus.nc, "luolong-police", [report("L-1"), report("L-2", category="market_bullying")],
               namespace=ns)
    await push(svc.bus.nc, "xigong-police", [report("X-1", agency="xigong-police")], namespace=ns)
    ids = ["luolong-police:L-1", "luolong-police:L-2", "xigong-police:X-1"]
    await wait_dispatched(svc.stub, ids)
    return svc


def _ids(reply: pb.ListIncidentsResponse) -> list[str]:
    return [i.id for i in reply.incidents]


async def test_a_county_filter_lists_only_the_incidents_that_lie_in_that_county(dispatched: Any) -> None:
    stub = dispatched.stub
    every = await stub.ListIncidents(pb.ListIncidentsRequest(page_size=100))
    assert {i.id: i.territory.county_code for i in every.incidents} == {
        "luolong-police:L-1": LUOLONG, "luolong-police:L-2": LUOLONG, "xigong-police:X-1": XIGONG}
    luolong = await stub.ListIncidents(pb.ListIncidentsRequest(filter=pb.IncidentFilter(county_code=LUOLONG)))
    assert sorted(_ids(luolong)) == ["luolong-police:L-1", "luolong-police:L-2"]
    xigong = await stub.ListIncidents(pb.ListIncidentsRequest(filter=pb.IncidentFilter(county_code=XIGONG)))
    assert _ids(xigong) == ["xigong-police:X-1"]
    nowhere = await stub.ListIncidents(pb.ListIncidentsRequest(filter=pb.IncidentFilter(county_code="410323")))
    assert _ids(nowhere) == []
    # The county combines with the other filters, and pages within the county.
    bullying = await stub.ListIncidents(pb.ListIncidentsRequest(
        filter=pb.IncidentFilter(county_code=LUOLONG, category=pb.MARKET_BULLYING)))
    assert _ids(bullying) == ["luolong-police:L-2"]
    first = await stub.ListIncidents(pb.ListIncidentsRequest(filter=pb.IncidentFilter(county_code=LUOLONG),
                                                             page_size=1))
    rest = await stub.ListIncidents(pb.ListIncidentsRequest(filter=pb.IncidentFilter(county_code=LUOLONG),
                                                            page_size=1, page_token=first.next_page_token))
    assert first.next_page_token and _ids(first) + _ids(rest) == _ids(luolong) and not rest.next_page_token


async def test_a_county_s_statistics_count_only_its_incidents(dispatched: Any) -> None:
    stub = dispatched.stub
    luolong = await stub.GetStatistics(pb.StatisticsRequest(county_code=LUOLONG))
    assert [(r.key, r.incidents) for r in luolong.by_unit] == [("luolong-police", 2)]
    assert sorted((r.key, r.incidents) for r in luolong.by_category) == [("extortion", 1), ("market_bullying", 1)]
    xigong = await stub.GetStatistics(pb.StatisticsRequest(county_code=XIGONG))
    assert [(r.key, r.incidents) for r in xigong.by_unit] == [("xigong-police", 1)]
    city = await stub.GetStatistics(pb.StatisticsRequest())
    assert sum(r.incidents for r in city.by_unit) == 3


async def test_a_county_s_incidents_between_two_instants_include_the_first(dispatched: Any) -> None:
    """occurred_after is inclusive and occurred_before exclusive, in a county too: the county list walks by_county
    (county, occurred_at desc, _id desc), where the local server loses the row at an inclusive bound."""
    stub = dispatched.stub
    listed = await stub.ListIncidents(pb.ListIncidentsRequest(filter=pb.IncidentFilter(county_code=LUOLONG)))
    luolong = listed.incidents
    at = {i.id: i.occurred_at.ToDatetime() for i in luolong}
    first = min(at.values())

    def window(after: Any = None, before: Any = None) -> pb.IncidentFilter:
        f = pb.IncidentFilter(county_code=LUOLONG)
        if after is not None:
            f.occurred_after.FromDatetime(after)
        if before is not None:
            f.occurred_before.FromDatetime(before)
        return f

    since_first = await stub.ListIncidents(pb.ListIncidentsRequest(filter=window(after=first)))
    assert sorted(_ids(since_first)) == sorted(at)
    before_first = await stub.ListIncidents(pb.ListIncidentsRequest(filter=window(before=first)))
    assert _ids(before_first) == []
    only_first = await stub.ListIncidents(pb.ListIncidentsRequest(
        filter=window(after=first, before=first + timedelta(milliseconds=1))))
    assert sorted(_ids(only_first)) == sorted(i for i, t in at.items() if t == first)
