"""Newest-first cursor pages over any collection whose documents carry ``created_at``."""

from __future__ import annotations

import base64
import json
from datetime import datetime

from pymongo import DESCENDING
from pymongo.asynchronous.collection import AsyncCollection

from meshlib.errors import InvalidArgument
from meshlib.mongo import Document

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


async def page(coll: AsyncCollection[Document], query: Document, page_size: int,
               token: str) -> tuple[list[Document], str]:
    """A page newest-first (by ``created_at``, then id) and the next page's token ("" on the last)."""
    if page_size < 0 or page_size > MAX_PAGE_SIZE:
        raise InvalidArgument(f"page_size must be between 1 and {MAX_PAGE_SIZE}", rule="page-size",
                              field="page_size")
    size = page_size or DEFAULT_PAGE_SIZE
    if token:
        created_at, last_id = _decode(token)
        after = {"$or": [{"created_at": {"$lt": created_at}}, {"created_at": created_at, "_id": {"$lt": last_id}}]}
        query = {"$and": [query, after]} if query else after
    docs = await coll.find(query).sort([("created_at", DESCENDING), ("_id", DESCENDING)]).limit(size + 1) \
        .to_list(None)
    if len(docs) <= size:
        return docs, ""
    docs = docs[:size]
    return docs, cursor_of(docs[-1])


def cursor_of(doc: Document) -> str:
    raw = json.dumps([doc["created_at"].isoformat(), doc["_id"]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        created_at, last_id = json.loads(raw)
        return datetime.fromisoformat(created_at), str(last_id)
    except (ValueError, TypeError) as exc:
        raise InvalidArgument("page_token is not one this service issued", rule="page-token",
                              field="page_token") from exc
