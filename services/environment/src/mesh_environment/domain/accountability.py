"""Accountability (items 9 and 18): who is answerable when a case or finding is late or a plan is missing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from mesh_environment.domain.cases import Level, Territory
from meshlib.deadlines import on_time


class AccountabilityKind(StrEnum):
    CASE_CLOSED_LATE = "case_closed_late"  # item 9: poor governance leads to accountability
    PLAN_MISSING = "plan_missing"  # item 9: no governance plan by its due date
    FINDING_CLOSED_LATE = "finding_closed_late"  # items 15, 18: slow action on a supervised finding


CLAUSES = {
    AccountabilityKind.CASE_CLOSED_LATE: "Items 9, 18",
    AccountabilityKind.PLAN_MISSING: "Items 9, 18",
    AccountabilityKind.FINDING_CLOSED_LATE: "Items 15, 18",
}


@dataclass(frozen=True)
class Responsible:
    unit: str
    leader: str


def responsible_for(territory: Territory | None, level: Level) -> Responsible:
    """Items 9, 18: the unit (and its leader in charge) answerable for a case at ``level``.

    Unit names are stable keys for counting: ``township:<code>``, ``county:<code>``, ``city``.
    """
    if level is Level.CITY:
        return Responsible("city", "")
    if territory is None:
        return Responsible("unassigned", "")
    if level is Level.COUNTY:
        return Responsible(f"county:{territory.county_code}", territory.county_leader)
    return Responsible(f"township:{territory.township_code}", territory.township_leader)


def closed_late(due_at: datetime | None, resolved_at: datetime) -> bool:
    """Items 9, 18: resolved after its due instant (the due instant itself is on time)."""
    return due_at is not None and on_time(due_at, resolved_at, resolved_at) is False
