"""A refusal's field is a real field path of the request refused: an element of a repeated field by its place
(``ranges[1].last``, ``sites[0].kind``), a filter's field under ``filter``, and the case GetCase is asked for as
its ``id``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mesh.environment.v1 import environment_pb2 as pb
from mesh_environment.convert import ts
from mesh_environment.testing import RunningEnvironment, Sites
from meshlib.testing.refusals import refused


async def test_elements_of_a_list_are_named_by_their_place(environment: RunningEnvironment) -> None:
    stub = environment.stub
    ranges = [pb.DateRange(first="2026-05-01", last="2026-05-03"), pb.DateRange(first="2026-06-01", last="2026-6-3")]
    assert await refused(stub.DeclareQuietDays(pb.DeclareQuietDaysRequest(enterprise_id="ent-1", ranges=ranges))) == (
        "date-format", "ranges[1].last")

    sites = [pb.SiteRef(kind=pb.SITE_KIND_UNSPECIFIED, id="ent-1")]
    assert await refused(stub.AssignInspectionGroup(pb.AssignInspectionGroupRequest(group_id="g1", sites=sites))) == (
        "enum-required", "sites[0].kind")

    # A value at fault in a list is named by its place too, not as the whole list.
    backwards = [*ranges[:1], pb.DateRange(first="2026-06-03", last="2026-06-01")]
    assert await refused(stub.DeclareQuietDays(pb.DeclareQuietDaysRequest(
        enterprise_id="ent-1", ranges=backwards))) == ("quiet-range-order", "ranges[1].last")
    weekdays = pb.DeclareQuietDaysRequest(enterprise_id="ent-1", weekdays=[2, 6, 8])
    assert await refused(stub.DeclareQuietDays(weekdays)) == ("quiet-weekday", "weekdays[2]")

    officers = [pb.EnforcementOfficer(officer_id="o1", name="Li", credential_number="C1",
                                      credential_expires_on="2099-12-31"),
                pb.EnforcementOfficer(officer_id="o2", name="Wu", credential_number="C2",
                                      credential_expires_on="31/12/2099")]
    check = pb.CheckEnforcementRequest(enterprise_id="ent-1", agency="city-market-supervision", matter="food safety",
                                       planned_at=ts(datetime.now(UTC) + timedelta(days=1)), officers=officers)
    assert await refused(stub.CheckEnforcement(check)) == ("date-format", "officers[1].credential_expires_on")


async def test_a_case_filter_names_its_fields_under_filter(environment: RunningEnvironment) -> None:
    stub = environment.stub
    for flt, field in ((pb.CaseFilter(states=[pb.CASE_STATE_OPEN, pb.CASE_STATE_UNSPECIFIED]), "filter.states[1]"),
                       (pb.CaseFilter(level=pb.LEVEL_UNSPECIFIED), "filter.level")):
        assert await refused(stub.ListCases(pb.ListCasesRequest(filter=flt))) == ("enum-required", field)
    now = datetime.now(UTC)
    crossed = pb.CaseFilter(opened_after=ts(now), opened_before=ts(now - timedelta(days=1)))
    assert await refused(stub.ListCases(pb.ListCasesRequest(filter=crossed))) == (
        "date-range", "filter.opened_before")
    # The other lists' windows are fields of the request itself.
    fines = pb.ListFinesRequest(filed_after=ts(now), filed_before=ts(now - timedelta(days=1)))
    assert await refused(stub.ListFines(fines)) == ("date-range", "filed_before")
    findings = pb.ListFindingsRequest(states=[pb.FINDING_STATE_UNSPECIFIED])
    assert await refused(stub.ListFindings(findings)) == ("enum-required", "states[0]")


async def test_a_site_that_is_not_key_is_named_by_its_place(environment: RunningEnvironment, sites: Sites) -> None:
    given = [pb.SiteRef(kind=pb.SITE_KIND_ENTERPRISE, id=sites.key),
             pb.SiteRef(kind=pb.SITE_KIND_ENTERPRISE, id=sites.plain)]
    assert await refused(environment.stub.AssignInspectionGroup(pb.AssignInspectionGroupRequest(
        group_id="g1", sites=given))) == ("inspection-key-sites", "sites[1].id")


async def test_a_case_asked_for_by_id_is_named_as_id(environment: RunningEnvironment) -> None:
    assert await refused(environment.stub.GetCase(pb.GetCaseRequest(id="CASE-404"))) == ("case-exists", "id")
    assert await refused(environment.stub.AddProgress(pb.AddProgressRequest(case_id="CASE-404", note="n"))) == (
        "case-exists", "case_id")


async def test_a_check_of_two_fields_names_the_one_missing(environment: RunningEnvironment) -> None:
    stub = environment.stub
    assert await refused(stub.AssignTerritory(pb.AssignTerritoryRequest(
        case_id="CASE-404", county_code=" ", township_code="410311010", reason="r", actor="a"))) == (
        "territory-codes", "county_code")
    assert await refused(stub.AssignTerritory(pb.AssignTerritoryRequest(
        case_id="CASE-404", county_code="410311", township_code="", reason="r", actor="a"))) == (
        "territory-codes", "township_code")
    assert await refused(stub.NameLeaderInCharge(pb.NameLeaderInChargeRequest(
        level=pb.LEVEL_TOWNSHIP, code="", leader="Zhang", actor="a"))) == ("leader-named", "code")
    assert await refused(stub.NameLeaderInCharge(pb.NameLeaderInChargeRequest(
        level=pb.LEVEL_TOWNSHIP, code="410311010", leader=" ", actor="a"))) == ("leader-named", "leader")
