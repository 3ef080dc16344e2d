"""An OTLP/gRPC trace collector for `tests/bench/gateway.py`: it accepts every span (so exporting costs what it
costs against a real collector) and keeps, one JSON line each, only the spans of traces whose id starts with
a mark, so the benchmark can count the RPCs of the requests it marked.

Run as ``python tests/bench/trace_sink.py PORT MARK OUT_FILE``.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2 as ts
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc as ts_grpc

SERVER, CLIENT = 2, 3
"""OTLP span kinds."""


def rows(out: Path) -> list[tuple[str, str, int, str, str]]:
    """The kept spans: (trace id hex, service name, kind, rpc.system, span name)."""
    if not out.exists():
        return []
    return [tuple(json.loads(line)) for line in out.read_text().splitlines()]


class _Sink(ts_grpc.TraceServiceServicer):
    def __init__(self, mark: str, out: Path) -> None:
        self._mark = mark
        self._out = out

    async def Export(self, request: Any, context: Any) -> ts.ExportTraceServiceResponse:
        lines = []
        for rs in request.resource_spans:
            service = next((a.value.string_value for a in rs.resource.attributes if a.key == "service.name"), "")
            for ss in rs.scope_spans:
                for span in ss.spans:
                    if span.trace_id.hex().startswith(self._mark):
                        rpc = next((a.value.string_value for a in span.attributes if a.key == "rpc.system"), "")
                        lines.append(json.dumps([span.trace_id.hex(), service, span.kind, rpc, span.name]))
        if lines:
            with self._out.open("a") as f:
                f.write("\n".join(lines) + "\n")
        return ts.ExportTraceServiceResponse()


async def serve(port: int, mark: str, out: Path) -> None:
    server = grpc.aio.server()
    ts_grpc.add_TraceServiceServicer_to_server(_Sink(mark, out), server)  # type: ignore[no-untyped-call]
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    await server.wait_for_termination()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), sys.argv[2], Path(sys.argv[3])))
