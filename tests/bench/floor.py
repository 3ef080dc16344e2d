"""The floor of `tests/bench/gateway.py`'s case (b): the least a Python gateway with one gRPC hop costs here.

Two processes, with nothing of the mesh in them: a bare grpc.aio server answering ``BatchGetEnterprises`` with the
very enterprise the contacts service returned (its serialized reply, read from a file: no database, no tracing), and
the baseline's bare strawberry app (``bare_app.py``: same types, parser and validation caches) whose ``enterprise``
resolver makes that one call on a plain grpc.aio channel. What the gateway adds beyond this floor is the mesh's own
(sign-in, limits, tracing, the service's database); what the floor costs beside the baseline is the hop's.

    python tests/bench/floor.py server PORT REPLY_FILE
    python tests/bench/floor.py app PORT GRPC_PORT
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import bare_app
import grpc
import strawberry
import uvicorn
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache

from mesh.contacts.v1 import contacts_pb2 as pb
from mesh.contacts.v1 import contacts_pb2_grpc


class _Contacts(contacts_pb2_grpc.ContactsServiceServicer):  # type: ignore[misc]
    def __init__(self, reply: pb.BatchGetEnterprisesResponse) -> None:
        self._reply = reply
        self._by_id = {e.id: e for e in reply.enterprises}

    async def BatchGetEnterprises(self, request: pb.BatchGetEnterprisesRequest,
                                  context: Any) -> pb.BatchGetEnterprisesResponse:
        return pb.BatchGetEnterprisesResponse(enterprises=[self._by_id[i] for i in request.ids if i in self._by_id])


async def serve(port: int, reply: pb.BatchGetEnterprisesResponse) -> None:
    server = grpc.aio.server()
    contacts_pb2_grpc.add_ContactsServiceServicer_to_server(_Contacts(reply), server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    await server.wait_for_termination()


def _enterprise(e: pb.Enterprise) -> bare_app.Enterprise:
    t = e.territory
    return bare_app.Enterprise(
        id=strawberry.ID(e.id), name=e.name, credit_code=e.credit_code, sector=e.sector,
        territory=bare_app.Territory(county_code=t.county_code, county_name=t.county_name,
                                     township_code=t.township_code, township_name=t.township_name),
        officers=[], latest_incident=None, open_cases=[])


def app(grpc_port: int) -> GraphQL[Any, Any]:
    channel: list[grpc.aio.Channel] = []  # made on the server's event loop, at the first request

    def stub() -> contacts_pb2_grpc.ContactsServiceStub:
        if not channel:
            channel.append(grpc.aio.insecure_channel(f"127.0.0.1:{grpc_port}"))
        return contacts_pb2_grpc.ContactsServiceStub(channel[0])

    @strawberry.type
    class Query:
        @strawberry.field
        async def enterprise(self, id: strawberry.ID) -> bare_app.Enterprise | None:
            reply = await stub().BatchGetEnterprises(pb.BatchGetEnterprisesRequest(ids=[str(id)]), timeout=10)
            return _enterprise(reply.enterprises[0]) if reply.enterprises else None

    extensions: list[Any] = [ParserCache(maxsize=1000), ValidationCache(maxsize=1000)]
    return GraphQL(strawberry.Schema(query=Query, extensions=extensions), graphql_ide=None)


if __name__ == "__main__":
    role, port = sys.argv[1], int(sys.argv[2])
    if role == "server":
        asyncio.run(serve(port, pb.BatchGetEnterprisesResponse.FromString(Path(sys.argv[3]).read_bytes())))
    elif role == "app":
        uvicorn.run(app(int(sys.argv[3])), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    else:
        raise SystemExit(f"unknown role {role!r}: server or app")
