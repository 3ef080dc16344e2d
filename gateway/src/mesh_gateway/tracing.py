"""One span per GraphQL operation, named after it; the gRPC calls it makes are its children.

Over HTTP a request carries one operation, and its server span (opentelemetry's ASGI middleware)
is that operation's span: it is renamed after the operation and given its attributes. A second span
per request cost about a tenth of the gateway's CPU (`make bench`, case b, back to back: 1.4-1.5 ms
per request and 501-537 req/s with it, 1.3 ms and 585-604 req/s without). A websocket carries many
operations, each with a span of its own.

No span per resolved field (strawberry's OpenTelemetry extension does that and is slow on
big lists): the I/O a resolver does is already traced by the gRPC client interceptors.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import get_operation_ast
from opentelemetry import trace
from starlette.requests import Request
from strawberry.extensions import SchemaExtension

_tracer = trace.get_tracer("mesh_gateway.graphql")


class OperationTracing(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        ctx = self.execution_context
        server = trace.get_current_span()
        if isinstance(getattr(ctx.context, "request", None), Request) and server.is_recording():
            yield
            _describe(server, ctx)
            return
        with _tracer.start_as_current_span("graphql") as span:
            yield
            _describe(span, ctx)


def _describe(span: Any, ctx: Any) -> None:
    """Name the span after the operation, with its type and the codes of its errors."""
    # The name is known once the document is parsed (or was given with the request).
    name = ctx.operation_name
    if name is None and ctx.graphql_document is not None:
        operation = get_operation_ast(ctx.graphql_document)
        name = operation.name.value if operation is not None and operation.name else None
    span.update_name(f"graphql {name or 'anonymous'}")
    span.set_attribute("graphql.operation.name", name or "")
    kind = getattr(ctx, "operation_type", None)
    if kind is not None:
        span.set_attribute("graphql.operation.type", str(getattr(kind, "value", kind)))
    result = ctx.result
    errors = getattr(result, "errors", None) or []
    if errors:
        span.set_attribute("graphql.errors", len(errors))
        span.set_attribute("graphql.error.codes", sorted({str((e.extensions or {}).get("code", "INTERNAL"))
                                                          for e in errors}))
