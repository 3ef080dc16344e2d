"""The city's calendar for the contacts service: the shared one (meshlib.calendar), plus months."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from meshlib.calendar import CITY_TZ, city_date, end_of_day, parse_date, start_of_day

__all__ = ["CITY_TZ", "city_today", "end_of_day", "month_end_before", "parse_date", "start_of_day"]


def city_today(now: datetime) -> date:
    """The calendar day it is in the city at ``now``."""
    return city_date(now)


def month_end_before(day: date) -> date:
    """The last day of the month before ``day``'s month."""
    return day.replace(day=1) - timedelta(days=1)
