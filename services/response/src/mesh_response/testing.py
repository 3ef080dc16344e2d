"""Helpers for tests that push reports and wait for their effects (used here and by tests/)."""

from __future__ import annotations

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
    stub: response_pb2_grpc.ResponseServiceStub, ids: list[str], timeout: float = 20.0
) -> list[response_pb2.Incident]:
    """Poll BatchGetIncidents until every id is stored, and return them; fail after ``timeout`` seconds."""
    wanted = len(set(ids))

    async def stored() -> list[response_pb2.Incident]:
        reply = await stub.BatchGetIncidents(response_pb2.BatchGetIncidentsRequest(ids=ids))
        return list(reply.incidents)

    return await eventually(stored, until=lambda got: len(got) == wanted, timeout=timeout,
                            what=f"all {wanted} incident(s) stored")
