"""What each RPC behind the gateway benchmark's page (c) costs, called directly, without the gateway.

The same processes and data as ``gateway.py`` (its ``start_mesh`` and ``seed``: 100 enterprises, an officer at
each, an extortion case at every other one). Then each of the four calls the gateway makes for one page is sent
``RPC_COST_N`` times (default 200), one at a time, exactly as the gateway sends it; printed per call: wall time
(mean and p50) and the CPU milliseconds secantusdb and the answering service spent on it, with the size of the
reply. No figure is asserted.

    .venv/bin/python tests/bench/rpc_cost.py
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import grpc
import loadgen
from google.protobuf.message import Message

import gateway
from mesh.contacts.v1 import contacts_pb2 as cpb
from mesh.contacts.v1 import contacts_pb2_grpc
from mesh.environment.v1 import environment_pb2 as epb
from mesh.environment.v1 import environment_pb2_grpc
from mesh.officers.v1 import officers_pb2 as opb
from mesh.officers.v1 import officers_pb2_grpc
from mesh.response.v1 import response_pb2 as rpb
from mesh.response.v1 import response_pb2_grpc

N = int(os.environ.get("RPC_COST_N", "200"))
WARM_UP = 20
WAIT = 30.0
"""Seconds one call may take: a stuck service fails the run instead of hanging it."""

Call = Callable[[], Awaitable[Message]]


def _size(reply: Message) -> str:
    """How many items the reply carries, to see that a change kept what it answers."""
    if isinstance(reply, cpb.ListEnterprisesResponse):
        return f"{len(reply.enterprises)} enterprises"
    if isinstance(reply, opb.OfficersByTargetsResponse):
        return f"{len(reply.officers)} officers"
    if isinstance(reply, epb.CasesByKeyResponse):
        return f"{sum(len(r.cases) for r in reply.results)} cases in {len(reply.results)} keys"
    if isinstance(reply, rpb.IncidentsByEnterprisesResponse):
        return f"{sum(len(r.incidents) for r in reply.results)} incidents in {len(reply.results)} keys"
    return type(reply).__name__


async def _measure(procs: gateway.Processes, service: str, call: Call) -> str:
    for _ in range(WARM_UP):
        reply = await call()
    cpu_before = {name: loadgen.cpu_seconds(procs.named[name].pid) for name in ("secantusdb", service)}
    walls: list[float] = []
    for _ in range(N):
        t0 = time.perf_counter()
        await call()
        walls.append((time.perf_counter() - t0) * 1000)
    cpu = {name: (loadgen.cpu_seconds(procs.named[name].pid) - before) * 1000 / N
           for name, before in cpu_before.items()}
    return (f"wall mean {statistics.fmean(walls):6.2f} ms  p50 {statistics.median(walls):6.2f} ms   "
            f"CPU per call: secantusdb {cpu['secantusdb']:5.2f} ms, {service} {cpu[service]:5.2f} ms   "
            f"({len(reply.SerializeToString())} bytes, {_size(reply)})")


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, gateway.processes(Path(tmp)) as procs:
        mesh = gateway.start_mesh(procs, Path(tmp))
        await gateway.seed(mesh.ports, mesh.nats_url)

        def ch(name: str) -> grpc.aio.Channel:
            return grpc.aio.insecure_channel(f"127.0.0.1:{mesh.ports[name]}")

        async with ch("contacts") as c, ch("officers") as o, ch("environment") as e, ch("response") as r:
            contacts = contacts_pb2_grpc.ContactsServiceStub(c)
            officers = officers_pb2_grpc.OfficersServiceStub(o)
            environment = environment_pb2_grpc.EnvironmentServiceStub(e)
            response = response_pb2_grpc.ResponseServiceStub(r)
            # The requests the gateway sends for page (c), as its resolvers and DataLoaders build them.
            page_request = cpb.ListEnterprisesRequest(filter=cpb.EnterpriseFilter(), page_size=gateway.ENTERPRISES)
            page = await contacts.ListEnterprises(page_request, timeout=WAIT)
            ids = [x.id for x in page.enterprises]
            calls: dict[str, tuple[str, Call]] = {
                "ListEnterprises": ("contacts", lambda: contacts.ListEnterprises(page_request, timeout=WAIT)),
                "BatchGetCasesByEnterprise": ("environment", lambda: environment.BatchGetCasesByEnterprise(
                    epb.BatchGetCasesByEnterpriseRequest(enterprise_ids=ids), timeout=WAIT)),
                "OfficersByTargets": ("officers", lambda: officers.OfficersByTargets(
                    opb.OfficersByTargetsRequest(target_ids=ids), timeout=WAIT)),
                "IncidentsByEnterprises": ("response", lambda: response.IncidentsByEnterprises(
                    rpb.IncidentsByEnterprisesRequest(enterprise_ids=ids, per_enterprise=1), timeout=WAIT)),
            }
            print(f"the four RPCs of the gateway's page (c), {len(ids)} enterprises, {N} calls each, one at a time "
                  f"({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f})")
            for name, (service, call) in calls.items():
                print(f"  {service + ' ' + name:<38} {await _measure(procs, service, call)}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
