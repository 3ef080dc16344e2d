"""Why pyproject.toml ignores one kind of "coroutine ... was never awaited" warning, and for how long.

graphql-core 3.3 hands the coroutines of a selection's fields to each other as arguments (a field's
resolver coroutine to ``complete_awaitable_value``, a nested selection's ``get_results`` to
``await_completed``) and wraps them in tasks only when it gathers them. When the execution is cancelled
(a subscriber closes its websocket while an event is being resolved), a task cancelled before its first
step never runs, and the coroutines it was handed are dropped unawaited. Python warns when the garbage
collector finds them, which may be tests later: with ``filterwarnings = error`` that failed whichever test
was running then (``test_conversions`` once in about five full runs, on ``get_results`` and
``await_completed``). Cancelling is the only way the gateway drops an execution; graphql-core settles the
siblings of a field that fails (``settle_in_background``), so nothing else leaves them.

The filter names graphql-core's and strawberry's own coroutines only: a coroutine of this project left
unawaited still fails the run. The first test fails once graphql-core stops leaving them; then the filter
can go.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import re
import tomllib
import warnings
from pathlib import Path

import pytest
import strawberry

ROOT = Path(__file__).resolve().parents[2]


@strawberry.type
class Leaf:
    id: str

    @strawberry.field
    async def name(self) -> str:
        await asyncio.sleep(0)
        return f"leaf {self.id}"


@strawberry.type
class Item:
    id: str

    @strawberry.field
    def leaf(self) -> Leaf:
        return Leaf(id=self.id)

    @strawberry.field
    async def later(self) -> Leaf:
        await asyncio.sleep(0)
        return Leaf(id=f"{self.id}-later")


@strawberry.type
class Query:
    @strawberry.field
    async def items(self) -> list[Item]:
        await asyncio.sleep(0)
        return [Item(id=str(n)) for n in range(4)]


SCHEMA = strawberry.Schema(query=Query)
QUERY = "{ items { id leaf { name } later { name } } }"


def _unawaited(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if "was never awaited" in str(w.message)]


async def _cancel_after(steps: int) -> list[str]:
    """Start the query, cancel it after ``steps`` passes of the event loop, and return the unawaited
    coroutines' warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        task = asyncio.ensure_future(SCHEMA.execute(QUERY))
        for _ in range(steps):
            await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        del task
        for _ in range(3):  # let the cancelled tasks end, then find what they dropped
            await asyncio.sleep(0)
        gc.collect()
    return _unawaited(caught)


async def _passes() -> int:
    """How many passes of the event loop the query takes to resolve."""
    task = asyncio.ensure_future(SCHEMA.execute(QUERY))
    passes = 0
    while not task.done():
        await asyncio.sleep(0)
        passes += 1
    result = task.result()
    assert result.errors is None and result.data is not None
    assert [i["later"]["name"] for i in result.data["items"]] == [f"leaf {n}-later" for n in range(4)]
    return passes


async def test_the_query_is_still_resolving_at_each_pass_the_next_test_cancels_it_at() -> None:
    assert await _passes() >= 4


@pytest.mark.xfail(strict=True, raises=AssertionError,
                   reason="graphql-core 3.3 leaves coroutines unawaited when an execution is cancelled; when this "
                          "passes, drop the filter in pyproject.toml")
async def test_a_cancelled_execution_leaves_no_coroutine_unawaited() -> None:
    leaked = [message for steps in range(await _passes()) for message in await _cancel_after(steps)]
    assert leaked == []


def _ignored_patterns() -> list[str]:
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    return [entry.split(":")[1] for entry in options["filterwarnings"]
            if entry.startswith("ignore:") and "never awaited" in entry]


def test_the_filter_ignores_only_graphql_cores_and_strawberrys_own_coroutines() -> None:
    [pattern] = _ignored_patterns()
    ignored = re.compile(pattern, re.IGNORECASE)  # as the warnings module matches a filter's message
    upstream = ["Executor.execute_fields.<locals>.get_results", "Executor.execute_field.<locals>.await_completed",
                "Executor.complete_awaitable_value", "GraphQLCoreConverter.from_resolver.<locals>._async_resolver"]
    ours = ["ContactsLoaders._enterprises", "ContactsQuery.enterprise", "_stream", "Executor", "call"]
    assert all(ignored.match(f"coroutine '{name}' was never awaited") for name in upstream)
    assert not any(ignored.match(f"coroutine '{name}' was never awaited") for name in ours)
