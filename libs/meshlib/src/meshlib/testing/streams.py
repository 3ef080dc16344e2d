"""Reading back, in a test, what was published on a JetStream subject, from the start of its stream.

One reader for every service's tests: :func:`read_stream` waits (with a deadline, never
a fixed sleep) for a number of messages or for a condition, and says what it waited for
and what it got when that does not come. ``decode`` picks what each message becomes:
its :class:`~meshlib.envelope.Envelope` (the default), ``(subject, envelope)`` for reads
across a wildcard (:func:`with_subject`), or the message as delivered (:func:`raw`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar, overload

from meshlib.bus import Bus, Delivery
from meshlib.envelope import Envelope

T = TypeVar("T")

SETTLE_SECONDS = 0.5
"""How long ``count=`` keeps listening after the last expected message, for one that should not be there."""


def envelope(delivery: Delivery) -> Envelope:
    """The domain event the message carries (the default)."""
    return Envelope.from_bytes(delivery.data)


def with_subject(delivery: Delivery) -> tuple[str, Envelope]:
    """``(subject without the test's namespace, event)``, for reads across a wildcard such as ``contacts.>``."""
    return delivery.subject, envelope(delivery)


def raw(delivery: Delivery) -> Delivery:
    """The message as delivered (bytes and headers): for payloads that are not envelopes, or to check headers."""
    return delivery


@overload
async def read_stream(bus: Bus, subject: str, *, count: int | None = None,
                      until: Callable[[list[Envelope]], bool] | None = None,
                      timeout: float = 20.0) -> list[Envelope]: ...


@overload
async def read_stream(bus: Bus, subject: str, *, decode: Callable[[Delivery], T], count: int | None = None,
                      until: Callable[[list[T]], bool] | None = None, timeout: float = 20.0) -> list[T]: ...


async def read_stream(bus: Bus, subject: str, *, decode: Callable[[Delivery], Any] = envelope,
                      count: int | None = None, until: Callable[[list[Any]], bool] | None = None,
                      timeout: float = 20.0) -> list[Any]:
    """The messages on ``subject`` (in ``bus``'s namespace) from the start of its stream, decoded.

    Args:
        count: exactly this many: fails if fewer arrive within ``timeout``, or if another one
            follows within :data:`SETTLE_SECONDS`.
        until: read until ``until(decoded so far)`` holds; fails if it does not within ``timeout``.
        decode: what each message becomes (:func:`envelope`, :func:`with_subject`, :func:`raw`).
        timeout: seconds for the whole read.
    """
    if (count is None) == (until is None):
        raise TypeError("read_stream needs exactly one of count= or until=")
    done = until if until is not None else lambda decoded: len(decoded) >= (count or 0)
    wanted = f"{count} message(s)" if count is not None else "the until= condition"
    sub = await bus.js.subscribe(bus.ns.subject(subject), ordered_consumer=True)
    got: list[Delivery] = []
    decoded: list[Any] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    try:
        while not done(decoded):
            left = deadline - loop.time()
            if left <= 0:
                raise AssertionError(f"waited {timeout}s on {subject} for {wanted}; got {len(got)}: {_list(got)}")
            try:
                msg = await sub.next_msg(timeout=left)
            except TimeoutError:  # nats' own TimeoutError subclasses it
                continue
            got.append(bus.delivery(msg))
            decoded.append(decode(got[-1]))
        if count is not None:
            try:
                extra = await sub.next_msg(timeout=SETTLE_SECONDS)
            except TimeoutError:
                pass
            else:
                raise AssertionError(f"expected exactly {count} on {subject}; got {_list(got)}, "
                                     f"then another: {_describe(bus.delivery(extra))}")
    finally:
        await sub.unsubscribe()
    return decoded


def _describe(delivery: Delivery) -> str:
    return f"{delivery.subject} {delivery.msg_id or repr(delivery.data[:60])}"


def _list(deliveries: list[Delivery]) -> str:
    return "[" + ", ".join(_describe(d) for d in deliveries) + "]"
