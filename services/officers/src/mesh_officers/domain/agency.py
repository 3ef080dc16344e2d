"""Agency services of the administrative service centres, and their monthly report (item 7).

Pure: no I/O. The monthly report is computed only from timestamps no later than the month's
end, so generating it again later gives the same figures (and the same fingerprint).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum

from mesh_officers.domain.common import require_text
from meshlib.errors import AlreadyExists, Refused

ITEM = "Item 7"


class Mode(StrEnum):
    FULL_PROCESS = "full_process"  # 全程代理
    SINGLE_ITEM = "single_item"  # 专项代理


class Method(StrEnum):
    JOINT = "joint"  # 与企业联合办理
    CENTRE_ALONE = "centre_alone"  # 中心单方代办


class StepStatus(StrEnum):
    PENDING = "pending"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REFUSED = "refused"


_STEP_MOVES = {
    StepStatus.PENDING: {StepStatus.SUBMITTED},
    StepStatus.SUBMITTED: {StepStatus.APPROVED, StepStatus.REFUSED},
    StepStatus.REFUSED: {StepStatus.SUBMITTED},  # resubmitted after the refusal is remedied
    StepStatus.APPROVED: set(),
}


def check_take(already_agent: bool, completed: bool) -> None:
    """Item 7: the centre takes an open request as agent, once."""
    if already_agent:
        raise AlreadyExists("the request already has an agent", rule="agency-once", item=ITEM, field="request_id")
    if completed:
        raise Refused("the request is completed", rule="request-open", item=ITEM, field="request_id")


def check_step_move(current: StepStatus, to: StepStatus) -> None:
    """Item 7: a step goes pending → submitted → approved or refused; a refused one may be resubmitted."""
    if to not in _STEP_MOVES[current]:
        allowed = ", ".join(sorted(s.value for s in _STEP_MOVES[current])) or "nothing (it is approved)"
        raise Refused(
            f"a {current.value} step can move to {allowed}, not {to.value}",
            rule="agency-step-move",
            item=ITEM,
            field="status",
        )


def check_new_step(department: str, permit: str) -> tuple[str, str]:
    return (
        require_text(department, "department", max_length=200, item=ITEM),
        require_text(permit, "permit", max_length=500, item=ITEM),
    )


@dataclass(frozen=True)
class AgencyCase:
    """One request taken as agent, as the report sees it."""

    mode: Mode
    method: Method
    taken_at: datetime
    due_at: datetime
    completed_at: datetime | None
    step_histories: Sequence[Sequence[tuple[StepStatus, datetime]]] = ()
    proposals: Sequence[datetime] = ()


@dataclass(frozen=True)
class ReportRow:
    mode: Mode | None
    method: Method | None
    carried_over: int = 0
    taken: int = 0
    completed: int = 0
    completed_on_time: int = 0
    completed_late: int = 0
    open_at_end: int = 0
    overdue_at_end: int = 0


@dataclass(frozen=True)
class MonthlyReport:
    month: str
    start: datetime
    end: datetime
    rows: tuple[ReportRow, ...]
    total: ReportRow
    steps_at_end: dict[StepStatus, int] = field(default_factory=dict)
    leader_proposals: int = 0

    @property
    def fingerprint(self) -> str:
        """sha256 of the figures in a canonical form: the same month of the same data, the same value."""
        body = {
            "month": self.month,
            "rows": [asdict(r) for r in (*self.rows, self.total)],
            "steps": {s.value: self.steps_at_end.get(s, 0) for s in StepStatus},
            "leader_proposals": self.leader_proposals,
        }
        raw = json.dumps(body, sort_keys=True, default=str, separators=(",", ":")).encode()
        return hashlib.sha256(raw).hexdigest()


def check_month_ended(end: datetime, now: datetime) -> None:
    """Item 7: a month is reported once it is over, so the report does not change afterwards."""
    if end > now:
        raise Refused(
            "the month has not ended yet; its report is made after the month",
            rule="agency-report-month-ended",
            item=ITEM,
            field="month",
        )


def _count(
    cases: Sequence[AgencyCase], start: datetime, end: datetime, mode: Mode | None, method: Method | None
) -> ReportRow:
    carried = taken = completed = on_time = late = open_end = overdue_end = 0
    for c in cases:
        done = c.completed_at
        if c.taken_at < start and (done is None or done >= start):
            carried += 1
        if start <= c.taken_at < end:
            taken += 1
        if done is not None and start <= done < end:
            completed += 1
            if done <= c.due_at:
                on_time += 1
            else:
                late += 1
        if c.taken_at < end and (done is None or done >= end):
            open_end += 1
            overdue_end += c.due_at < end
    return ReportRow(mode, method, carried, taken, completed, on_time, late, open_end, overdue_end)


def monthly_report(month: str, start: datetime, end: datetime, cases: Sequence[AgencyCase]) -> MonthlyReport:
    """Item 7: the centre's monthly report to its optimisation office, by mode and method and status.

    Only cases taken before the month's end count, and each status is the one it had at the end
    (a step's status is its last change before the end).
    """
    relevant = [c for c in cases if c.taken_at < end and (c.completed_at is None or c.completed_at >= start)]
    rows = tuple(
        _count([c for c in relevant if c.mode is mode and c.method is method], start, end, mode, method)
        for mode in Mode
        for method in Method
    )
    steps: dict[StepStatus, int] = dict.fromkeys(StepStatus, 0)
    proposals = 0
    for c in relevant:
        for history in c.step_histories:
            before = [status for status, at in history if at < end]
            if before:
                steps[before[-1]] += 1
        proposals += sum(1 for at in c.proposals if start <= at < end)
    return MonthlyReport(
        month=month,
        start=start,
        end=end,
        rows=rows,
        total=_count(relevant, start, end, None, None),
        steps_at_end=steps,
        leader_proposals=proposals,
    )
