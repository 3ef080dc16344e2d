"""A refusal's field is a real field path of the request refused: a designation given inside the facts is named
there (``facts.designation.designated_at``), a jurisdiction's county code under the jurisdiction
(``centre.county_code``)."""

from __future__ import annotations

from mesh.officers.v1 import officers_pb2 as pb
from mesh_officers.testing import RunningOfficers
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
