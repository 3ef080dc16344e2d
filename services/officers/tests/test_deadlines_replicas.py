"""Integration: with two replicas running, a request's due-soon and overdue events are each published once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from mesh.officers.v1 import officers_pb2 as pb
from mesh_officers.testing import MovableClock, officers_service
from meshlib.bus import Bus
from meshlib.settings import RuntimeSettings
from meshlib.testing.plugin import settings_for
from meshlib.testing.poll import eventually
from meshlib.testing.streams import read_stream

SECOND = timedelta(seconds=1)


def publishes(span_exporter: Any, subject: str) -> int:
    """Publish attempts on ``subject`` seen by the tracer, duplicates included (dedupe would hide them)."""
    return sum(1 for s in span_exporter.get_finished_spans() if s.name == f"{subject} publish")


async def test_overdue_fires_once_with_two_replicas(
    mesh_env: dict[str, str], clock: MovableClock, span_exporter: Any
) -> None:
    async with officers_service(mesh_env, clock) as a, officers_service(mesh_env, clock) as b:
        opened = clock.now
        request = await a.stub.OpenRequest(
            pb.OpenRequestRequest(
                enterprise_id="ent-7",
                source=pb.REQUEST_SOURCE_ENTERPRISE,
                subject="which subsidy applies to us?",
                category=pb.REQUEST_CATEGORY_CONSULTATION,
                urgent=True,
                department="Finance Bureau",
                actor="ent-7",
            )
        )
        due = opened + timedelta(days=1)  # urgent consultation: 1 day instead of 3
        assert request.due_at.ToDatetime().replace(tzinfo=due.tzinfo) == due

        bus = await Bus.connect(settings_for(RuntimeSettings, mesh_env), name="test-peer")
        try:
            clock.now = due - timedelta(hours=4)  # a fifth of the day left: due soon
            (soon,) = await read_stream(bus, "officers.request.due_soon", count=1)
            assert soon.data["request_id"] == request.id and soon.data["accountable_department"] == "Finance Bureau"

            clock.now = due  # the due instant itself is not overdue
            fetched = await b.stub.GetRequest(pb.GetRequestRequest(id=request.id))
            assert not fetched.overdue

            clock.now = due + SECOND
            (overdue,) = await read_stream(bus, "officers.request.overdue", count=1)
            assert overdue.data["request_id"] == request.id
            (breached,) = await read_stream(bus, "officers.deadline.breached", count=1)
            assert breached.data["deadline_id"] == f"request-completion:{request.id}"
            assert breached.data["clause"] == "Item 13"
            (warned,) = await read_stream(bus, "officers.deadline.warning", count=1)
            assert warned.data["kind"] == "request-completion"
        finally:
            await bus.close()

        async def overdue_on_b() -> bool:
            r = await b.stub.GetRequest(pb.GetRequestRequest(id=request.id))
            return r.overdue and r.on_time is False and r.HasField("on_time")

        await eventually(overdue_on_b)
        # Neither replica fired a second time (the server would have dropped it, so count the attempts).
        assert publishes(span_exporter, "officers.request.overdue") == 1
        assert publishes(span_exporter, "officers.deadline.breached") == 1
        assert publishes(span_exporter, "officers.request.due_soon") == 1
