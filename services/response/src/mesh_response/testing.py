"""Helpers for tests that push reports and wait for their effects (used here and by tests/)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from mesh.response.v1 import response_pb2, response_pb2_grpc
from meshlib.testing.poll import eventually


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


async def wait_stored(
    stub: response_pb2_grpc.ResponseServiceStub, ids: list[str], timeout: float = 20.0,
    *, each: Callable[[response_pb2.Incident], bool] | None = None, what: str = "stored",
) -> list[response_pb2.Incident]:
    """Poll BatchGetIncidents until every id is stored (and each incident satisfies ``each``, when given), and
    return them; fail after ``timeout`` seconds."""
    wanted = len(set(ids))

    async def stored() -> list[response_pb2.Incident]:
        reply = await stub.BatchGetIncidents(response_pb2.BatchGetIncidentsRequest(ids=ids))
        return list(reply.incidents)

    def done(got: list[response_pb2.Incident]) -> bool:
        return len(got) == wanted and (each is None or all(each(i) for i in got))

    return await eventually(stored, until=done, timeout=timeout, what=f"all {wanted} incident(s) {what}")


async def wait_dispatched(
    stub: response_pb2_grpc.ResponseServiceStub, ids: list[str], timeout: float = 20.0
) -> list[response_pb2.Incident]:
    """Wait until every incident is dispatched, its three clocks (acknowledge, arrive, resolve) running."""
    return await wait_stored(stub, ids, timeout, each=lambda i: i.status == "dispatched" and len(i.clocks) == 3,
                             what="dispatched")
