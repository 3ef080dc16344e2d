"""The registry of enterprises and projects, and what makes them *key* (item 20).

Item 20: leaders are paired with key enterprises chosen from the province's "top
hundred high-growth" and "top hundred strongest" lists, the city's key enterprises,
leading enterprises and "little giant" enterprises; and take charge of key projects
chosen from the provincial and city key projects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from mesh_contacts.domain import credit_code
from meshlib.errors import InvalidArgument

MAX_NAME = 200
MAX_TEXT = 500
MAX_INVESTMENT_FEN = 10**17
"""A trillion CNY many times over: anything larger is a typo, not a project."""

T = TypeVar("T")

_COUNTY_CODE = re.compile(r"^\d{6}$")
_TOWNSHIP_CODE = re.compile(r"^\d{9}$")


class KeyList(StrEnum):
    """Item 20: the lists that make an enterprise a key enterprise."""

    PROVINCE_TOP_HUNDRED_HIGH_GROWTH = "province_top_hundred_high_growth"
    PROVINCE_TOP_HUNDRED_STRONGEST = "province_top_hundred_strongest"
    CITY_KEY_ENTERPRISE = "city_key_enterprise"
    LEADING_ENTERPRISE = "leading_enterprise"
    LITTLE_GIANT = "little_giant"


class ProjectKeyList(StrEnum):
    """Item 20: key projects are chosen from the provincial and city key projects."""

    PROVINCIAL_KEY_PROJECT = "provincial_key_project"
    CITY_KEY_PROJECT = "city_key_project"


class ProjectSector(StrEnum):
    INDUSTRIAL = "industrial"
    SERVICE = "service"
    AGRICULTURE = "agriculture"
    ENVIRONMENTAL_PROTECTION = "environmental_protection"
    INFRASTRUCTURE = "infrastructure"
    PUBLIC_WELFARE = "public_welfare"
    OTHER_SECTOR = "other_sector"


class ProjectStage(StrEnum):
    PRELIMINARY = "preliminary"
    UNDER_CONSTRUCTION = "under_construction"
    COMPLETED = "completed"


@dataclass(frozen=True)
class Territory:
    """Item 9: the county/district and township responsible for what lies in them."""

    county_code: str
    county_name: str
    township_code: str
    township_name: str


@dataclass(frozen=True)
class Contact:
    name: str = ""
    phone: str = ""


@dataclass(frozen=True)
class EnterpriseInput:
    name: str
    credit_code: str
    sector: str
    territory: Territory
    address: str = ""
    contact: Contact = Contact()
    key_lists: tuple[KeyList, ...] = field(default=())


@dataclass(frozen=True)
class ProjectInput:
    name: str
    owner_enterprise_id: str
    sector: ProjectSector
    investment_fen: int
    territory: Territory
    stage: ProjectStage
    key_lists: tuple[ProjectKeyList, ...] = field(default=())


def is_key_enterprise(key_lists: tuple[KeyList, ...] | list[KeyList]) -> bool:
    """Item 20: an enterprise on any of the five lists is a key enterprise."""
    return len(key_lists) > 0


def is_key_project(key_lists: tuple[ProjectKeyList, ...] | list[ProjectKeyList]) -> bool:
    """Item 20: a project is a key project when it is a provincial or a city key project."""
    return len(key_lists) > 0


def _text(value: str, name: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidArgument(f"{name} is required", rule="required", field=name)
    if len(value) > limit:
        raise InvalidArgument(f"{name} is longer than {limit} characters", rule="too-long", field=name)
    return value


def validate_territory(t: Territory, prefix: str = "territory") -> Territory:
    """County codes are 6 digits (GB/T 2260); a township's 9 digits start with its county's."""
    county = t.county_code.strip()
    township = t.township_code.strip()
    if not _COUNTY_CODE.match(county):
        raise InvalidArgument(f"county code {county!r} must be 6 digits", rule="territory-code",
                              field=f"{prefix}.county_code")
    if not _TOWNSHIP_CODE.match(township) or not township.startswith(county):
        raise InvalidArgument(
            f"township code {township!r} must be 9 digits starting with its county code {county}",
            rule="territory-code", field=f"{prefix}.township_code",
        )
    return Territory(county, _text(t.county_name, f"{prefix}.county_name", limit=MAX_NAME), township,
                     _text(t.township_name, f"{prefix}.township_name", limit=MAX_NAME))


def _unique(values: tuple[T, ...]) -> tuple[T, ...]:
    return tuple(dict.fromkeys(values))


def validate_enterprise(e: EnterpriseInput) -> EnterpriseInput:
    """The enterprise as stored: trimmed, credit code normalised and checked (GB 32100-2015)."""
    code = credit_code.normalise(e.credit_code)
    found = credit_code.problem(code)
    if found is not None:
        raise InvalidArgument(found.message, rule=found.rule, field="credit_code")
    return EnterpriseInput(
        name=_text(e.name, "name", limit=MAX_NAME),
        credit_code=code,
        sector=_text(e.sector, "sector", limit=MAX_NAME),
        territory=validate_territory(e.territory),
        address=_text(e.address, "address", required=False),
        contact=Contact(_text(e.contact.name, "contact.name", required=False, limit=MAX_NAME),
                        _text(e.contact.phone, "contact.phone", required=False, limit=50)),
        key_lists=_unique(e.key_lists),
    )


def validate_project(p: ProjectInput) -> ProjectInput:
    """The project as stored; the investment is whole fen, never negative."""
    if p.investment_fen < 0 or p.investment_fen > MAX_INVESTMENT_FEN:
        raise InvalidArgument(f"investment {p.investment_fen} fen is out of range", rule="investment-range",
                              field="investment_fen")
    owner = p.owner_enterprise_id.strip()
    if not owner:
        raise InvalidArgument("owner_enterprise_id is required", rule="required", field="owner_enterprise_id")
    return ProjectInput(
        name=_text(p.name, "name", limit=MAX_NAME),
        owner_enterprise_id=owner,
        sector=p.sector,
        investment_fen=p.investment_fen,
        territory=validate_territory(p.territory),
        stage=p.stage,
        key_lists=_unique(p.key_lists),
    )
