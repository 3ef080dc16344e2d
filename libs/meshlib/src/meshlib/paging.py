"""Keyset pagination: a page in a fixed order, and opaque tokens that continue after a document.

Every service's list RPCs page this way: the order ends in ``_id`` so it is total, a page
fetches one document more than it returns to know whether another follows, and a token
(the sort values of a page's last document) continues right after it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import DESCENDING
from pymongo.asynchronous.collection import AsyncCollection

from meshlib.errors import InvalidArgument
from meshlib.mongo import Document

PAGE_TOKEN = "page_token"
"""The request field a page token comes in, as a refusal of one names it."""


@dataclass(frozen=True)
class Order:
    """Sort keys ending in ``_id`` (so the order is total); values are str, int, bool or datetime."""

    keys: tuple[tuple[str, int], ...]
    default_size: int = 20
    max_size: int = 100

    @classmethod
    def newest_first(cls, time_field: str) -> Order:
        """Newest first by ``time_field``, ties broken by id."""
        return cls(((time_field, DESCENDING), ("_id", DESCENDING)))

    def cursor_of(self, doc: Document) -> str:
        values = [_encode(_get(doc, k)) for k, _ in self.keys]
        raw = json.dumps(values, ensure_ascii=False).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def after(self, token: str) -> Document:
        values = _decode(token, len(self.keys))
        branches = []
        for i, (key, direction) in enumerate(self.keys):
            branch: Document = {k: values[j] for j, (k, _) in enumerate(self.keys[:i])}
            branch[key] = {"$gt" if direction > 0 else "$lt": values[i]}
            branches.append(branch)
        return {"$or": branches}

    def size(self, page_size: int) -> int:
        if page_size < 0 or page_size > self.max_size:
            raise InvalidArgument(f"page_size must be between 1 and {self.max_size}", rule="page-size",
                                  field="page_size")
        return page_size or self.default_size


def _get(doc: Document, dotted: str) -> Any:
    value: Any = doc
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _encode(value: Any) -> Any:
    return {"t": value.isoformat()} if isinstance(value, datetime) else value


def _decode(token: str, n: int) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if isinstance(values, list):
            values = [datetime.fromisoformat(v["t"]) if isinstance(v, dict) else v for v in values]
    except (ValueError, TypeError, KeyError):
        values = None
    if not isinstance(values, list) or len(values) != n:
        raise InvalidArgument("the page token is not one this service issued; start again from the first page",
                              rule="page-token", field=PAGE_TOKEN)
    return values


async def page(
    collection: AsyncCollection[Document], query: Document, order: Order, page_size: int, token: str,
    projection: Document | None = None,
) -> tuple[list[Document], str]:
    """One page in ``order`` and the token of the next ("" when this is the last)."""
    size = order.size(page_size)
    if token:
        after = order.after(token)
        query = {"$and": [query, after]} if query else after
    docs = await collection.find(query, projection).sort(list(order.keys)).limit(size + 1).to_list(None)
    if len(docs) <= size:
        return docs, ""
    docs = docs[:size]
    return docs, order.cursor_of(docs[-1])


def cursors(order: Order, docs: Sequence[Document]) -> list[str]:
    return [order.cursor_of(d) for d in docs]
