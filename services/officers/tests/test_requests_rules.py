"""Item 13: first-inquiry responsibility, hand-over rules and the time-limited completion clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from mesh_officers.domain.common import NonApproval
from mesh_officers.domain.requests import (
    DEFAULT_LIMITS,
    Category,
    HandOver,
    HandOverState,
    Limit,
    Outcome,
    RequestState,
    RequestView,
    accept_hand_over,
    check_answer_deadline,
    check_complete,
    check_limits,
    completion_clock,
    decline_hand_over,
    hand_over,
    parse_limits,
)
from meshlib.errors import InvalidArgument, Refused

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def fresh(department: str = "Housing Bureau") -> RequestView:
    return RequestView(RequestState.OPEN, department, department)


def after(view: RequestView, h: HandOver) -> RequestView:
    """The view once hand-over ``h`` is recorded (pending) or settled (accepted/declined)."""
    overs = [o for o in view.hand_overs if o.seq != h.seq] + [h]
    state = RequestState.HANDOVER_PENDING if h.state is HandOverState.PENDING else RequestState.OPEN
    accountable = h.to_department if h.state is HandOverState.ACCEPTED else view.accountable_department
    return replace(view, state=state, accountable_department=accountable, hand_overs=tuple(overs))


def test_the_clock_uses_the_category_limit_and_a_shorter_one_when_urgent() -> None:
    normal = completion_clock(T0, Category.PERMIT, False, DEFAULT_LIMITS)
    urgent = completion_clock(T0, Category.PERMIT, True, DEFAULT_LIMITS)
    assert normal.due_at == T0 + 20 * DAY and urgent.due_at == T0 + 7 * DAY
    assert normal.warn_at == normal.due_at - 4 * DAY  # a fifth of the limit left
    for category in Category:
        assert DEFAULT_LIMITS[category].urgent < DEFAULT_LIMITS[category].normal


def test_limits_are_configurable_per_category_and_urgent_must_be_shorter() -> None:
    limits = parse_limits("consultation=72h/24h, permit=15d/5d")
    assert limits[Category.CONSULTATION] == Limit(timedelta(hours=72), timedelta(hours=24))
    assert (
        limits[Category.PERMIT].normal == 15 * DAY and limits[Category.COMPLAINT] == DEFAULT_LIMITS[Category.COMPLAINT]
    )
    for bad in ("permit=5d/5d", "permit=5d/6d", "permit=5d", "parking=1d/1h", "permit=5 days/1d", "permit=5d/0s"):
        with pytest.raises(ValueError):
            parse_limits(bad)
    with pytest.raises(ValueError, match="no time limit"):
        check_limits({Category.PERMIT: Limit(DAY, timedelta(hours=1))})


def test_hand_over_then_accept_moves_accountability_only_on_acceptance() -> None:
    view = fresh()
    h = hand_over(view, "Housing Bureau", "Natural Resources Bureau", "land use is theirs", T0)
    assert h.seq == 1 and h.state is HandOverState.PENDING
    pending = after(view, h)
    assert pending.accountable_department == "Housing Bureau"  # the first-inquiry unit stays accountable
    with pytest.raises(Refused) as err:
        check_complete(pending, "Housing Bureau", Outcome.RESOLVED, "done", NonApproval.NONE)
    assert err.value.rule == "one-handover-at-a-time"
    accepted = accept_hand_over(pending, "Natural Resources Bureau", T0 + DAY)
    assert accepted.state is HandOverState.ACCEPTED
    now_theirs = after(pending, accepted)
    assert now_theirs.accountable_department == "Natural Resources Bureau"
    assert now_theirs.first_inquiry_department == "Housing Bureau"
    check_complete(now_theirs, "Natural Resources Bureau", Outcome.RESOLVED, "permit issued", NonApproval.NONE)


@pytest.mark.parametrize(
    ("args", "rule"),
    [
        (("Tax Bureau", "Land Bureau", "why"), "accountable-department"),
        (("Housing Bureau", "Housing Bureau", "why"), "handover-to-another"),
        (("Housing Bureau", "Land Bureau", "  "), "required"),
    ],
)
def test_hand_over_refusals(args: tuple[str, str, str], rule: str) -> None:
    with pytest.raises((Refused, InvalidArgument)) as err:
        hand_over(fresh(), *args, T0)
    assert err.value.rule == rule and err.value.item == "Item 13"  # type: ignore[union-attr]


def test_one_hand_over_at_a_time_and_only_the_addressee_decides() -> None:
    pending = after(fresh(), hand_over(fresh(), "Housing Bureau", "Land Bureau", "theirs", T0))
    with pytest.raises(Refused, match="awaits acceptance"):
        hand_over(pending, "Housing Bureau", "Tax Bureau", "theirs", T0)
    with pytest.raises(Refused) as err:
        accept_hand_over(pending, "Tax Bureau", T0)
    assert err.value.rule == "handover-addressee"
    with pytest.raises(Refused) as no_pending:
        accept_hand_over(fresh(), "Land Bureau", T0)
    assert no_pending.value.rule == "handover-pending"


def test_a_declined_hand_over_leaves_the_hander_accountable_and_no_loops() -> None:
    view = fresh()
    pending = after(view, hand_over(view, "Housing Bureau", "Land Bureau", "theirs", T0))
    with pytest.raises(InvalidArgument):
        decline_hand_over(pending, "Land Bureau", "", T0)
    declined = after(pending, decline_hand_over(pending, "Land Bureau", "not ours either", T0 + DAY))
    assert declined.accountable_department == "Housing Bureau" and declined.state is RequestState.OPEN
    with pytest.raises(Refused) as err:
        hand_over(declined, "Housing Bureau", "Land Bureau", "try again", T0 + DAY)
    assert err.value.rule == "no-handover-loop"
    # A → B accepted, then B cannot send it back to A.
    second = after(declined, hand_over(declined, "Housing Bureau", "Planning Bureau", "planning", T0 + DAY))
    moved = after(second, accept_hand_over(second, "Planning Bureau", T0 + 2 * DAY))
    assert moved.hand_overs[-1].seq == 2
    with pytest.raises(Refused, match="already passed"):
        hand_over(moved, "Planning Bureau", "Housing Bureau", "back", T0 + 2 * DAY)


def test_an_agreed_answer_deadline_stays_within_the_time_limit() -> None:
    due = T0 + 3 * DAY
    check_answer_deadline(fresh(), "Housing Bureau", due, due, T0)  # the limit itself is allowed
    with pytest.raises(Refused) as err:
        check_answer_deadline(fresh(), "Housing Bureau", due + timedelta(seconds=1), due, T0)
    assert err.value.rule == "answer-within-time-limit"
    with pytest.raises(InvalidArgument):
        check_answer_deadline(fresh(), "Housing Bureau", T0, due, T0)
    with pytest.raises(Refused):
        check_answer_deadline(fresh(), "Tax Bureau", due, due, T0)


def test_completion_rules() -> None:
    with pytest.raises(Refused) as err:
        check_complete(fresh(), "Housing Bureau", Outcome.NOT_APPROVED, "refused", NonApproval.NONE)
    assert err.value.rule == "non-approval-reported" and err.value.item == "Item 14"
    with pytest.raises(Refused) as err:  # the chain approved it after all: it is not closed as not approved
        check_complete(fresh(), "Housing Bureau", Outcome.NOT_APPROVED, "refused", NonApproval.OVERTURNED)
    assert (err.value.rule, err.value.item, err.value.field) == ("non-approval-overturned", "Item 14", "outcome")
    assert check_complete(fresh(), "Housing Bureau", Outcome.NOT_APPROVED, " refused ", NonApproval.STANDS) == "refused"
    done = replace(fresh(), state=RequestState.COMPLETED)
    with pytest.raises(Refused, match="completed"):
        check_complete(done, "Housing Bureau", Outcome.RESOLVED, "again", NonApproval.NONE)
    with pytest.raises(Refused, match="completed"):
        hand_over(done, "Housing Bureau", "Land Bureau", "late", T0)
