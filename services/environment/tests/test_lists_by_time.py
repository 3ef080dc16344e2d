"""Integration: cases by opened time (item 9), fine filings by filed time (item 11) and enforcement checks by
checked time (item 10), each in ``[after, before)``, at both boundaries, and a reversed window refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import grpc
import pytest
from google.protobuf.message import Message

from mesh.environment.v1 import environment_pb2 as pb
from mesh_environment.convert import ts
from mesh_environment.domain.cases import CaseSource, Offence, Site
from mesh_environment.domain.fines import ChargeKind
from mesh_environment.domain.guard import Action
from mesh_environment.repository.cases import CASES, CaseFilter
from mesh_environment.repository.enforcement import CHECKS, FINES, CheckFilter, FineFilter
from mesh_environment.repository.paging import ORDER, Window
from mesh_environment.testing import LUOLONG, RunningEnvironment, Sites, plan_stages
from meshlib.errors import FIELD_KEY, RULE_KEY

HALF_MS = timedelta(microseconds=500)




@dataclass(frozen=True)
class Rows:
    at: list[datetime]
    """Three instants a second apart (whole milliseconds, as stored), in the future."""
    cases: list[str]
    fines: list[str]
    checks: list[str]


@pytest.fixture
async def rows(environment: RunningEnvironment, sites: Sites) -> Rows:
    """A case, a fine filing and an enforcement check written at each of three instants."""
    now = datetime.now(UTC)
    base = now.replace(microsecond=now.microsecond // 1000 * 1000) + timedelta(days=1)
    at = [base + timedelta(seconds=n) for n in range(3)]
    cases, fines, checks = [], [], []
    for n, t in enumerate(at):
        parts = environment.parts(clock=lambda t=t: t)  # type: ignore[misc]
        cases.append((await parts.casework.open_case(
            site=Site(enterprise_id=sites.plain), offence=Offence.EXTORTION, description=f"case {n}", location="",
            occurred_at=None, source=CaseSource.COMPLAINT, source_ref="", major=False, actor="hotline"))["_id"])
        fines.append((await parts.enforcement.file_fine(
            enterprise_id=sites.plain, agency="city-market-supervision", kind=ChargeKind.FINE, amount_fen=100_000,
            matter=f"matter {n}", legal_basis="", minor_violation=False, actor="desk"))["_id"])
        checks.append((await parts.enforcement.check(Action(
            enterprise_id=sites.plain, agency="city-market-supervision", matter=f"matter {n}",
            planned_at=t + timedelta(days=1), officers=()), "desk"))["_id"])
    return Rows(at, cases, fines, checks)


M = TypeVar("M", bound=Message)


def _bounded(msg: M, prefix: str, after: datetime | None, before: datetime | None) -> M:
    """``msg`` with its ``<prefix>_after`` / ``<prefix>_before`` set where given."""
    for name, value in ((f"{prefix}_after", after), (f"{prefix}_before", before)):
        if value is not None:
            getattr(msg, name).CopyFrom(ts(value))
    return msg


async def list_cases(env: RunningEnvironment, after: datetime | None, before: datetime | None,
                     token: str = "", page_size: int = 100) -> tuple[list[str], str]:
    reply = await env.stub.ListCases(pb.ListCasesRequest(
        filter=_bounded(pb.CaseFilter(county_code=LUOLONG), "opened", after, before), page_size=page_size,
        page_token=token))
    return [c.id for c in reply.cases], reply.next_page_token


async def list_fines(env: RunningEnvironment, after: datetime | None, before: datetime | None,
                     token: str = "", page_size: int = 100) -> tuple[list[str], str]:
    reply = await env.stub.ListFines(_bounded(pb.ListFinesRequest(
        county_code=LUOLONG, page_size=page_size, page_token=token), "filed", after, before))
    return [f.id for f in reply.fines], reply.next_page_token


async def list_checks(env: RunningEnvironment, after: datetime | None, before: datetime | None,
                      token: str = "", page_size: int = 100) -> tuple[list[str], str]:
    reply = await env.stub.ListEnforcementChecks(_bounded(pb.ListEnforcementChecksRequest(
        county_code=LUOLONG, page_size=page_size, page_token=token), "checked", after, before))
    return [c.id for c in reply.checks], reply.next_page_token


LISTS: dict[str, tuple[Any, str]] = {
    "cases": (list_cases, "filter.opened"), "fines": (list_fines, "filed"), "checks": (list_checks, "checked")}


@pytest.mark.parametrize("kind", sorted(LISTS))
async def test_a_list_holds_the_rows_of_its_window_from_after_up_to_before(
    environment: RunningEnvironment, rows: Rows, kind: str,
) -> None:
    lister, _ = LISTS[kind]
    ids: list[str] = getattr(rows, kind)
    t0, t1, t2 = rows.at

    async def window(after: datetime | None, before: datetime | None) -> list[str]:
        found, _ = await lister(environment, after, before)
        return list(found)

    newest_first = ids[::-1]
    assert await window(None, None) == newest_first
    # A row exactly at `after` is in; one exactly at `before` is out.
    assert await window(t1, t2) == [ids[1]]
    assert await window(t1, None) == [ids[2], ids[1]]
    assert await window(None, t1) == [ids[0]]
    assert await window(t0, t2) == [ids[1], ids[0]]
    assert await window(t1, t1) == []  # an empty window is no error
    # Bounds between two stored milliseconds still cut exactly: half a millisecond past a row leaves it out
    # as `after` and keeps it as `before`.
    assert await window(t1 + HALF_MS, None) == [ids[2]]
    assert await window(None, t1 + HALF_MS) == [ids[1], ids[0]]
    # Pages continue inside the window.
    first, token = await lister(environment, t0, t2, "", 1)
    rest, last = await lister(environment, t0, t2, token, 1)
    assert (first, rest, last) == ([ids[1]], [ids[0]], "")


@pytest.mark.parametrize("kind", sorted(LISTS))
async def test_a_window_that_ends_before_it_starts_is_refused_naming_its_end(
    environment: RunningEnvironment, rows: Rows, kind: str,
) -> None:
    lister, prefix = LISTS[kind]
    t0, t1, _ = rows.at
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await lister(environment, t1, t0)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    md = dict(err.value.trailing_metadata() or ())
    assert (md.get(RULE_KEY), md.get(FIELD_KEY)) == ("date-range", f"{prefix}_before")
    assert f"{prefix}_after" in (err.value.details() or "")


@pytest.mark.parametrize("county", [LUOLONG, None])
async def test_a_window_is_read_by_index_in_the_lists_order(environment: RunningEnvironment, rows: Rows,
                                                           county: str | None) -> None:
    window = Window(rows.at[0], rows.at[2])
    expected = "newest_first" if county is None else "by_county"
    for collection, query in ((CASES, CaseFilter(county_code=county, opened=window).query()),
                              (FINES, FineFilter(county_code=county, filed=window).query()),
                              (CHECKS, CheckFilter(county_code=county, checked=window).query())):
        plan = plan_stages(await environment.runtime.db[collection].find(query).sort(list(ORDER.keys)).explain())
        assert ("IXSCAN", expected) in plan and ("COLLSCAN", None) not in plan, (collection, plan)
