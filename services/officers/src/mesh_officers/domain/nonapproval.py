"""Non-approval reporting (item 14): a refusal climbs the chain one level at a time.

Pure: no I/O. The section that cannot approve a permit (or not in time) reports in writing,
with reasons and a feasible suggestion, to the agency's deputy head; each level then approves
after all or confirms and passes it up — deputy head → head → supervising government leader →
principal leaders of the party committee and government. A level that lets its deadline pass is
skipped automatically. A non-approval by the agency head is filed with the city optimisation office.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from mesh_officers.domain.common import NonApproval, require_text
from mesh_officers.domain.requests import DAY, parse_duration
from meshlib.errors import Refused

ITEM = "Item 14"


class Level(StrEnum):
    SECTION = "section"  # 职能科室
    DEPUTY_HEAD = "deputy_head"  # 行政机关分管领导
    HEAD = "head"  # 行政机关主要领导
    SUPERVISING_LEADER = "supervising_leader"  # 该行政机关的主管领导
    PRINCIPAL_LEADERS = "principal_leaders"  # 党委、政府主要领导


CHAIN = tuple(Level)
DECIDING_LEVELS = CHAIN[1:]


def above(level: Level) -> Level | None:
    """The next level up, or None at the top."""
    i = CHAIN.index(level)
    return CHAIN[i + 1] if i + 1 < len(CHAIN) else None


class Kind(StrEnum):
    NOT_APPROVED = "not_approved"  # 不批
    NOT_IN_TIME = "not_in_time"  # 缓批


class State(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    CONFIRMED = "confirmed"


class Decision(StrEnum):
    REPORTED = "reported"
    APPROVED = "approved"
    CONFIRMED = "confirmed"
    AUTO_ESCALATED = "auto_escalated"


class SubjectKind(StrEnum):
    REQUEST = "request"
    PROCEDURE = "procedure"


DEFAULT_LEVEL_LIMITS: Mapping[Level, timedelta] = {
    Level.DEPUTY_HEAD: 3 * DAY,
    Level.HEAD: 3 * DAY,
    Level.SUPERVISING_LEADER: 5 * DAY,
    Level.PRINCIPAL_LEADERS: 7 * DAY,
}
"""How long each level has to act; each can be changed by ``NON_APPROVAL_LEVEL_LIMITS``."""


def parse_level_limits(text: str) -> dict[Level, timedelta]:
    """Overrides like ``deputy_head=2d,head=48h`` on top of the defaults."""
    limits = dict(DEFAULT_LEVEL_LIMITS)
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        if not sep or not re.match(r"^[a-z_]+$", name.strip()):
            raise ValueError(f"{part!r} is not level=duration")
        try:
            level = Level(name.strip())
        except ValueError:
            raise ValueError(f"unknown level {name.strip()!r}") from None
        if level is Level.SECTION:
            raise ValueError("the section reports; its time is the permit's own time limit")
        limits[level] = parse_duration(value)
        if limits[level] <= timedelta(0):
            raise ValueError(f"{level.value}: the limit must be positive")
    return limits


@dataclass(frozen=True)
class Step:
    level: Level
    decision: Decision
    decided_by: str
    reasons: str
    suggestion: str
    at: datetime


@dataclass(frozen=True)
class Chain:
    state: State
    level: Level
    """The level whose decision is awaited while pending; the last to decide otherwise."""
    steps: tuple[Step, ...]
    filed_with_office: bool = False
    top_overdue: bool = False


@dataclass(frozen=True)
class Transition:
    chain: Chain
    step: Step | None
    filing_basis: str | None = None
    """Set when this transition files the non-approval with the city optimisation office."""

    @property
    def concluded(self) -> bool:
        return self.chain.state is not State.PENDING


def standing(states: Iterable[str]) -> NonApproval:
    """Where a subject's non-approval reports (the states of their chains) stand for closing it as not approved."""
    found = [State(s) for s in states]
    if not found:
        return NonApproval.NONE
    return NonApproval.OVERTURNED if all(s is State.APPROVED for s in found) else NonApproval.STANDS


def report(handler: str, reasons: str, suggestion: str, at: datetime) -> Transition:
    """Item 14: the section reports in writing, with the reasons and a feasible suggestion."""
    step = Step(
        Level.SECTION,
        Decision.REPORTED,
        require_text(handler, "handler", max_length=200, item=ITEM),
        require_text(reasons, "reasons", item=ITEM),
        require_text(suggestion, "suggestion", item=ITEM),
        at,
    )
    return Transition(Chain(State.PENDING, Level.DEPUTY_HEAD, (step,)), step)


def _filing(chain: Chain, level: Level, basis: str) -> str | None:
    return basis if level is Level.HEAD and not chain.filed_with_office else None


def decide(
    chain: Chain, level: Level, approve: bool, decided_by: str, reasons: str, suggestion: str, at: datetime
) -> Transition:
    """Item 14: the awaited level approves after all, or confirms with its own reasons and passes it up."""
    if chain.state is not State.PENDING:
        raise Refused(
            f"the non-approval is concluded ({chain.state.value})",
            rule="non-approval-open",
            item=ITEM,
            field="non_approval_id",
        )
    if level is not chain.level:
        raise Refused(
            f"the report is with the {chain.level.value.replace('_', ' ')}; it climbs one level at a "
            f"time, so the {level.value.replace('_', ' ')} cannot decide now",
            rule="one-level-at-a-time",
            item=ITEM,
            field="level",
        )
    who = require_text(decided_by, "decided_by", max_length=200, item=ITEM)
    if approve:
        step = Step(level, Decision.APPROVED, who, reasons.strip(), suggestion.strip(), at)
        return Transition(replace(chain, state=State.APPROVED, steps=(*chain.steps, step)), step)
    step = Step(
        level,
        Decision.CONFIRMED,
        who,
        require_text(reasons, "reasons", item=ITEM),
        require_text(suggestion, "suggestion", item=ITEM),
        at,
    )
    filing = _filing(chain, level, "head confirmed")
    nxt = above(level)
    if nxt is None:
        new = replace(chain, state=State.CONFIRMED, steps=(*chain.steps, step))
    else:
        new = replace(chain, level=nxt, steps=(*chain.steps, step))
    return Transition(replace(new, filed_with_office=new.filed_with_office or filing is not None), step, filing)


def lapse(chain: Chain, level: Level, at: datetime) -> Transition | None:
    """Item 14: a level that lets its deadline pass is skipped: the report goes up automatically.

    Returns None when nothing changes (the level already decided, or the chain moved on), so a
    repeated call is harmless. At the top there is no level to go to: the chain is marked overdue.
    """
    if chain.state is not State.PENDING or chain.level is not level:
        return None
    nxt = above(level)
    if nxt is None:
        return None if chain.top_overdue else Transition(replace(chain, top_overdue=True), None)
    step = Step(level, Decision.AUTO_ESCALATED, "", "the level's deadline passed without a decision", "", at)
    filing = _filing(chain, level, "head's deadline passed")
    new = replace(
        chain, level=nxt, steps=(*chain.steps, step), filed_with_office=chain.filed_with_office or filing is not None
    )
    return Transition(new, step, filing)
