"""What the issue asks of the gateway's runtime, proven through the running gateway (/work/helpers/audit-7.md):
a deadline on every gRPC call, retries on UNAVAILABLE for reads and never for writes, internal failures masked
and validation errors readable, the maximum page size, /healthz and /readyz, and production sign-in against
an issuer's JWKS.

The response service here is a real gRPC server on a free port whose answers each test chooses (one that never
answers, one that is restarting), since only such a server shows how the gateway deals with a failing service.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import grpc
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer

from mesh.response.v1 import response_pb2, response_pb2_grpc
from mesh_gateway.auth import Principal, Role, issue
from mesh_gateway.pagination import MAX_PAGE_SIZE
from mesh_gateway.settings import GatewaySettings
from mesh_gateway.testing import RunningGateway, codes, running_gateway
from mesh_response.events import STREAMS as RESPONSE_STREAMS
from meshlib.bus import Bus
from meshlib.testing.plugin import settings_for

RPC_TIMEOUT = 5.0
MASKED = "Unexpected error."
PAGE = "query($n: Int!) { incidents(first: $n) { edges { node { id } } pageInfo { hasNextPage } } }"
ACKNOWLEDGE = 'mutation { acknowledgeIncident(incidentId: "a:1") { id status } }'


class Response(response_pb2_grpc.ResponseServiceServicer):
    """The response service's API, answering as the test says: hang, be unavailable (once or always), or answer."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.hang: set[str] = set()
        self.unavailable: dict[str, int] = {}
        """method -> how many of its calls fail with UNAVAILABLE (a service restarting) before it answers."""
        self.time_remaining: dict[str, float | None] = {}
        self.page_sizes: list[int] = []
        self.filters: list[response_pb2.IncidentFilter] = []

    async def _enter(self, method: str, context: grpc.aio.ServicerContext[Any, Any]) -> None:
        self.calls[method] += 1
        self.time_remaining[method] = context.time_remaining()
        if method in self.hang:
            await asyncio.Event().wait()
        if self.calls[method] <= self.unavailable.get(method, 0):
            await context.abort(grpc.StatusCode.UNAVAILABLE, "the service is restarting")

    async def ListIncidents(self, request: response_pb2.ListIncidentsRequest,
                            context: grpc.aio.ServicerContext[Any, Any]) -> response_pb2.ListIncidentsResponse:
        await self._enter("ListIncidents", context)
        self.page_sizes.append(request.page_size)
        self.filters.append(request.filter)
        return response_pb2.ListIncidentsResponse()

    async def Acknowledge(self, request: response_pb2.StatusChangeRequest,
                          context: grpc.aio.ServicerContext[Any, Any]) -> response_pb2.Incident:
        await self._enter("Acknowledge", context)
        return response_pb2.Incident(id=request.incident_id, agency="a", category=response_pb2.EXTORTION,
                                     severity=response_pb2.MINOR, status="acknowledged")


@dataclass
class Mesh:
    gateway: RunningGateway
    response: Response
    health: HealthServicer


@pytest.fixture
async def services() -> AsyncIterator[tuple[str, Response, HealthServicer]]:
    """One gRPC server standing for every service: the response API above and the stock health service."""
    server = grpc.aio.server()
    port = server.add_insecure_port("127.0.0.1:0")
    response = Response()  # type: ignore[abstract]  # the methods not answered here are UNIMPLEMENTED
    health = HealthServicer()
    response_pb2_grpc.add_ResponseServiceServicer_to_server(response, server)
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    await health.set("", health_pb2.HealthCheckResponse.SERVING)
    await server.start()
    try:
        yield f"127.0.0.1:{port}", response, health
    finally:
        await server.stop(0)


def _targets(target: str) -> dict[str, str]:
    return {f"{name}_GRPC_TARGET": target for name in ("RESPONSE", "CONTACTS", "OFFICERS", "ENVIRONMENT")}


@pytest.fixture
async def mesh(mesh_env: dict[str, str], bus: Bus,
               services: tuple[str, Response, HealthServicer]) -> AsyncIterator[Mesh]:
    """The gateway (sign-in off) over that server, with a short deadline on every call."""
    await bus.ensure_streams(RESPONSE_STREAMS)
    target, response, health = services
    settings = settings_for(GatewaySettings, mesh_env, HTTP_PORT=0, RPC_TIMEOUT_SECONDS=RPC_TIMEOUT,
                            **_targets(target))
    async with running_gateway(settings) as gateway:
        yield Mesh(gateway, response, health)


async def test_a_service_that_does_not_answer_is_given_up_on_with_a_masked_error(mesh: Mesh) -> None:
    mesh.response.hang.add("ListIncidents")
    reply = await mesh.gateway.query(PAGE, {"n": 5})  # ended by the call's deadline, not by the service
    assert reply["data"] is None
    (error,) = reply["errors"]
    assert error["message"] == MASKED and "extensions" not in error, "no internal detail reaches the caller"
    assert mesh.response.calls["ListIncidents"] == 1
    # A validation error is the caller's to fix: it is not masked.
    invalid = await mesh.gateway.query("{ incidents(first: 1) { edges { node { nope } } } }")
    assert invalid["errors"][0]["message"] == "Cannot query field 'nope' on type 'Incident'."


async def test_the_service_is_told_the_calls_deadline(mesh: Mesh) -> None:
    reply = await mesh.gateway.query(PAGE, {"n": 5})
    assert "errors" not in reply, reply
    remaining = mesh.response.time_remaining["ListIncidents"]
    # The gateway's deadline, as the service's clock reads it (so not to the millisecond; no deadline is None).
    assert remaining is not None and 0 < remaining < RPC_TIMEOUT + 1, (remaining, "the call carried the deadline")


async def test_reads_are_retried_while_a_service_restarts_and_writes_are_not(mesh: Mesh) -> None:
    mesh.response.unavailable["ListIncidents"] = 1
    reply = await mesh.gateway.query(PAGE, {"n": 5})
    assert reply == {"data": {"incidents": {"edges": [], "pageInfo": {"hasNextPage": False}}}}
    assert mesh.response.calls["ListIncidents"] == 2, "the read was retried once the first attempt was refused"

    mesh.response.unavailable["Acknowledge"] = 1
    refused = await mesh.gateway.query(ACKNOWLEDGE)
    assert refused["data"] is None and refused["errors"][0]["message"] == MASKED
    assert mesh.response.calls["Acknowledge"] == 1, "a write is never sent twice"
    done = await mesh.gateway.query(ACKNOWLEDGE)  # asked again by the user, it goes through
    assert done == {"data": {"acknowledgeIncident": {"id": "a:1", "status": "acknowledged"}}}


async def test_a_page_is_at_most_the_maximum_page_size(mesh: Mesh) -> None:
    too_big = await mesh.gateway.query(PAGE, {"n": MAX_PAGE_SIZE + 1})
    assert too_big["data"] is None and codes(too_big) == ["BAD_USER_INPUT"]
    assert too_big["errors"][0]["message"] == f"first must be between 1 and {MAX_PAGE_SIZE}"
    assert codes(await mesh.gateway.query(PAGE, {"n": 0})) == ["BAD_USER_INPUT"]
    assert mesh.response.calls["ListIncidents"] == 0, "refused before any service is asked"
    full = await mesh.gateway.query(PAGE, {"n": MAX_PAGE_SIZE})
    assert "errors" not in full, full
    assert mesh.response.page_sizes == [MAX_PAGE_SIZE]


async def test_incidents_are_asked_for_by_the_dates_and_the_territory_the_user_filters_by(mesh: Mesh) -> None:
    reply = await mesh.gateway.query("""{ incidents(first: 5, filter: {category: EXTORTION, countyCode: "410311",
        occurredAfter: "2026-11-01T00:00:00+08:00", occurredBefore: "2026-11-27T12:00:00Z"}) {
        edges { node { id } } } }""")
    assert "errors" not in reply, reply
    (asked,) = mesh.response.filters
    assert asked.occurred_after.ToDatetime(tzinfo=UTC) == datetime(2026, 10, 31, 16, tzinfo=UTC), "the instant, in UTC"
    assert asked.occurred_before.ToDatetime(tzinfo=UTC) == datetime(2026, 11, 27, 12, tzinfo=UTC)
    assert (asked.county_code, asked.category) == ("410311", response_pb2.EXTORTION)
    # A time without its offset is ambiguous in a city on +08:00: refused, as every date filter refuses it.
    naive = await mesh.gateway.query('{ incidents(first: 5, filter: {occurredAfter: "2026-11-01T00:00:00"}) '
                                     '{ edges { node { id } } } }')
    assert naive["data"] is None and codes(naive) == ["BAD_USER_INPUT"], naive
    assert naive["errors"][0]["extensions"]["field"] == "filter.occurredAfter"
    assert len(mesh.response.filters) == 1, "refused before the service was asked"


async def test_healthz_says_alive_and_readyz_says_whether_every_service_serves(mesh: Mesh) -> None:
    http = mesh.gateway.http
    alive = await http.get("/healthz")
    assert (alive.status_code, alive.json()) == (200, {"status": "ok"})
    every = {"response": True, "contacts": True, "officers": True, "environment": True}
    ready = await http.get("/readyz")
    assert (ready.status_code, ready.json()) == (200, {"ready": True, "nats": True, "services": every})

    await mesh.health.set("", health_pb2.HealthCheckResponse.NOT_SERVING)
    not_ready = await http.get("/readyz")
    assert not_ready.status_code == 503
    assert not_ready.json() == {"ready": False, "nats": True, "services": dict.fromkeys(every, False)}
    assert (await http.get("/healthz")).status_code == 200, "alive all the same"


# ---- production sign-in: tokens of the configured issuer, verified against its JWKS -----------------------

@dataclass
class Issuer:
    url: str
    key: rsa.RSAPrivateKey
    asked: threading.Event
    """Set when the keys are first asked for."""
    release: threading.Event | None = None
    """When set up, the keys are served only once this is set (or after a failsafe 15 s)."""
    released: list[bool] = field(default_factory=list)
    """Per request held: whether ``release`` let it go (False: the failsafe did)."""

    def token(self, principal: Principal, key: rsa.RSAPrivateKey | None = None) -> str:
        now = int(time.time())
        claims = {"sub": principal.subject, "iss": "https://id.example.city", "aud": "mesh-gateway", "iat": now,
                  "exp": now + 600, "role": principal.role.value}
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": "city-1"})


def _issuer(release: threading.Event | None) -> Iterator[Issuer]:
    """An identity provider's JWKS endpoint: a real HTTP server on a free port, in a thread."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "city-1", "use": "sig", "alg": "RS256"}]}).encode()
    asked = threading.Event()
    released: list[bool] = []

    class Keys(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.set()
            if release is not None:
                released.append(release.wait(15))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Keys)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Issuer(f"http://127.0.0.1:{server.server_address[1]}/jwks.json", key, asked, release, released)
    finally:
        if release is not None:
            release.set()
        server.shutdown()
        thread.join()
        server.server_close()


@pytest.fixture
def issuer() -> Iterator[Issuer]:
    yield from _issuer(None)


@pytest.fixture
def slow_issuer() -> Iterator[Issuer]:
    """An identity provider that answers for its keys only when the test lets it."""
    yield from _issuer(threading.Event())


async def test_production_verifies_tokens_against_the_issuers_jwks_and_refuses_others(
    mesh_env: dict[str, str], bus: Bus, services: tuple[str, Response, HealthServicer], issuer: Issuer,
) -> None:
    await bus.ensure_streams(RESPONSE_STREAMS)
    settings = settings_for(GatewaySettings, mesh_env, HTTP_PORT=0, ENVIRONMENT="production",
                            JWT_JWKS_URL=issuer.url, JWT_ISSUER="https://id.example.city", **_targets(services[0]))
    office = Principal("x1", Role.OPTIMISATION_OFFICE)
    async with running_gateway(settings) as gateway:
        async def ask(token: str | None) -> dict[str, Any]:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            return await gateway.query(PAGE, {"n": 1}, headers=headers)

        assert await ask(issuer.token(office)) == {
            "data": {"incidents": {"edges": [], "pageInfo": {"hasNextPage": False}}}}
        impostor = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        development = issue(b"a development key of at least 32 bytes", office, issuer="https://id.example.city",
                            audience="mesh-gateway")
        for token in (issuer.token(office, key=impostor), development):
            refused = await ask(token)
            assert refused["data"] is None and codes(refused) == ["UNAUTHENTICATED"], refused
            assert "the token is not valid" in refused["errors"][0]["message"]
        anonymous = await ask(None)
        assert anonymous["data"] is None and codes(anonymous) == ["UNAUTHENTICATED"]
    assert services[1].calls["ListIncidents"] == 1, "only the signed-in office's query reached the service"


async def test_fetching_the_issuers_keys_holds_up_no_other_request(
    mesh_env: dict[str, str], bus: Bus, services: tuple[str, Response, HealthServicer], slow_issuer: Issuer,
) -> None:
    """PyJWT fetches the keys synchronously: on the event loop, one slow identity provider would stall every
    request of the gateway (this test's too, as the gateway runs in its process) until it answered."""
    await bus.ensure_streams(RESPONSE_STREAMS)
    settings = settings_for(GatewaySettings, mesh_env, HTTP_PORT=0, ENVIRONMENT="production",
                            JWT_JWKS_URL=slow_issuer.url, JWT_ISSUER="https://id.example.city", **_targets(services[0]))
    assert slow_issuer.release is not None
    office = slow_issuer.token(Principal("x1", Role.OPTIMISATION_OFFICE))
    async with running_gateway(settings) as gateway:
        signing_in = asyncio.create_task(gateway.query(PAGE, {"n": 1}, headers={"Authorization": f"Bearer {office}"}))
        assert await asyncio.to_thread(slow_issuer.asked.wait, 10), "the gateway asked for the issuer's keys"
        # While the keys are being fetched, the gateway answers others (a signed-out caller here)...
        other = await gateway.query(PAGE, {"n": 1})
        assert codes(other) == ["UNAUTHENTICATED"]
        # ...and only then does the test let the issuer answer. Fetched on the event loop, the keys would have
        # held this test up too, until the issuer's failsafe answered instead.
        slow_issuer.release.set()
        assert (await signing_in) == {"data": {"incidents": {"edges": [], "pageInfo": {"hasNextPage": False}}}}
    assert slow_issuer.released == [True], "the keys were released by the test, not by the failsafe"
