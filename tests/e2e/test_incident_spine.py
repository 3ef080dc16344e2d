"""End to end: a police report pushed on NATS reaches a GraphQL subscriber, is queryable, and is one trace."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from opentelemetry import trace

from mesh_gateway.settings import GatewaySettings
from mesh_gateway.testing import RunningGateway, next_payload, running_gateway, subscription
from mesh_response.push import push
from mesh_response.service import SPEC as RESPONSE
from mesh_response.settings import ResponseSettings
from mesh_response.testing import report
from meshlib.bus import Bus
from meshlib.service import running
from meshlib.testing.plugin import settings_for
from meshlib.testing.poll import eventually

AGENCY = "luolong-police"
SUBSCRIBE = """
subscription Live($agency: String) {
  incidentReported(agency: $agency) { id agency category severity location enterpriseId }
}"""


@pytest.fixture
async def mesh(mesh_env: dict[str, str]) -> AsyncIterator[tuple[RunningGateway, Bus]]:
    async with running(RESPONSE, settings_for(ResponseSettings, mesh_env)) as response:
        gw_settings = settings_for(GatewaySettings, mesh_env, HTTP_PORT=0,
                                   RESPONSE_GRPC_TARGET=f"127.0.0.1:{response.port}")
        async with running_gateway(gw_settings) as gateway:
            pusher = await Bus.connect(gw_settings, name="test-pusher")
            try:
                yield gateway, pusher
            finally:
                await pusher.close()


async def test_pushed_incident_reaches_subscriber_query_and_one_trace(mesh: Any, span_exporter: Any) -> None:
    gateway, pusher = mesh
    async with subscription(gateway.url, SUBSCRIBE, {"agency": AGENCY}) as ws:
        await gateway.wait_subscribers("incidents.accepted")
        # Another agency's incident must not reach a subscriber filtering on this agency.
        await push(pusher.nc, "yichuan-police", [report("YC-1", agency="yichuan-police")],
                   namespace=pusher.ns.prefix)
        tracer = trace.get_tracer("test.police-system")
        with tracer.start_as_current_span("police system sends report") as root:
            await push(pusher.nc, AGENCY, [report("E2E-1", category="obstruction_of_construction")],
                       namespace=pusher.ns.prefix)
        payload = await next_payload(ws)

    assert payload == {"data": {"incidentReported": {
        "id": f"{AGENCY}:E2E-1", "agency": AGENCY, "category": "OBSTRUCTION_OF_CONSTRUCTION",
        "severity": "SERIOUS", "location": "Kaiyuan Ave 18, Luolong District", "enterpriseId": "ent-001"}}}

    listed = await gateway.query("""{ incidents(first: 10, filter: {agency: "luolong-police"}) {
        edges { node { id } } pageInfo { hasNextPage } } }""")
    assert listed == {"data": {"incidents": {"edges": [{"node": {"id": f"{AGENCY}:E2E-1"}}],
                                             "pageInfo": {"hasNextPage": False}}}}
    # Accepted, then dispatched by the rule (no units registered: the reporting agency keeps it).
    query_one = 'query($id: ID!) { incident(id: $id) { id status unitId dispatches { rule } } }'
    one = await eventually(lambda: gateway.query(query_one, {"id": f"{AGENCY}:E2E-1"}),
                           until=lambda got: got["data"]["incident"]["status"] == "dispatched",
                           what="E2E-1 dispatched")
    assert one == {"data": {"incident": {"id": f"{AGENCY}:E2E-1", "status": "dispatched", "unitId": AGENCY,
                                         "dispatches": [{"rule": "reporting-agency"}]}}}

    trace_id = root.get_span_context().trace_id
    spans = [s for s in span_exporter.get_finished_spans() if s.context.trace_id == trace_id]
    by_id = {s.context.span_id: s for s in spans}
    names = [s.name for s in spans]

    def parent_name(name: str) -> str:
        span = next(s for s in spans if s.name == name)
        assert span.parent is not None, f"{name} has no parent"
        return str(by_id[span.parent.span_id].name)

    # Each hop's parent is the hop before it, across the broker twice.
    assert parent_name(f"incidents.report.{AGENCY} push") == "police system sends report"
    assert parent_name(f"incidents.report.{AGENCY} process") == f"incidents.report.{AGENCY} push"
    assert parent_name("incidents.accepted publish") == f"incidents.report.{AGENCY} process"
    assert parent_name("incidents.accepted process") == "incidents.accepted publish"
    assert parent_name("incidentReported deliver") == "incidents.accepted process"
    # The store is in the trace, under the consume. (The dispatch that follows the accepted event
    # continues the same trace with MongoDB spans of its own, possibly still running.)
    stores = [s for s in spans if s.attributes and s.attributes.get("db.system") == "mongodb" and s.parent
              and s.parent.span_id in by_id and by_id[s.parent.span_id].name == f"incidents.report.{AGENCY} process"]
    assert stores, f"no MongoDB span under the consume: {names}"


async def test_a_graphql_operation_is_one_trace_down_to_the_service(mesh: Any, span_exporter: Any) -> None:
    gateway, _ = mesh
    reply = await gateway.query("query RecentIncidents { incidents(first: 5) { edges { node { id } } } }")
    assert "errors" not in reply, reply
    spans = span_exporter.get_finished_spans()
    (operation,) = [s for s in spans if s.name == "graphql RecentIncidents"]
    assert operation.attributes["graphql.operation.name"] == "RecentIncidents"
    assert operation.kind.name == "SERVER", "over HTTP the request's server span is the operation's (one, not two)"
    same_trace = [s for s in spans if s.context.trace_id == operation.context.trace_id]
    by_id = {s.context.span_id: s for s in same_trace}
    rpc = "/mesh.response.v1.ResponseService/ListIncidents"
    client = [s for s in same_trace if s.name == rpc and s.kind.name == "CLIENT"]
    server = [s for s in same_trace if s.name == rpc and s.kind.name == "SERVER"]
    assert len(client) == 1 and len(server) == 1, [s.name for s in same_trace]
    assert server[0].parent is not None and server[0].parent.span_id == client[0].context.span_id

    def ancestors(span: Any) -> list[str]:
        names = []
        while span.parent is not None and span.parent.span_id in by_id:
            span = by_id[span.parent.span_id]
            names.append(span.name)
        return names

    assert "graphql RecentIncidents" in ancestors(client[0])
    assert not [s for s in same_trace if s.name.startswith(("Query.", "Incident."))], "no span per resolved field"


async def test_a_supergraph_can_resolve_an_incident_by_its_key(mesh: Any) -> None:
    gateway, pusher = mesh
    await push(pusher.nc, AGENCY, [report("FED-1")], namespace=pusher.ns.prefix)
    query = """query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Incident { id agency } } }"""
    reps = [{"__typename": "Incident", "id": f"{AGENCY}:FED-1"}, {"__typename": "Incident", "id": f"{AGENCY}:NONE"}]
    reply = await eventually(lambda: gateway.query(query, {"reps": reps}),
                             until=lambda got: got["data"]["_entities"][0] is not None, what="FED-1 resolvable")
    assert reply == {"data": {"_entities": [{"id": f"{AGENCY}:FED-1", "agency": AGENCY}, None]}}
