"""The published pairing list (item 20: "the pairings are published regularly in the media").

An edition is a numbered, immutable snapshot of all current pairings with what happened
in its period. Periods follow each other without gaps or overlaps: an edition covers the
days after the previous edition's period up to its own end. The scheduled edition is
monthly: once a month has ended, an edition covering it is due unless one already does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from mesh_contacts.domain.calendar import month_end_before
from meshlib.errors import Refused

ITEM = "Item 20"


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def next_period(previous_end: date | None, end: date) -> Period:
    """The period of the next edition ending on ``end``; the first starts on the first of its month."""
    if previous_end is None:
        return Period(end.replace(day=1), end)
    if end <= previous_end:
        raise Refused(
            f"the latest edition already covers up to {previous_end}; a new edition must end after it",
            rule="edition-period", item=ITEM, field="period_end",
        )
    return Period(previous_end + timedelta(days=1), end)


def scheduled_end(latest_end: date | None, today: date) -> date | None:
    """Item 20, monthly: the end of the edition due now (last month's last day), or None if covered."""
    due = month_end_before(today)
    if latest_end is not None and latest_end >= due:
        return None
    return due


@dataclass(frozen=True)
class Diff:
    added: list[Mapping[str, Any]]
    ended: list[Mapping[str, Any]]


def diff(before: Iterable[Mapping[str, Any]], after: Iterable[Mapping[str, Any]]) -> Diff:
    """Pairings in ``after`` and not in ``before`` (added) and the reverse (ended), by pairing id."""
    old = {e["pairing_id"]: e for e in before}
    new = {e["pairing_id"]: e for e in after}
    return Diff(added=[e for pid, e in new.items() if pid not in old],
                ended=[e for pid, e in old.items() if pid not in new])
