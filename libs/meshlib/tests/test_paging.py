"""Keyset pages: newest first by a time field, tokens that continue exactly after a document."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from meshlib.errors import InvalidArgument
from meshlib.paging import Order, page

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


async def test_pages_walk_every_document_once_in_order_across_equal_times(mongo_db: Any) -> None:
    things = mongo_db["things"]
    # Pairs share a time, so the id must break ties for the walk to be exact.
    await things.insert_many([{"_id": f"t{i:02d}", "at": T0 + timedelta(minutes=i // 2)} for i in range(25)])
    order = Order.newest_first("at")
    seen: list[str] = []
    token = ""
    while True:
        docs, token = await page(things, {}, order, 7, token)
        seen += [d["_id"] for d in docs]
        if not token:
            break
    assert seen == sorted(seen, key=lambda i: (int(i[1:]) // 2, i), reverse=True)
    assert len(seen) == len(set(seen)) == 25


async def test_page_sizes_and_tokens_are_checked(mongo_db: Any) -> None:
    order = Order.newest_first("at")
    with pytest.raises(InvalidArgument) as size:
        await page(mongo_db["things"], {}, order, 101, "")
    assert size.value.rule == "page-size"
    for bad in ("not-a-token", order.cursor_of({"at": T0, "_id": "x"})[:-3], "W10"):
        with pytest.raises(InvalidArgument) as token:
            await page(mongo_db["things"], {}, order, 5, bad)
        assert token.value.rule == "page-token"
