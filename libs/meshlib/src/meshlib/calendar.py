"""The city's calendar: days are days in Asia/Shanghai (UTC+8, no daylight saving).

Every service that reasons in calendar days (due dates, quiet production days, monthly
reports, published editions) uses these, so a day begins and ends at the same instant
everywhere in the mesh.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from meshlib.errors import InvalidArgument

CITY_TZ = ZoneInfo("Asia/Shanghai")


def city_date(at: datetime) -> date:
    """The calendar day it is in the city at the instant ``at`` (which must carry a time zone)."""
    if at.tzinfo is None:
        raise ValueError("an instant needs a time zone")
    return at.astimezone(CITY_TZ).date()


def start_of_day(day: date) -> datetime:
    """The instant ``day`` begins in the city, in UTC."""
    return datetime.combine(day, time(0), CITY_TZ).astimezone(UTC)


def end_of_day(day: date) -> datetime:
    """The instant ``day`` ends in the city (midnight after it), in UTC."""
    return start_of_day(day + timedelta(days=1))


def parse_date(text: str, *, field: str, default: date | None = None) -> date:
    """A ``YYYY-MM-DD`` date (the API's only date format); empty text gives ``default`` if there is one."""
    text = text.strip()
    if not text and default is not None:
        return default
    try:
        if len(text) != 10:  # fromisoformat also takes "20260501", which is not the API's format
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        if not text:
            raise InvalidArgument(f"{field} is required (YYYY-MM-DD)", rule="date-format", field=field) from None
        raise InvalidArgument(f"{field} {text!r} is not a date (YYYY-MM-DD)", rule="date-format",
                              field=field) from None
