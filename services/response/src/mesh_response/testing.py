"""Helpers for tests that push reports and wait for their effects (used here and by tests/)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from mesh.response.v1 import response_pb2, response_pb2_grpc


def report(external_id: str = "INC-1", agency: str = "luolong-police", **over: Any) -> dict[str, Any]:
    """A valid report, with any field replaced by ``over``."""
    body: dict[str, Any] = {
        "external_id": external_id,
        "agency": agency,
        "category": "extortion",
        "severity": "serious",
        "occurred_at": (datetime.now(UTC) - timedelta(minutes=10)).isoformat(),
        "location": "Kaiyuan Ave 18, Luolong District",
        "description": "Two men demanded 'protection fees' from the site manager",
        "reporter_contact": "duty desk 0379-110",
        "enterprise_id": "ent-001",
    }
    body.update(over)
    return body


T = TypeVar("T")


async def wait_until(probe: Callable[[], Awaitable[T | None]], timeout: float = 20.0) -> T:
    """Poll ``probe`` until it returns something other than None; fail after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (result := await probe()) is None:
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(0.05)
    return result


async def wait_stored(
    stub: response_pb2_grpc.ResponseServiceStub, ids: list[str], timeout: float = 20.0
) -> list[response_pb2.Incident]:
    """Poll BatchGetIncidents until every id is stored; fail after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        reply = await stub.BatchGetIncidents(response_pb2.BatchGetIncidentsRequest(ids=ids))
        if len(reply.incidents) == len(set(ids)):
            return list(reply.incidents)
        if loop.time() > deadline:
            raise AssertionError(f"only {len(reply.incidents)} of {len(set(ids))} incidents stored in {timeout}s")
        await asyncio.sleep(0.05)
