"""The gateway as its own process (`python -m mesh_gateway`): what it does when Kubernetes stops it."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import urllib.request
from pathlib import Path
from typing import Any

import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2 as ts
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc as ts_grpc

from meshlib.devstack import servers
from meshlib.testing.plugin import NatsServer
from meshlib.testing.poll import eventually


class _Collector(ts_grpc.TraceServiceServicer):
    """An OTLP/gRPC collector that keeps the names of the spans it is sent."""

    def __init__(self) -> None:
        self.names: list[str] = []

    async def Export(self, request: Any, context: Any) -> ts.ExportTraceServiceResponse:
        self.names += [span.name for rs in request.resource_spans for ss in rs.scope_spans for span in ss.spans]
        return ts.ExportTraceServiceResponse()


def _post(port: int) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql",
                                     data=b'{"query": "query Probe { __typename }"}',
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as reply:
        return int(reply.status)


async def test_sigterm_stops_cleanly_and_exports_the_last_spans(nats_server: NatsServer, tmp_path: Path) -> None:
    collector = _Collector()
    sink = grpc.aio.server()
    ts_grpc.add_TraceServiceServicer_to_server(collector, sink)  # type: ignore[no-untyped-call]
    sink_port = sink.add_insecure_port("127.0.0.1:0")
    await sink.start()
    port = servers.free_port()
    env = dict(os.environ, NATS_URL=nats_server.url, HTTP_PORT=str(port), SHUTDOWN_GRACE_SECONDS="2",
               OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{sink_port}", LOG_LEVEL="WARNING")
    for name in ("JWT_SECRET_FILE", "JWT_JWKS_URL", "ENVIRONMENT"):
        env.pop(name, None)
    log = tmp_path / "gateway.log"
    proc = servers.spawn([sys.executable, "-m", "mesh_gateway"], log, env)
    try:
        await asyncio.to_thread(servers.wait_until, lambda: servers.http_ok(f"http://127.0.0.1:{port}/healthz"),
                                timeout=60, what="gateway", proc=proc, log=log)
        assert await asyncio.to_thread(_post, port) == 200
        # At once, well inside the batch span processor's 5 s export delay: only shutdown can send the span.
        proc.send_signal(signal.SIGTERM)
        returncode = await asyncio.to_thread(proc.wait, 60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    try:
        assert returncode == 0, f"the gateway ended with {returncode}:\n{log.read_text()[-2000:]}"
        # The export was sent before the process ended; let the sink finish receiving it.
        await eventually(lambda: any("Probe" in n for n in collector.names), timeout=10,
                         what="the operation's span at the sink")
    finally:
        await sink.stop(0)
