"""Settings of the GraphQL gateway."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mesh_gateway.auth import TokenVerifier, load_or_create_secret
from meshlib.config import ConfigError, env
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
    environment: str = env("ENVIRONMENT", "development",
                           doc="production: JWKS sign-in required, introspection and GraphiQL off")
    jwt_issuer: str = env("JWT_ISSUER", "mesh-dev", doc="the issuer (iss) tokens must carry")
    jwt_audience: str = env("JWT_AUDIENCE", "mesh-gateway", doc="the audience (aud) tokens must carry")
    jwt_jwks_url: str | None = env("JWT_JWKS_URL", None, doc="the issuer's JWKS (production sign-in)")
    jwt_secret_file: Path | None = env("JWT_SECRET_FILE", None, doc="HS256 key file (development sign-in only)")
    max_body_bytes: int = env("MAX_BODY_BYTES", 256 * 1024, doc="largest HTTP request body accepted")
    rpc_timeout: float = env("RPC_TIMEOUT_SECONDS", 5.0, doc="deadline of every gRPC call the gateway makes")
    graphiql: bool = env("GRAPHIQL", True, doc="serve GraphiQL at /graphql (development; never in production)")
    max_depth: int = env("GRAPHQL_MAX_DEPTH", 10, doc="deepest query accepted")
    max_tokens: int = env("GRAPHQL_MAX_TOKENS", 2000, doc="largest query accepted, in tokens")
    max_aliases: int = env("GRAPHQL_MAX_ALIASES", 30, doc="most aliases in one query")
    subscriber_queue: int = env(
        "SUBSCRIBER_QUEUE", 256, doc="events buffered per subscription before a slow subscriber is dropped"
    )

    @property
    def production(self) -> bool:
        return self.environment == "production"

    def verifier(self) -> TokenVerifier | None:
        """How tokens are checked; None when sign-in is off (development without a key only)."""
        if self.production:
            if not self.jwt_jwks_url or self.jwt_secret_file is not None:
                raise ConfigError(["ENVIRONMENT=production needs JWT_JWKS_URL, and no JWT_SECRET_FILE"])
            return TokenVerifier(issuer=self.jwt_issuer, audience=self.jwt_audience, jwks_url=self.jwt_jwks_url)
        if self.jwt_jwks_url:
            return TokenVerifier(issuer=self.jwt_issuer, audience=self.jwt_audience, jwks_url=self.jwt_jwks_url)
        if self.jwt_secret_file is not None:
            return TokenVerifier(issuer=self.jwt_issuer, audience=self.jwt_audience,
                                 secret=load_or_create_secret(self.jwt_secret_file))
        return None
