"""gRPC client channels, traced, for calls between services and from the gateway."""

from __future__ import annotations

import grpc
from opentelemetry.instrumentation.grpc import aio_client_interceptors


def channel(target: str) -> grpc.aio.Channel:
    """An insecure (in-cluster, mTLS by the mesh if any) channel whose calls carry trace context."""
    return grpc.aio.insecure_channel(
        target,
        interceptors=aio_client_interceptors(),  # type: ignore[no-untyped-call]
        options=[("grpc.keepalive_time_ms", 30_000), ("grpc.enable_retries", 1)],
    )
