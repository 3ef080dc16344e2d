"""The city's calendar: dates are days in Asia/Shanghai, deadlines end when that day ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from meshlib.errors import InvalidArgument

CITY_TZ = ZoneInfo("Asia/Shanghai")


def city_today(now: datetime) -> date:
    """The calendar day it is in the city at ``now``."""
    return now.astimezone(CITY_TZ).date()


def end_of_day(day: date) -> datetime:
    """The instant ``day`` ends in the city (midnight after it), in UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), CITY_TZ).astimezone(UTC)


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time(0), CITY_TZ).astimezone(UTC)


def parse_date(text: str, *, field: str, default: date | None = None) -> date:
    """A ``YYYY-MM-DD`` date; empty text gives ``default`` (or is refused when there is none)."""
    text = text.strip()
    if not text:
        if default is None:
            raise InvalidArgument(f"{field} is required (YYYY-MM-DD)", rule="date-format", field=field)
        return default
    try:
        if len(text) != 10:  # fromisoformat also takes "20260501", which is not the API's format
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidArgument(f"{field} {text!r} is not a date (YYYY-MM-DD)", rule="date-format",
                              field=field) from None


def month_end_before(day: date) -> date:
    """The last day of the month before ``day``'s month."""
    return day.replace(day=1) - timedelta(days=1)
