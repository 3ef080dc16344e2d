"""Item 8: which projects are lead-handled (exactly at the thresholds), and how they are staffed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mesh_officers.domain.common import NonApproval, Person, Rank
from mesh_officers.domain.projects import (
    AGRI_ENV_INFRA_WELFARE,
    INDUSTRY_SERVICE,
    Basis,
    Designation,
    KeyLevel,
    ProcedureKind,
    ProcedureStatus,
    ProjectFacts,
    Sector,
    StaffingUnit,
    UnitKind,
    check_eligible,
    check_procedure_move,
    check_staffing,
    eligibility,
)
from meshlib.errors import Refused

CNY = 100  # fen
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def facts(
    sector: Sector, fen: int, key: KeyLevel = KeyLevel.NONE, fits: bool = True, designation: Designation | None = None
) -> ProjectFacts:
    return ProjectFacts(sector, fen, key, fits, designation)


@pytest.mark.parametrize("sector", sorted(INDUSTRY_SERVICE))
def test_industry_and_service_need_one_hundred_million_cny_the_threshold_included(sector: Sector) -> None:
    assert not eligibility(facts(sector, 99_999_999 * CNY)).eligible
    assert not eligibility(facts(sector, 100_000_000 * CNY - 1)).eligible  # one fen short
    at = eligibility(facts(sector, 100_000_000 * CNY))
    assert at.eligible and at.basis is Basis.INDUSTRY_SERVICE_INVESTMENT
    assert eligibility(facts(sector, 100_000_000 * CNY + 1)).eligible


@pytest.mark.parametrize("sector", sorted(AGRI_ENV_INFRA_WELFARE))
def test_agriculture_environment_infrastructure_welfare_need_thirty_million_cny(sector: Sector) -> None:
    assert not eligibility(facts(sector, 30_000_000 * CNY - 1)).eligible
    at = eligibility(facts(sector, 30_000_000 * CNY))
    assert at.eligible and at.basis is Basis.AGRI_ENV_INFRA_WELFARE_INVESTMENT


def test_thirty_million_is_not_enough_for_an_industrial_project() -> None:
    assert not eligibility(facts(Sector.INDUSTRIAL, 30_000_000 * CNY)).eligible
    assert not eligibility(facts(Sector.OTHER, 10_000_000_000 * CNY)).eligible


@pytest.mark.parametrize("key", [KeyLevel.CITY, KeyLevel.PROVINCIAL])
def test_key_construction_projects_are_eligible_whatever_their_size(key: KeyLevel) -> None:
    result = eligibility(facts(Sector.OTHER, 0, key, fits=False))
    assert result.eligible and result.basis is Basis.KEY_PROJECT


def test_a_designated_project_is_eligible_and_says_by_whom() -> None:
    d = Designation("Luoyang Municipal Government", "Luo Zheng [2026] No. 12", NOW)
    result = eligibility(facts(Sector.INDUSTRIAL, 5 * CNY, designation=d))
    assert result.eligible and result.basis is Basis.DESIGNATED and "No. 12" in result.rule


def test_the_investment_clauses_require_fitting_industrial_policy() -> None:
    assert not eligibility(facts(Sector.INDUSTRIAL, 200_000_000 * CNY, fits=False)).eligible


def test_a_refusal_states_the_rule_and_the_amounts() -> None:
    with pytest.raises(Refused) as err:
        check_eligible(facts(Sector.INDUSTRIAL, 99_999_999 * CNY))
    assert err.value.rule == "lead-handling-eligibility" and err.value.item == "Item 8"
    assert "100,000,000 CNY" in err.value.message and "99,999,999 CNY" in err.value.message


def person(pid: str, rank: Rank) -> Person:
    return Person(pid, f"name {pid}", "dept", rank)


def approval(
    unit: str = "Natural Resources Bureau",
    lead_rank: Rank = Rank.DEPUTY_COUNTY_OR_ABOVE,
    agent_rank: Rank = Rank.SECTION_HEAD,
    leads: int = 2,
    agents: int = 2,
) -> StaffingUnit:
    return StaffingUnit(
        unit,
        UnitKind.APPROVAL_DEPARTMENT,
        [person(f"{unit}-l{i}", lead_rank) for i in range(leads)],
        [person(f"{unit}-a{i}", agent_rank) for i in range(agents)],
    )


def test_staffing_two_lead_handlers_and_two_agents_per_approval_department() -> None:
    utility = StaffingUnit(
        "Power Supply Co.",
        UnitKind.PUBLIC_UTILITY,
        [],
        [person("p1", Rank.MIDDLE_MANAGER), person("p2", Rank.SECTION_HEAD)],
    )
    coordination = StaffingUnit(
        "Development and Reform Commission",
        UnitKind.COORDINATION_DEPARTMENT,
        [person("c1", Rank.DEPUTY_COUNTY_OR_ABOVE), person("c2", Rank.DEPUTY_COUNTY_OR_ABOVE)],
        [],
    )
    assert len(check_staffing([approval(), utility, coordination])) == 3


@pytest.mark.parametrize(
    ("unit", "rule"),
    [
        (approval(leads=1), "lead-handler-count"),
        (approval(leads=3), "lead-handler-count"),
        (approval(agents=1), "agent-count"),
        (approval(lead_rank=Rank.SECTION_HEAD), "lead-handler-rank"),
        (approval(lead_rank=Rank.UTILITY_DEPUTY_HEAD), "lead-handler-rank"),
        (approval(agent_rank=Rank.STAFF), "agent-rank"),
        (
            StaffingUnit(
                "Water Co.",
                UnitKind.PUBLIC_UTILITY,
                [person("w1", Rank.DEPUTY_COUNTY_OR_ABOVE), person("w2", Rank.DEPUTY_COUNTY_OR_ABOVE)],
                [person("w3", Rank.MIDDLE_MANAGER), person("w4", Rank.MIDDLE_MANAGER)],
            ),
            "lead-handler-rank",
        ),
        (
            StaffingUnit(
                "DRC",
                UnitKind.COORDINATION_DEPARTMENT,
                [person("d1", Rank.DEPUTY_COUNTY_OR_ABOVE), person("d2", Rank.DEPUTY_COUNTY_OR_ABOVE)],
                [person("d3", Rank.SECTION_HEAD), person("d4", Rank.SECTION_HEAD)],
            ),
            "agent-count",
        ),
    ],
)
def test_staffing_counts_and_ranks_are_checked(unit: StaffingUnit, rule: str) -> None:
    with pytest.raises(Refused) as err:
        check_staffing([unit])
    assert err.value.rule == rule and err.value.item == "Item 8"


def test_a_utility_may_give_two_deputy_heads_as_lead_handlers() -> None:
    unit = StaffingUnit(
        "Gas Co.",
        UnitKind.PUBLIC_UTILITY,
        [person("g1", Rank.UTILITY_DEPUTY_HEAD), person("g2", Rank.UTILITY_DEPUTY_HEAD)],
        [person("g3", Rank.MIDDLE_MANAGER), person("g4", Rank.SECTION_HEAD)],
    )
    assert check_staffing([unit])[0].unit == "Gas Co."


def test_nobody_is_named_twice() -> None:
    a, b = approval("Bureau A"), approval("Bureau B")
    b = StaffingUnit(b.unit, b.kind, [a.lead_handlers[0], b.lead_handlers[1]], b.agents)
    with pytest.raises(Refused, match="named twice"):
        check_staffing([a, b])


def test_procedures_and_hookups() -> None:
    assert ProcedureKind.CABLE.utility_hookup and not ProcedureKind.CIVIL_AIR_DEFENCE.utility_hookup
    assert len([k for k in ProcedureKind if not k.utility_hookup]) == 8
    check_procedure_move(ProcedureStatus.NOT_STARTED, ProcedureStatus.IN_PROGRESS, NonApproval.NONE)
    with pytest.raises(Refused) as err:
        check_procedure_move(ProcedureStatus.IN_PROGRESS, ProcedureStatus.NOT_APPROVED, NonApproval.NONE)
    assert (err.value.rule, err.value.item, err.value.field) == ("non-approval-reported", "Item 14", "status")
    with pytest.raises(Refused) as err:  # the chain approved it after all
        check_procedure_move(ProcedureStatus.IN_PROGRESS, ProcedureStatus.NOT_APPROVED, NonApproval.OVERTURNED)
    assert (err.value.rule, err.value.item, err.value.field) == ("non-approval-overturned", "Item 14", "status")
    check_procedure_move(ProcedureStatus.IN_PROGRESS, ProcedureStatus.NOT_APPROVED, NonApproval.STANDS)
    with pytest.raises(Refused, match="done"):
        check_procedure_move(ProcedureStatus.DONE, ProcedureStatus.IN_PROGRESS, NonApproval.STANDS)
