"""gRPC stubs of the services the gateway calls, one traced channel each."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from mesh.contacts.v1 import contacts_pb2, contacts_pb2_grpc
from mesh.environment.v1 import environment_pb2, environment_pb2_grpc
from mesh.officers.v1 import officers_pb2, officers_pb2_grpc
from mesh.response.v1 import response_pb2, response_pb2_grpc
from mesh_gateway.settings import GatewaySettings
from meshlib.channels import channel


class ServiceClients:
    def __init__(self, settings: GatewaySettings) -> None:
        def open_channel(target: str, descriptor: Any, service: str) -> grpc.aio.Channel:
            # Every call gets the gateway's deadline; reads are retried while a service restarts.
            return channel(target, services=[descriptor.services_by_name[service]], timeout=settings.rpc_timeout)

        self._channels: dict[str, grpc.aio.Channel] = {
            "response": open_channel(settings.response_target, response_pb2.DESCRIPTOR, "ResponseService"),
            "contacts": open_channel(settings.contacts_target, contacts_pb2.DESCRIPTOR, "ContactsService"),
            "officers": open_channel(settings.officers_target, officers_pb2.DESCRIPTOR, "OfficersService"),
            "environment": open_channel(settings.environment_target, environment_pb2.DESCRIPTOR,
                                        "EnvironmentService"),
        }
        self.response = response_pb2_grpc.ResponseServiceStub(self._channels["response"])
        self.contacts = contacts_pb2_grpc.ContactsServiceStub(self._channels["contacts"])
        self.officers = officers_pb2_grpc.OfficersServiceStub(self._channels["officers"])
        self.environment = environment_pb2_grpc.EnvironmentServiceStub(self._channels["environment"])

    async def ready(self, timeout: float = 1.0) -> dict[str, bool]:
        """Each service's gRPC health, asked now."""

        async def check(ch: grpc.aio.Channel) -> bool:
            try:
                reply = await health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=timeout)
            except grpc.aio.AioRpcError:
                return False
            return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)

        names = list(self._channels)
        results = await asyncio.gather(*(check(self._channels[n]) for n in names))
        return dict(zip(names, results, strict=True))

    async def close(self) -> None:
        for ch in self._channels.values():
            await ch.close()
