"""The enforcement guard: the six prohibitions an enforcement action at an enterprise must pass (item 10).

An agency asks before it acts. :func:`check` answers with every prohibition the action
breaks, each with its reason and item, so the agency fixes all of them in one pass. Rough
enforcement (the sixth prohibition) cannot be judged beforehand; complaints of it are
recorded against the action afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from mesh_environment.domain.calendar import QuietDays, city_date
from mesh_environment.domain.fines import FilingState, format_cny

ITEM = "Item 10"
DEFAULT_REPEAT_WINDOW_DAYS = 180
"""Item 10 forbids repeated enforcement without naming a window; configurable, this is the default."""
NO_FINE_NOTICE = "Item 10: a minor violation gets no fine: give notice, educate, and set a deadline to correct"


class Prohibition(StrEnum):
    """Why the guard refuses (item 10; the minor-violation fine also item 11)."""

    QUIET_PRODUCTION_DAY = "quiet_production_day"
    REPEATED_ENFORCEMENT = "repeated_enforcement"
    NO_PRIOR_FILING = "no_prior_filing"
    FINE_NOT_REVIEWED = "fine_not_reviewed"
    NO_VALID_CREDENTIALS = "no_valid_credentials"
    MINOR_VIOLATION_FINE = "minor_violation_fine"


@dataclass(frozen=True)
class Officer:
    officer_id: str
    name: str
    credential_number: str = ""
    credential_expires_on: date | None = None

    def credential_problem(self, on: date) -> str | None:
        """Why this officer may not enforce on ``on``; a credential is valid through its expiry day."""
        if not self.credential_number.strip() or self.credential_expires_on is None:
            return f"{self.name or self.officer_id} has no enforcement credential"
        if self.credential_expires_on < on:
            return f"{self.name or self.officer_id}'s credential expired on {self.credential_expires_on}"
        return None


@dataclass(frozen=True)
class Action:
    """What an agency plans to do at an enterprise."""

    enterprise_id: str
    agency: str
    matter: str
    planned_at: datetime
    officers: tuple[Officer, ...]
    filing_reference: str = ""
    proposed_fine_fen: int | None = None
    fine_filing_id: str = ""
    minor_violation: bool = False

    @property
    def planned_on(self) -> date:
        return city_date(self.planned_at)

    @property
    def matter_key(self) -> str:
        return matter_key(self.matter)


def matter_key(matter: str) -> str:
    """Matters compare without case or spacing differences ("Fire  safety" is "fire safety")."""
    return " ".join(matter.split()).casefold()


@dataclass(frozen=True)
class PriorInspection:
    """An earlier action at the same enterprise the guard allowed (it was filed and went ahead)."""

    check_id: str
    agency: str
    matter: str
    planned_on: date
    filing_reference: str


@dataclass(frozen=True)
class ReviewedFine:
    """The fine filing (item 11) an action's proposed fine refers to."""

    filing_id: str
    enterprise_id: str
    state: FilingState
    amount_fen: int


@dataclass(frozen=True)
class Reason:
    prohibition: Prohibition
    message: str
    item: str = ITEM


@dataclass(frozen=True)
class Answer:
    reasons: tuple[Reason, ...] = field(default=())
    no_fine_notice: str | None = None
    """Set for a minor violation: no fine may be imposed."""

    @property
    def allowed(self) -> bool:
        return not self.reasons


def check(
    action: Action, *, quiet_days: QuietDays | None, prior: Sequence[PriorInspection],
    fine: ReviewedFine | None, repeat_window_days: int = DEFAULT_REPEAT_WINDOW_DAYS,
) -> Answer:
    """Item 10: every prohibition ``action`` breaks, in a fixed order; allowed when there is none."""
    reasons: list[Reason] = []
    day = action.planned_on
    if quiet_days is not None and (why := quiet_days.why_quiet(day)) is not None:
        reasons.append(Reason(Prohibition.QUIET_PRODUCTION_DAY,
                              f"{day} is a quiet production day of {action.enterprise_id} ({why})"))
    repeated = repeated_by(action, prior, repeat_window_days)
    if repeated is not None:
        reasons.append(Reason(Prohibition.REPEATED_ENFORCEMENT,
                              f"{action.matter!r} was already inspected at {action.enterprise_id} on "
                              f"{repeated.planned_on} by {repeated.agency} (check {repeated.check_id}); "
                              f"the same matter is not inspected again within {repeat_window_days} days"))
    if not action.filing_reference.strip():
        reasons.append(Reason(Prohibition.NO_PRIOR_FILING,
                              "the action was not filed in advance: give its filing reference"))
    if (problem := _fine_problem(action, fine)) is not None:
        reasons.append(Reason(Prohibition.FINE_NOT_REVIEWED, problem))
    if (problem := _credential_problem(action.officers, day)) is not None:
        reasons.append(Reason(Prohibition.NO_VALID_CREDENTIALS, problem))
    if action.minor_violation and action.proposed_fine_fen is not None:
        reasons.append(Reason(Prohibition.MINOR_VIOLATION_FINE,
                              "a minor violation gets no fine: give notice, educate and set a deadline to correct",
                              item="Items 10, 11"))
    return Answer(tuple(reasons), NO_FINE_NOTICE if action.minor_violation else None)


def repeated_by(action: Action, prior: Sequence[PriorInspection], window_days: int) -> PriorInspection | None:
    """The earlier inspection of the same matter within ``window_days`` (either side, inclusive), if any.

    An inspection under the same filing reference is the same action asked about again, not a repeat.
    """
    key = action.matter_key
    ref = action.filing_reference.strip()
    for p in sorted(prior, key=lambda p: p.planned_on, reverse=True):
        if matter_key(p.matter) != key or (ref and p.filing_reference.strip() == ref):
            continue
        if abs((action.planned_on - p.planned_on).days) <= window_days:
            return p
    return None


def _fine_problem(action: Action, fine: ReviewedFine | None) -> str | None:
    if action.proposed_fine_fen is None:
        return None
    amount = format_cny(action.proposed_fine_fen)
    if fine is None:
        if action.fine_filing_id:
            return f"fine filing {action.fine_filing_id} does not exist; a fine of {amount} CNY must be filed first"
        return f"the proposed fine of {amount} CNY has no fine filing; file it for review first (item 11)"
    if fine.enterprise_id != action.enterprise_id:
        return f"fine filing {fine.filing_id} concerns {fine.enterprise_id}, not {action.enterprise_id}"
    if fine.state is not FilingState.APPROVED:
        return f"fine filing {fine.filing_id} is {fine.state.value}, not approved"
    if action.proposed_fine_fen > fine.amount_fen:
        return (f"the proposed fine of {amount} CNY is more than the {format_cny(fine.amount_fen)} CNY "
                f"approved in filing {fine.filing_id}")
    return None


def _credential_problem(officers: Sequence[Officer], day: date) -> str | None:
    if not officers:
        return "no enforcement officer is named"
    problems = [p for o in officers if (p := o.credential_problem(day)) is not None]
    return "; ".join(problems) if problems else None
