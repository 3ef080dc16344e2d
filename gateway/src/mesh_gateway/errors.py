"""Service errors as GraphQL errors a frontend can act on; everything else is masked."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import TypeVar

import grpc
from google.protobuf.message import Message
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
    not spell it as the service does (``{"note": "outcome"}``), or does not nest it as the request does: a field
    maps the fields under it too (``{"enterprise": "input"}`` names ``enterprise.territory.county_code`` as
    ``input.territory.countyCode``), the longest that applies; a field mapped to ``""`` is none the user sent (the
    gateway fills it in, as the acting unit from the token), and the error names no field. Every other field is
    :func:`graph_field`'s.
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
                        "field": sent_as(domain.field, fields or {})},
        ) from exc


def sent_as(field: str | None, fields: Mapping[str, str]) -> str | None:
    """The field a service names as the user sent it, by ``fields`` (see :func:`call`) or else
    :func:`graph_field`."""
    if not field:
        return field
    under = [f for f in fields if field == f or field.startswith((f"{f}.", f"{f}["))]
    if not under:
        return graph_field(field)
    longest = max(under, key=len)
    if not fields[longest]:
        return None
    return fields[longest] + (graph_field(field[len(longest):]) or "")


def inside(argument: str, request: type[Message]) -> dict[str, str]:
    """For :func:`call`'s ``fields``: every field of ``request`` (but its actor) as sent inside the input
    ``argument`` the gateway flattens into it (``inside("input", FileFineRequest)`` names ``amount_fen`` as
    ``input.amountYuan``, and ``officers[1].name`` as ``input.officers[1].name``)."""
    return {f.name: f"{argument}.{graph_field(f.name)}" for f in request.DESCRIPTOR.fields if f.name != "actor"}


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
