"""Integration: the demo city loads completely, once."""

from __future__ import annotations

from mesh.contacts.v1 import contacts_pb2 as pb
from mesh_contacts import demo
from mesh_contacts.testing import RunningContacts


async def test_the_demo_city_loads_once_and_completely(contacts_service: RunningContacts) -> None:
    report = await demo.load(contacts_service.contacts)
    assert report.loaded and report.skipped == []
    assert (await demo.load(contacts_service.contacts)).loaded is False

    stub = contacts_service.stub
    enterprises = await stub.ListEnterprises(pb.ListEnterprisesRequest(page_size=100))
    assert len(enterprises.enterprises) == len(demo.ENTERPRISES) == 20
    assert {k for e in enterprises.enterprises for k in e.key_lists} == {
        pb.PROVINCE_TOP_HUNDRED_HIGH_GROWTH, pb.PROVINCE_TOP_HUNDRED_STRONGEST, pb.CITY_KEY_ENTERPRISE,
        pb.LEADING_ENTERPRISE, pb.LITTLE_GIANT}
    assert any(not e.is_key for e in enterprises.enterprises)
    projects = await stub.ListProjects(pb.ListProjectsRequest(page_size=100))
    assert len({p.sector for p in projects.projects}) == 6 and len(projects.projects) == 10
    leaders = await stub.ListLeaders(pb.ListLeadersRequest())
    assert len(leaders.leaders) == 6

    current = await stub.ListPairings(pb.ListPairingsRequest(filter=pb.PairingFilter(current=True)))
    assert len(current.pairings) == len(demo.PAIRINGS)  # one ended, one added
    statuses = {p.status for p in (await stub.ListProblems(pb.ListProblemsRequest(page_size=100))).problems}
    assert statuses == {pb.OPEN, pb.COORDINATING, pb.RESOLVED}
    unpaired = await stub.ListVisits(pb.ListVisitsRequest(filter=pb.VisitFilter(unpaired=True)))
    assert [v.id for v in unpaired.visits] == ["vis-007"]

    diff = await stub.DiffEditions(pb.DiffEditionsRequest())
    assert (diff.from_number, diff.to_number) == (1, 2)
    assert [e.pairing_id for e in diff.added] == [demo.ADDED_LAST_MONTH[0]]
    assert [e.pairing_id for e in diff.ended] == [demo.ENDED_LAST_MONTH]
