"""The city's calendar (Asia/Shanghai) and the quiet production days enterprises declare (item 10)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from meshlib.calendar import CITY_TZ, city_date, end_of_day, parse_date, start_of_day
from meshlib.errors import InvalidArgument, under

__all__ = ["CITY_TZ", "city_date", "end_of_day", "parse_date", "start_of_day"]

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class DateRange:
    """Consecutive days, both ends included."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:  # its end is what to fix; :meth:`QuietDays.of` names the range it is in
            raise InvalidArgument(f"quiet range ends ({self.last}) before it starts ({self.first})",
                                  rule="quiet-range-order", item="Item 10", field="last")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last

    def __str__(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first} to {self.last}"


@dataclass(frozen=True)
class QuietDays:
    """Item 10: an enterprise's quiet production days (安静生产日), on which no enforcement takes place.

    Declared as weekly recurring days (ISO weekday numbers, 1 = Monday ... 7 = Sunday) and/or
    date ranges; a day is quiet when it matches either. Days are the city's calendar days, so
    an action planned at 00:30 in Shanghai falls on that Shanghai day whatever UTC says.
    """

    weekdays: frozenset[int] = frozenset()
    ranges: tuple[DateRange, ...] = ()

    def __post_init__(self) -> None:  # a backstop: a declaration comes through :meth:`of`, which names the day's place
        for day in sorted(self.weekdays):
            _check_weekday(day, "weekdays")

    @classmethod
    def of(cls, weekdays: Iterable[int] = (), ranges: Iterable[tuple[date, date]] = ()) -> QuietDays:
        """The quiet days declared; a bad weekday or range is named by its place in the declaration
        (``weekdays[1]``, ``ranges[0].last``)."""
        days = list(weekdays)
        for i, day in enumerate(days):
            _check_weekday(day, f"weekdays[{i}]")
        spans = []
        for i, (first, last) in enumerate(ranges):
            with under(f"ranges[{i}]"):
                spans.append(DateRange(first, last))
        return cls(frozenset(days), tuple(spans))

    def why_quiet(self, day: date) -> str | None:
        """Why ``day`` is a quiet production day ("every Tuesday", "2026-12-01 to 2026-12-07"), or None."""
        if day.isoweekday() in self.weekdays:
            return f"every {WEEKDAY_NAMES[day.isoweekday() - 1]}"
        for span in self.ranges:
            if day in span:
                return str(span)
        return None


def _check_weekday(day: int, field: str) -> None:
    """Item 10: a quiet weekday is an ISO weekday number, 1 (Monday) to 7 (Sunday)."""
    if not 1 <= day <= 7:
        raise InvalidArgument(f"weekdays must be 1 (Monday) to 7 (Sunday), got {day}",
                              rule="quiet-weekday", item="Item 10", field=field)
