"""The rapid-response workflow (policy item 9): who responds, the status machine, the response clocks.

Pure: no I/O. Item 9 asks the county and township where an enterprise or project lies to
run "a rapid-response mechanism for major emergencies" and puts key enterprises and
projects under key protection (重点监护); here that is a dispatch rule by territory and
category, a status machine, and clocks that are tighter for major incidents and for
key-protection sites.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from mesh_response.domain import AGENCY_PATTERN, FieldProblem, Rejection, parse_payload
from meshlib.errors import Refused

ITEM = "Item 9"


class Status(StrEnum):
    REPORTED = "reported"
    DISPATCHED = "dispatched"
    ACKNOWLEDGED = "acknowledged"
    ON_SCENE = "on_scene"
    RESOLVED = "resolved"
    TRANSFERRED = "transferred"
    CLOSED_UNFOUNDED = "closed_unfounded"


S = Status
TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.REPORTED: frozenset({S.DISPATCHED, S.CLOSED_UNFOUNDED}),
    S.DISPATCHED: frozenset({S.DISPATCHED, S.ACKNOWLEDGED, S.TRANSFERRED, S.CLOSED_UNFOUNDED}),
    S.ACKNOWLEDGED: frozenset({S.DISPATCHED, S.ON_SCENE, S.TRANSFERRED, S.CLOSED_UNFOUNDED}),
    S.ON_SCENE: frozenset({S.RESOLVED, S.TRANSFERRED, S.CLOSED_UNFOUNDED}),
    # A transferred incident waits for the receiving unit, as a dispatched one does.
    S.TRANSFERRED: frozenset({S.DISPATCHED, S.ACKNOWLEDGED, S.TRANSFERRED, S.CLOSED_UNFOUNDED}),
    S.RESOLVED: frozenset(),
    S.CLOSED_UNFOUNDED: frozenset(),
}
TERMINAL = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)


def check_transition(current: Status, target: Status) -> None:
    """Item 9: reported → dispatched → acknowledged → on scene → resolved, or transferred, or unfounded."""
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "nothing (the incident is closed)"
        raise Refused(f"an incident that is {current} cannot become {target}; it can become: {allowed}",
                      rule="incident-status-transition", item=ITEM, field="status")


@dataclass(frozen=True)
class Unit:
    """A responding unit: a police station or bureau, or a department."""

    id: str
    name: str
    kind: str
    county_code: str
    township_code: str = ""
    categories: frozenset[str] = frozenset()

    def handles(self, category: str) -> bool:
        return not self.categories or category in self.categories


@dataclass(frozen=True)
class Territory:
    county_code: str = ""
    township_code: str = ""
    source: str = "unknown"


@dataclass(frozen=True)
class DispatchChoice:
    unit_id: str
    rule: str


def choose_unit(units: list[Unit], territory: Territory, category: str, reporting_agency: str) -> DispatchChoice:
    """Item 9, territorial management: the unit of the township where it happened, else of the county.

    Among units of the same level, one that names the category (a specialist) goes before
    one that takes every category; ties break by id so the choice is reproducible. With no
    unit for the territory, the reporting agency keeps the incident.
    """
    able = sorted((u for u in units if u.handles(category)), key=lambda u: (not u.categories, u.id))
    if territory.township_code:
        for unit in able:
            if unit.township_code == territory.township_code:
                return DispatchChoice(unit.id, "township-unit")
    if territory.county_code:
        for unit in able:
            if unit.county_code == territory.county_code and not unit.township_code:
                return DispatchChoice(unit.id, "county-unit")
    return DispatchChoice(reporting_agency, "reporting-agency")


ACKNOWLEDGE = "acknowledge"
ARRIVE = "arrive"
RESOLVE = "resolve"
CLOCK_KINDS = (ACKNOWLEDGE, ARRIVE, RESOLVE)


@dataclass(frozen=True)
class ClockPolicy:
    """How long a unit has, from receipt, to acknowledge, arrive and resolve; warn at ``warn_at`` of each."""

    acknowledge: timedelta
    arrive: timedelta
    resolve: timedelta
    warn_at: float = 0.8

    def window(self, kind: str) -> timedelta:
        return {ACKNOWLEDGE: self.acknowledge, ARRIVE: self.arrive, RESOLVE: self.resolve}[kind]


@dataclass(frozen=True)
class ClockDue:
    kind: str
    due_at: datetime
    warn_at: datetime


def clocks_for(received_at: datetime, *, tight: bool, normal: ClockPolicy, urgent: ClockPolicy) -> list[ClockDue]:
    """The three response clocks; ``urgent`` for major incidents and key-protection sites (item 9)."""
    policy = urgent if tight else normal
    return [
        ClockDue(kind, received_at + policy.window(kind), received_at + policy.window(kind) * policy.warn_at)
        for kind in CLOCK_KINDS
    ]


def clocks_met_by(status: Status) -> tuple[str, ...]:
    """Which clocks a status stops: arriving also answers the acknowledgement, and so on."""
    return {
        S.ACKNOWLEDGED: (ACKNOWLEDGE,),
        S.ON_SCENE: (ACKNOWLEDGE, ARRIVE),
        S.RESOLVED: CLOCK_KINDS,
    }.get(status, ())


ESCALATION_LEVELS = ("county", "city")


def escalation_levels(severity: str) -> tuple[str, ...]:
    """Item 9, major emergencies: a major incident goes to the county and the city at once."""
    return ESCALATION_LEVELS if severity == "major" else ()


Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
PushedStatus = Literal["acknowledged", "on_scene", "resolved", "transferred", "closed_unfounded"]


class StatusUpdate(BaseModel):
    """Schema version 1 of what a responding unit pushes to ``incidents.status.<agency>``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = 1
    update_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")]
    incident_id: Annotated[str, Field(min_length=3, max_length=130)]
    unit: Annotated[str, Field(pattern=AGENCY_PATTERN)]
    status: PushedStatus
    at: AwareDatetime
    note: Note | None = None
    to_unit: Annotated[str, Field(pattern=AGENCY_PATTERN)] | None = None

    @model_validator(mode="after")
    def _needs(self) -> StatusUpdate:
        if self.status in ("resolved", "transferred", "closed_unfounded") and not self.note:
            what = {"resolved": "the outcome", "transferred": "the reason", "closed_unfounded": "the reason"}
            raise ValueError(f"note is required for {self.status}: give {what[self.status]}")
        if (self.status == "transferred") != (self.to_unit is not None):
            raise ValueError("to_unit is required for transferred, and only for transferred")
        return self


def parse_status_update(
    raw: bytes, *, subject_agency: str, now: datetime, max_bytes: int, clock_skew: timedelta
) -> StatusUpdate | Rejection:
    update = parse_payload(raw, StatusUpdate, max_bytes=max_bytes, what="status update")
    if isinstance(update, Rejection):
        return update
    if update.unit != subject_agency:
        return Rejection("agency_mismatch",
                         f"unit {update.unit!r} does not match the subject's agency {subject_agency!r}",
                         (FieldProblem("unit", "mismatch", f"publish to incidents.status.{update.unit}"),))
    if update.at > now + clock_skew:
        return Rejection("future_timestamp", f"at {update.at.isoformat()} is in the future",
                         (FieldProblem("at", "future", "at must not be later than now"),))
    return update


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in (0, 1]) of a non-empty list: a value that was actually observed."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = max(1, -(-q * len(ordered) // 1))  # ceil(q * n), at least 1
    return ordered[int(rank) - 1]
