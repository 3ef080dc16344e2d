"""Helpers for tests that run the gateway for real: an HTTP server on a free port, users signed in with the
development key, a graphql-transport-ws client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
import websockets
from starlette.applications import Starlette

from mesh_gateway.app import create_app
from mesh_gateway.auth import Principal, issue
from mesh_gateway.settings import GatewaySettings
from meshlib.devstack.servers import free_port
from meshlib.testing.plugin import settings_for
from meshlib.testing.poll import eventually


@dataclass
class RunningGateway:
    url: str
    app: Starlette
    http: httpx.AsyncClient
    settings: GatewaySettings

    async def query(self, query: str, variables: Mapping[str, Any] | None = None,
                    headers: Mapping[str, str] | None = None) -> dict[str, Any]:
        reply = await self.http.post("/graphql", json={"query": query, "variables": dict(variables or {})},
                                     headers=dict(headers or {}))
        body: dict[str, Any] = reply.json()
        return body

    async def wait_subscribers(self, topic: str, count: int = 1, timeout: float = 10.0) -> None:
        """Wait until ``count`` subscriptions listen on ``topic`` (a subscription has no start ack)."""
        await eventually(lambda: self.app.state.hub.subscriber_count(topic), until=lambda n: n >= count,
                         timeout=timeout, interval=0.02, what=f"{count} subscriber(s) on {topic}")


@asynccontextmanager
async def running_gateway(settings: GatewaySettings) -> AsyncIterator[RunningGateway]:
    """The gateway served by uvicorn on a free loopback port, lifespan included."""
    port = settings.http_port or free_port()
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", log_level="warning"))
    task = asyncio.create_task(server.serve())
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while not server.started:
        if task.done() or loop.time() > deadline:
            await task
            raise RuntimeError("the gateway did not start")
        await asyncio.sleep(0.02)
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=20) as http:
            yield RunningGateway(url, app, http, settings)
    finally:
        server.should_exit = True
        await task


@dataclass
class SignedIn:
    """A running gateway with sign-in on, and its development key: a test asks as any user it names."""

    gateway: RunningGateway
    secret: bytes

    def token(self, principal: Principal) -> str:
        settings = self.gateway.settings
        return issue(self.secret, principal, issuer=settings.jwt_issuer, audience=settings.jwt_audience)

    def auth(self, principal: Principal) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(principal)}"}

    async def query(self, query: str, principal: Principal | None = None, variables: Mapping[str, Any] | None = None,
                    headers: Mapping[str, str] | None = None, *, token: str | None = None) -> dict[str, Any]:
        """Ask as ``principal``, or with a bearer ``token`` as it is (a forged or expired one), or anonymously;
        ``headers`` go along."""
        if principal is not None:
            token = self.token(principal)
        signed = {"Authorization": f"Bearer {token}"} if token else {}
        return await self.gateway.query(query, variables, headers={**(headers or {}), **signed})

    async def data(self, query: str, principal: Principal, variables: Mapping[str, Any] | None = None) -> Any:
        """The reply's data, asserting that it has no errors."""
        reply = await self.query(query, principal, variables)
        assert "errors" not in reply, reply["errors"]
        return reply["data"]


@asynccontextmanager
async def signed_in_gateway(env: Mapping[str, str], key_dir: Path, **overrides: Any) -> AsyncIterator[SignedIn]:
    """The gateway on a free port, verifying tokens signed by a development key it makes in ``key_dir``;
    ``overrides`` are settings (service targets and the like)."""
    key = key_dir / "jwt.key"
    settings = settings_for(GatewaySettings, env, HTTP_PORT=0, JWT_SECRET_FILE=str(key), **overrides)
    async with running_gateway(settings) as gateway:
        yield SignedIn(gateway, key.read_bytes().strip())


def refusal(reply: Mapping[str, Any]) -> dict[str, Any]:
    """The extensions (code, rule, policyItem, field) of the one error a reply with no data carries."""
    assert reply.get("data") is None and len(reply.get("errors", [])) == 1, reply
    extensions: dict[str, Any] = reply["errors"][0]["extensions"]
    return extensions


def codes(reply: Mapping[str, Any]) -> list[str | None]:
    """The stable codes of a reply's errors, in order (None for an error without one)."""
    return [(e.get("extensions") or {}).get("code") for e in reply.get("errors", [])]


@asynccontextmanager
async def subscription(
    gateway_url: str, query: str, variables: Mapping[str, Any] | None = None,
    payload: Mapping[str, Any] | None = None,
) -> AsyncIterator[websockets.ClientConnection]:
    """Open a graphql-transport-ws connection and start one subscription (id "1")."""
    ws_url = gateway_url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(ws_url, subprotocols=[websockets.Subprotocol("graphql-transport-ws")]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": dict(payload or {})}))
        ack = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if ack["type"] != "connection_ack":
            raise AssertionError(f"expected connection_ack, got {ack}")
        await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                  "payload": {"query": query, "variables": dict(variables or {})}}))
        yield ws


async def next_payload(ws: websockets.ClientConnection, timeout: float = 15.0) -> dict[str, Any]:
    """The next ``next`` message's payload (skipping pings); fails on an ``error`` message."""
    while True:
        msg = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if msg["type"] == "ping":
            await ws.send(json.dumps({"type": "pong"}))
            continue
        if msg["type"] == "next":
            payload: dict[str, Any] = msg["payload"]
            return payload
        raise AssertionError(f"unexpected message {msg}")
