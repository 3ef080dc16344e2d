"""Item 9 (territorial management) row by row: what a county-level user may see of other counties.

A user whose token names a county (``Principal.county_code``) answers for what lies in that county,
and sees that county's rows, whichever way they reach them:

- **Lists** are narrowed to the county: the paged lists by their service's county filter
  (:func:`county_scoped` and :func:`own_county`: asking for another county is refused), and every
  other list by :func:`of_county` — a list under a row the user may see (a city leader's pairings,
  visits and open problems, an enterprise's officers, requests, cases and incidents, a case's
  incidents) and a list by key (``enterpriseCases``, ``projectCases``, ``officersServing``,
  ``requestsOfEnterprise``). Rows of other counties are left out, not refused: the user asked about
  something they may see.
- **A lookup by id** (``enterprise(id)``, ``governanceCase(id)``, ``incidentCase(incidentId)``, the
  federation's ``_entities``...) of another county's row is refused by :func:`in_county` with a
  FORBIDDEN error naming the field (``Query.enterprise``), as ``incident(id)`` is: the user named a
  row that is not theirs. A row that does not exist is still null.
- **A single reference** from a row the user may see (a case's ``enterprise``, a project's ``owner``,
  a pairing's ``leader`` or ``target``) is followed wherever the referenced row lies: the user's row
  names it, and hiding it would hide what their own row is about. What is listed under it is still
  narrowed, so nothing else of another county is reached that way.

Which county a row is in (:func:`row_county`): an enterprise's, project's, case's or incident's
territory; the ``county_code`` a pairing, visit, problem, enterprise request, fine filing or finding
carries (the one its service's county filter matches); an officer's is its target's (see
``mesh_gateway.officers.types.officer_counties``). A row with no county — a case whose territory is
not known yet, a finding at no site, a request whose enterprise's county the officers service has
not heard yet, a legacy row — belongs to no county, so only city-wide users see it (as the county
filters already behave). Leaders are the exception: a city leader (no county) has every county in
their remit, so every user may see them (:func:`leader_county`); a county leader only their county.

The fields whose rows are not a service's county-filtered list follow the same rules:

- ``quietProductionDays(enterpriseId)`` is a lookup by key that is never null, so it is refused
  (:func:`must_see`) unless the enterprise lies in the user's county; one the registry does not know
  is in no county. An enterprise reads its own (``policy``'s ``own_enterprise``).
- ``keyProtection`` is narrowed to the entries whose enterprise or project lies in the user's county
  (found through the registry's DataLoaders; a site the registry does not know is in no county).
- ``inspectionGroups``: a group is the city's, working at the sites assigned to it, so it lies in
  the counties of its sites. A county-level user gets the groups with a site in their county, each
  with only those sites; a group with none (or no site at all) is left out.
- ``respondingUnits`` is narrowed by the unit's ``county_code`` as :func:`own_county` narrows a list
  argument; a city-level unit carries the city's code (410300), no county's, so city-wide users see
  it. Police are not narrowed: they are scoped by agency and hand incidents to the unit of whichever
  county an incident lies in (``transferIncident``'s unit is not checked for them either; see
  ``mesh_gateway.county_mutations``).
- ``agencyMonthlyReport(centre)``: a county's service centre lies in that county, the city's in
  none; asking for another's report is refused naming ``Query.agencyMonthlyReport``.

City-wide users (no county in their token) see everything; with sign-in off (no verifier) nothing
is checked.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from mesh_gateway.authorization import forbidden

T = TypeVar("T")
F = TypeVar("F")

EVERY_COUNTY = "*"
"""The county of a row every user may see (a city leader)."""


def user_county(info: Any) -> str | None:
    """The county a county-level user is confined to; None for a city-wide user or with sign-in off."""
    if info.context.verifier is None:
        return None
    county: str | None = info.context.principal.county_code
    return county


def row_county(row: Any) -> str | None:
    """The county a service's row is in: its ``territory``'s, else its own ``county_code``; None for none."""
    territory = getattr(row, "territory", None)
    county: str = territory.county_code if territory is not None else getattr(row, "county_code", "")
    return county or None


def leader_county(leader: Any) -> str:
    """A leader's county; a city leader's remit covers every county (:data:`EVERY_COUNTY`)."""
    county: str = leader.county_code
    return county or EVERY_COUNTY


def sees(user: str | None, county: str | None) -> bool:
    """Whether a user confined to ``user`` (None: city-wide) sees a row of ``county`` (None: of none)."""
    return user is None or county in (EVERY_COUNTY, user)


def in_county(info: Any, row: T | None, what: str, county: Callable[[T], str | None] = row_county) -> T | None:
    """``row`` (or None) if the user may see it; a row of another county, or of none, is refused.

    The FORBIDDEN error names the field being resolved (``Query.enterprise``), as ``incident(id)``'s does.
    """
    if row is not None:
        must_see(info, county(row), what)
    return row


def must_see(info: Any, county: str | None, what: str) -> None:
    """Refuse, naming the field being resolved, unless the user may see what lies in ``county`` (None: none).

    For a lookup by key whose answer is never null (``quietProductionDays``, ``agencyMonthlyReport``): the
    key's county decides, and a key the gateway cannot place lies in no county (city-wide users only).
    """
    user = user_county(info)
    if sees(user, county):
        return
    field = f"{info.path.typename}.{info.field_name}"
    raise forbidden(f"this {what} does not lie in county {user}: a county-level user sees only their county's "
                    f"(item 9)", field)


def of_county(info: Any, rows: Iterable[T], county: Callable[[T], str | None] = row_county) -> list[T]:
    """The rows the user may see: all of them for a city-wide user, their county's for a county-level one."""
    user = user_county(info)
    return list(rows) if user is None else [r for r in rows if sees(user, county(r))]


def county_scoped(info: Any, flt: F | None, filter_type: Callable[[], F]) -> F:
    """A list filter narrowed to a county-level user's county (item 9: territorial management).

    City-wide users pass through; a county user asking for another county is refused, and one
    asking for no county gets their own.
    """
    flt = flt if flt is not None else filter_type()
    county = own_county(info, getattr(flt, "county_code", None), "filter.countyCode")
    if county == getattr(flt, "county_code", None):
        return flt
    return dataclasses.replace(flt, county_code=county)  # type: ignore[type-var]


def own_county(info: Any, asked: str | None, field: str = "countyCode") -> str | None:
    """The county a list or count argument is narrowed to (item 9), as :func:`county_scoped` does a filter's.

    City-wide users get what they asked (None: every county); a county-level user gets their own,
    and asking for another is refused naming ``field``.
    """
    user = user_county(info)
    if user is None:
        return asked
    if asked not in (None, user):
        raise forbidden(f"a county-level user sees only county {user}", field)
    return user
