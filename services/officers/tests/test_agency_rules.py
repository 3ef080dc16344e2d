"""Item 7: agency steps, and a monthly report that only sees what happened before the month's end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mesh_officers.domain.agency import (
    AgencyCase,
    Method,
    Mode,
    StepStatus,
    check_month_ended,
    check_step_move,
    check_take,
    monthly_report,
)
from mesh_officers.domain.common import month_bounds, month_of
from meshlib.errors import AlreadyExists, InvalidArgument, Refused

START, END = month_bounds("2026-03")
DAY = timedelta(days=1)
S = timedelta(seconds=1)


def test_months_are_in_the_city_calendar() -> None:
    assert datetime(2026, 2, 28, 16, 0, tzinfo=UTC) == START  # 1 March 00:00 at UTC+8
    assert datetime(2026, 3, 31, 16, 0, tzinfo=UTC) == END
    assert month_bounds("2026-12")[1] == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    assert month_of(END - S) == "2026-03" and month_of(END) == "2026-04"
    with pytest.raises(InvalidArgument):
        month_bounds("2026-13")


def test_taking_and_step_moves() -> None:
    check_take(False, False)
    with pytest.raises(AlreadyExists):
        check_take(True, False)
    with pytest.raises(Refused):
        check_take(False, True)
    check_step_move(StepStatus.PENDING, StepStatus.SUBMITTED)
    check_step_move(StepStatus.REFUSED, StepStatus.SUBMITTED)
    with pytest.raises(Refused) as err:
        check_step_move(StepStatus.APPROVED, StepStatus.SUBMITTED)
    assert err.value.rule == "agency-step-move" and err.value.item == "Item 7"


def test_a_month_is_reported_once_it_has_ended() -> None:
    check_month_ended(END, END)
    with pytest.raises(Refused) as err:
        check_month_ended(END, END - S)
    assert err.value.rule == "agency-report-month-ended"


def case(
    mode: Mode,
    method: Method,
    taken: datetime,
    due: datetime,
    done: datetime | None,
    steps: list[list[tuple[StepStatus, datetime]]] | None = None,
    proposals: list[datetime] | None = None,
) -> AgencyCase:
    return AgencyCase(mode, method, taken, due, done, steps or [], proposals or [])


def test_the_report_counts_by_mode_and_method_as_of_the_months_end() -> None:
    F, J = Mode.FULL_PROCESS, Method.JOINT
    cases = [
        case(F, J, START - 5 * DAY, START + 2 * DAY, START + DAY),  # carried over, completed on time
        case(F, J, START + DAY, START + 3 * DAY, START + 4 * DAY),  # taken, completed late
        case(F, J, START + DAY, END - S, None),  # open at the end, due just before: overdue
        case(F, J, START + DAY, END, None),  # due exactly at the end: open but not overdue
        case(F, J, START + DAY, END + DAY, END),  # completed at the end instant: next month's
        case(
            Mode.SINGLE_ITEM,
            Method.CENTRE_ALONE,
            START + DAY,
            END + DAY,
            None,
            steps=[
                [
                    (StepStatus.PENDING, START + DAY),
                    (StepStatus.SUBMITTED, START + 2 * DAY),
                    (StepStatus.APPROVED, END + S),
                ]
            ],
            proposals=[START + 3 * DAY, END + S],
        ),
        case(F, J, END, END + DAY, None),  # taken at the end instant: not this month
        case(F, J, START - 9 * DAY, START - 2 * DAY, START - DAY),  # completed before the month
    ]
    report = monthly_report("2026-03", START, END, cases)
    full_joint = next(r for r in report.rows if r.mode is F and r.method is J)
    assert (full_joint.carried_over, full_joint.taken, full_joint.completed) == (1, 4, 2)
    assert (full_joint.completed_on_time, full_joint.completed_late) == (1, 1)
    assert (full_joint.open_at_end, full_joint.overdue_at_end) == (3, 1)
    single = next(r for r in report.rows if r.mode is Mode.SINGLE_ITEM and r.method is Method.CENTRE_ALONE)
    assert (single.taken, single.open_at_end, single.overdue_at_end) == (1, 1, 0)
    assert report.total.taken == 5 and report.total.open_at_end == 4
    assert [(r.mode, r.method) for r in report.rows] == [(m, t) for m in Mode for t in Method]
    assert report.steps_at_end[StepStatus.SUBMITTED] == 1 and report.steps_at_end[StepStatus.APPROVED] == 0
    assert report.leader_proposals == 1


def test_the_same_facts_give_the_same_fingerprint_and_a_change_changes_it() -> None:
    cases = [case(Mode.FULL_PROCESS, Method.JOINT, START + DAY, END + DAY, None)]
    a = monthly_report("2026-03", START, END, cases)
    b = monthly_report("2026-03", START, END, list(cases))
    assert a.fingerprint == b.fingerprint and len(a.fingerprint) == 64
    c = monthly_report("2026-03", START, END, [*cases, case(Mode.SINGLE_ITEM, Method.JOINT, START, END, None)])
    assert c.fingerprint != a.fingerprint
