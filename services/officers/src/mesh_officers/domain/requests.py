"""Enterprise requests: first-inquiry responsibility, hand-overs and time-limited completion (item 13).

Pure: no I/O. The first department an enterprise asks is first-inquiry responsible. Within its
remit it answers on the spot or by an agreed deadline; outside it, it hands the request over and
stays accountable until the receiving department accepts. Every request is completed by a
deadline from its category's time limit, shorter when urgent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from mesh_officers.domain.common import NonApproval, require_non_approval, require_text
from meshlib.errors import InvalidArgument, Refused

ITEM = "Item 13"


class Category(StrEnum):
    CONSULTATION = "consultation"
    PERMIT = "permit"
    COORDINATION = "coordination"
    FACTOR_SUPPLY = "factor_supply"
    COMPLAINT = "complaint"
    OTHER = "other"


class Source(StrEnum):
    ENTERPRISE = "enterprise"
    OFFICER = "officer"
    LEADER_PROBLEM = "leader_problem"


class RequestState(StrEnum):
    OPEN = "open"
    HANDOVER_PENDING = "handover_pending"
    COMPLETED = "completed"


class HandOverState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Outcome(StrEnum):
    RESOLVED = "resolved"
    ANSWERED = "answered"
    NOT_APPROVED = "not_approved"
    WITHDRAWN = "withdrawn"


# ---------------------------------------------------------------- time limits


@dataclass(frozen=True)
class Limit:
    """A category's completion limit, and the shorter one for urgent requests."""

    normal: timedelta
    urgent: timedelta


DAY = timedelta(days=1)
DEFAULT_LIMITS: Mapping[Category, Limit] = {
    Category.CONSULTATION: Limit(3 * DAY, 1 * DAY),
    Category.PERMIT: Limit(20 * DAY, 7 * DAY),
    Category.COORDINATION: Limit(10 * DAY, 3 * DAY),
    Category.FACTOR_SUPPLY: Limit(15 * DAY, 5 * DAY),
    Category.COMPLAINT: Limit(7 * DAY, 2 * DAY),
    Category.OTHER: Limit(10 * DAY, 3 * DAY),
}
"""Sane defaults; each can be changed by ``REQUEST_TIME_LIMITS`` (see :func:`parse_limits`)."""
DEFAULT_WARN_FRACTION = 0.2
"""The due-soon warning comes when this share of the limit is left."""

_DURATION = re.compile(r"^(\d+)([dhms])$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def parse_duration(text: str) -> timedelta:
    m = _DURATION.match(text.strip())
    if m is None:
        raise ValueError(f"{text!r} is not a duration like 20d, 36h, 90m or 30s")
    return timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})


def parse_limits(text: str, base: Mapping[Category, Limit] = DEFAULT_LIMITS) -> dict[Category, Limit]:
    """Overrides like ``permit=20d/7d,consultation=72h/24h`` (normal/urgent) on top of ``base``."""
    limits = dict(base)
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        normal, slash, urgent = value.partition("/")
        if not sep or not slash:
            raise ValueError(f"{part!r} is not category=normal/urgent")
        try:
            category = Category(name.strip())
        except ValueError:
            raise ValueError(f"unknown category {name.strip()!r}; one of {', '.join(Category)}") from None
        limits[category] = Limit(parse_duration(normal), parse_duration(urgent))
    check_limits(limits)
    return limits


def check_limits(limits: Mapping[Category, Limit]) -> None:
    """Item 13: every category has a limit, and an urgent request's is shorter."""
    for category in Category:
        limit = limits.get(category)
        if limit is None:
            raise ValueError(f"no time limit for {category.value}")
        if limit.urgent <= timedelta(0) or limit.urgent >= limit.normal:
            raise ValueError(f"{category.value}: the urgent limit must be positive and shorter than the normal one")


@dataclass(frozen=True)
class Clock:
    due_at: datetime
    warn_at: datetime


def completion_clock(
    opened_at: datetime,
    category: Category,
    urgent: bool,
    limits: Mapping[Category, Limit],
    warn_fraction: float = DEFAULT_WARN_FRACTION,
) -> Clock:
    """Item 13 (限时办结): due after the category's limit (the urgent one when urgent); warned when
    ``warn_fraction`` of it is left. Calendar time: the policy names no working-day calendar."""
    limit = limits[category].urgent if urgent else limits[category].normal
    due = opened_at + limit
    return Clock(due_at=due, warn_at=due - limit * warn_fraction)


# ---------------------------------------------------------------- first inquiry and hand-overs


@dataclass(frozen=True)
class HandOver:
    seq: int
    from_department: str
    to_department: str
    reason: str
    handed_at: datetime
    state: HandOverState = HandOverState.PENDING
    decided_at: datetime | None = None
    decline_reason: str = ""


@dataclass(frozen=True)
class RequestView:
    """What the first-inquiry rules look at."""

    state: RequestState
    first_inquiry_department: str
    accountable_department: str
    hand_overs: tuple[HandOver, ...] = ()

    @property
    def pending(self) -> HandOver | None:
        last = self.hand_overs[-1] if self.hand_overs else None
        return last if last is not None and last.state is HandOverState.PENDING else None


def _require_open(view: RequestView) -> None:
    if view.state is RequestState.COMPLETED:
        raise Refused("the request is completed", rule="request-open", item=ITEM, field="request_id")


def _require_accountable(view: RequestView, department: str, doing: str, field: str = "department") -> None:
    if department != view.accountable_department:
        raise Refused(
            f"only the accountable department ({view.accountable_department}) can {doing}; not {department}",
            rule="accountable-department",
            item=ITEM,
            field=field,
        )


def hand_over(view: RequestView, from_department: str, to_department: str, reason: str, at: datetime) -> HandOver:
    """Item 13: a request outside the accountable department's remit goes to the responsible one.

    One hand-over at a time; never to itself; never back to a department that already passed it on
    or declined it (the enterprise is not sent round in circles).
    """
    _require_open(view)
    to_department = require_text(to_department, "to_department", max_length=200, item=ITEM)
    reason = require_text(reason, "reason", item=ITEM)
    if view.pending is not None:
        raise Refused(
            f"a hand-over to {view.pending.to_department} awaits acceptance",
            rule="one-handover-at-a-time",
            item=ITEM,
            field="request_id",
        )
    _require_accountable(view, from_department, "hand it over", "from_department")
    if to_department == from_department:
        raise InvalidArgument(
            "a department cannot hand a request to itself", rule="handover-to-another", item=ITEM, field="to_department"
        )
    passed_on = {h.from_department for h in view.hand_overs if h.state is HandOverState.ACCEPTED}
    declined = {h.to_department for h in view.hand_overs if h.state is HandOverState.DECLINED}
    if to_department in passed_on | declined:
        raise Refused(
            f"{to_department} already passed this request on or declined it",
            rule="no-handover-loop",
            item=ITEM,
            field="to_department",
        )
    return HandOver(
        seq=len(view.hand_overs) + 1,
        from_department=from_department,
        to_department=to_department,
        reason=reason,
        handed_at=at,
    )


def _pending_for(view: RequestView, department: str) -> HandOver:
    _require_open(view)
    pending = view.pending
    if pending is None:
        raise Refused("no hand-over awaits acceptance", rule="handover-pending", item=ITEM, field="request_id")
    if pending.to_department != department:
        raise Refused(
            f"the hand-over is addressed to {pending.to_department}, not {department}",
            rule="handover-addressee",
            item=ITEM,
            field="department",
        )
    return pending


def accept_hand_over(view: RequestView, department: str, at: datetime) -> HandOver:
    """Item 13: accountability passes when, and only when, the receiving department accepts."""
    return replace(_pending_for(view, department), state=HandOverState.ACCEPTED, decided_at=at)


def decline_hand_over(view: RequestView, department: str, reason: str, at: datetime) -> HandOver:
    """Item 13: a receiving department that is not responsible says why; the hander stays accountable."""
    reason = require_text(reason, "reason", item=ITEM)
    return replace(_pending_for(view, department), state=HandOverState.DECLINED, decided_at=at, decline_reason=reason)


def check_answer_deadline(
    view: RequestView, department: str, answer_by: datetime, due_at: datetime, now: datetime
) -> None:
    """Item 13: within its remit the department answers on the spot or by an agreed deadline, which
    cannot go beyond the request's time limit."""
    _require_open(view)
    _require_accountable(view, department, "agree an answer deadline")
    if view.pending is not None:
        raise Refused("the request is being handed over", rule="one-handover-at-a-time", item=ITEM, field="request_id")
    if answer_by <= now:
        raise InvalidArgument(
            "the agreed answer deadline is still to come", rule="future-date", item=ITEM, field="answer_by"
        )
    if answer_by > due_at:
        raise Refused(
            f"the answer cannot be agreed for later than the time limit ({due_at.isoformat()})",
            rule="answer-within-time-limit",
            item=ITEM,
            field="answer_by",
        )


def check_complete(
    view: RequestView, department: str, outcome: Outcome, summary: str, non_approval: NonApproval
) -> str:
    """Item 13: the accountable department completes the request and records the outcome; a refusal
    must have been reported as a non-approval (item 14)."""
    _require_open(view)
    _require_accountable(view, department, "complete it")
    if view.pending is not None:
        raise Refused(
            "the request is being handed over: the receiving department accepts or declines first",
            rule="one-handover-at-a-time",
            item=ITEM,
            field="request_id",
        )
    text = require_text(summary, "summary", item=ITEM)
    if outcome is Outcome.NOT_APPROVED:
        require_non_approval(non_approval, "a request", "outcome")
    return text


_PROBLEM_CATEGORIES = {
    "policy_implementation": Category.COORDINATION,
    "factor_land": Category.FACTOR_SUPPLY,
    "factor_power": Category.FACTOR_SUPPLY,
    "factor_finance": Category.FACTOR_SUPPLY,
    "factor_labour": Category.FACTOR_SUPPLY,
    "factor_other": Category.FACTOR_SUPPLY,
    "market_development": Category.OTHER,
    "restructuring": Category.COORDINATION,
    "preliminary_procedures": Category.PERMIT,
    "progress": Category.COORDINATION,
    "safety": Category.COORDINATION,
    "quality": Category.COORDINATION,
}


def category_for_problem(problem_category: str) -> Category:
    """The request category a leader's problem (items 19, 20, from the contacts service) falls in."""
    return _PROBLEM_CATEGORIES.get(problem_category, Category.OTHER)


RATING_SCORES = range(1, 6)
RATING_ITEM = "Item 17"


def check_rating(state: RequestState, already_rated: bool, score: int, comment: str) -> str:
    """Item 17: the enterprise rates a service after it is done (the SMS rating after each service), once.

    Scores run from 1 (very dissatisfied) to 5 (very satisfied); low scores are what the
    quarterly and yearly satisfaction reviews hold departments accountable for.
    """
    if state is not RequestState.COMPLETED:
        raise Refused("a service is rated once it is completed", rule="rate-completed-only", item=RATING_ITEM,
                      field="request_id")
    if already_rated:
        raise Refused("this service has been rated already", rule="rate-once", item=RATING_ITEM, field="request_id")
    if score not in RATING_SCORES:
        raise InvalidArgument("score is 1 (very dissatisfied) to 5 (very satisfied)", rule="rating-score",
                              item=RATING_ITEM, field="score")
    return comment.strip()[:1000]
