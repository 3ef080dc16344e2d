"""Where an enterprise or project lies and whether it is a key one: asked of the contacts service.

The rest of the service depends on the small :class:`TerritoryDirectory` interface, so the
gRPC client is one implementation among others (``mesh_environment.testing.FixedDirectory``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import grpc

from mesh.contacts.v1 import contacts_pb2, contacts_pb2_grpc
from meshlib.channels import channel


@dataclass(frozen=True)
class SiteInfo:
    """What contacts knows about an enterprise or a project that item 9 needs."""

    county_code: str
    county_name: str
    township_code: str
    township_name: str
    is_key: bool
    name: str = ""


class TerritoryDirectory(Protocol):
    async def enterprises(self, ids: Sequence[str]) -> Mapping[str, SiteInfo]:
        """The known enterprises among ``ids``; unknown ids are absent."""
        ...

    async def projects(self, ids: Sequence[str]) -> Mapping[str, SiteInfo]:
        """The known projects among ``ids``; unknown ids are absent."""
        ...

    async def close(self) -> None: ...


def _info(territory: contacts_pb2.Territory, is_key: bool, name: str) -> SiteInfo:
    return SiteInfo(territory.county_code, territory.county_name, territory.township_code,
                    territory.township_name, is_key, name)


class ContactsDirectory:
    """The contacts service over gRPC: one batch call per question."""

    def __init__(self, target: str, *, timeout: float = 5.0) -> None:
        self._channel: grpc.aio.Channel = channel(target)
        self._stub = contacts_pb2_grpc.ContactsServiceStub(self._channel)
        self._timeout = timeout

    async def enterprises(self, ids: Sequence[str]) -> Mapping[str, SiteInfo]:
        if not ids:
            return {}
        reply = await self._stub.BatchGetEnterprises(contacts_pb2.BatchGetEnterprisesRequest(ids=list(ids)),
                                                     timeout=self._timeout)
        return {e.id: _info(e.territory, e.is_key, e.name) for e in reply.enterprises}

    async def projects(self, ids: Sequence[str]) -> Mapping[str, SiteInfo]:
        if not ids:
            return {}
        reply = await self._stub.BatchGetProjects(contacts_pb2.BatchGetProjectsRequest(ids=list(ids)),
                                                  timeout=self._timeout)
        return {p.id: _info(p.territory, p.is_key, p.name) for p in reply.projects}

    async def close(self) -> None:
        await self._channel.close()
