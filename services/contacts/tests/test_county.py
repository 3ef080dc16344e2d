"""Item 9 (territorial management): pairings, visits and problems listed by the county their target lies in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mesh.contacts.v1 import contacts_pb2 as pb
from mesh_contacts.domain.calendar import city_today
from mesh_contacts.repository import PAIRINGS, PROBLEMS, VISITS
from mesh_contacts.testing import RunningContacts, enterprise, territory

LUOLONG, JIANXI = "410311", "410305"
JIANXI_TOWNSHIP = ("410305005", "涧西区", "长春路街道")


async def _city(svc: RunningContacts) -> dict[str, str]:
    """Two counties: a city leader paired in both, a county leader in its own, a visit with a problem on each."""
    stub = svc.stub
    mayor = await stub.RegisterLeader(pb.RegisterLeaderRequest(
        leader=pb.LeaderInput(name="王建国", level=pb.CITY, post="副市长"), actor="t"))
    district = await stub.RegisterLeader(pb.RegisterLeaderRequest(leader=pb.LeaderInput(
        name="张伟", level=pb.COUNTY, post="区长", county_code=LUOLONG, county_name="洛龙区"), actor="t"))
    here = await stub.RegisterEnterprise(pb.RegisterEnterpriseRequest(
        enterprise=enterprise(1, "河洛轴承", pb.CITY_KEY_ENTERPRISE), actor="t"))
    there = await stub.RegisterEnterprise(pb.RegisterEnterpriseRequest(
        enterprise=enterprise(2, "涧西矿机", pb.CITY_KEY_ENTERPRISE, township=JIANXI_TOWNSHIP[0]), actor="t"))
    # A project lies where its site is, not where its owner is registered.
    site = await stub.RegisterProject(pb.RegisterProjectRequest(project=pb.ProjectInput(
        name="涧西产业园", owner_enterprise_id=here.id, sector=pb.INDUSTRIAL, investment_fen=2 * 10**10,
        territory=territory(*JIANXI_TOWNSHIP), stage=pb.PRELIMINARY, key_lists=[pb.CITY_KEY_PROJECT]), actor="t"))
    pairs = {}
    for name, leader, kind, target in (("mayor-here", mayor.id, pb.ENTERPRISE, here.id),
                                       ("mayor-there", mayor.id, pb.ENTERPRISE, there.id),
                                       ("mayor-site", mayor.id, pb.PROJECT, site.id),
                                       ("district-here", district.id, pb.ENTERPRISE, here.id)):
        pairs[name] = (await stub.Pair(pb.PairRequest(leader_id=leader, target_kind=kind, target_id=target,
                                                      actor="t"))).id
    due = (city_today(datetime.now(UTC)) + timedelta(days=10)).isoformat()
    visits = {}
    for name, leader, kind, target in (("here", mayor.id, pb.ENTERPRISE, here.id),
                                       ("there", mayor.id, pb.ENTERPRISE, there.id),
                                       ("site", mayor.id, pb.PROJECT, site.id),
                                       # unpaired: the district leader is not paired with the other county's
                                       ("unpaired-there", district.id, pb.ENTERPRISE, there.id)):
        category = pb.PROGRESS if kind == pb.PROJECT else pb.FACTOR_POWER
        reply = await stub.RecordVisit(pb.RecordVisitRequest(
            leader_id=leader, target_kind=kind, target_id=target, actor="t",
            problems=[pb.ProblemInput(category=category, description=name, department="供电公司", due_on=due)]))
        visits[name] = reply.visit.id
    return {"here": here.id, "there": there.id, "site": site.id, **{f"pair:{k}": v for k, v in pairs.items()},
            **{f"visit:{k}": v for k, v in visits.items()}}


async def _pairings(svc: RunningContacts, county: str | None) -> set[str]:
    reply = await svc.stub.ListPairings(pb.ListPairingsRequest(filter=pb.PairingFilter(county_code=county)))
    return {p.id for p in reply.pairings}


async def _visits(svc: RunningContacts, county: str | None) -> set[str]:
    reply = await svc.stub.ListVisits(pb.ListVisitsRequest(filter=pb.VisitFilter(county_code=county)))
    return {v.id for v in reply.visits}


async def _problems(svc: RunningContacts, county: str | None) -> set[str]:
    reply = await svc.stub.ListProblems(pb.ListProblemsRequest(filter=pb.ProblemFilter(county_code=county)))
    return {p.visit_id for p in reply.problems}


async def test_each_list_returns_only_the_countys_rows(contacts_service: RunningContacts) -> None:
    svc = contacts_service
    ids = await _city(svc)
    assert await _pairings(svc, LUOLONG) == {ids["pair:mayor-here"], ids["pair:district-here"]}
    assert await _pairings(svc, JIANXI) == {ids["pair:mayor-there"], ids["pair:mayor-site"]}
    assert await _visits(svc, LUOLONG) == {ids["visit:here"]}
    assert await _visits(svc, JIANXI) == {ids["visit:there"], ids["visit:site"], ids["visit:unpaired-there"]}
    assert await _problems(svc, LUOLONG) == {ids["visit:here"]}
    assert await _problems(svc, JIANXI) == {ids["visit:there"], ids["visit:site"], ids["visit:unpaired-there"]}
    assert await _pairings(svc, "410323") == set() == await _visits(svc, "410323") == await _problems(svc, "410323")
    # No county: every county's rows.
    assert len(await _pairings(svc, None)) == 4 and len(await _visits(svc, None)) == 4
    assert len(await _problems(svc, None)) == 4
    # The county narrows the other filters, it does not replace them.
    reply = await svc.stub.ListPairings(pb.ListPairingsRequest(filter=pb.PairingFilter(
        county_code=JIANXI, target_kind=pb.PROJECT)))
    assert [p.id for p in reply.pairings] == [ids["pair:mayor-site"]]
    # The lists page through a county's rows like any other.
    first = await svc.stub.ListVisits(pb.ListVisitsRequest(filter=pb.VisitFilter(county_code=JIANXI), page_size=2))
    rest = await svc.stub.ListVisits(pb.ListVisitsRequest(filter=pb.VisitFilter(county_code=JIANXI), page_size=2,
                                                          page_token=first.next_page_token))
    assert len(first.visits) == 2 and len(rest.visits) == 1 and not rest.next_page_token
    assert {v.id for v in [*first.visits, *rest.visits]} == await _visits(svc, JIANXI)


async def test_rows_move_with_their_target(contacts_service: RunningContacts) -> None:
    svc = contacts_service
    ids = await _city(svc)
    moved = enterprise(2, "涧西矿机", pb.CITY_KEY_ENTERPRISE, township=JIANXI_TOWNSHIP[0])
    moved.territory.CopyFrom(territory("410311011", "洛龙区", "关林街道"))
    await svc.stub.UpdateEnterprise(pb.UpdateEnterpriseRequest(id=ids["there"], enterprise=moved, actor="t"))
    assert await _pairings(svc, LUOLONG) == {ids["pair:mayor-here"], ids["pair:district-here"],
                                             ids["pair:mayor-there"]}
    assert await _pairings(svc, JIANXI) == {ids["pair:mayor-site"]}
    assert await _visits(svc, JIANXI) == {ids["visit:site"]} == await _problems(svc, JIANXI)
    assert await _problems(svc, LUOLONG) == {ids["visit:here"], ids["visit:there"], ids["visit:unpaired-there"]}
    # The whole territory follows, township included; the other county's target stayed put.
    problem = await svc.contacts.repo.db[PROBLEMS].find_one({"visit_id": ids["visit:there"]})
    assert problem is not None and problem["territory"]["township_code"] == "410311011"
    site = await svc.contacts.repo.db[PAIRINGS].find_one({"_id": ids["pair:mayor-site"]})
    assert site is not None and site["territory"]["township_code"] == JIANXI_TOWNSHIP[0]


async def test_pairings_stored_without_a_territory_get_their_targets(contacts_service: RunningContacts) -> None:
    svc = contacts_service
    ids = await _city(svc)
    db = svc.contacts.repo.db
    await db[PAIRINGS].update_many({}, {"$unset": {"territory": ""}})
    assert await _pairings(svc, LUOLONG) == set()
    assert await svc.contacts.backfill_territory() == 3
    assert await _pairings(svc, LUOLONG) == {ids["pair:mayor-here"], ids["pair:district-here"]}
    assert await _pairings(svc, JIANXI) == {ids["pair:mayor-there"], ids["pair:mayor-site"]}
    assert await svc.contacts.backfill_territory() == 0


async def test_each_county_filter_has_its_index(contacts_service: RunningContacts) -> None:
    db = contacts_service.contacts.repo.db
    for collection, name, keys in (
            (PAIRINGS, "by_county", ["started_on", "_id"]), (VISITS, "by_county", ["visited_on", "_id"]),
            # the problems' raised_at window is checked on the index keys after the order (see INDEXES)
            (PROBLEMS, "by_county_due_raised", ["due_on", "_id", "raised_at"])):
        indexes = {i["name"]: list(i["key"]) async for i in await db[collection].list_indexes()}
        assert indexes[name] == ["territory.county_code", *keys], collection
