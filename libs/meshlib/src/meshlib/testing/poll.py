"""Waiting, in a test, for something that happens on its own time: poll a probe until it holds or a deadline passes.

One poller for every service's tests (never a fixed sleep): :func:`eventually` calls
``probe`` (plain or ``async``) every ``interval`` seconds until ``until(value)`` holds and
returns that value; when ``timeout`` passes first it fails with what it waited for and the
last value it saw.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, overload

T = TypeVar("T")

SHOWN_CHARS = 500
"""How much of the last value a failure shows (a list of protobuf messages can run long)."""


@overload
async def eventually(probe: Callable[[], Awaitable[T | None]], *, until: Callable[[T], object] = ...,
                     timeout: float = ..., interval: float = ..., what: str | None = ...) -> T: ...


@overload
async def eventually(probe: Callable[[], T | None], *, until: Callable[[T], object] = ...,
                     timeout: float = ..., interval: float = ..., what: str | None = ...) -> T: ...


async def eventually(probe: Callable[[], Any], *, until: Callable[[Any], object] = bool,
                     timeout: float = 20.0, interval: float = 0.05, what: str | None = None) -> Any:
    """Call ``probe`` until ``until(its value)`` holds, and return that value.

    Args:
        probe: what to look at; a plain function or a coroutine function, called once per round.
        until: when the value will do; by default when it is truthy (a found document, a
            non-empty list, ``True``), so a probe answers ``None`` or ``False`` for "not yet".
        timeout: seconds after which it fails (it asks the probe once more after the deadline first).
        interval: seconds between rounds.
        what: what is awaited, for the failure message; the probe's name by default.

    Raises:
        AssertionError: ``until`` did not hold within ``timeout``; says what was awaited and
            the last value seen.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = probe()
        if inspect.isawaitable(value):
            value = await value
        if until(value):
            return value
        if loop.time() >= deadline:
            raise AssertionError(f"waited {timeout}s for {what or _name(probe)}; last value: {_show(value)}")
        await asyncio.sleep(interval)


def _name(probe: Callable[[], Any]) -> str:
    name = getattr(probe, "__name__", None) or repr(probe)
    return "the probe" if name == "<lambda>" else name


def _show(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= SHOWN_CHARS else shown[:SHOWN_CHARS] + f"... ({len(shown)} chars)"
