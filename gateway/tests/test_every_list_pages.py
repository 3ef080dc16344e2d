"""Every list of the graph pages as a Relay client expects, through the gateway over the four real services.

The lists are found in the schema (each root field that returns a connection), so a list added later is paged
here too. Each holds at least three rows of the demo city, or of what the test adds to it. For each list:
- one page of 100 holds every row, and says there is no next page;
- walking it two rows at a time by ``pageInfo.endCursor`` gives the same rows in the same order, each once; every
  page but the last says there is a next one;
- asking after any row's own ``cursor`` (a client resuming from the row it shows) gives the rows after it.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLNonNull, GraphQLObjectType

from mesh.officers.v1 import officers_pb2 as opb
from mesh_environment.testing import RunningEnvironment, records_at
from mesh_gateway.auth import Principal, Role
from mesh_gateway.schema import build_schema
from mesh_gateway.testing import SignedIn
from mesh_officers.testing import RunningOfficers
from mesh_response.push import push
from mesh_response.testing import report
from meshlib.bus import Bus
from meshlib.testing.poll import eventually

OFFICE = Principal("x1", Role.OPTIMISATION_OFFICE)
SITES = ["ent-001", "ent-002", "ent-003", "ent-006"]  # demo enterprises in three counties
MIN_ROWS = 3


def connections() -> dict[str, str]:
    """Each root list of the graph, with a field of its rows that tells them apart."""
    schema = build_schema()._schema
    assert schema.query_type is not None
    found = {}
    for name, field in schema.query_type.fields.items():
        of = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
        if not (isinstance(of, GraphQLObjectType) and of.name.endswith("Connection")):
            continue
        node = schema.type_map[of.name.removesuffix("Connection")]
        assert isinstance(node, GraphQLObjectType)
        found[name] = "id" if "id" in node.fields else "number"  # editions are numbered
    return found


@pytest.fixture
async def city(whole_city: tuple[SignedIn, RunningOfficers, RunningEnvironment], bus: Bus) -> SignedIn:
    """The demo city in all four services behind a signed-in gateway, with rows added to the lists the demo
    leaves short: incidents (and the cases their extortion opens), requests, checks, fine filings, findings,
    accountability records and an edition of the pairing list."""
    signed_in, officers, environment = whole_city
    await push(bus.nc, "luolong-police", [report(f"P-{n}", enterprise_id=site) for n, site in enumerate(SITES)],
               namespace=bus.ns.prefix)
    for site in SITES:
        await officers.stub.OpenRequest(opb.OpenRequestRequest(
            enterprise_id=site, source=opb.REQUEST_SOURCE_ENTERPRISE, subject="a permit",
            category=opb.REQUEST_CATEGORY_PERMIT, department="Housing Bureau", actor="t"))
    await records_at(environment, SITES)
    await signed_in.data("mutation { publishPairingList { number } }", OFFICE)
    return signed_in


def page_query(field: str, key: str) -> str:
    return (f"query($first: Int!, $after: String) {{ {field}(first: $first, after: $after) {{ "
            f"edges {{ cursor node {{ {key} }} }} pageInfo {{ hasNextPage endCursor }} }} }}")


async def test_every_list_pages_by_its_end_cursor_and_by_each_rows_cursor(city: SignedIn) -> None:
    lists = connections()
    assert {"enterprises", "incidents", "governanceCases", "enterpriseRequests", "pairingListEditions"} <= set(lists)

    async def page(field: str, first: int, after: str | None = None) -> dict[str, Any]:
        found: dict[str, Any] = (await city.data(page_query(field, lists[field]), OFFICE,
                                                 {"first": first, "after": after}))[field]
        return found

    def keys(found: dict[str, Any], field: str) -> list[Any]:
        return [e["node"][lists[field]] for e in found["edges"]]

    async def enough(field: str) -> dict[str, Any] | None:  # cases open as the environment service hears of incidents
        whole = await page(field, 100)
        return whole if len(whole["edges"]) >= MIN_ROWS else None

    for field in sorted(lists):
        whole = await eventually(lambda f=field: enough(f), what=f"{MIN_ROWS} rows in {field}")
        every = keys(whole, field)
        assert whole["pageInfo"] == {"hasNextPage": False, "endCursor": None}, field
        assert len(set(every)) == len(every), field

        walked, after, pages = [], None, 0
        while True:
            got = await page(field, 2, after)
            walked += keys(got, field)
            pages += 1
            if not got["pageInfo"]["hasNextPage"]:
                assert got["pageInfo"]["endCursor"] is None, field
                break
            after = got["pageInfo"]["endCursor"]
            assert after, field
            assert pages <= len(every), f"{field} does not end"
        assert walked == every, field

        for n, edge in enumerate(whole["edges"]):
            rest = await page(field, 100, edge["cursor"])
            assert keys(rest, field) == every[n + 1:], (field, n)
