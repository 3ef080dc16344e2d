"""Per-request context: service clients, DataLoaders (one batch call per service per request), the hub."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import DataLoader

from mesh.response.v1 import response_pb2
from mesh_gateway.auth import Principal, Role, TokenVerifier
from mesh_gateway.clients import ServiceClients
from mesh_gateway.contacts.loaders import ContactsLoaders
from mesh_gateway.environment.loaders import EnvironmentLoaders
from mesh_gateway.errors import call
from mesh_gateway.hub import Hub
from mesh_gateway.incidents.loaders import LatestKey, latest_incidents_loader
from mesh_gateway.officers.loaders import OfficersLoaders


@dataclass
class Loaders:
    clients: ServiceClients
    incidents: DataLoader[str, response_pb2.Incident | None] = field(init=False)
    latest_incidents: DataLoader[LatestKey, list[response_pb2.Incident]] = field(init=False)
    """An enterprise's newest incidents, keyed (enterprise id, how many) (see mesh_gateway.incidents.loaders)."""
    contacts: ContactsLoaders = field(init=False)
    """Enterprises, projects, leaders, pairings, visits, problems (see mesh_gateway.contacts.loaders)."""
    officers: OfficersLoaders = field(init=False)
    """Officers, dossiers, requests, lead-handled projects, non-approvals (see mesh_gateway.officers.loaders)."""
    environment: EnvironmentLoaders = field(init=False)
    """Cases by id, enterprise, project and incident; fine filings; findings (see mesh_gateway.environment.loaders)."""

    def __post_init__(self) -> None:
        self.incidents = DataLoader(load_fn=self._load_incidents)
        self.latest_incidents = latest_incidents_loader(self.clients.response)
        self.contacts = ContactsLoaders(self.clients.contacts)
        self.officers = OfficersLoaders(self.clients.officers)
        self.environment = EnvironmentLoaders(self.clients.environment)

    async def _load_incidents(self, ids: list[str]) -> list[response_pb2.Incident | None]:
        reply = await call(self.clients.response.BatchGetIncidents(response_pb2.BatchGetIncidentsRequest(ids=ids)))
        by_id = {i.id: i for i in reply.incidents}
        return [by_id.get(i) for i in ids]


@dataclass
class Context:
    clients: ServiceClients
    hub: Hub
    loaders: Loaders
    verifier: TokenVerifier | None = None
    """None: sign-in is off (development only): no one is identified and nothing is checked."""
    request: Any = None
    response: Any = None
    connection_params: dict[str, Any] | None = None
    """graphql-transport-ws: the connection_init payload (carries "Authorization" for subscriptions)."""
    _principal: Principal | None = field(default=None, repr=False)

    @classmethod
    def create(cls, clients: ServiceClients, hub: Hub, request: Any = None, response: Any = None,
               verifier: TokenVerifier | None = None) -> Context:
        return cls(clients=clients, hub=hub, loaders=Loaders(clients), verifier=verifier, request=request,
                   response=response)

    @property
    def principal(self) -> Principal:
        """Who is asking (raises :class:`AuthError` for a bad token; no token is the public)."""
        if self._principal is None:
            if self.verifier is None:
                self._principal = UNVERIFIED
            else:
                self._principal = self.verifier.principal(self._authorization())
        return self._principal

    def _authorization(self) -> str | None:
        if self.connection_params is not None:
            value = self.connection_params.get("Authorization") or self.connection_params.get("authorization")
            return str(value) if value else None
        headers = getattr(self.request, "headers", None)
        return headers.get("authorization") if headers is not None else None


UNVERIFIED = Principal("unverified", Role.OPS, name="sign-in is off")


def actor(info: Any) -> str:
    """Who is making a change, for the services' trails (the token's subject)."""
    return str(info.context.principal.subject)
