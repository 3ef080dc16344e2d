"""Date filters: a request's optional ``*_after`` / ``*_before`` timestamps as a half-open window, and as a
MongoDB condition.

Every list that users filter by date (requests opened, problems raised, cases opened, fines filed, checks
made, incidents that occurred...) reads its bounds the same way:

- ``after`` is inclusive and ``before`` exclusive, so consecutive months or quarters never overlap;
- bounds that cross (``after`` later than ``before``) are refused naming ``before``; equal bounds are a
  window with nothing in it; a timestamp out of range is refused naming itself;
- stored dates are whole milliseconds (BSON), so each bound is raised to the next whole millisecond: the
  driver would truncate a finer one, and so take in a row just before it.

The condition asks "at or after ``after``" as "later than the millisecond before it", the same rows for
whole-millisecond dates. SecantusDB 0.7.0b3 (the local and test server) drops the rows equal to an
inclusive lower bound when the date is the middle key of a compound index with descending keys
(``(county_code, opened_at desc, _id desc)``, the shape of every county list's newest-first index); an
exclusive bound is walked right. ``tests`` in meshlib keep a case that shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from meshlib.errors import InvalidArgument

MILLISECOND = timedelta(milliseconds=1)


@dataclass(frozen=True)
class Window:
    """``[after, before)``, each bound None when not given, as stored dates compare (whole milliseconds)."""

    after: datetime | None = None
    before: datetime | None = None

    def condition(self) -> dict[str, datetime] | None:
        """The MongoDB condition on a date field (None for no bound), with exclusive bounds only."""
        bounds: dict[str, datetime] = {}
        if self.after is not None:
            bounds["$gt"] = self.after - MILLISECOND
        if self.before is not None:
            bounds["$lt"] = self.before
        return bounds or None


def window(msg: Any, after: str, before: str, prefix: str = "") -> Window:
    """The window of ``msg``'s optional Timestamp fields ``after`` and ``before``; errors name the field,
    after ``prefix`` if given (``filter.opened_before``)."""
    def named(name: str) -> str:
        return f"{prefix}.{name}" if prefix else name

    given: dict[str, tuple[datetime, datetime]] = {}  # name -> (as given, as stored dates compare)
    for name in (after, before):
        if msg.HasField(name):
            try:
                t = getattr(msg, name).ToDatetime(UTC)
            except (ValueError, OverflowError):
                raise InvalidArgument(f"{named(name)} is not a valid instant", rule="timestamp",
                                      field=named(name)) from None
            given[name] = t, whole_ms(t)
    if after in given and before in given and given[after][0] > given[before][0]:
        raise InvalidArgument(
            f"{named(before)} ({given[before][0].isoformat()}) is earlier than {named(after)} "
            f"({given[after][0].isoformat()})", rule="date-range", field=named(before))
    start, end = given.get(after), given.get(before)
    return Window(start[1] if start else None, end[1] if end else None)


def whole_ms(t: datetime) -> datetime:
    """The first whole millisecond at or after ``t``."""
    part = t.microsecond % 1000
    return t if part == 0 else t + timedelta(microseconds=1000 - part)
