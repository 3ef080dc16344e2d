"""Problems by when they were raised (items 15, 16, 17: a month's or a quarter's problems), with the county
filter and the page token."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import grpc
import pytest

from mesh.contacts.v1 import contacts_pb2 as pb
from mesh_contacts.domain.problems import ProblemCategory, ProblemInput
from mesh_contacts.messages import ts
from mesh_contacts.repository import INDEXES, PROBLEMS, RETIRED_INDEXES
from mesh_contacts.testing import RunningContacts, enterprise
from meshlib import mongo
from meshlib.errors import DomainError

CITY_TZ = timezone(timedelta(hours=8))
# A quarter well ahead of today, so no problem here is overdue while the test runs.
Q4 = datetime(2031, 10, 1, tzinfo=CITY_TZ)
Q1 = datetime(2032, 1, 1, tzinfo=CITY_TZ)
MS = timedelta(milliseconds=1)
LUOLONG, JIANXI = "410311", "410305"


def raised(after: datetime | None = None, before: datetime | None = None, *,
           county_code: str | None = None) -> pb.ProblemFilter:
    return pb.ProblemFilter(raised_after=ts(after) if after else None,
                            raised_before=ts(before) if before else None, county_code=county_code)


async def _quarter(svc: RunningContacts) -> dict[str, str]:
    """Problems on visits to a Luolong enterprise raised at and around Q4's bounds, and one on a Jianxi one."""
    stub = svc.stub
    mayor = await stub.RegisterLeader(pb.RegisterLeaderRequest(
        leader=pb.LeaderInput(name="王建国", level=pb.CITY, post="副市长"), actor="t"))
    visits = {}
    for n, county, township in ((1, LUOLONG, "410311010"), (2, JIANXI, "410305005")):
        target = await stub.RegisterEnterprise(pb.RegisterEnterpriseRequest(
            enterprise=enterprise(n, f"企业{n}", township=township), actor="t"))
        visits[county] = (await stub.RecordVisit(pb.RecordVisitRequest(
            leader_id=mayor.id, target_kind=pb.ENTERPRISE, target_id=target.id, actor="t"))).visit.id
    ids = {}
    # Due dates run against the raising order, so the list (soonest due first) is not the raising order.
    for i, (name, at, county) in enumerate((("just-before-q4", Q4 - MS, LUOLONG),
                                            ("at-q4", Q4, LUOLONG),
                                            ("mid-q4", Q4 + timedelta(days=40), LUOLONG),
                                            ("jianxi-mid-q4", Q4 + timedelta(days=40), JIANXI),
                                            ("last-of-q4", Q1 - MS, LUOLONG),
                                            ("at-q1", Q1, LUOLONG))):
        due = date(2032, 12, 31) - timedelta(days=i)
        doc = await svc.at(at).raise_problem(  # raised_at is the service's clock
            visits[county], ProblemInput(ProblemCategory.FACTOR_POWER, name, "供电公司", due), "t")
        ids[name] = doc["_id"]
    return ids


async def _listed(svc: RunningContacts, flt: pb.ProblemFilter) -> list[str]:
    reply = await svc.stub.ListProblems(pb.ListProblemsRequest(filter=flt, page_size=100))
    assert not reply.next_page_token
    return [p.id for p in reply.problems]


async def test_raised_after_is_inclusive_and_raised_before_exclusive(contacts_service: RunningContacts) -> None:
    svc = contacts_service
    ids = await _quarter(svc)
    # soonest due first
    assert await _listed(svc, raised(Q4, Q1)) == [
        ids["last-of-q4"], ids["jianxi-mid-q4"], ids["mid-q4"], ids["at-q4"]]
    assert await _listed(svc, raised(after=Q1)) == [ids["at-q1"]]
    assert await _listed(svc, raised(before=Q4)) == [ids["just-before-q4"]]
    assert len(await _listed(svc, raised())) == 6
    assert await _listed(svc, raised(Q4, Q4)) == []
    # Finer than the stored millisecond: a problem raised at 00:00:00.000 is before 00:00:00.0005, not after it.
    half = timedelta(microseconds=500)
    assert ids["at-q4"] not in await _listed(svc, raised(Q4 + half, Q1))
    assert await _listed(svc, raised(before=Q4 + half)) == [ids["at-q4"], ids["just-before-q4"]]


async def test_the_window_composes_with_the_county_the_other_filters_and_pages(
    contacts_service: RunningContacts,
) -> None:
    svc = contacts_service
    ids = await _quarter(svc)
    flt = raised(Q4, Q1, county_code=LUOLONG)
    luolong = [ids["last-of-q4"], ids["mid-q4"], ids["at-q4"]]
    assert await _listed(svc, flt) == luolong
    assert await _listed(svc, raised(Q4, Q1, county_code=JIANXI)) == [ids["jianxi-mid-q4"]]
    await svc.stub.CoordinateProblem(pb.CoordinateProblemRequest(problem_id=ids["mid-q4"], department="供电公司",
                                                                 note="已协调", actor="t"))
    still_open = raised(Q4, Q1, county_code=LUOLONG)
    still_open.statuses.append(pb.OPEN)
    assert await _listed(svc, still_open) == [ids["last-of-q4"], ids["at-q4"]]
    seen: list[str] = []
    token = ""
    for _ in range(len(luolong)):
        page = await svc.stub.ListProblems(pb.ListProblemsRequest(filter=flt, page_size=1, page_token=token))
        seen += [p.id for p in page.problems]
        token = page.next_page_token
        if not token:
            break
    assert seen == luolong and not token
    first = await svc.stub.ListProblems(pb.ListProblemsRequest(filter=flt, page_size=2))
    rest = await svc.stub.ListProblems(pb.ListProblemsRequest(filter=flt, page_size=2,
                                                              page_token=first.next_page_token))
    assert [p.id for p in [*first.problems, *rest.problems]] == luolong and not rest.next_page_token


async def test_a_window_that_ends_before_it_starts_is_refused_naming_the_field(
    contacts_service: RunningContacts,
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await contacts_service.stub.ListProblems(pb.ListProblemsRequest(filter=raised(Q1, Q4)))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    error = DomainError.from_rpc_error(refused.value)
    assert error is not None and (error.rule, error.field) == ("date-range", "filter.raised_before")


async def test_the_window_is_checked_on_index_keys_and_the_old_indexes_are_retired(
    contacts_service: RunningContacts,
) -> None:
    db = contacts_service.contacts.repo.db

    async def keys() -> dict[str, list[str]]:
        return {i["name"]: list(i["key"]) async for i in await db[PROBLEMS].list_indexes()}

    assert (await keys())["by_due_raised"] == ["due_on", "_id", "raised_at"]
    # A database an earlier release made has by_due and by_county; starting drops them.
    await db[PROBLEMS].create_index([("due_on", 1), ("_id", 1)], name="by_due")
    await db[PROBLEMS].create_index([("territory.county_code", 1), ("due_on", 1), ("_id", 1)], name="by_county")
    await mongo.ensure_indexes(db, INDEXES, RETIRED_INDEXES)
    found = await keys()
    assert "by_due" not in found and "by_county" not in found
    assert found["by_county_due_raised"] == ["territory.county_code", "due_on", "_id", "raised_at"]


async def test_visits_between_two_days_include_both_days_in_a_county_too(contacts_service: RunningContacts) -> None:
    """The county list walks by_county (county, visited_on desc, _id desc), where the local server once lost the
    visits on the first day asked for."""
    stub = contacts_service.stub
    mayor = await stub.RegisterLeader(pb.RegisterLeaderRequest(
        leader=pb.LeaderInput(name="李明", level=pb.CITY, post="副市长"), actor="t"))
    target = await stub.RegisterEnterprise(pb.RegisterEnterpriseRequest(
        enterprise=enterprise(7, "企业7", township="410311010"), actor="t"))
    days = ["2026-10-31", "2026-11-01", "2026-11-02", "2026-11-03"]
    ids = {}
    for day in days:
        ids[day] = (await stub.RecordVisit(pb.RecordVisitRequest(
            leader_id=mayor.id, target_kind=pb.ENTERPRISE, target_id=target.id, visited_on=day, actor="t"))).visit.id

    async def between(first: str | None, last: str | None, county: str | None) -> list[str]:
        reply = await stub.ListVisits(pb.ListVisitsRequest(filter=pb.VisitFilter(
            target_ids=[] if county else [target.id], visited_from=first, visited_to=last, county_code=county)))
        return [v.id for v in reply.visits]

    for county in (None, LUOLONG):
        assert await between("2026-11-01", "2026-11-02", county) == [ids["2026-11-02"], ids["2026-11-01"]], county
        assert await between("2026-11-01", None, county) == [ids[d] for d in reversed(days[1:])], county
        assert await between(None, "2026-11-01", county) == [ids["2026-11-01"], ids["2026-10-31"]], county
        assert await between("2026-11-04", None, county) == [], county
