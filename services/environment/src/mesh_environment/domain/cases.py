"""Governance cases around enterprises and projects (item 9): what opens one, how they join, their states.

Territorial management, graded responsibility: a case belongs to the township and county
where its enterprise or project lies, escalates township → county → city when a major
incident is not acknowledged, files a governance plan, and is closed with its outcome
(after a recheck when it came from an inspection or a complaint).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from meshlib.errors import InvalidArgument, Refused

ITEM = "Item 9"
DEFAULT_MERGE_WINDOW = timedelta(hours=72)
"""Item 9 does not name the window in which incidents at one site join one case; configurable."""


class Offence(StrEnum):
    """Item 9: the offences around enterprises and projects to crack down on, plus other."""

    MARKET_BULLYING = "market_bullying"  # 欺行霸市
    PROVOKING_TROUBLE = "provoking_trouble"  # 寻衅滋事
    EXTORTION = "extortion"  # 敲诈勒索
    FORCED_LOADING_UNLOADING = "forced_loading_unloading"  # 强装强卸
    OBSTRUCTION_OF_CONSTRUCTION = "obstruction_of_construction"  # 恶意阻工
    OTHER = "other"


class CaseSource(StrEnum):
    POLICE_INCIDENT = "police_incident"
    INSPECTION = "inspection"
    COMPLAINT = "complaint"
    ENTERPRISE = "enterprise"


class SiteKind(StrEnum):
    ENTERPRISE = "enterprise"
    PROJECT = "project"


class CaseState(StrEnum):
    OPEN = "open"  # reported, no governance plan yet
    PLANNED = "planned"  # a governance plan is filed; work in progress
    AWAITING_RECHECK = "awaiting_recheck"  # outcome reported; a recheck must confirm it
    CLOSED = "closed"


class Level(StrEnum):
    """Item 9: graded responsibility, from the township up."""

    TOWNSHIP = "township"
    COUNTY = "county"
    CITY = "city"


ESCALATION_CHAIN = (Level.TOWNSHIP, Level.COUNTY, Level.CITY)
MAJOR_SEVERITY = "major"


def next_level(level: Level) -> Level | None:
    """Item 9: where an unacknowledged major case goes next (None at the top, the city)."""
    i = ESCALATION_CHAIN.index(level)
    return ESCALATION_CHAIN[i + 1] if i + 1 < len(ESCALATION_CHAIN) else None


def opens_case(category: str, enterprise_id: str | None, project_id: str | None) -> bool:
    """Item 9: an accepted incident opens (or joins) a case when it is an item-9 offence or names a site."""
    offence = category in {o.value for o in Offence} and category != Offence.OTHER.value
    return offence or bool(enterprise_id) or bool(project_id)


def offence_of(category: str) -> Offence:
    return Offence(category) if category in {o.value for o in Offence} else Offence.OTHER


def is_major(severity: str, key_protected: bool) -> bool:
    """Item 9: a major incident (severity major, or at a key-protection site) starts the escalation clock."""
    return severity == MAJOR_SEVERITY or key_protected


def needs_recheck(source: CaseSource) -> bool:
    """Item 9: cases from inspections or complaints are closed only after a recheck confirms the outcome."""
    return source in (CaseSource.INSPECTION, CaseSource.COMPLAINT)


@dataclass(frozen=True)
class Site:
    """The enterprise and/or project a case or incident concerns."""

    enterprise_id: str | None = None
    project_id: str | None = None

    def overlaps(self, other: Site) -> bool:
        return bool((self.enterprise_id and self.enterprise_id == other.enterprise_id)
                    or (self.project_id and self.project_id == other.project_id))

    def __bool__(self) -> bool:
        return bool(self.enterprise_id or self.project_id)


@dataclass(frozen=True)
class Territory:
    """Item 9: where a site lies, and the leaders in charge the county and township named."""

    county_code: str
    county_name: str
    township_code: str
    township_name: str
    county_leader: str = ""
    township_leader: str = ""


@dataclass(frozen=True)
class OpenCase:
    """What the merge rule needs to know about a case already open."""

    case_id: str
    site: Site
    state: CaseState
    last_incident_at: datetime


def case_to_join(candidates: Sequence[OpenCase], site: Site, occurred_at: datetime,
                 window: timedelta = DEFAULT_MERGE_WINDOW) -> str | None:
    """Item 9: the open case at the same site whose latest incident is within ``window`` of this one.

    Several incidents at one enterprise or project within the window join one open case
    rather than spawning duplicates; the boundary itself is inside the window. An incident
    without a site never joins. When several cases qualify, the one with the latest incident wins.
    """
    if not site:
        return None
    fits = [c for c in candidates
            if c.state is not CaseState.CLOSED and c.site.overlaps(site)
            and abs(occurred_at - c.last_incident_at) <= window]
    if not fits:
        return None
    return max(fits, key=lambda c: (c.last_incident_at, c.case_id)).case_id


# ---- The state machine ----

def _refuse(state: CaseState, doing: str) -> Refused:
    return Refused(f"a case that is {state.value} cannot {doing}", rule="case-state", item=ITEM)


def file_plan(state: CaseState, *, current_due: datetime | None = None, now: datetime | None = None) -> CaseState:
    """Item 9: the responsible level files (or revises) its governance plan while the case is open.

    A plan whose due date has passed is not revised (that would move the date it is judged by);
    the case is closed, late, instead.
    """
    if state not in (CaseState.OPEN, CaseState.PLANNED):
        raise _refuse(state, "take a governance plan")
    if current_due is not None and now is not None and now > current_due:
        raise Refused(f"the plan was due by {current_due.isoformat()}; an overdue plan is not revised",
                      rule="plan-overdue", item=ITEM)
    return CaseState.PLANNED


def add_progress(state: CaseState) -> CaseState:
    if state is CaseState.CLOSED:
        raise _refuse(state, "take progress updates")
    return state


def reassign(state: CaseState) -> CaseState:
    if state is CaseState.CLOSED:
        raise _refuse(state, "be reassigned")
    return state


def acknowledge(state: CaseState) -> CaseState:
    if state is CaseState.CLOSED:
        raise _refuse(state, "be acknowledged")
    return state


def close(state: CaseState, *, source: CaseSource, outcome: str) -> CaseState:
    """Item 9: closing needs a filed plan and the outcome; inspection and complaint cases await a recheck."""
    if state is CaseState.OPEN:
        raise Refused("a case is closed only after its governance plan is filed", rule="plan-before-close",
                      item=ITEM)
    if state is not CaseState.PLANNED:
        raise _refuse(state, "be closed")
    if not outcome.strip():
        raise InvalidArgument("closing a case needs its outcome", rule="close-outcome", item=ITEM, field="outcome")
    return CaseState.AWAITING_RECHECK if needs_recheck(source) else CaseState.CLOSED


def recheck(state: CaseState, *, confirmed: bool) -> CaseState:
    """Item 9: a confirmed recheck closes the case; otherwise work resumes under the plan."""
    if state is not CaseState.AWAITING_RECHECK:
        raise _refuse(state, "be rechecked")
    return CaseState.CLOSED if confirmed else CaseState.PLANNED


# ---- Clocks ----

@dataclass(frozen=True)
class ClockPolicy:
    """How long each step may take; key-protection cases get the shorter figure (item 9).

    The policy names no durations; these are settings, with defaults in the service settings.
    """

    ack: timedelta
    key_ack: timedelta
    plan: timedelta
    key_plan: timedelta
    resolve: timedelta
    key_resolve: timedelta
    finding: timedelta
    key_finding: timedelta
    warn_fraction: float = 0.8
    """Warn when this share of the time allowed has passed."""

    def ack_due(self, start: datetime, key: bool) -> datetime:
        return start + (self.key_ack if key else self.ack)

    def plan_due(self, opened_at: datetime, key: bool) -> datetime:
        return opened_at + (self.key_plan if key else self.plan)

    def resolve_limit(self, opened_at: datetime, key: bool) -> datetime:
        return opened_at + (self.key_resolve if key else self.resolve)

    def finding_due(self, registered_at: datetime, key: bool) -> datetime:
        return registered_at + (self.key_finding if key else self.finding)

    def warn_at(self, start: datetime, due: datetime) -> datetime:
        return start + (due - start) * self.warn_fraction


def check_plan_due(due_at: datetime, *, now: datetime, limit: datetime, key: bool) -> None:
    """Item 9: a plan's due date is in the future and within the case's limit (shorter under key protection)."""
    if due_at <= now:
        raise InvalidArgument("the plan's due date must be in the future", rule="plan-due-future", item=ITEM,
                              field="due_at")
    if due_at > limit:
        kind = "a key-protection case" if key else "a case"
        raise InvalidArgument(f"{kind} must be resolved by {limit.isoformat()}; the plan's due date is later",
                              rule="plan-due-within-limit", item=ITEM, field="due_at")
