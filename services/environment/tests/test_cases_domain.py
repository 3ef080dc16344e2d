"""Item 9: what opens a case, the merge window, escalation, the case's states; items 9, 18: lateness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mesh_environment.domain import cases
from mesh_environment.domain.accountability import closed_late, responsible_for
from mesh_environment.domain.cases import CaseSource, CaseState, Level, OpenCase, Site, Territory
from meshlib.errors import InvalidArgument, Refused

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
WINDOW = timedelta(hours=72)
ENT = Site(enterprise_id="ent-001")


def open_case(case_id: str, site: Site = ENT, at: datetime = T0, state: CaseState = CaseState.OPEN) -> OpenCase:
    return OpenCase(case_id, site, state, at)


def test_item9_offences_or_a_named_site_open_a_case() -> None:
    assert cases.opens_case("extortion", None, None)
    assert cases.opens_case("obstruction_of_construction", None, None)
    assert cases.opens_case("other", "ent-001", None)
    assert cases.opens_case("other", None, "prj-7")
    assert not cases.opens_case("other", None, None)
    assert not cases.opens_case("other", "", "")


def test_major_means_severity_major_or_a_key_protection_site() -> None:
    assert cases.is_major("major", key_protected=False)
    assert cases.is_major("general", key_protected=True)
    assert not cases.is_major("serious", key_protected=False)


def test_incidents_within_the_window_join_the_open_case() -> None:
    assert cases.case_to_join([open_case("C1")], ENT, T0 + WINDOW, WINDOW) == "C1"
    assert cases.case_to_join([open_case("C1")], ENT, T0 - WINDOW, WINDOW) == "C1"
    assert cases.case_to_join([open_case("C1")], ENT, T0 + WINDOW + timedelta(seconds=1), WINDOW) is None


def test_the_merge_needs_the_same_site_and_an_open_case() -> None:
    assert cases.case_to_join([open_case("C1")], Site(enterprise_id="ent-002"), T0, WINDOW) is None
    assert cases.case_to_join([open_case("C1", state=CaseState.CLOSED)], ENT, T0, WINDOW) is None
    assert cases.case_to_join([open_case("C1", state=CaseState.AWAITING_RECHECK)], ENT, T0, WINDOW) == "C1"
    assert cases.case_to_join([open_case("C1")], Site(), T0, WINDOW) is None
    project_case = open_case("C2", Site(enterprise_id="ent-009", project_id="prj-7"))
    assert cases.case_to_join([project_case], Site(project_id="prj-7"), T0, WINDOW) == "C2"


def test_the_case_with_the_latest_incident_is_joined() -> None:
    older, newer = open_case("C1", at=T0 - timedelta(hours=10)), open_case("C2", at=T0 - timedelta(hours=1))
    assert cases.case_to_join([older, newer], ENT, T0, WINDOW) == "C2"


def test_escalation_goes_township_county_city_then_stops() -> None:
    assert cases.next_level(Level.TOWNSHIP) is Level.COUNTY
    assert cases.next_level(Level.COUNTY) is Level.CITY
    assert cases.next_level(Level.CITY) is None


def test_a_case_closes_only_with_a_plan_and_an_outcome() -> None:
    with pytest.raises(Refused) as err:
        cases.close(CaseState.OPEN, source=CaseSource.POLICE_INCIDENT, outcome="settled")
    assert err.value.rule == "plan-before-close" and err.value.item == "Item 9"
    with pytest.raises(InvalidArgument):
        cases.close(CaseState.PLANNED, source=CaseSource.POLICE_INCIDENT, outcome=" ")
    assert cases.close(CaseState.PLANNED, source=CaseSource.POLICE_INCIDENT, outcome="settled") is CaseState.CLOSED
    assert cases.close(CaseState.PLANNED, source=CaseSource.ENTERPRISE, outcome="settled") is CaseState.CLOSED


@pytest.mark.parametrize("source", [CaseSource.INSPECTION, CaseSource.COMPLAINT])
def test_inspection_and_complaint_cases_close_after_a_confirmed_recheck(source: CaseSource) -> None:
    state = cases.close(CaseState.PLANNED, source=source, outcome="stall removed")
    assert state is CaseState.AWAITING_RECHECK
    assert cases.recheck(state, confirmed=False) is CaseState.PLANNED
    assert cases.recheck(state, confirmed=True) is CaseState.CLOSED
    with pytest.raises(Refused):
        cases.recheck(CaseState.PLANNED, confirmed=True)


def test_a_closed_case_takes_no_more_work() -> None:
    for step in (cases.file_plan, cases.add_progress, cases.reassign, cases.acknowledge):
        with pytest.raises(Refused):
            step(CaseState.CLOSED)
    assert cases.file_plan(CaseState.PLANNED) is CaseState.PLANNED
    assert cases.file_plan(CaseState.PLANNED, current_due=T0, now=T0) is CaseState.PLANNED
    with pytest.raises(Refused) as err:
        cases.file_plan(CaseState.PLANNED, current_due=T0, now=T0 + timedelta(seconds=1))
    assert err.value.rule == "plan-overdue"
    with pytest.raises(Refused):
        cases.file_plan(CaseState.AWAITING_RECHECK)


def test_key_protection_cases_get_the_shorter_clocks() -> None:
    policy = cases.ClockPolicy(ack=timedelta(minutes=30), key_ack=timedelta(minutes=15), plan=timedelta(days=7),
                               key_plan=timedelta(days=3), resolve=timedelta(days=30),
                               key_resolve=timedelta(days=15), finding=timedelta(days=15),
                               key_finding=timedelta(days=7))
    assert policy.ack_due(T0, key=True) == T0 + timedelta(minutes=15)
    assert policy.plan_due(T0, key=False) == T0 + timedelta(days=7)
    assert policy.resolve_limit(T0, key=True) == T0 + timedelta(days=15)
    assert policy.warn_at(T0, T0 + timedelta(days=10)) == T0 + timedelta(days=8)
    cases.check_plan_due(T0 + timedelta(days=15), now=T0, limit=policy.resolve_limit(T0, True), key=True)
    with pytest.raises(InvalidArgument) as err:
        cases.check_plan_due(T0 + timedelta(days=16), now=T0, limit=policy.resolve_limit(T0, True), key=True)
    assert err.value.rule == "plan-due-within-limit"
    with pytest.raises(InvalidArgument):
        cases.check_plan_due(T0, now=T0, limit=policy.resolve_limit(T0, False), key=False)


def test_lateness_and_who_answers_for_it() -> None:
    assert not closed_late(T0, T0)
    assert closed_late(T0, T0 + timedelta(seconds=1))
    assert not closed_late(None, T0)
    territory = Territory("410311", "Luolong", "410311003", "Kaiyuan", "Chen (county)", "Liu (township)")
    assert responsible_for(territory, Level.TOWNSHIP).unit == "township:410311003"
    assert responsible_for(territory, Level.TOWNSHIP).leader == "Liu (township)"
    assert responsible_for(territory, Level.COUNTY).unit == "county:410311"
    assert responsible_for(territory, Level.CITY).unit == "city"
    assert responsible_for(None, Level.TOWNSHIP).unit == "unassigned"
