"""Date filters: inclusive after, exclusive before, crossed bounds refused, and a condition that finds the row
at the lower bound on every index shape (the local MongoDB-protocol server included)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from pymongo import DESCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from mesh.officers.v1 import officers_pb2 as pb
from meshlib.errors import InvalidArgument
from meshlib.mongo import Document, ensure_indexes
from meshlib.windows import Window, window

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def _ts(t: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(t)
    return stamp


def _filter(after: datetime | None = None, before: datetime | None = None) -> pb.RequestFilter:
    f = pb.RequestFilter()
    if after is not None:
        f.opened_after.CopyFrom(_ts(after))
    if before is not None:
        f.opened_before.CopyFrom(_ts(before))
    return f


def _window(f: pb.RequestFilter) -> Window:
    return window(f, "opened_after", "opened_before", "filter")


def test_bounds_are_read_to_the_millisecond_and_crossed_ones_refused() -> None:
    assert _window(_filter()) == Window() and Window().condition() is None
    assert _window(_filter(T0)) == Window(T0, None)
    # A bound finer than a millisecond is raised to the next one (stored dates are whole milliseconds).
    fine = T0 + timedelta(microseconds=1500)
    assert _window(_filter(before=fine)) == Window(None, T0 + timedelta(milliseconds=2))
    assert _window(_filter(T0, T0)).condition() == {"$gt": T0 - timedelta(milliseconds=1), "$lt": T0}
    with pytest.raises(InvalidArgument) as crossed:
        _window(_filter(T0 + timedelta(days=1), T0))
    assert crossed.value.field == "filter.opened_before" and crossed.value.rule == "date-range"


async def test_the_row_at_the_lower_bound_is_found_on_a_newest_first_county_index(
        mongo_db: AsyncDatabase[Document]) -> None:
    rows = mongo_db["rows"]
    await ensure_indexes(mongo_db, {"rows": [IndexModel([("county_code", 1), ("at", DESCENDING), ("_id", DESCENDING)],
                                                        name="by_county")]})
    await rows.insert_many([{"_id": n, "county_code": "410311", "at": T0 + timedelta(hours=n)} for n in range(5)])
    w = Window(T0 + timedelta(hours=1), T0 + timedelta(hours=3))
    found = sorted([d["_id"] async for d in rows.find({"county_code": "410311", "at": w.condition()})])
    assert found == [1, 2]
