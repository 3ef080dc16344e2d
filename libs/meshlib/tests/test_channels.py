"""Client channels: a deadline on every call, retries only for reads, a deadline that really fires, round robin,
and one traced span per call."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from mesh.contacts.v1 import contacts_pb2
from mesh.environment.v1 import environment_pb2
from mesh.officers.v1 import officers_pb2
from mesh.response.v1 import response_pb2
from meshlib.channels import channel, is_read, service_config

RESPONSE = response_pb2.DESCRIPTOR.services_by_name["ResponseService"]
ENVIRONMENT = environment_pb2.DESCRIPTOR.services_by_name["EnvironmentService"]
OFFICERS = officers_pb2.DESCRIPTOR.services_by_name["OfficersService"]


def test_reads_are_retried_on_unavailable_and_writes_are_not() -> None:
    config = service_config([RESPONSE, ENVIRONMENT, OFFICERS])
    (retried,) = config["methodConfig"]
    methods = {n["method"] for n in retried["name"]}
    assert {"GetIncident", "BatchGetIncidents", "ListIncidents", "ListUnits", "GetStatistics"} <= methods
    # Reads by what the proto declares, not by name: the DataLoaders' batch reads are retried too...
    assert {"IncidentsByEnterprises", "OfficersByTargets", "RequestsByEnterprises", "NonApprovalsBySubjects",
            "CheckLeadHandlingEligibility", "CountAccountability"} <= methods
    # ...and a call named like a read that keeps what it checked is not.
    assert not methods & {"Dispatch", "Acknowledge", "Resolve", "Transfer", "RegisterUnit", "CheckEnforcement"}
    assert retried["retryPolicy"]["retryableStatusCodes"] == ["UNAVAILABLE"]
    assert "timeout" not in retried, "deadlines go with each call (see meshlib.channels)"


def test_every_method_named_as_a_read_is_declared_one() -> None:
    """A new Get/BatchGet/List method without ``option idempotency_level = NO_SIDE_EFFECTS`` would never be
    retried while a service restarts; and no write may carry it."""
    writes = ("Register", "Update", "Open", "Close", "Record", "File", "Decide", "Dispatch", "Resolve")
    for pb in (contacts_pb2, environment_pb2, officers_pb2, response_pb2):
        for service in pb.DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                if method.name.startswith(("Get", "BatchGet", "List")):
                    assert is_read(method), f"{service.name}.{method.name} is not declared NO_SIDE_EFFECTS"
                if method.name.startswith(writes):
                    assert not is_read(method), f"{service.name}.{method.name} is a write declared a read"


async def test_the_default_deadline_applies_to_calls_that_set_none_and_reaches_the_server() -> None:
    # A server that answers after the seconds the request names (never, for "forever").
    told: list[float | None] = []

    class Slow(health_pb2_grpc.HealthServicer):
        async def Check(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
            told.append(context.time_remaining())
            if request.service == "forever":
                await asyncio.Event().wait()
            await asyncio.sleep(float(request.service))
            return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)

    server = grpc.aio.server()
    port = server.add_insecure_port("127.0.0.1:0")
    health_pb2_grpc.add_HealthServicer_to_server(Slow(), server)
    await server.start()
    health = health_pb2.DESCRIPTOR.services_by_name["Health"]
    async with channel(f"127.0.0.1:{port}", services=[health], timeout=1.5) as ch:
        stub = health_pb2_grpc.HealthStub(ch)
        # Well within the deadline: answered (a 1.5 s deadline in the service config failed it at once).
        await stub.Check(health_pb2.HealthCheckRequest(service="0.2"))
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.Check(health_pb2.HealthCheckRequest(service="forever"))
        assert err.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        # A caller's own deadline wins.
        await stub.Check(health_pb2.HealthCheckRequest(service="0"), timeout=30)
    await server.stop(0)
    # The server is told each call's deadline: the channel's 1.5 s, then the caller's 30 s (as the server's
    # clock reads them, so not to the millisecond).
    default, default_again, own = told
    assert default is not None and default_again is not None and own is not None, told
    assert max(default, default_again) < 5 < own, told


async def test_calls_spread_over_every_address_of_the_target() -> None:
    """Round robin, not gRPC's default pick_first: with replicas behind one name, each gets calls."""
    served: list[int] = []
    servers = []
    for n in range(2):
        server = grpc.aio.server()
        port = server.add_insecure_port("127.0.0.1:0")

        class Counting(health_pb2_grpc.HealthServicer):
            async def Check(self, request: Any, context: Any, n: int = n) -> Any:
                served.append(n)
                return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)

        health_pb2_grpc.add_HealthServicer_to_server(Counting(), server)
        await server.start()
        servers.append((server, port))
    health = health_pb2.DESCRIPTOR.services_by_name["Health"]
    # One target name with two addresses, as DNS answers for a headless Service with two pods.
    ch = channel("ipv4:" + ",".join(f"127.0.0.1:{port}" for _, port in servers), services=[health], timeout=5)
    stub = health_pb2_grpc.HealthStub(ch)
    for _ in range(10):
        await stub.Check(health_pb2.HealthCheckRequest(), wait_for_ready=True)
    await ch.close()
    for server, _ in servers:
        await server.stop(0)
    assert served.count(0) >= 3 and served.count(1) >= 3, served


async def test_each_call_is_one_client_span_whose_context_reaches_the_server(
        span_exporter: InMemorySpanExporter) -> None:
    """The span is named and attributed as opentelemetry-instrumentation-grpc's; the server sees its trace
    context in the metadata; a refused call ends its span with the status it ended with."""
    seen: list[dict[str, str]] = []

    class Echo(health_pb2_grpc.HealthServicer):
        async def Check(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
            seen.append({k: v for k, v in context.invocation_metadata() if isinstance(v, str)})
            if request.service == "refuse":
                await context.abort(grpc.StatusCode.FAILED_PRECONDITION, "not now")
            return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)

    server = grpc.aio.server()
    port = server.add_insecure_port("127.0.0.1:0")
    health_pb2_grpc.add_HealthServicer_to_server(Echo(), server)
    await server.start()
    async with channel(f"127.0.0.1:{port}", timeout=5) as ch:
        stub = health_pb2_grpc.HealthStub(ch)
        reply = await stub.Check(health_pb2.HealthCheckRequest(), metadata=[("x-caller", "test")])
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.Check(health_pb2.HealthCheckRequest(service="refuse"))
        assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    await server.stop(0)

    ok, failed = [s for s in span_exporter.get_finished_spans() if s.kind is SpanKind.CLIENT]
    assert ok.name == failed.name == "/grpc.health.v1.Health/Check"
    assert dict(ok.attributes or {}) == {"rpc.system": "grpc", "rpc.service": "grpc.health.v1.Health",
                                         "rpc.method": "Check", "rpc.grpc.status_code": 0}
    assert ok.status.status_code is StatusCode.UNSET
    assert (failed.attributes or {})["rpc.grpc.status_code"] == grpc.StatusCode.FAILED_PRECONDITION.value[0]
    assert failed.status.status_code is StatusCode.ERROR
    assert failed.status.description == "FAILED_PRECONDITION: not now"
    # The caller's own metadata is kept, and each call carries its own span's context.
    assert seen[0]["x-caller"] == "test"
    for span, metadata in zip((ok, failed), seen, strict=True):
        assert span.context is not None
        ctx = span.context
        assert metadata["traceparent"] == f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{ctx.trace_flags:02x}"
