"""The test poller: it returns what the probe found once it holds, and fails saying what it waited for."""

from __future__ import annotations

import pytest

from meshlib.testing.poll import eventually


async def test_returns_the_value_once_an_async_probe_finds_it() -> None:
    calls: list[int] = []

    async def found() -> str | None:
        calls.append(1)
        return "the case" if len(calls) >= 3 else None

    assert await eventually(found) == "the case"
    assert len(calls) == 3


async def test_a_plain_probe_and_a_condition_on_a_falsy_value() -> None:
    backlog = [3, 1, 0]
    assert await eventually(lambda: backlog.pop(0), until=lambda n: n == 0) == 0
    assert backlog == []


async def test_fails_naming_what_was_awaited_and_the_last_value() -> None:
    with pytest.raises(AssertionError) as failure:
        await eventually(lambda: 7, until=lambda n: n == 8, timeout=0.2, what="eight stored")
    assert str(failure.value) == "waited 0.2s for eight stored; last value: 7"


async def test_by_default_names_the_probe() -> None:
    async def escalated_to_the_city() -> None:
        return None

    with pytest.raises(AssertionError, match=r"waited 0.1s for escalated_to_the_city; last value: None$"):
        await eventually(escalated_to_the_city, timeout=0.1)


async def test_a_long_last_value_is_cut_short() -> None:
    with pytest.raises(AssertionError, match=r"last value: \[0, 0, .*\.\.\. \(\d+ chars\)$"):
        await eventually(lambda: [0] * 1000, until=lambda v: len(v) == 1, timeout=0.1)
