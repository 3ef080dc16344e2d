"""gRPC client channels, traced, with a deadline on every call and retries for reads.

Every call on a channel gets ``timeout`` unless the caller sets its own. Reads (methods
named Get*, BatchGet*, List*, or declared idempotent by the caller) are retried with
backoff when the server is UNAVAILABLE (a restarting pod); writes never are, since a
write that reached the server before the connection dropped must not be applied twice.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import grpc
from google.protobuf.descriptor import ServiceDescriptor
from opentelemetry.instrumentation.grpc import aio_client_interceptors

READ_PREFIXES = ("Get", "BatchGet", "List")


def is_read(method: str) -> bool:
    return method.startswith(READ_PREFIXES)


ROUND_ROBIN: list[dict[str, Any]] = [{"round_robin": {}}]
"""Calls spread over every address the target resolves to (a headless Service's pods in Kubernetes);
gRPC's default, pick_first, would send them all to one replica."""


def service_config(services: Sequence[ServiceDescriptor], timeout: float, *, attempts: int = 3) -> dict[str, Any]:
    """The gRPC service config: round robin over the target's addresses, a deadline for every method,
    retries on UNAVAILABLE for reads."""
    reads = [{"service": s.full_name, "method": m.name} for s in services for m in s.methods if is_read(m.name)]
    configs: list[dict[str, Any]] = [{"name": [{"service": s.full_name} for s in services], "timeout": f"{timeout}s"}]
    if reads:
        configs.insert(0, {
            "name": reads,
            "timeout": f"{timeout}s",
            "retryPolicy": {"maxAttempts": attempts, "initialBackoff": "0.1s", "maxBackoff": "1s",
                            "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]},
        })
    if not services:
        return {"loadBalancingConfig": ROUND_ROBIN}
    return {"loadBalancingConfig": ROUND_ROBIN, "methodConfig": configs}


def channel(target: str, *, services: Sequence[ServiceDescriptor] = (), timeout: float = 10.0) -> grpc.aio.Channel:
    """An insecure (in-cluster) channel whose calls carry trace context, a deadline and read retries."""
    options: list[tuple[str, Any]] = [("grpc.keepalive_time_ms", 30_000), ("grpc.enable_retries", 1)]
    options.append(("grpc.service_config", json.dumps(service_config(services, timeout))))
    return grpc.aio.insecure_channel(
        target,
        interceptors=aio_client_interceptors(),  # type: ignore[no-untyped-call]
        options=options,
    )
