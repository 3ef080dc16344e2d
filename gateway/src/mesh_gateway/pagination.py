"""Relay-style connections: edges with cursors, page info, a maximum page size."""

from __future__ import annotations

from typing import Generic, TypeVar

import strawberry

from mesh_gateway.errors import UserError

T = TypeVar("T")

MAX_PAGE_SIZE = 100


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo

    @classmethod
    def from_page(cls, nodes: list[T], cursors: list[str], next_token: str) -> Connection[T]:
        edges = [Edge(cursor=c, node=n) for c, n in zip(cursors, nodes, strict=True)]
        return cls(edges=edges, page_info=PageInfo(has_next_page=bool(next_token), end_cursor=next_token or None))


def check_first(first: int) -> int:
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise UserError(f"first must be between 1 and {MAX_PAGE_SIZE}", extensions={"code": "BAD_USER_INPUT",
                                                                                      "field": "first"})
    return first
