"""What every rule of the service shares: offices by level, people and ranks, the city's calendar."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from meshlib.calendar import CITY_TZ  # months start at midnight in the city (China has no daylight saving)
from meshlib.errors import InvalidArgument, Refused

COUNTY_CODE = re.compile(r"^\d{6}$")
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
MAX_TEXT = 4000


class Level(StrEnum):
    CITY = "city"
    COUNTY = "county"


@dataclass(frozen=True)
class Jurisdiction:
    """The optimisation office or service centre of a level: the city's, or one county's."""

    level: Level
    county_code: str = ""

    def __post_init__(self) -> None:
        if self.level is Level.CITY and self.county_code:
            raise InvalidArgument("the city level has no county code", rule="jurisdiction", field="county_code")
        if self.level is Level.COUNTY and not COUNTY_CODE.match(self.county_code):
            raise InvalidArgument(
                "a county is named by its 6-digit code (GB/T 2260)", rule="jurisdiction", field="county_code"
            )

    @property
    def key(self) -> str:
        """A stable string for ids and queries: ``city`` or ``county:<code>``."""
        return "city" if self.level is Level.CITY else f"county:{self.county_code}"

    @classmethod
    def from_key(cls, key: str) -> Jurisdiction:
        if key == "city":
            return cls(Level.CITY)
        return cls(Level.COUNTY, key.removeprefix("county:"))


CITY = Jurisdiction(Level.CITY)
"""The city level: its optimisation office receives non-approval filings (item 14)."""


class Rank(StrEnum):
    STAFF = "staff"
    MIDDLE_MANAGER = "middle_manager"  # 中层干部
    SECTION_HEAD = "section_head"  # 科室负责人
    DEPARTMENT_LEADER = "department_leader"  # 领导干部 of a department
    DEPUTY_COUNTY_OR_ABOVE = "deputy_county_or_above"  # 副县级以上
    UTILITY_DEPUTY_HEAD = "utility_deputy_head"  # 公共服务单位公司副职


LEADING_CADRE_RANKS = frozenset({Rank.DEPARTMENT_LEADER, Rank.DEPUTY_COUNTY_OR_ABOVE})


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    department: str
    rank: Rank
    post: str = ""

    def checked(self, field: str) -> Person:
        """The person with trimmed text; an id, a name and a department are required."""
        return Person(
            id=require_text(self.id, f"{field}.id", max_length=200),
            name=require_text(self.name, f"{field}.name", max_length=200),
            department=require_text(self.department, f"{field}.department", max_length=200),
            rank=self.rank,
            post=self.post.strip(),
        )


class TargetKind(StrEnum):
    ENTERPRISE = "enterprise"
    PROJECT = "project"


def require_text(value: str, field: str, *, max_length: int = MAX_TEXT, item: str | None = None) -> str:
    """The trimmed text, or an error naming the field when it is empty or too long."""
    value = value.strip()
    if not value:
        raise InvalidArgument(f"{field} is required", rule="required", item=item, field=field)
    if len(value) > max_length:
        raise InvalidArgument(f"{field} is longer than {max_length} characters", rule="too-long", field=field)
    return value


def require_future(value: datetime, now: datetime, field: str) -> datetime:
    if value <= now:
        raise InvalidArgument(
            f"{field} {value.isoformat()} is not in the future (now {now.isoformat()})", rule="future-date", field=field
        )
    return value


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """Item 7: a calendar month in the city's time zone, as ``[start, end)`` instants in UTC."""
    m = MONTH.match(month)
    if m is None:
        raise InvalidArgument(f"month {month!r} is not YYYY-MM", rule="month", field="month")
    year, mon = int(m.group(1)), int(m.group(2))
    start = datetime(year, mon, 1, tzinfo=CITY_TZ)
    end = datetime(year + 1, 1, 1, tzinfo=CITY_TZ) if mon == 12 else datetime(year, mon + 1, 1, tzinfo=CITY_TZ)
    return start.astimezone(UTC), end.astimezone(UTC)


def month_of(at: datetime) -> str:
    """The city-calendar month an instant falls in."""
    return at.astimezone(CITY_TZ).strftime("%Y-%m")


class NonApproval(StrEnum):
    """Item 14: where a subject's non-approval reports stand, for closing the subject as not approved."""

    NONE = "none"  # never reported in writing
    OVERTURNED = "overturned"  # every report ended with a level approving it after all
    STANDS = "stands"  # a report is climbing the chain, or was confirmed


def require_non_approval(standing: NonApproval, what: str, field: str) -> None:
    """Item 14: a subject is closed as not approved only once its non-approval is reported in writing, and not
    after the chain approved it after all."""
    if standing is NonApproval.NONE:
        raise Refused(f"{what} that is not approved is reported in writing first (non-approval report)",
                      rule="non-approval-reported", item="Item 14", field=field)
    if standing is NonApproval.OVERTURNED:
        raise Refused(f"{what} whose non-approval a higher level overturned (approved after all) is not closed as "
                      "not approved", rule="non-approval-overturned", item="Item 14", field=field)
