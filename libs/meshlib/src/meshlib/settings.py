"""Settings every mesh process reads; each service subclasses them with its own defaults."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from meshlib.config import env


@dataclass(frozen=True, kw_only=True)
class RuntimeSettings:
    """Connections and lifecycle settings shared by the services and the gateway."""

    nats_url: str = env("NATS_URL", doc="NATS server URL(s), comma-separated, e.g. nats://127.0.0.1:4222")
    nats_creds: Path | None = env("NATS_CREDS", None, doc="credentials file (user JWT + nkey seed)")
    nats_nkey_seed: Path | None = env("NATS_NKEY_SEED", None, doc="nkey seed file identifying this process to NATS")
    nats_user: str | None = env("NATS_USER", None, doc="NATS user name when not using a creds file")
    nats_password: str | None = env("NATS_PASSWORD", None, doc="NATS password for NATS_USER")
    namespace: str = env(
        "MESH_NAMESPACE", "", doc="prefix of subjects, streams and databases (tests isolate with it)"
    )
    stream_replicas: int = env("NATS_STREAM_REPLICAS", 1, doc="JetStream replicas per stream (3 in production)")
    otel_endpoint: str | None = env(
        "OTEL_EXPORTER_OTLP_ENDPOINT", None, doc="OTLP/gRPC collector; nothing is exported when unset"
    )
    log_level: str = env("LOG_LEVEL", "INFO", doc="Python logging level")
    shutdown_grace: float = env("SHUTDOWN_GRACE_SECONDS", 10.0, doc="seconds in-flight calls get on SIGTERM")


@dataclass(frozen=True, kw_only=True)
class ServiceSettings(RuntimeSettings):
    """Settings of a gRPC domain service; subclasses set the port and database defaults."""

    mongodb_uri: str = env("MONGODB_URI", doc="MongoDB connection string of a replica set")
    grpc_host: str = env("GRPC_HOST", "127.0.0.1", doc="interface the gRPC server binds (0.0.0.0 in a pod)")
    grpc_port: int = env("GRPC_PORT", 50050, doc="gRPC port; 0 picks a free one")
    mongodb_database: str = env("MONGODB_DATABASE", "mesh", doc="database owned by this service")
