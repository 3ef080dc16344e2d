"""OpenTelemetry set-up and W3C trace-context propagation across NATS headers."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_NAMESPACE, Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

log = logging.getLogger(__name__)

_instrumented = False


def setup_telemetry(
    service_name: str, otel_endpoint: str | None, *, extra_processor: SpanProcessor | None = None
) -> trace.TracerProvider:
    """Install the process's tracer provider and instrument PyMongo.

    Spans go to the OTLP collector at ``otel_endpoint`` when it is set, and nowhere
    otherwise. If a provider is already installed (several services in one test
    process), it is kept: OpenTelemetry allows one global provider per process.
    gRPC is traced by :mod:`meshlib.channels` (clients) and the server interceptor :mod:`meshlib.service` installs.
    """
    global _instrumented
    current = trace.get_tracer_provider()
    if not isinstance(current, TracerProvider):
        provider = TracerProvider(
            resource=Resource.create({SERVICE_NAME: service_name, SERVICE_NAMESPACE: "mesh"})
        )
        if otel_endpoint:
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otel_endpoint)))
            log.info("exporting traces to %s", otel_endpoint)
        if extra_processor is not None:
            provider.add_span_processor(extra_processor)
        trace.set_tracer_provider(provider)
    if not _instrumented:
        from opentelemetry.instrumentation.pymongo import PymongoInstrumentor

        PymongoInstrumentor().instrument()
        _instrumented = True
    return trace.get_tracer_provider()


def shutdown_telemetry() -> None:
    """Flush spans still buffered (called once, when the process exits)."""
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        provider.force_flush()


def inject(headers: dict[str, str], context: Context | None = None) -> dict[str, str]:
    """Write the current (or given) trace context into message headers."""
    propagate.inject(headers, context=context)
    return headers


def extract(headers: Mapping[str, Any] | None) -> Context:
    """Read a trace context from message headers (an empty context if there is none)."""
    return propagate.extract(dict(headers or {}))
