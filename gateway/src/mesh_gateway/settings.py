"""Settings of the GraphQL gateway."""

from __future__ import annotations

from dataclasses import dataclass

from meshlib.config import env
from meshlib.settings import RuntimeSettings


@dataclass(frozen=True, kw_only=True)
class GatewaySettings(RuntimeSettings):
    http_host: str = env("HTTP_HOST", "127.0.0.1", doc="interface the HTTP server binds (0.0.0.0 in a pod)")
    http_port: int = env("HTTP_PORT", 8000, doc="HTTP port of /graphql, /healthz, /readyz; 0 picks a free one")
    response_target: str = env("RESPONSE_GRPC_TARGET", "127.0.0.1:50054", doc="host:port of the response service")
    contacts_target: str = env("CONTACTS_GRPC_TARGET", "127.0.0.1:50051", doc="host:port of the contacts service")
    officers_target: str = env("OFFICERS_GRPC_TARGET", "127.0.0.1:50052", doc="host:port of the officers service")
    environment_target: str = env("ENVIRONMENT_GRPC_TARGET", "127.0.0.1:50053",
                                  doc="host:port of the environment service")
    graphiql: bool = env("GRAPHIQL", True, doc="serve GraphiQL at /graphql (development)")
    max_depth: int = env("GRAPHQL_MAX_DEPTH", 10, doc="deepest query accepted")
    max_tokens: int = env("GRAPHQL_MAX_TOKENS", 2000, doc="largest query accepted, in tokens")
    max_aliases: int = env("GRAPHQL_MAX_ALIASES", 30, doc="most aliases in one query")
    subscriber_queue: int = env(
        "SUBSCRIBER_QUEUE", 256, doc="events buffered per subscription before a slow subscriber is dropped"
    )
