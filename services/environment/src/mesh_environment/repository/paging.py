"""Newest-first cursor pages over any collection whose documents carry ``created_at``, and date windows on it."""

from __future__ import annotations

from pymongo.asynchronous.collection import AsyncCollection

from meshlib import paging
from meshlib.mongo import Document
from meshlib.windows import Window

ORDER = paging.Order.newest_first("created_at")


async def page(coll: AsyncCollection[Document], query: Document, page_size: int,
               token: str) -> tuple[list[Document], str]:
    """A page newest-first (by ``created_at``, then id) and the next page's token ("" on the last)."""
    return await paging.page(coll, query, ORDER, page_size, token)


def cursor_of(doc: Document) -> str:
    return ORDER.cursor_of(doc)


def created_in(window: Window) -> Document:
    """The condition that keeps the rows written in ``window``.

    ``created_at`` is set with the time a list filters by (a case's ``opened_at``, a filing's ``filed_at``, a
    check's ``checked_at``: the same instant), so the indexes that order a list by it serve the window too.
    """
    condition = window.condition()
    return {"created_at": condition} if condition else {}
