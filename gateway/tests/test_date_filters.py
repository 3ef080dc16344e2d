"""Through the gateway: requests by when they were opened and problems by when they were raised (items 13, 15,
16, 17: a month's or a quarter's), with each service running in-process."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from mesh.contacts.v1 import contacts_pb2 as cpb
from mesh.officers.v1 import officers_pb2 as opb
from mesh_contacts.domain.problems import ProblemCategory, ProblemInput
from mesh_contacts.testing import RunningContacts, enterprise
from mesh_gateway.testing import RunningGateway
from mesh_officers.testing import RunningOfficers

CITY_TZ = timezone(timedelta(hours=8))
MS = timedelta(milliseconds=1)


async def _pages(gateway: RunningGateway, query: str, field: str, flt: dict[str, Any]) -> list[str]:
    """Every node's id, one page of one at a time."""
    ids: list[str] = []
    after = None
    for _ in range(10):
        reply = await gateway.query(query, {"f": flt, "after": after})
        assert "errors" not in reply, reply
        page = reply["data"][field]
        ids += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return ids
        after = page["pageInfo"]["endCursor"]
    raise AssertionError("more pages than rows")


def _refusal(reply: dict[str, Any]) -> tuple[str, str]:
    (error,) = reply["errors"]
    return error["extensions"]["code"], error["extensions"]["field"]


REQUESTS = """query($f: RequestFilter, $after: String) {
  enterpriseRequests(filter: $f, first: 1, after: $after) {
    edges { node { id subject } } pageInfo { hasNextPage endCursor } } }"""


async def test_requests_opened_in_a_month(with_officers: tuple[RunningGateway, RunningOfficers]) -> None:
    gateway, officers = with_officers
    november, december = datetime(2026, 11, 1, tzinfo=CITY_TZ), datetime(2026, 12, 1, tzinfo=CITY_TZ)
    ids = {}
    for name, at in (("october", november - MS), ("first", november), ("last", december - MS),
                     ("december", december)):
        officers.clock.now = at
        ids[name] = (await officers.stub.OpenRequest(opb.OpenRequestRequest(
            enterprise_id="ent-1", source=opb.REQUEST_SOURCE_ENTERPRISE, subject=name,
            category=opb.REQUEST_CATEGORY_PERMIT, department="Housing Bureau", actor="t"))).id
    month = {"openedAfter": november.isoformat(), "openedBefore": december.isoformat()}
    assert await _pages(gateway, REQUESTS, "enterpriseRequests", month) == [ids["last"], ids["first"]]
    assert await _pages(gateway, REQUESTS, "enterpriseRequests", {"openedAfter": december.isoformat()}) == [
        ids["december"]]

    reversed_ = await gateway.query(REQUESTS, {"f": {"openedAfter": december.isoformat(),
                                                     "openedBefore": november.isoformat()}})
    assert _refusal(reversed_) == ("INVALID_ARGUMENT", "filter.openedBefore")
    # A time with no offset is refused rather than guessed (the city is at +08:00, not UTC).
    bare = await gateway.query(REQUESTS, {"f": {"openedAfter": "2026-11-01T00:00:00"}})
    assert _refusal(bare) == ("BAD_USER_INPUT", "filter.openedAfter")


PROBLEMS = """query($f: ProblemFilter, $after: String) {
  problems(filter: $f, first: 1, after: $after) {
    edges { node { id description } } pageInfo { hasNextPage endCursor } } }"""


async def test_problems_raised_in_a_quarter(with_contacts: tuple[RunningGateway, RunningContacts]) -> None:
    gateway, contacts = with_contacts
    stub = contacts.stub
    quarter, next_quarter = datetime(2031, 10, 1, tzinfo=CITY_TZ), datetime(2032, 1, 1, tzinfo=CITY_TZ)
    mayor = await stub.RegisterLeader(cpb.RegisterLeaderRequest(
        leader=cpb.LeaderInput(name="王建国", level=cpb.CITY, post="副市长"), actor="t"))
    target = await stub.RegisterEnterprise(cpb.RegisterEnterpriseRequest(enterprise=enterprise(1, "河洛轴承"),
                                                                         actor="t"))
    visit = (await stub.RecordVisit(cpb.RecordVisitRequest(
        leader_id=mayor.id, target_kind=cpb.ENTERPRISE, target_id=target.id, actor="t"))).visit.id
    ids = {}
    for i, (name, at) in enumerate((("before", quarter - MS), ("first", quarter), ("last", next_quarter - MS),
                                    ("after", next_quarter))):
        doc = await contacts.at(at).raise_problem(visit, ProblemInput(
            ProblemCategory.FACTOR_POWER, name, "供电公司", date(2032, 12, 31) - timedelta(days=i)), "t")
        ids[name] = doc["_id"]
    flt = {"raisedAfter": quarter.isoformat(), "raisedBefore": next_quarter.isoformat()}
    assert await _pages(gateway, PROBLEMS, "problems", flt) == [ids["last"], ids["first"]]  # soonest due first
    assert await _pages(gateway, PROBLEMS, "problems", {"raisedBefore": quarter.isoformat()}) == [ids["before"]]

    reversed_ = await gateway.query(PROBLEMS, {"f": {"raisedAfter": next_quarter.isoformat(),
                                                     "raisedBefore": quarter.isoformat()}})
    assert _refusal(reversed_) == ("INVALID_ARGUMENT", "filter.raisedBefore")
    bare = await gateway.query(PROBLEMS, {"f": {"raisedBefore": "2032-01-01T00:00:00"}})
    assert _refusal(bare) == ("BAD_USER_INPUT", "filter.raisedBefore")
