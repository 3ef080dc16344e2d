"""Lead-handling of investment projects (item 8): who is eligible, who staffs it, what it tracks.

Pure: no I/O. Money is integer fen (1 CNY = 100 fen); thresholds are compared exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from mesh_officers.domain.common import NonApproval, Person, Rank, require_non_approval, require_text
from meshlib.errors import InvalidArgument, Refused, under

ITEM = "Item 8"

FEN_PER_CNY = 100
INDUSTRY_SERVICE_THRESHOLD_FEN = 100_000_000 * FEN_PER_CNY
"""Item 8: industrial and service-sector projects of 100 million CNY (亿元) or more."""
AGRI_ENV_INFRA_WELFARE_THRESHOLD_FEN = 30_000_000 * FEN_PER_CNY
"""Item 8: agriculture, environmental, infrastructure and public-welfare projects of 30 million CNY or more."""


class Sector(StrEnum):
    INDUSTRIAL = "industrial"
    SERVICE = "service"
    AGRICULTURE = "agriculture"
    ENVIRONMENTAL_PROTECTION = "environmental_protection"
    INFRASTRUCTURE = "infrastructure"
    PUBLIC_WELFARE = "public_welfare"
    OTHER = "other"


INDUSTRY_SERVICE = frozenset({Sector.INDUSTRIAL, Sector.SERVICE})
AGRI_ENV_INFRA_WELFARE = frozenset(
    {Sector.AGRICULTURE, Sector.ENVIRONMENTAL_PROTECTION, Sector.INFRASTRUCTURE, Sector.PUBLIC_WELFARE}
)


class KeyLevel(StrEnum):
    NONE = "none"
    CITY = "city"
    PROVINCIAL = "provincial"


class Basis(StrEnum):
    KEY_PROJECT = "key_project"
    INDUSTRY_SERVICE_INVESTMENT = "industry_service_investment"
    AGRI_ENV_INFRA_WELFARE_INVESTMENT = "agri_env_infra_welfare_investment"
    DESIGNATED = "designated"


@dataclass(frozen=True)
class Designation:
    """The city government's decision to lead-handle a project the other clauses do not reach."""

    by: str
    document: str
    designated_at: datetime


@dataclass(frozen=True)
class ProjectFacts:
    sector: Sector
    investment_fen: int
    key_level: KeyLevel
    fits_industrial_policy: bool
    designation: Designation | None = None


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    basis: Basis | None
    rule: str


def _cny(fen: int) -> str:
    yuan, cents = divmod(fen, FEN_PER_CNY)
    return f"{yuan:,}" + (f".{cents:02d}" if cents else "") + " CNY"


def eligibility(facts: ProjectFacts) -> Eligibility:
    """Item 8: the projects that are lead-handled.

    Provincial or city key construction projects; projects that fit industrial policy with an
    investment of at least 100,000,000 CNY (industrial, service) or at least 30,000,000 CNY
    (agriculture, environmental protection, infrastructure, public welfare), the threshold itself
    included; any other project the city government designates.
    """
    if facts.investment_fen < 0:
        raise InvalidArgument(
            "investment cannot be negative", rule="investment", item=ITEM, field="facts.investment_fen"
        )
    if facts.key_level is not KeyLevel.NONE:
        return Eligibility(True, Basis.KEY_PROJECT, f"a {facts.key_level.value} key construction project")
    if facts.sector in INDUSTRY_SERVICE:
        threshold, basis = INDUSTRY_SERVICE_THRESHOLD_FEN, Basis.INDUSTRY_SERVICE_INVESTMENT
    elif facts.sector in AGRI_ENV_INFRA_WELFARE:
        threshold, basis = AGRI_ENV_INFRA_WELFARE_THRESHOLD_FEN, Basis.AGRI_ENV_INFRA_WELFARE_INVESTMENT
    else:
        threshold, basis = 0, None
    sector = facts.sector.value.replace("_", " ")
    if basis is not None and facts.investment_fen >= threshold and facts.fits_industrial_policy:
        return Eligibility(
            True,
            basis,
            f"a {sector} project fitting industrial policy with an investment of "
            f"{_cny(facts.investment_fen)}, at least {_cny(threshold)}",
        )
    if facts.designation is not None:
        return Eligibility(
            True, Basis.DESIGNATED, f"designated by {facts.designation.by} ({facts.designation.document})"
        )
    if basis is None:
        why = f"a {sector} project is lead-handled only as a key project or when the city government designates it"
    elif facts.investment_fen < threshold:
        why = (
            f"a {sector} project needs an investment of at least {_cny(threshold)}; this one has "
            f"{_cny(facts.investment_fen)}, and it is neither a key project nor designated"
        )
    else:
        why = f"a {sector} project must fit industrial policy, and it is neither a key project nor designated"
    return Eligibility(False, None, why)


def check_eligible(facts: ProjectFacts) -> Eligibility:
    result = eligibility(facts)
    if not result.eligible:
        raise Refused(
            f"not eligible for lead-handling: {result.rule}", rule="lead-handling-eligibility", item=ITEM, field="facts"
        )
    return result


def check_designation(designation: Designation, now: datetime, field: str = "designation") -> Designation:
    """``field``: where the request gives the designation (``designation``, or ``facts.designation``)."""
    require_text(designation.by, f"{field}.by", item=ITEM)
    require_text(designation.document, f"{field}.document", item=ITEM)
    if designation.designated_at > now:
        raise InvalidArgument(
            "a designation cannot be dated in the future",
            rule="designation-date",
            item=ITEM,
            field=f"{field}.designated_at",
        )
    return designation


# ---------------------------------------------------------------- staffing


class UnitKind(StrEnum):
    APPROVAL_DEPARTMENT = "approval_department"  # 行政审批部门
    COORDINATION_DEPARTMENT = "coordination_department"  # 服务协调部门
    PUBLIC_UTILITY = "public_utility"  # 公共服务单位


PER_UNIT = 2
"""Item 8: lead handlers and agents come two from each unit (各2名)."""
AGENT_RANKS = frozenset({Rank.SECTION_HEAD, Rank.MIDDLE_MANAGER})


@dataclass(frozen=True)
class StaffingUnit:
    unit: str
    kind: UnitKind
    lead_handlers: Sequence[Person]
    agents: Sequence[Person]


def _lead_handler_rank(kind: UnitKind) -> Rank:
    return Rank.UTILITY_DEPUTY_HEAD if kind is UnitKind.PUBLIC_UTILITY else Rank.DEPUTY_COUNTY_OR_ABOVE


def check_staffing(units: Sequence[StaffingUnit]) -> list[StaffingUnit]:
    """Item 8: the counts and ranks of lead handlers (领办员) and agents (代理员).

    - Each approval or coordination department gives two lead handlers of deputy county level or
      above; a public utility may give two lead handlers, its company's deputy heads.
    - Each approval department and each public utility gives two agents, section heads or middle
      managers; coordination departments give none.
    - Nobody is named twice.
    """
    if not units:
        raise InvalidArgument("name at least one unit", rule="required", item=ITEM, field="units")
    seen_units: set[str] = set()
    seen_people: set[str] = set()
    out = []
    for i, u in enumerate(units):
        name = require_text(u.unit, f"units[{i}].unit", max_length=200, item=ITEM)
        if name in seen_units:
            raise InvalidArgument(
                f"{name} is listed twice", rule="staffing-unit-unique", item=ITEM, field=f"units[{i}].unit"
            )
        seen_units.add(name)
        leads = [p.checked(f"units[{i}].lead_handlers[{j}]") for j, p in enumerate(u.lead_handlers)]
        agents = [p.checked(f"units[{i}].agents[{j}]") for j, p in enumerate(u.agents)]
        lead_required = u.kind is not UnitKind.PUBLIC_UTILITY
        if len(leads) != PER_UNIT and (lead_required or leads):
            need = f"{PER_UNIT}" if lead_required else f"none or {PER_UNIT}"
            raise Refused(
                f"{name} ({u.kind.value}) gives {need} lead handlers, not {len(leads)}",
                rule="lead-handler-count",
                item=ITEM,
                field=f"units[{i}].lead_handlers",
            )
        rank = _lead_handler_rank(u.kind)
        for j, p in enumerate(leads):
            with under(f"units[{i}].lead_handlers[{j}]"):
                if p.rank is not rank:
                    raise Refused(
                        f"a lead handler from a {u.kind.value.replace('_', ' ')} is "
                        f"{rank.value.replace('_', ' ')}; {p.name} is {p.rank.value.replace('_', ' ')}",
                        rule="lead-handler-rank",
                        item=ITEM,
                        field="rank",
                    )
        agents_required = u.kind is not UnitKind.COORDINATION_DEPARTMENT
        if len(agents) != (PER_UNIT if agents_required else 0):
            need = f"{PER_UNIT}" if agents_required else "no"
            raise Refused(
                f"{name} ({u.kind.value}) gives {need} agents, not {len(agents)}",
                rule="agent-count",
                item=ITEM,
                field=f"units[{i}].agents",
            )
        for j, p in enumerate(agents):
            with under(f"units[{i}].agents[{j}]"):
                if p.rank not in AGENT_RANKS:
                    raise Refused(
                        f"an agent is a section head or middle manager; {p.name} is {p.rank.value.replace('_', ' ')}",
                        rule="agent-rank",
                        item=ITEM,
                        field="rank",
                    )
        for role, people in (("lead_handlers", leads), ("agents", agents)):
            for j, p in enumerate(people):
                with under(f"units[{i}].{role}[{j}]"):  # a person named twice: where the second naming is
                    if p.id in seen_people:
                        raise Refused(f"{p.name} ({p.id}) is named twice", rule="staff-unique", item=ITEM, field="id")
                seen_people.add(p.id)
        out.append(StaffingUnit(name, u.kind, leads, agents))
    return out


# ---------------------------------------------------------------- procedures


class ProcedureKind(StrEnum):
    PROJECT_APPROVAL = "project_approval"  # 立项
    PLANNING = "planning"
    LAND = "land"
    ENVIRONMENTAL_ASSESSMENT = "environmental_assessment"
    CONSTRUCTION_PERMIT = "construction_permit"
    CULTURAL_RELICS = "cultural_relics"
    CIVIL_AIR_DEFENCE = "civil_air_defence"
    FIRE_SAFETY = "fire_safety"
    TEMPORARY_WATER = "temporary_water"
    TEMPORARY_POWER = "temporary_power"
    PERMANENT_WATER = "permanent_water"
    PERMANENT_POWER = "permanent_power"
    HEAT = "heat"
    GAS = "gas"
    TELECOM = "telecom"
    CABLE = "cable"

    @property
    def utility_hookup(self) -> bool:
        """Item 8: the utility hook-ups, as against the pre-construction procedures."""
        return self in _UTILITIES


_UTILITIES = frozenset(
    {
        ProcedureKind.TEMPORARY_WATER,
        ProcedureKind.TEMPORARY_POWER,
        ProcedureKind.PERMANENT_WATER,
        ProcedureKind.PERMANENT_POWER,
        ProcedureKind.HEAT,
        ProcedureKind.GAS,
        ProcedureKind.TELECOM,
        ProcedureKind.CABLE,
    }
)


class ProcedureStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    NOT_APPROVED = "not_approved"


_PROCEDURE_MOVES = {
    ProcedureStatus.NOT_STARTED: {ProcedureStatus.IN_PROGRESS},
    ProcedureStatus.IN_PROGRESS: {ProcedureStatus.DONE, ProcedureStatus.NOT_APPROVED},
    # Approved after all further up the non-approval chain (item 14), or resubmitted.
    ProcedureStatus.NOT_APPROVED: {ProcedureStatus.IN_PROGRESS, ProcedureStatus.DONE},
    ProcedureStatus.DONE: set(),
}


def procedure_id(project_id: str, kind: ProcedureKind) -> str:
    return f"{project_id}/{kind.value}"


def check_procedure_move(current: ProcedureStatus, to: ProcedureStatus, non_approval: NonApproval) -> None:
    """Item 8: a led procedure moves not started → in progress → done, or not approved (item 14: only
    once the non-approval is reported in writing)."""
    if to not in _PROCEDURE_MOVES[current]:
        allowed = ", ".join(sorted(s.value for s in _PROCEDURE_MOVES[current])) or "nothing (it is done)"
        raise Refused(
            f"a procedure that is {current.value} can move to {allowed}, not {to.value}",
            rule="procedure-move",
            item=ITEM,
            field="status",
        )
    if to is ProcedureStatus.NOT_APPROVED:
        require_non_approval(non_approval, "a procedure", "status")
