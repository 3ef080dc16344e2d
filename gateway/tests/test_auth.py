"""Sign-in and roles through the gateway: each role against a sample of fields, rows narrowed, clear refusals."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest
import websockets

from mesh.response.v1 import response_pb2_grpc
from mesh_contacts.settings import ContactsSettings
from mesh_contacts.testing import run_contacts
from mesh_gateway import policy
from mesh_gateway.auth import Principal, Role, issue
from mesh_gateway.schema import build_schema
from mesh_gateway.testing import SignedIn, codes, next_payload, signed_in_gateway, subscription
from mesh_response.push import push
from mesh_response.service import SPEC as RESPONSE
from mesh_response.settings import ResponseSettings
from mesh_response.testing import report, wait_stored
from meshlib.bus import Bus
from meshlib.channels import channel
from meshlib.service import running
from meshlib.testing.plugin import settings_for
from meshlib.testing.poll import eventually

ISSUER, AUDIENCE = "mesh-dev", "mesh-gateway"
POLICE = Principal("p1", Role.POLICE, agency="luolong-police", county_code="410311")
ENTERPRISE = Principal("e1", Role.ENTERPRISE, enterprise_id="ent-001")
OPS = Principal("o1", Role.OPS)
OFFICER = Principal("c1", Role.OFFICER)
OFFICE = Principal("x1", Role.OPTIMISATION_OFFICE)


@dataclass
class Mesh(SignedIn):
    pusher: Bus


@pytest.fixture
async def mesh(mesh_env: dict[str, str], tmp_path: Path) -> AsyncIterator[Mesh]:
    contacts_settings = settings_for(ContactsSettings, mesh_env, EDITION_SCHEDULE="off", DEMO_DATA="true")
    async with run_contacts(contacts_settings) as contacts, \
            running(RESPONSE, settings_for(ResponseSettings, mesh_env,  # incidents lie where their enterprise does
                                           CONTACTS_GRPC_TARGET=f"127.0.0.1:{contacts.runtime.port}")) as response, \
            signed_in_gateway(mesh_env, tmp_path, RESPONSE_GRPC_TARGET=f"127.0.0.1:{response.port}",
                              CONTACTS_GRPC_TARGET=f"127.0.0.1:{contacts.runtime.port}") as signed_in:
        pusher = await Bus.connect(signed_in.gateway.settings, name="test-pusher")
        ns = pusher.ns.prefix
        await push(pusher.nc, "luolong-police", [report("A-1", enterprise_id="ent-001")], namespace=ns)
        await push(pusher.nc, "xigong-police", [report("B-1", agency="xigong-police", enterprise_id="ent-002")],
                   namespace=ns)
        ch = channel(f"127.0.0.1:{response.port}")
        await wait_stored(response_pb2_grpc.ResponseServiceStub(ch), ["luolong-police:A-1", "xigong-police:B-1"])
        await ch.close()
        try:
            yield Mesh(signed_in.gateway, signed_in.secret, pusher)
        finally:
            await pusher.close()


INCIDENT_IDS = "{ incidents(first: 10) { edges { node { id } } } }"


async def test_the_public_reads_the_pairing_list_and_nothing_else(mesh: Mesh) -> None:
    public = await mesh.query("{ pairingListEditions(first: 5) { edges { node { number } } } }")
    assert "errors" not in public, public
    refused = await mesh.query(INCIDENT_IDS)
    assert refused["data"] is None
    assert codes(refused) == ["UNAUTHENTICATED"]
    assert "sign in to use Query.incidents" in refused["errors"][0]["message"]


async def test_police_see_only_their_agencys_incidents(mesh: Mesh) -> None:
    listed = await mesh.query(INCIDENT_IDS, POLICE)
    assert listed["data"]["incidents"]["edges"] == [{"node": {"id": "luolong-police:A-1"}}]
    # Asking for another agency's does not widen the view.
    widened = await mesh.query('{ incidents(first: 10, filter: {agency: "xigong-police"}) { edges { node { id } } } }',
                               POLICE)
    assert widened["data"]["incidents"]["edges"] == [{"node": {"id": "luolong-police:A-1"}}]
    other = await mesh.query('{ incident(id: "xigong-police:B-1") { id } }', POLICE)
    assert codes(other) == ["FORBIDDEN"] and other["data"] == {"incident": None}
    own = await mesh.query('{ incident(id: "luolong-police:A-1") { id reporterContact } }', POLICE)
    assert own["data"]["incident"]["reporterContact"] == "duty desk 0379-110"


async def test_an_enterprise_sees_its_own_incidents_but_not_who_reported_them(mesh: Mesh) -> None:
    listed = await mesh.query(INCIDENT_IDS, ENTERPRISE)
    assert listed["data"]["incidents"]["edges"] == [{"node": {"id": "luolong-police:A-1"}}]
    contact = await mesh.query("{ incidents(first: 1) { edges { node { reporterContact } } } }", ENTERPRISE)
    assert contact["data"] is None and codes(contact) == ["FORBIDDEN"]
    assert "Incident.reporterContact is only for" in contact["errors"][0]["message"]
    other = await mesh.query('query($id: ID!) { enterprise(id: $id) { name } }', ENTERPRISE, {"id": "ent-002"})
    assert codes(other) == ["FORBIDDEN"] and "only for itself" in other["errors"][0]["message"]
    project = 'query($id: ID!) { project(id: $id) { id owner { id } } }'  # demo: prj-001 is ent-001's, prj-002 not
    own = await mesh.query(project, ENTERPRISE, {"id": "prj-001"})
    assert own == {"data": {"project": {"id": "prj-001", "owner": {"id": "ent-001"}}}}, own
    another = await mesh.query(project, ENTERPRISE, {"id": "prj-002"})
    assert codes(another) == ["FORBIDDEN"] and another["data"] == {"project": None}


async def test_ops_read_statistics_but_not_incidents_and_an_officer_cannot_register_enterprises(mesh: Mesh) -> None:
    stats = await mesh.query("{ incidentStatistics { byCategory { key incidents } } }", OPS)
    assert stats["data"]["incidentStatistics"]["byCategory"] == [{"key": "extortion", "incidents": 2}]
    assert codes(await mesh.query(INCIDENT_IDS, OPS)) == ["FORBIDDEN"]
    mutation = 'mutation { publishPairingList { number } }'
    refused = await mesh.query(mutation, OFFICER)
    assert refused["data"] is None and codes(refused) == ["FORBIDDEN"]
    assert "it is for optimisation_office" in refused["errors"][0]["message"]
    everything = await mesh.query(INCIDENT_IDS, OFFICE)
    assert len(everything["data"]["incidents"]["edges"]) == 2

    # Nor by key, through federation's _entities (see the test below).
    by_key = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Incident { id } } }"
    first = everything["data"]["incidents"]["edges"][0]["node"]["id"]
    refused = await mesh.query(by_key, OPS, variables={"r": [{"__typename": "Incident", "id": first}]})
    assert refused["data"] is None and codes(refused) == ["FORBIDDEN"], refused
    assert "may not resolve Incident by key" in refused["errors"][0]["message"]


BY_KEY = """query($r: [_Any!]!) { _entities(representations: $r) {
  ... on Incident { id } ... on Enterprise { id } ... on Project { id } } }"""


async def test_a_supergraph_user_resolves_by_key_what_they_may_look_up_by_id(mesh: Mesh) -> None:
    """The supergraph's router forwards the user's token: each representation is checked as its type's lookup
    (roles, an enterprise's own record, police by agency); its own service account resolves anything."""
    def reps(*keys: tuple[str, str]) -> dict[str, Any]:
        return {"r": [{"__typename": t, "id": i} for t, i in keys]}

    async def by_key(principal: Principal, *keys: tuple[str, str]) -> dict[str, Any]:
        return await mesh.query(BY_KEY, principal, variables=reps(*keys))

    router = await by_key(Principal("r1", Role.ROUTER), ("Incident", "xigong-police:B-1"), ("Enterprise", "ent-002"))
    assert router == {"data": {"_entities": [{"id": "xigong-police:B-1"}, {"id": "ent-002"}]}}, router
    # Police: their agency's incidents, not another's.
    assert (await by_key(POLICE, ("Incident", "luolong-police:A-1"))) == {
        "data": {"_entities": [{"id": "luolong-police:A-1"}]}}
    other = await by_key(POLICE, ("Incident", "xigong-police:B-1"))
    assert other["data"] == {"_entities": [None]} and codes(other) == ["FORBIDDEN"], other
    # An enterprise: its own record and projects, not another's; and no type its role may not look up.
    assert (await by_key(ENTERPRISE, ("Enterprise", "ent-001"), ("Project", "prj-001"))) == {
        "data": {"_entities": [{"id": "ent-001"}, {"id": "prj-001"}]}}
    assert (await by_key(ENTERPRISE, ("Incident", "luolong-police:A-1"))) == {
        "data": {"_entities": [{"id": "luolong-police:A-1"}]}}
    for keys in (("Enterprise", "ent-002"), ("Project", "prj-002"), ("Incident", "xigong-police:B-1")):
        refused = await by_key(ENTERPRISE, keys)
        assert codes(refused) == ["FORBIDDEN"], (keys, refused)
    case = await by_key(ENTERPRISE, ("GovernanceCase", "case-1"))
    assert case["data"] is None and codes(case) == ["FORBIDDEN"]
    assert "like Query.governanceCase" in case["errors"][0]["message"]
    # A type the graph does not resolve by key is refused, not ignored.
    odd = await by_key(OFFICE, ("Pairing", "pair-001"))
    assert odd["data"] is None and codes(odd) == ["FORBIDDEN"] and "resolves by key" in odd["errors"][0]["message"]


async def test_bad_and_expired_tokens_are_refused_with_the_reason(mesh: Mesh) -> None:
    garbage = await mesh.query(INCIDENT_IDS, token="not-a-jwt")
    assert codes(garbage) == ["UNAUTHENTICATED"] and "not valid" in garbage["errors"][0]["message"]
    now = int(time.time())
    expired = jwt.encode({"sub": "p", "iss": ISSUER, "aud": AUDIENCE, "iat": now - 100, "exp": now - 10,
                          "role": "police"}, mesh.secret, algorithm="HS256")
    late = await mesh.query(INCIDENT_IDS, token=expired)
    assert codes(late) == ["UNAUTHENTICATED"] and "expired" in late["errors"][0]["message"]
    forged = issue(b"another key of at least thirty-two bytes", POLICE, issuer=ISSUER, audience=AUDIENCE)
    assert codes(await mesh.query(INCIDENT_IDS, token=forged)) == ["UNAUTHENTICATED"]


async def test_subscriptions_need_sign_in_and_deliver_only_what_the_subscriber_may_see(mesh: Mesh) -> None:
    query = "subscription { incidentReported { id } }"
    url = mesh.gateway.url
    async with subscription(url, query) as ws:  # no token: the public
        refused = json.loads(await ws.recv())
        assert refused["type"] == "next" and refused["payload"]["data"] is None
        assert [e["extensions"]["code"] for e in refused["payload"]["errors"]] == ["UNAUTHENTICATED"]
        assert json.loads(await ws.recv())["type"] == "complete"  # and nothing more is delivered
    with pytest.raises(websockets.ConnectionClosed) as closed:
        async with subscription(url, query, payload={"Authorization": "Bearer nonsense"}) as ws:
            await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
    auth = {"Authorization": f"Bearer {mesh.token(POLICE)}"}
    async with subscription(url, query, payload=auth) as ws:
        await mesh.gateway.wait_subscribers("incidents.accepted")
        ns = mesh.pusher.ns.prefix
        await push(mesh.pusher.nc, "xigong-police", [report("B-2", agency="xigong-police")], namespace=ns)
        await push(mesh.pusher.nc, "luolong-police", [report("A-2")], namespace=ns)
        assert await next_payload(ws) == {"data": {"incidentReported": {"id": "luolong-police:A-2"}}}


async def test_a_county_level_user_sees_only_its_county(mesh: Mesh) -> None:
    county_leader = Principal("l2", Role.LEADER, county_code="410311")
    query = """query($f: EnterpriseFilter) {
      enterprises(first: 100, filter: $f) { edges { node { id territory { countyCode } } } } }"""
    own = await mesh.query(query, county_leader)
    counties = {e["node"]["territory"]["countyCode"] for e in own["data"]["enterprises"]["edges"]}
    assert counties == {"410311"}
    city = await mesh.query(query, Principal("l1", Role.LEADER))
    assert len({e["node"]["territory"]["countyCode"] for e in city["data"]["enterprises"]["edges"]}) > 1
    other = await mesh.query(query, county_leader, {"f": {"countyCode": "410305"}})
    assert codes(other) == ["FORBIDDEN"] and "only county 410311" in other["errors"][0]["message"]


@pytest.mark.parametrize("field,filter_type", [("pairings", "PairingFilter"), ("visits", "VisitFilter"),
                                               ("problems", "ProblemFilter")])
async def test_a_county_level_user_sees_only_its_countys_pairings_visits_and_problems(
    mesh: Mesh, field: str, filter_type: str
) -> None:
    query = f"""query($f: {filter_type}) {{
      {field}(first: 100, filter: $f) {{ edges {{ node {{ id target {{
        ... on Enterprise {{ territory {{ countyCode }} }}
        ... on Project {{ territory {{ countyCode }} }} }} }} }} }} }}"""

    def rows(reply: dict[str, Any]) -> dict[str, str]:
        assert "errors" not in reply, reply["errors"]
        return {e["node"]["id"]: e["node"]["target"]["territory"]["countyCode"] for e in reply["data"][field]["edges"]}

    county_leader = Principal("l2", Role.LEADER, county_code="410311")
    everything = rows(await mesh.query(query, Principal("l1", Role.LEADER)))  # city-wide: every county
    assert len(set(everything.values())) > 1
    own = rows(await mesh.query(query, county_leader))
    assert own and own == {i: c for i, c in everything.items() if c == "410311"}
    assert rows(await mesh.query(query, county_leader, {"f": {"countyCode": "410311"}})) == own
    other = await mesh.query(query, county_leader, {"f": {"countyCode": "410305"}})
    assert codes(other) == ["FORBIDDEN"] and "only county 410311" in other["errors"][0]["message"]
    assert other["errors"][0]["extensions"]["field"] == "filter.countyCode"
    # A city-wide user may narrow to any county.
    assert rows(await mesh.query(query, OFFICE, {"f": {"countyCode": "410305"}})) == {
        i: c for i, c in everything.items() if c == "410305"}


INCIDENT_COUNTIES = """query($f: IncidentFilter) {
  incidents(first: 100, filter: $f) { edges { node { id territory { countyCode } } } } }"""
INCIDENT_STATISTICS = """query($c: String) { incidentStatistics(countyCode: $c) { byUnit { key incidents } } }"""


async def test_a_county_level_user_sees_only_its_countys_incidents_and_statistics(mesh: Mesh) -> None:
    def rows(reply: dict[str, Any]) -> dict[str, str | None]:
        assert "errors" not in reply, reply["errors"]
        return {e["node"]["id"]: e["node"]["territory"]["countyCode"] for e in reply["data"]["incidents"]["edges"]}

    async def dispatched() -> dict[str, str | None] | None:
        found = rows(await mesh.query(INCIDENT_COUNTIES, OFFICE))
        return found if len(found) == 2 and all(found.values()) else None

    # Each lies where its enterprise does (from contacts), not where the agency that reported it is.
    everything = await eventually(dispatched)
    assert everything == {"luolong-police:A-1": "410305", "xigong-police:B-1": "410311"}
    county_leader = Principal("l2", Role.LEADER, county_code="410311")
    own = rows(await mesh.query(INCIDENT_COUNTIES, county_leader))
    assert own == {"xigong-police:B-1": "410311"}
    assert rows(await mesh.query(INCIDENT_COUNTIES, county_leader, {"f": {"countyCode": "410311"}})) == own
    other = await mesh.query(INCIDENT_COUNTIES, county_leader, {"f": {"countyCode": "410305"}})
    assert codes(other) == ["FORBIDDEN"] and "only county 410311" in other["errors"][0]["message"]
    assert other["errors"][0]["extensions"]["field"] == "filter.countyCode"
    # A city-wide user may narrow to any county.
    assert rows(await mesh.query(INCIDENT_COUNTIES, OFFICE, {"f": {"countyCode": "410305"}})) == {
        "luolong-police:A-1": "410305"}
    # One by id: another county's is refused.
    one = 'query($id: ID!) { incident(id: $id) { id } }'
    assert (await mesh.query(one, county_leader, {"id": "xigong-police:B-1"}))["data"] == {
        "incident": {"id": "xigong-police:B-1"}}
    elsewhere = await mesh.query(one, county_leader, {"id": "luolong-police:A-1"})
    assert codes(elsewhere) == ["FORBIDDEN"] and elsewhere["data"] == {"incident": None}
    # Statistics: of the county's incidents only (units are the reporting agencies: no units registered).
    def by_unit(reply: dict[str, Any]) -> list[dict[str, Any]]:
        assert "errors" not in reply, reply["errors"]
        return sorted(reply["data"]["incidentStatistics"]["byUnit"], key=lambda r: r["key"])

    assert by_unit(await mesh.query(INCIDENT_STATISTICS, county_leader)) == [
        {"key": "xigong-police", "incidents": 1}]
    assert by_unit(await mesh.query(INCIDENT_STATISTICS, Principal("l1", Role.LEADER))) == [
        {"key": "luolong-police", "incidents": 1}, {"key": "xigong-police", "incidents": 1}]
    assert by_unit(await mesh.query(INCIDENT_STATISTICS, OFFICE, {"c": "410305"})) == [
        {"key": "luolong-police", "incidents": 1}]
    refused = await mesh.query(INCIDENT_STATISTICS, county_leader, {"c": "410305"})
    assert codes(refused) == ["FORBIDDEN"] and refused["errors"][0]["extensions"]["field"] == "countyCode"


def test_every_root_field_names_who_may_use_it() -> None:
    schema = build_schema()._schema
    for root, table in policy.ROOTS.items():
        graph_type = schema.get_type(root)
        fields = set(getattr(graph_type, "fields", {}))
        assert fields - set(table) == set(), f"{root} fields without an access rule"
        assert set(table) - fields == set(), f"access rules for {root} fields that no longer exist"
