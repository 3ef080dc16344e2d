"""An operation that is not an HTTP request's (one of a websocket's many) gets a span of its own."""

from __future__ import annotations

from typing import Any

from mesh_gateway.schema import build_schema


class _NoSignIn:
    verifier = None
    request = None  # not an HTTP request: a websocket's operation, or a direct call


async def test_an_operation_outside_an_http_request_has_its_own_span(span_exporter: Any) -> None:
    schema = build_schema()
    result = await schema.execute("query OwnSpan { __typename }", context_value=_NoSignIn())
    assert result.errors is None
    (span,) = [s for s in span_exporter.get_finished_spans() if s.name == "graphql OwnSpan"]
    assert span.kind.name == "INTERNAL"
    assert span.attributes["graphql.operation.name"] == "OwnSpan"
    assert span.attributes["graphql.operation.type"] == "query"
