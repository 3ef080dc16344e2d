"""MongoDB through PyMongo's asyncio client: one client per process, indexes declared in code."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import AsyncMongoClient, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

Indexes = Mapping[str, Sequence[IndexModel]]
Document = dict[str, Any]


def connect(uri: str, *, app_name: str) -> AsyncMongoClient[Document]:
    """The process's client; it connects lazily and pools connections."""
    return AsyncMongoClient(uri, appname=app_name, tz_aware=True, serverSelectionTimeoutMS=10_000)


def database_name(namespace: str, name: str) -> str:
    """A service's database, prefixed by the namespace when one is set (tests isolate with it)."""
    return f"{namespace}_{name}" if namespace else name


async def ensure_indexes(db: AsyncDatabase[Document], indexes: Indexes,
                         retired: Mapping[str, Sequence[str]] | None = None) -> None:
    """Create the declared indexes (creating an existing index with the same spec is a no-op), and drop
    ``retired`` ones, by collection and name, where a database made by an earlier release still has them.

    Indexes nobody declared or retired (an operator's own, say) are left alone.
    """
    for collection, names in (retired or {}).items():
        present = {ix["name"] async for ix in await db[collection].list_indexes()}
        for name in names:
            if name in present:
                await db[collection].drop_index(name)
    for collection, models in indexes.items():
        if models:
            await db[collection].create_indexes(list(models))
