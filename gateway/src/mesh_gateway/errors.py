"""Service errors as GraphQL errors a frontend can act on; everything else is masked."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import TypeVar

import grpc
from graphql import GraphQLError
from strawberry.utils.str_converters import to_camel_case

from meshlib.errors import DomainError
from meshlib.paging import PAGE_TOKEN

T = TypeVar("T")


class UserError(GraphQLError):
    """An error the user can fix; never masked. ``extensions.code`` is stable."""


async def call(rpc: Awaitable[T], fields: Mapping[str, str] | None = None) -> T:
    """Await a gRPC call; a domain refusal becomes a :class:`UserError` naming its rule and item.

    ``fields`` maps a field as the service names it to the argument the user sent it as, where the graph does
    not spell it as the service does (``{"note": "outcome"}``); every other field is :func:`graph_field`'s.
    """
    try:
        return await rpc
    except grpc.aio.AioRpcError as exc:
        domain = DomainError.from_rpc_error(exc)
        if domain is None:
            raise
        raise UserError(
            domain.message,
            extensions={"code": domain.status.name, "rule": domain.rule, "policyItem": domain.item,
                        "field": (fields or {}).get(domain.field or "") or graph_field(domain.field)},
        ) from exc


def graph_field(field: str | None) -> str | None:
    """A field a service names (its proto spelling, ``filter.opened_before``) as the graph spells it
    (``filter.openedBefore``), so every error names what to fix the way the user's query does. Money the
    services keep in fen the graph takes in yuan (``amount_fen`` is ``amountYuan``)."""
    if not field:
        return field
    if field == PAGE_TOKEN:  # the graph's connections take the services' page token as their cursor
        return "after"
    return ".".join(to_camel_case(_yuan(part)) for part in field.split("."))


def _yuan(part: str) -> str:
    return part.removesuffix("_fen") + "_yuan" if part.endswith("_fen") else part


def should_mask(error: GraphQLError) -> bool:
    """Mask internal failures; keep validation errors and :class:`UserError`s readable."""
    original = error.original_error
    if original is None:  # syntax and validation errors
        return False
    return not isinstance(original, UserError) and "code" not in (error.extensions or {})
