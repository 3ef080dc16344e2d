"""Typed domain errors, and their mapping to gRPC status codes and back.

A refusal carries the rule that refused and the policy item it enforces, so the
gateway can tell a user what to change (``FAILED_PRECONDITION: rule fine-filing,
item 11``). The rule and item travel as trailing metadata.

The item is spelled one way for every service, as deadlines' clauses and enforcement reasons spell
theirs: ``"Item 11"``, ``"Items 10, 11"``, whether the code that refused wrote "11" or "Item 11".
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

import grpc
from grpc.aio import ServerInterceptor

RULE_KEY = "mesh-rule"
ITEM_KEY = "mesh-policy-item"
FIELD_KEY = "mesh-field"


class DomainError(Exception):
    """A request the domain refuses; never an internal failure."""

    status: ClassVar[grpc.StatusCode] = grpc.StatusCode.FAILED_PRECONDITION

    def __init__(self, message: str, *, rule: str, item: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.rule = rule
        self.item = policy_item(item)
        self.field = field

    def trailing_metadata(self) -> tuple[tuple[str, str], ...]:
        md = [(RULE_KEY, self.rule)]
        if self.item:
            md.append((ITEM_KEY, self.item))
        if self.field:
            md.append((FIELD_KEY, self.field))
        return tuple(md)

    @staticmethod
    def from_rpc_error(error: grpc.aio.AioRpcError) -> DomainError | None:
        """The domain error a service raised, or None for transport/internal failures."""
        cls = _BY_STATUS.get(error.code())
        if cls is None:
            return None
        md = {k: v for k, v in (error.trailing_metadata() or ()) if isinstance(v, str)}
        return cls(
            error.details() or "",
            rule=md.get(RULE_KEY, "unspecified"),
            item=md.get(ITEM_KEY),
            field=md.get(FIELD_KEY),
        )


@contextmanager
def under(path: str) -> Iterator[None]:
    """A refusal of a field checked on its own (``credit_code``, ``county_code``) names it where the request
    holds it: under ``path`` (``enterprise.credit_code``, ``office.county_code``, ``problems[1].due_on``)."""
    try:
        yield
    except DomainError as err:
        if err.field:
            err.field = f"{path}.{err.field}"
        raise


def policy_item(spelled: str | None) -> str | None:
    """The policy item(s) ``spelled`` names, as "Item 13" or "Items 10, 11" ("13" -> "Item 13"); None if it
    names none."""
    numbers = re.findall(r"\d+", spelled or "")
    if not numbers:
        return None
    return f"Item {numbers[0]}" if len(numbers) == 1 else f"Items {', '.join(numbers)}"


class InvalidArgument(DomainError):
    """The input is malformed; ``field`` names what to fix."""

    status = grpc.StatusCode.INVALID_ARGUMENT


class NotFound(DomainError):
    status = grpc.StatusCode.NOT_FOUND


class Refused(DomainError):
    """The input is well-formed but a policy rule forbids it now."""

    status = grpc.StatusCode.FAILED_PRECONDITION


class AlreadyExists(DomainError):
    status = grpc.StatusCode.ALREADY_EXISTS


_BY_STATUS: dict[grpc.StatusCode, type[DomainError]] = {
    c.status: c for c in (InvalidArgument, NotFound, Refused, AlreadyExists)
}


class DomainErrorInterceptor(ServerInterceptor):  # type: ignore[misc]
    """Turns a :class:`DomainError` raised by a servicer into its status code and metadata."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        inner = handler.unary_unary

        async def behaviour(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            try:
                return await inner(request, context)
            except DomainError as err:
                context.set_trailing_metadata(err.trailing_metadata())
                await context.abort(err.status, err.message)

        return grpc.unary_unary_rpc_method_handler(
            behaviour,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
