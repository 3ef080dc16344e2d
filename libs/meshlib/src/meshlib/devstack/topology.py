"""What `make run` starts, on which default ports, and how each says it is ready."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from meshlib.config import env


@dataclass(frozen=True)
class Component:
    """A mesh process: a gRPC domain service or the HTTP gateway."""

    name: str
    module: str
    kind: str  # "grpc" or "http"

    @property
    def port_variable(self) -> str:
        """The devstack variable that sets this component's port (e.g. RESPONSE_PORT)."""
        return f"{self.name.upper()}_PORT"

    @property
    def target_variable(self) -> str:
        """The gateway variable that points at this service (e.g. RESPONSE_GRPC_TARGET)."""
        return f"{self.name.upper()}_GRPC_TARGET"


SERVICES = (
    Component("contacts", "mesh_contacts", "grpc"),
    Component("officers", "mesh_officers", "grpc"),
    Component("environment", "mesh_environment", "grpc"),
    Component("response", "mesh_response", "grpc"),
)
GATEWAY = Component("gateway", "mesh_gateway", "http")


@dataclass(frozen=True, kw_only=True)
class DevStackSettings:
    """Ports and data directory of the local mesh; every one can be changed by its variable."""

    data_dir: Path = env("MESH_DATA_DIR", Path(".data"), doc="where NATS, MongoDB and the logs keep their files")
    nats_port: int = env("NATS_PORT", 4222, doc="NATS client port")
    nats_monitor_port: int = env("NATS_MONITOR_PORT", 8222, doc="NATS monitoring (HTTP) port")
    mongo_port: int = env("MONGO_PORT", 27017, doc="MongoDB-protocol port of secantusdb")
    contacts_port: int = env("CONTACTS_PORT", 50051, doc="gRPC port of the contacts service")
    officers_port: int = env("OFFICERS_PORT", 50052, doc="gRPC port of the officers service")
    environment_port: int = env("ENVIRONMENT_PORT", 50053, doc="gRPC port of the environment service")
    response_port: int = env("RESPONSE_PORT", 50054, doc="gRPC port of the response service")
    gateway_port: int = env("GATEWAY_PORT", 8000, doc="HTTP port of the GraphQL gateway")
    agencies: tuple[str, ...] = env(
        "MESH_AGENCIES", ("luolong-police", "xigong-police", "city-urban-management"),
        doc="demo agencies that get NATS credentials to push incidents (comma-separated)",
    )
    start_timeout: float = env("MESH_START_TIMEOUT", 90.0, doc="seconds each process gets to become ready")

    def port(self, component: Component) -> int:
        return int(getattr(self, f"{component.name}_port"))
