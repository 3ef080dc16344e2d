"""Per-request context: service clients, DataLoaders (one batch call per service per request), the hub."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import DataLoader

from mesh.response.v1 import response_pb2
from mesh_gateway.clients import ServiceClients
from mesh_gateway.errors import call
from mesh_gateway.hub import Hub


@dataclass
class Loaders:
    clients: ServiceClients
    incidents: DataLoader[str, response_pb2.Incident | None] = field(init=False)

    def __post_init__(self) -> None:
        self.incidents = DataLoader(load_fn=self._load_incidents)

    async def _load_incidents(self, ids: list[str]) -> list[response_pb2.Incident | None]:
        reply = await call(self.clients.response.BatchGetIncidents(response_pb2.BatchGetIncidentsRequest(ids=ids)))
        by_id = {i.id: i for i in reply.incidents}
        return [by_id.get(i) for i in ids]


@dataclass
class Context:
    clients: ServiceClients
    hub: Hub
    loaders: Loaders
    request: Any = None
    response: Any = None

    @classmethod
    def create(cls, clients: ServiceClients, hub: Hub, request: Any = None, response: Any = None) -> Context:
        return cls(clients=clients, hub=hub, loaders=Loaders(clients), request=request, response=response)
