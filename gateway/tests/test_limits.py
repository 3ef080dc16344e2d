"""Protection against abusive queries: each limit refuses the abuse with a clear message, and normal use passes."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import websockets
from opentelemetry.context import Context as OtelContext

from mesh_gateway.hub import Event
from mesh_gateway.live import TOO_SLOW
from mesh_gateway.settings import GatewaySettings
from mesh_gateway.testing import RunningGateway, next_payload, running_gateway, subscription
from mesh_response.events import STREAMS as RESPONSE_STREAMS
from mesh_response.repository import to_event_data
from meshlib.bus import Bus
from meshlib.envelope import Envelope
from meshlib.testing.plugin import settings_for


@pytest.fixture
async def gateway(mesh_env: dict[str, str], bus: Bus) -> AsyncIterator[RunningGateway]:
    await bus.ensure_streams(RESPONSE_STREAMS)
    settings = settings_for(GatewaySettings, mesh_env, HTTP_PORT=0, GRAPHQL_MAX_DEPTH=6, GRAPHQL_MAX_TOKENS=400,
                            GRAPHQL_MAX_ALIASES=5, MAX_BODY_BYTES=4096, SUBSCRIBER_QUEUE=32)
    async with running_gateway(settings) as gw:
        yield gw


def message(reply: dict[str, Any]) -> str:
    return " ".join(e["message"] for e in reply.get("errors", []))


async def test_depth_tokens_and_aliases_are_limited(gateway: RunningGateway) -> None:
    normal = await gateway.query("{ __typename }")
    assert normal == {"data": {"__typename": "Query"}}
    deep = "{ incidents(first: 1) { edges { node { case { enterprise { pairings { leader { name } } } } } } } }"
    assert "exceeds maximum operation depth of 6" in message(await gateway.query(deep))
    many_tokens = "{ " + " ".join(f"a{i}: __typename" for i in range(150)) + " }"
    assert "document contains more than 400 tokens" in message(await gateway.query(many_tokens)).lower()
    aliases = "{ " + " ".join(f"a{i}: __typename" for i in range(6)) + " }"
    assert "aliases found. Allowed: 5" in message(await gateway.query(aliases))


async def test_bodies_over_the_limit_are_refused_before_parsing(gateway: RunningGateway) -> None:
    reply = await gateway.http.post("/graphql", content=json.dumps({"query": "{ __typename }", "pad": "x" * 5000}),
                                    headers={"content-type": "application/json"})
    assert reply.status_code == 413
    assert reply.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"


async def test_array_batches_and_queries_over_get_are_refused(gateway: RunningGateway) -> None:
    batch = await gateway.http.post("/graphql", json=[{"query": "{ __typename }"}, {"query": "{ __typename }"}])
    assert batch.status_code == 400
    over_get = await gateway.http.get("/graphql", params={"query": "{ __typename }"})
    assert over_get.status_code in (400, 405)


async def test_production_turns_off_introspection_and_graphiql(mesh_env: dict[str, str], bus: Bus,
                                                                tmp_path: Any) -> None:
    await bus.ensure_streams(RESPONSE_STREAMS)
    with pytest.raises(Exception, match="JWT_JWKS_URL"):
        settings_for(GatewaySettings, mesh_env, ENVIRONMENT="production").verifier()
    settings = settings_for(GatewaySettings, mesh_env, HTTP_PORT=0, ENVIRONMENT="production",
                            JWT_JWKS_URL="http://127.0.0.1:9/jwks.json")
    async with running_gateway(settings) as gw:
        introspect = await gw.query("{ __schema { queryType { name } } }")
        assert "introspection has been disabled" in message(introspect).lower()
        page = await gw.http.get("/graphql", headers={"accept": "text/html"})
        assert "graphiql" not in page.text.lower()


async def test_a_slow_subscriber_is_disconnected_and_does_not_hold_up_the_others(gateway: RunningGateway) -> None:
    query = "subscription { incidentReported { id description } }"
    async with subscription(gateway.url, query) as fast, subscription(gateway.url, query) as slow:
        await gateway.wait_subscribers("incidents.accepted", 2)
        hub = gateway.app.state.hub
        sent = 400
        received = 0

        async def read_fast() -> None:
            nonlocal received
            while received < sent:
                await next_payload(fast)
                received += 1

        reader = asyncio.create_task(read_fast())
        for i in range(sent):  # `slow` never reads: its socket fills, then its queue, and it is cut off
            hub.publish(Event("incidents.accepted", Envelope(
                id=f"e{i}", type="mesh.incident.accepted", source="test", subject=f"a:{i}",
                data=_incident_data(i)), OtelContext()))
            await asyncio.sleep(0.005)
        await asyncio.wait_for(reader, 60)
        assert received == sent
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(slow.recv(), 30)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == TOO_SLOW
        assert "fell more than 32 events behind" in closed.value.rcvd.reason


def _incident_data(i: int) -> dict[str, Any]:
    """An ``incidents.accepted`` event's data as the response service makes it (:func:`to_event_data`)."""
    at = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    return to_event_data({
        "_id": f"a:{i}", "agency": "a", "external_id": str(i), "category": "extortion", "severity": "minor",
        "occurred_at": at, "received_at": at + timedelta(seconds=1), "location": "x", "enterprise_id": None,
        "project_id": None, "reporter_contact": "110", "status": "reported", "unit_id": "",
        # Incompressible, so the silent subscriber's socket really fills (websockets deflate messages).
        "description": secrets.token_urlsafe(45_000)})
