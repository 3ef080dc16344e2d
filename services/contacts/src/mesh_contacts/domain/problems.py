"""Problems raised on leaders' visits and how they move to a conclusion (items 19 and 20).

Item 19: leaders go to enterprises and sites to solve problems on the spot; item 20:
they coordinate difficulties and serve around policy, production factors, markets and
restructuring, and for projects supervise preliminary steps, progress, safety and
quality. A problem moves ``open → coordinating → resolved`` (with what was done) or
``→ closed unresolved`` (with the reason); while coordinating it may be re-routed to
another department or due date. Nothing else is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from mesh_contacts.domain.pairing import TargetKind
from meshlib.errors import InvalidArgument, Refused

ITEM = "Item 20"
MAX_DESCRIPTION = 4000


class ProblemCategory(StrEnum):
    """Item 20: what leaders serve around; the last four are project supervision only."""

    POLICY_IMPLEMENTATION = "policy_implementation"
    FACTOR_LAND = "factor_land"
    FACTOR_POWER = "factor_power"
    FACTOR_FINANCE = "factor_finance"
    FACTOR_LABOUR = "factor_labour"
    FACTOR_OTHER = "factor_other"
    MARKET_DEVELOPMENT = "market_development"
    RESTRUCTURING = "restructuring"
    PRELIMINARY_PROCEDURES = "preliminary_procedures"
    PROGRESS = "progress"
    SAFETY = "safety"
    QUALITY = "quality"

    @property
    def project_only(self) -> bool:
        return self in _PROJECT_ONLY


_PROJECT_ONLY = frozenset({ProblemCategory.PRELIMINARY_PROCEDURES, ProblemCategory.PROGRESS,
                           ProblemCategory.SAFETY, ProblemCategory.QUALITY})


class ProblemStatus(StrEnum):
    OPEN = "open"
    COORDINATING = "coordinating"
    RESOLVED = "resolved"
    CLOSED_UNRESOLVED = "closed_unresolved"

    @property
    def is_open(self) -> bool:
        """Still to be dealt with (counts toward overdue)."""
        return self in (ProblemStatus.OPEN, ProblemStatus.COORDINATING)


OPEN_STATUSES = (ProblemStatus.OPEN, ProblemStatus.COORDINATING)


class Action(StrEnum):
    """What a trail entry records; each is also the last token of its event subject."""

    RAISED = "raised"
    COORDINATION_STARTED = "coordination_started"
    REROUTED = "rerouted"
    RESOLVED = "resolved"
    CLOSED_UNRESOLVED = "closed_unresolved"
    OVERDUE = "overdue"


_TRANSITIONS: dict[tuple[ProblemStatus, Action], ProblemStatus] = {
    (ProblemStatus.OPEN, Action.COORDINATION_STARTED): ProblemStatus.COORDINATING,
    (ProblemStatus.COORDINATING, Action.REROUTED): ProblemStatus.COORDINATING,
    (ProblemStatus.COORDINATING, Action.RESOLVED): ProblemStatus.RESOLVED,
    (ProblemStatus.COORDINATING, Action.CLOSED_UNRESOLVED): ProblemStatus.CLOSED_UNRESOLVED,
}


def next_status(status: ProblemStatus, action: Action) -> ProblemStatus:
    """Items 19, 20: the state machine; an illegal move is refused, saying which moves are allowed."""
    to = _TRANSITIONS.get((status, action))
    if to is None:
        allowed = sorted(a.value for (s, a) in _TRANSITIONS if s is status)
        can = f"it can only be {', '.join(allowed)}" if allowed else "it is concluded"
        raise Refused(f"a problem that is {status.value} cannot be {action.value}; {can}",
                      rule="problem-transition", item=ITEM, field="problem_id")
    return to


def coordination_action(status: ProblemStatus, rerouting: bool) -> Action:
    """Coordinating an open problem starts coordination; a coordinating one may only be re-routed."""
    if status is ProblemStatus.COORDINATING and not rerouting:
        raise Refused("the problem is already being coordinated; name another department or due date to re-route it",
                      rule="problem-transition", item=ITEM, field="problem_id")
    if status is ProblemStatus.COORDINATING:
        return Action.REROUTED
    return Action.COORDINATION_STARTED


@dataclass(frozen=True)
class ProblemInput:
    category: ProblemCategory
    description: str
    department: str
    due_on: date


def validate_problem(p: ProblemInput, target_kind: TargetKind, today: date) -> ProblemInput:
    """Item 20: a problem names a fitting category, the department coordinating it, and a due date."""
    if p.category.project_only and target_kind is not TargetKind.PROJECT:
        raise InvalidArgument(f"category {p.category.value} applies to projects only", rule="problem-category",
                              item=ITEM, field="category")
    description = require_text(p.description, "description")
    department = require_text(p.department, "department")
    check_due(p.due_on, today)
    return ProblemInput(p.category, description, department, p.due_on)


def check_due(due_on: date, today: date) -> None:
    if due_on < today:
        raise InvalidArgument(f"due date {due_on} is already past (today is {today})", rule="due-date",
                              field="due_on")


def require_text(value: str, field: str) -> str:
    value = value.strip()
    if not value:
        raise InvalidArgument(f"{field} is required", rule="required", field=field)
    if len(value) > MAX_DESCRIPTION:
        raise InvalidArgument(f"{field} is longer than {MAX_DESCRIPTION} characters", rule="too-long",
                              field=field)
    return value


def is_overdue(status: ProblemStatus, due_on: date, today: date) -> bool:
    """A problem due on D may be concluded all of D; from D + 1 it is overdue while still open."""
    return status.is_open and today > due_on


def check_visit_date(visited_on: date, today: date) -> None:
    """Item 19: a visit is recorded after it took place, never ahead of it."""
    if visited_on > today:
        raise InvalidArgument(f"visit date {visited_on} is in the future (today is {today})", rule="visit-date",
                              field="visited_on")
