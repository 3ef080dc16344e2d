"""Requests by when they were opened (items 13, 16, 17: a month's or a quarter's requests), with the county
filter and the page token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import grpc
import pytest

from mesh.officers.v1 import officers_pb2 as pb
from mesh_officers.convert import opt_ts
from mesh_officers.repository import REQUESTS
from mesh_officers.territory import Territories
from mesh_officers.testing import RunningOfficers
from meshlib.errors import DomainError

CITY_TZ = timezone(timedelta(hours=8))
NOVEMBER = datetime(2026, 11, 1, tzinfo=CITY_TZ)
DECEMBER = datetime(2026, 12, 1, tzinfo=CITY_TZ)
MS = timedelta(milliseconds=1)
LUOLONG, JIANXI = "410311", "410305"


def opened(after: datetime | None = None, before: datetime | None = None, *, county_code: str | None = None,
           enterprise_id: str | None = None) -> pb.RequestFilter:
    return pb.RequestFilter(opened_after=opt_ts(after), opened_before=opt_ts(before), county_code=county_code,
                            enterprise_id=enterprise_id)


async def _open_at(officers: RunningOfficers, at: datetime, enterprise_id: str, subject: str) -> str:
    officers.clock.now = at  # opened_at is the service's clock
    reply = await officers.stub.OpenRequest(pb.OpenRequestRequest(
        enterprise_id=enterprise_id, source=pb.REQUEST_SOURCE_ENTERPRISE, subject=subject,
        category=pb.REQUEST_CATEGORY_PERMIT, department="Housing Bureau", actor="t"))
    return str(reply.id)


async def _november(officers: RunningOfficers) -> dict[str, str]:
    """Requests of a Luolong enterprise at and around November's bounds, and one of a Jianxi enterprise in it."""
    places = Territories(officers.runtime.db)  # as the registry's enterprise events place them
    await places.follow("ent-luolong", {"county_code": LUOLONG, "township_code": "410311010"}, 1)
    await places.follow("ent-jianxi", {"county_code": JIANXI, "township_code": "410305008"}, 1)
    ids = {}
    for name, at, enterprise in (("just-before-november", NOVEMBER - MS, "ent-luolong"),
                                 ("at-november", NOVEMBER, "ent-luolong"),
                                 ("mid-november", NOVEMBER + timedelta(days=14), "ent-luolong"),
                                 ("jianxi-mid-november", NOVEMBER + timedelta(days=14), "ent-jianxi"),
                                 ("last-of-november", DECEMBER - MS, "ent-luolong"),
                                 ("at-december", DECEMBER, "ent-luolong")):
        ids[name] = await _open_at(officers, at, enterprise, name)
    return ids


async def _listed(officers: RunningOfficers, flt: pb.RequestFilter) -> list[str]:
    reply = await officers.stub.ListRequests(pb.ListRequestsRequest(filter=flt, page_size=100))
    assert not reply.next_page_token
    return [r.id for r in reply.requests]


async def test_opened_after_is_inclusive_and_opened_before_exclusive(officers: RunningOfficers) -> None:
    ids = await _november(officers)
    november = [ids["last-of-november"], ids["jianxi-mid-november"], ids["mid-november"], ids["at-november"]]
    got = await _listed(officers, opened(NOVEMBER, DECEMBER))
    # newest first; same instant: by id, descending
    assert got[0] == ids["last-of-november"] and got[-1] == ids["at-november"]
    assert set(got) == set(november) and len(got) == 4
    # One bound at a time.
    assert set(await _listed(officers, opened(after=DECEMBER))) == {ids["at-december"]}
    assert set(await _listed(officers, opened(before=NOVEMBER))) == {ids["just-before-november"]}
    assert len(await _listed(officers, opened())) == 6
    # The bounds are instants: the same month in UTC starts eight hours later and takes in December's first.
    utc = await _listed(officers, opened(NOVEMBER.replace(tzinfo=UTC), DECEMBER.replace(tzinfo=UTC)))
    assert set(utc) == {ids["mid-november"], ids["jianxi-mid-november"], ids["last-of-november"], ids["at-december"]}
    # Equal bounds: nothing in between, not an error.
    assert await _listed(officers, opened(NOVEMBER, NOVEMBER)) == []
    # Finer than the stored millisecond: a request opened at 00:00:00.000 is before 00:00:00.0005, not after it.
    half = timedelta(microseconds=500)
    assert ids["at-november"] not in await _listed(officers, opened(NOVEMBER + half, DECEMBER))
    assert set(await _listed(officers, opened(before=NOVEMBER + half))) == {
        ids["just-before-november"], ids["at-november"]}


async def test_the_window_composes_with_the_county_and_pages(officers: RunningOfficers) -> None:
    ids = await _november(officers)
    flt = opened(NOVEMBER, DECEMBER, county_code=LUOLONG)
    luolong = [ids["last-of-november"], ids["mid-november"], ids["at-november"]]
    assert await _listed(officers, flt) == luolong
    assert await _listed(officers, opened(NOVEMBER, DECEMBER, county_code=JIANXI)) == [ids["jianxi-mid-november"]]
    assert await _listed(officers, opened(NOVEMBER, DECEMBER, enterprise_id="ent-luolong")) == luolong
    # A page at a time: the token continues inside the window, and the last page says so.
    seen: list[str] = []
    token = ""
    for _ in range(len(luolong)):
        page = await officers.stub.ListRequests(pb.ListRequestsRequest(filter=flt, page_size=1, page_token=token))
        seen += [r.id for r in page.requests]
        token = page.next_page_token
        if not token:
            break
    assert seen == luolong and not token
    first = await officers.stub.ListRequests(pb.ListRequestsRequest(filter=flt, page_size=2))
    rest = await officers.stub.ListRequests(pb.ListRequestsRequest(filter=flt, page_size=2,
                                                                   page_token=first.next_page_token))
    assert [r.id for r in [*first.requests, *rest.requests]] == luolong and not rest.next_page_token


async def test_a_window_that_ends_before_it_starts_is_refused_naming_the_field(officers: RunningOfficers) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await officers.stub.ListRequests(pb.ListRequestsRequest(filter=opened(DECEMBER, NOVEMBER)))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    error = DomainError.from_rpc_error(refused.value)
    assert error is not None and (error.rule, error.field) == ("date-range", "filter.opened_before")
    # One millisecond the wrong way round is still the wrong way round.
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await officers.stub.ListRequests(pb.ListRequestsRequest(filter=opened(NOVEMBER, NOVEMBER - MS)))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_the_window_is_on_the_keys_of_the_indexes_that_order_the_list(officers: RunningOfficers) -> None:
    """opened_at is the list's first order key: the newest_first and by_county indexes bound it directly."""
    indexes = {i["name"]: list(i["key"]) async for i in await officers.runtime.db[REQUESTS].list_indexes()}
    assert indexes["newest_first"] == ["opened_at", "_id"]
    assert indexes["by_county"] == ["territory.county_code", "opened_at", "_id"]
    assert indexes["by_enterprise"] == ["enterprise_id", "opened_at"]
