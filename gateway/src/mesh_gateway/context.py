"""Per-request context: service clients, DataLoaders (one batch call per service per request), the hub."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from strawberry.dataloader import DataLoader

from mesh.response.v1 import response_pb2
from mesh_gateway.auth import AuthError, Principal, Role, TokenVerifier
from mesh_gateway.clients import ServiceClients
from mesh_gateway.contacts.loaders import ContactsLoaders
from mesh_gateway.environment.loaders import EnvironmentLoaders
from mesh_gateway.errors import call
from mesh_gateway.hub import Hub
from mesh_gateway.incidents.loaders import LatestKey, latest_incidents_loader
from mesh_gateway.officers.loaders import OfficersLoaders


class Loaders:
    """A request's DataLoaders, each made when the request first needs it (most use one or two of 25)."""

    def __init__(self, clients: ServiceClients) -> None:
        self.clients = clients

    @cached_property
    def incidents(self) -> DataLoader[str, response_pb2.Incident | None]:
        return DataLoader(load_fn=self._load_incidents)

    @cached_property
    def latest_incidents(self) -> DataLoader[LatestKey, list[response_pb2.Incident]]:
        """An enterprise's newest incidents, keyed (enterprise id, how many) (see mesh_gateway.incidents.loaders)."""
        return latest_incidents_loader(self.clients.response)

    @cached_property
    def contacts(self) -> ContactsLoaders:
        """Enterprises, projects, leaders, pairings, visits, problems (see mesh_gateway.contacts.loaders)."""
        return ContactsLoaders(self.clients.contacts)

    @cached_property
    def officers(self) -> OfficersLoaders:
        """Officers, dossiers, requests, lead-handled projects, non-approvals (see mesh_gateway.officers.loaders)."""
        return OfficersLoaders(self.clients.officers)

    @cached_property
    def environment(self) -> EnvironmentLoaders:
        """Cases by id, enterprise, project, incident; fine filings; findings (mesh_gateway.environment.loaders)."""
        return EnvironmentLoaders(self.clients.environment)

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
    _refused: AuthError | None = field(default=None, repr=False)

    @classmethod
    def create(cls, clients: ServiceClients, hub: Hub, request: Any = None, response: Any = None,
               verifier: TokenVerifier | None = None) -> Context:
        return cls(clients=clients, hub=hub, loaders=Loaders(clients), verifier=verifier, request=request,
                   response=response)

    async def sign_in(self) -> None:
        """Verify the caller's token now, without holding up other requests while the issuer's keys are fetched
        (:meth:`TokenVerifier.signed_in`); :attr:`principal` then answers, or raises the refusal."""
        if self.verifier is None or self._principal is not None or self._refused is not None:
            return
        try:
            self._principal = await self.verifier.signed_in(self._authorization())
        except AuthError as err:
            self._refused = err

    @property
    def principal(self) -> Principal:
        """Who is asking (raises :class:`AuthError` for a bad token; no token is the public)."""
        if self._refused is not None:
            raise AuthError(str(self._refused))
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
