"""Leaders and their pairings with key enterprises and key projects (item 20).

Item 20: city and county leaders are paired with key enterprises (they keep contact,
联系) and take charge of key projects (分包). Only key enterprises and key projects
can be paired. A city leader and a county leader may both be paired with the same
enterprise; the same leader twice may not. A pairing runs from its start to its end,
and the history is kept.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from mesh_contacts.domain.registry import MAX_NAME, Territory
from meshlib.errors import InvalidArgument, Refused

ITEM = "Item 20"


class LeaderLevel(StrEnum):
    CITY = "city"
    COUNTY = "county"


class TargetKind(StrEnum):
    ENTERPRISE = "enterprise"  # the leader keeps contact with it (联系)
    PROJECT = "project"  # the leader takes charge of it (分包)


@dataclass(frozen=True)
class LeaderInput:
    name: str
    level: LeaderLevel
    post: str
    county_code: str = ""
    county_name: str = ""


@dataclass(frozen=True)
class Leader:
    id: str
    level: LeaderLevel
    county_code: str = ""


@dataclass(frozen=True)
class Target:
    """An enterprise or project as the pairing rules see it."""

    kind: TargetKind
    id: str
    name: str
    is_key: bool
    territory: Territory


@dataclass(frozen=True)
class Span:
    """When a pairing runs: from ``started_on``, to ``ended_on`` inclusive (None while current)."""

    id: str
    started_on: date
    ended_on: date | None = None

    def active_on(self, day: date) -> bool:
        return self.started_on <= day and (self.ended_on is None or day <= self.ended_on)


def validate_leader(leader: LeaderInput) -> LeaderInput:
    """A county leader belongs to one county (6-digit code); a city leader to none."""
    name = leader.name.strip()
    post = leader.post.strip()
    if not name:
        raise InvalidArgument("name is required", rule="required", field="name")
    if not post:
        raise InvalidArgument("post is required", rule="required", field="post")
    for field, value in (("name", name), ("post", post)):
        if len(value) > MAX_NAME:
            raise InvalidArgument(f"{field} is at most {MAX_NAME} characters", rule="too-long", field=field)
    if leader.level is LeaderLevel.CITY:
        return LeaderInput(name, leader.level, post)
    code = leader.county_code.strip()
    if len(code) != 6 or not code.isdigit():
        raise InvalidArgument("a county leader needs the 6-digit code of their county or district",
                              rule="territory-code", field="county_code")
    county = leader.county_name.strip()
    if not county:
        raise InvalidArgument("a county leader needs the name of their county or district", rule="required",
                              field="county_name")
    return LeaderInput(name, leader.level, post, code, county)


def check_pairing(leader: Leader, target: Target, current_leaders: Collection[str]) -> None:
    """Item 20: may ``leader`` be paired with ``target`` now, given its current pairings' leaders?"""
    if not target.is_key:
        what = ("key enterprise: it is on none of the key lists" if target.kind is TargetKind.ENTERPRISE
                else "key project: it is neither a provincial nor a city key project")
        raise Refused(f"{target.name} is not a {what}", rule="pair-key-only", item=ITEM, field="target_id")
    if leader.id in current_leaders:
        raise Refused(f"the leader is already paired with {target.name}", rule="pair-once", item=ITEM,
                      field="target_id")
    if leader.level is LeaderLevel.COUNTY and target.territory.county_code != leader.county_code:
        raise Refused(
            f"a county leader is paired within their own county ({leader.county_code}); "
            f"{target.name} lies in {target.territory.county_name} ({target.territory.county_code})",
            rule="county-leader-territory", item=ITEM, field="target_id",
        )


def check_end(started_on: date, ended_on: date) -> None:
    if ended_on < started_on:
        raise InvalidArgument(f"a pairing that started on {started_on} cannot end on {ended_on}",
                              rule="pairing-end-after-start", field="ended_on")


def pairing_on(spans: Iterable[Span], day: date) -> str | None:
    """Items 19, 20: the pairing a visit on ``day`` was made under; None means the visit is unpaired."""
    for span in spans:
        if span.active_on(day):
            return span.id
    return None
