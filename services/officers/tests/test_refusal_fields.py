"""A refusal's field is a real field path of the request refused: a designation given inside the facts is named
there (``facts.designation.designated_at``), a jurisdiction's county code under the jurisdiction
(``centre.county_code``), and one element of a list at fault by its place (``members[1].id``, ``evidence[2]``,
``units[1].agents[0].rank``), not the whole list."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import timedelta

from google.protobuf.timestamp_pb2 import Timestamp

from mesh.officers.v1 import officers_pb2 as pb
from mesh_officers.testing import CITY, RunningOfficers, person
from meshlib.testing.refusals import refused


async def test_a_designation_inside_the_facts_is_named_under_facts(officers: RunningOfficers) -> None:
    undated = pb.Designation(by="the city government", document="Luo Zheng [2026] 1")
    facts = pb.ProjectFacts(sector=pb.SECTOR_SERVICE, investment_fen=100, key_level=pb.KEY_LEVEL_NONE,
                            designation=undated)
    assert await refused(officers.stub.CheckLeadHandlingEligibility(
        pb.CheckLeadHandlingEligibilityRequest(facts=facts))) == ("required", "facts.designation.designated_at")
    assert await refused(officers.stub.StartLeadHandling(pb.StartLeadHandlingRequest(
        project_id="prj-1", enterprise_id="ent-1", office=pb.Jurisdiction(level=pb.LEVEL_CITY), facts=facts))) == (
        "required", "facts.designation.designated_at")


async def test_a_jurisdictions_county_code_is_named_under_it(officers: RunningOfficers) -> None:
    centre = pb.Jurisdiction(level=pb.LEVEL_COUNTY, county_code="4103")
    assert await refused(officers.stub.GetAgencyMonthlyReport(pb.GetAgencyMonthlyReportRequest(
        centre=centre, month="2026-01"))) == ("jurisdiction", "centre.county_code")


async def _dispatched(officers: RunningOfficers) -> pb.Officer:
    at = Timestamp()
    at.FromDatetime(officers.clock.now - timedelta(days=1))
    return await officers.stub.DispatchOfficer(pb.DispatchOfficerRequest(
        officer=person("p-wang", "Wang Lei", "Commerce Bureau", pb.RANK_DEPARTMENT_LEADER),
        target_kind=pb.TARGET_KIND_ENTERPRISE, target_id="ent-1", enterprise_id="ent-1", office=CITY,
        basis=pb.DispatchBasis(leader_instruction=pb.LeaderInstruction(
            leader_id="ldr-1", leader_name="Vice Mayor Li", instruction="serve the new plant", instructed_at=at)),
        actor="city optimisation office"))


async def test_a_group_member_at_fault_is_named_by_its_place(officers: RunningOfficers) -> None:
    stub = officers.stub
    officer = await _dispatched(officers)
    zhao, qian = person("p-zhao", "Zhao Min", "Land Bureau"), person("p-qian", "Qian Fang", "Tax Bureau")

    def add(*members: pb.Person) -> pb.AddGroupMembersRequest:
        return pb.AddGroupMembersRequest(officer_id=officer.id, proposal="land questions", members=members, actor="t")

    assert await refused(stub.AddGroupMembers(add(zhao, officer.officer))) == (
        "group-member-not-officer", "members[1].id")
    assert await refused(stub.AddGroupMembers(add(zhao, qian, zhao))) == (  # the repeat, not the first
        "group-member-unique", "members[2].id")
    await stub.AddGroupMembers(add(zhao))
    assert await refused(stub.AddGroupMembers(add(qian, zhao))) == ("group-member-unique", "members[1].id")


async def test_evidence_pointing_the_other_way_is_named_by_its_place(officers: RunningOfficers) -> None:
    officer = await _dispatched(officers)
    good = pb.Evidence(kind=pb.EVIDENCE_KIND_RATING, rating=5, note="SMS rating")
    poor = pb.Evidence(kind=pb.EVIDENCE_KIND_RATING, rating=1, note="SMS rating")
    reward = pb.RecordRewardRequest(officer_id=officer.id, kind=pb.REWARD_KIND_COMMENDATION,
                                    authority=pb.AUTHORITY_LEADING_GROUP, authority_level=CITY,
                                    citation="served well", evidence=[good, good, poor], actor="t")
    assert await refused(officers.stub.RecordReward(reward)) == ("reward-evidence-direction", "evidence[2]")


def _unit(name: str, kind: int, leads: list[pb.Person], agents: list[pb.Person]) -> pb.StaffingUnit:
    return pb.StaffingUnit(unit=name, kind=kind, lead_handlers=leads, agents=agents)  # type: ignore[arg-type]


async def test_staff_at_fault_are_named_by_their_place_in_their_unit(officers: RunningOfficers) -> None:
    def staffing(*units: pb.StaffingUnit) -> Awaitable[object]:
        return officers.stub.SetStaffing(pb.SetStaffingRequest(project_id="prj-1", units=units, actor="t"))

    lead, section = pb.RANK_DEPUTY_COUNTY_OR_ABOVE, pb.RANK_SECTION_HEAD
    drc = _unit("DRC", pb.UNIT_KIND_COORDINATION_DEPARTMENT,
                [person("p-l1", "Lu", "DRC", lead), person("p-l2", "Lin", "DRC", lead)], [])
    land = _unit("Land Bureau", pb.UNIT_KIND_APPROVAL_DEPARTMENT,
                 [person("p-l3", "Liu", "Land", lead), person("p-l4", "Luo", "Land", pb.RANK_STAFF)],
                 [person("p-a1", "An", "Land", section), person("p-a2", "Ai", "Land", section)])
    assert await refused(staffing(drc, land)) == ("lead-handler-rank", "units[1].lead_handlers[1].rank")

    land.lead_handlers[1].rank = lead
    land.agents[1].rank = pb.RANK_STAFF
    assert await refused(staffing(drc, land)) == ("agent-rank", "units[1].agents[1].rank")

    land.agents[1].rank = section
    land.agents[0].id = "p-l2"  # DRC's second lead handler, named again as the land bureau's first agent
    assert await refused(staffing(drc, land)) == ("staff-unique", "units[1].agents[0].id")
    land.agents[0].id = "p-a1"
    land.lead_handlers[0].id = "p-l1"
    assert await refused(staffing(drc, land)) == ("staff-unique", "units[1].lead_handlers[0].id")
