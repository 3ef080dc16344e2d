"""The starlette application: /graphql (HTTP and graphql-transport-ws), /healthz, /readyz."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from mesh_gateway.auth import AuthError, TokenVerifier
from mesh_gateway.clients import ServiceClients
from mesh_gateway.context import Context
from mesh_gateway.feeds import start_feeds
from mesh_gateway.hub import Hub
from mesh_gateway.limits import BodyLimit
from mesh_gateway.schema import build_schema
from mesh_gateway.settings import GatewaySettings
from meshlib import heap
from meshlib.bus import Bus

log = logging.getLogger(__name__)


class _GraphQL(GraphQL[Context, None]):
    def __init__(self, *args: Any, verifier: TokenVerifier | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._verifier = verifier

    async def get_context(self, request: Any, response: Any) -> Context:
        state = request.app.state
        context = Context.create(state.clients, state.hub, request, response, verifier=self._verifier)
        if request.scope["type"] == "http":  # a websocket signs in with its connection_init (on_ws_connect)
            await context.sign_in()
        return context

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """A subscriber signs in with ``{"Authorization": "Bearer ..."}`` in connection_init; a bad token is 4403."""
        await context.sign_in()
        try:
            context.principal  # noqa: B018 - the token's refusal, before any subscription starts
        except AuthError as err:
            log.info("websocket sign-in refused: %s", err)
            raise ConnectionRejectionError from None
        unset: UnsetType = UNSET
        return unset


def create_app(settings: GatewaySettings, *, settle_heap: bool = False) -> Starlette:
    """The gateway. ``settle_heap``: tune the garbage collector once started (:func:`meshlib.heap.settle`);
    for the gateway's own process, not for a test run that starts many."""
    verifier = settings.verifier()
    if verifier is None:
        log.warning("sign-in is OFF (no JWT_SECRET_FILE or JWT_JWKS_URL): no caller is identified and no "
                    "access rule is checked; never run like this outside development")
    schema = build_schema(max_depth=settings.max_depth, max_tokens=settings.max_tokens,
                          max_aliases=settings.max_aliases, production=settings.production)
    graphql = _GraphQL(
        schema,
        verifier=verifier,
        graphql_ide="graphiql" if settings.graphiql and not settings.production else None,
        allow_queries_via_get=False,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        keep_alive=True,
        keep_alive_interval=15,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.hub = Hub(settings.subscriber_queue)
        app.state.clients = ServiceClients(settings)
        app.state.bus = await Bus.connect(settings, name="mesh-gateway")
        try:
            await start_feeds(app.state.bus, app.state.hub)
            if settle_heap:
                heap.settle()
            yield
        finally:
            await app.state.bus.close()
            await app.state.clients.close()

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> JSONResponse:
        services = await request.app.state.clients.ready()
        nats_ok = bool(request.app.state.bus.nc.is_connected)
        ok = nats_ok and all(services.values())
        return JSONResponse({"ready": ok, "nats": nats_ok, "services": services}, status_code=200 if ok else 503)

    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
        ],
        lifespan=lifespan,
        middleware=[
            # One span per request (or websocket): its body's receive/send steps are noise, and cost.
            Middleware(OpenTelemetryMiddleware, excluded_urls="healthz,readyz", exclude_spans=["receive", "send"]),
            Middleware(BodyLimit, max_bytes=settings.max_body_bytes),
        ],
    )
