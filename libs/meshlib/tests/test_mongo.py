"""Indexes declared in code: created at start-up, and those a newer release replaced dropped."""

from __future__ import annotations

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from meshlib.mongo import Document, ensure_indexes


async def _names(db: AsyncDatabase[Document], collection: str) -> set[str]:
    return {ix["name"] async for ix in await db[collection].list_indexes()}


async def test_retired_indexes_are_dropped_and_others_left_alone(mongo_db: AsyncDatabase[Document]) -> None:
    # What an earlier release made, and an index an operator added by hand.
    await ensure_indexes(mongo_db, {"cases": [IndexModel([("enterprise_id", ASCENDING)], name="by_enterprise"),
                                              IndexModel([("state", ASCENDING)], name="operators_own")]})
    assert {"by_enterprise", "operators_own"} <= await _names(mongo_db, "cases")

    newer = {"cases": [IndexModel([("enterprise_id", ASCENDING), ("created_at", ASCENDING)], name="enterprise_new")]}
    retired = {"cases": ["by_enterprise", "by_project"]}  # by_project never existed here
    await ensure_indexes(mongo_db, newer, retired)
    await ensure_indexes(mongo_db, newer, retired)  # every start-up does it again: nothing left to drop

    names = await _names(mongo_db, "cases")
    assert "by_enterprise" not in names
    assert {"enterprise_new", "operators_own", "_id_"} <= names
