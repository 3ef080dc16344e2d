"""Newest-first cursor pages over any collection whose documents carry ``created_at``."""

from __future__ import annotations

from pymongo.asynchronous.collection import AsyncCollection

from meshlib import paging
from meshlib.mongo import Document

ORDER = paging.Order.newest_first("created_at")


async def page(coll: AsyncCollection[Document], query: Document, page_size: int,
               token: str) -> tuple[list[Document], str]:
    """A page newest-first (by ``created_at``, then id) and the next page's token ("" on the last)."""
    return await paging.page(coll, query, ORDER, page_size, token)


def cursor_of(doc: Document) -> str:
    return ORDER.cursor_of(doc)
