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

from mesh.response.v1 import response_pb2
from meshlib.channels import channel, service_config

RESPONSE = response_pb2.DESCRIPTOR.services_by_name["ResponseService"]


def test_reads_are_retried_on_unavailable_and_writes_are_not() -> None:
    config = service_config([RESPONSE], 2.5)
    retried, every = config["methodConfig"]
    methods = {n["method"] for n in retried["name"]}
    assert {"GetIncident", "BatchGetIncidents", "ListIncidents", "ListUnits", "GetStatistics"} <= methods
    assert not methods & {"Dispatch", "Acknowledge", "Resolve", "Transfer", "RegisterUnit"}
    assert retried["retryPolicy"]["retryableStatusCodes"] == ["UNAVAILABLE"]
    assert every == {"name": [{"service": "mesh.response.v1.ResponseService"}], "timeout": "2.5s"}


async def test_the_default_deadline_applies_to_calls_that_set_none() -> None:
    # A server that accepts the connection and never answers: only the deadline ends the call.
    server = grpc.aio.server()
    port = server.add_insecure_port("127.0.0.1:0")

    class Silent(health_pb2_grpc.HealthServicer):
        async def Check(self, request: Any, context: Any) -> Any:
            await asyncio.Event().wait()  # never answers

    health_pb2_grpc.add_HealthServicer_to_server(Silent(), server)
    await server.start()
    health = health_pb2.DESCRIPTOR.services_by_name["Health"]
    ch = channel(f"127.0.0.1:{port}", services=[health], timeout=0.5)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest())
    assert err.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    await ch.close()
    await server.stop(0)


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
        assert metadata["traceparent"] == f"00-{span.context.trace_id:032x}-{span.context.span_id:016x}-{span.context.trace_flags:02x}"
