"""Pledges and supervision items by id in one call (the gateway's DataLoaders): unknown ids are absent."""

from __future__ import annotations

from datetime import timedelta

from google.protobuf.timestamp_pb2 import Timestamp

from mesh.officers.v1 import officers_pb2 as pb
from mesh_officers.testing import CITY, RunningOfficers, person

DAY = timedelta(days=1)


async def test_pledges_and_supervision_items_are_found_by_id_and_unknown_ids_are_absent(
    officers: RunningOfficers,
) -> None:
    stub = officers.stub
    asked_at, due_at = Timestamp(), Timestamp()
    asked_at.FromDatetime(officers.clock.now - DAY)
    due_at.FromDatetime(officers.clock.now + 30 * DAY)
    officer = await stub.DispatchOfficer(pb.DispatchOfficerRequest(
        officer=person("p-wang", "Wang Lei", "Commerce Bureau", pb.RANK_DEPARTMENT_LEADER),
        target_kind=pb.TARGET_KIND_ENTERPRISE, target_id="ent-1", enterprise_id="ent-1", office=CITY,
        basis=pb.DispatchBasis(enterprise_ask=pb.EnterpriseAsk(contact="CEO", asked_at=asked_at)), actor="t"))
    await stub.AddGroupMembers(pb.AddGroupMembersRequest(  # the working group makes the pledge (item 6)
        officer_id=officer.id, proposal="land questions", members=[person("p-zhao", "Zhao Min", "Land Bureau")],
        actor="Wang Lei"))
    pledges = [await stub.FilePledge(pb.FilePledgeRequest(officer_id=officer.id, commitments=c, due_at=due_at,
                                                          actor="Wang Lei"))
               for c in ("answer within 2 days", "visit monthly")]
    assessed = await stub.AssessPledge(pb.AssessPledgeRequest(pledge_id=pledges[0].id, kept=True, finding="kept",
                                                              actor="office"))
    items = [await stub.OpenSupervision(pb.OpenSupervisionRequest(officer_id=officer.id, task=t, due_at=due_at,
                                                                  actor="office"))
             for t in ("land questions", "tax questions")]

    found = await stub.BatchGetPledges(pb.BatchGetPledgesRequest(ids=[assessed.id, "plg-missing", assessed.id]))
    assert list(found.pledges) == [assessed]  # as it is now (assessed), once, with its deadline
    assert found.pledges[0].officer_id == officer.id and found.pledges[0].status == pb.PLEDGE_STATUS_KEPT
    both = await stub.BatchGetPledges(pb.BatchGetPledgesRequest(ids=[p.id for p in pledges]))
    assert {p.id for p in both.pledges} == {p.id for p in pledges}
    assert list((await stub.BatchGetPledges(pb.BatchGetPledgesRequest(ids=["plg-missing"]))).pledges) == []

    got = await stub.BatchGetSupervisionItems(pb.BatchGetSupervisionItemsRequest(
        ids=[items[1].id, "sup-missing"]))
    assert list(got.items) == [items[1]] and got.items[0].officer_id == officer.id
    assert got.items[0].deadline.kind == items[1].deadline.kind != ""
    assert list((await stub.BatchGetSupervisionItems(pb.BatchGetSupervisionItemsRequest(
        ids=["sup-missing", pledges[1].id]))).items) == []  # a pledge's id is no supervision item's
