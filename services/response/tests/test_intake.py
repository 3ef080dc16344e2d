"""Integration: reports pushed on NATS are validated, stored once, announced or kept aside."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from mesh.response.v1 import response_pb2
from mesh_response.events import ACCEPTED, REJECT_CODE, REJECT_REASON, REJECTED
from mesh_response.push import push
from mesh_response.testing import report, wait_stored
from meshlib.envelope import Envelope
from meshlib.testing.streams import raw, read_stream

AGENCY = "luolong-police"


async def test_valid_report_is_stored_and_announced(response_service: Any) -> None:
    svc = response_service
    await push(svc.bus.nc, AGENCY, [report("INC-1")], namespace=svc.bus.ns.prefix)

    (got,) = await wait_stored(svc.stub, [f"{AGENCY}:INC-1"])
    assert got.category == response_pb2.EXTORTION
    assert got.severity == response_pb2.SERIOUS
    assert got.enterprise_id == "ent-001"
    assert not got.HasField("project_id")

    (event_msg,) = await read_stream(svc.bus, ACCEPTED, count=1, decode=raw)
    event = Envelope.from_bytes(event_msg.data)
    assert event.type == "mesh.incident.accepted"
    assert event.data["incident_id"] == f"{AGENCY}:INC-1"
    assert event_msg.headers["Nats-Msg-Id"] == f"incident-accepted:{AGENCY}:INC-1"
    assert "traceparent" in event_msg.headers

    single = await svc.stub.GetIncident(response_pb2.GetIncidentRequest(id=f"{AGENCY}:INC-1"))
    assert single.location == got.location


async def test_the_same_message_twice_is_one_document(response_service: Any) -> None:
    svc = response_service
    first = await push(svc.bus.nc, AGENCY, [report("INC-2")], namespace=svc.bus.ns.prefix)
    again = await push(svc.bus.nc, AGENCY, [report("INC-2")], namespace=svc.bus.ns.prefix)
    assert not first[0][1].duplicate
    assert again[0][1].duplicate, "the server should drop a resend with the same Nats-Msg-Id"
    # A resend under a new message id reaches the service; the upsert keeps one document.
    await svc.bus.publish_raw(f"incidents.report.{AGENCY}", json.dumps(report("INC-2")).encode(),
                              msg_id="another-id-for-the-same-incident")
    await wait_stored(svc.stub, [f"{AGENCY}:INC-2"])
    await asyncio.sleep(0.5)  # let the second delivery be handled before counting
    assert await svc.repo.count({"external_id": "INC-2"}) == 1
    events = await read_stream(svc.bus, ACCEPTED, count=1)
    assert len(events) == 1


async def test_bad_reports_are_kept_aside_with_reasons_and_nothing_is_stored(response_service: Any) -> None:
    svc = response_service
    bad: list[bytes] = []
    for i in range(100):
        kind = i % 5
        if kind == 0:
            bad.append(b"{not json " + str(i).encode())
        elif kind == 1:
            bad.append(json.dumps(report(f"B{i}", category="arson")).encode())
        elif kind == 2:
            body = report(f"B{i}")
            del body["occurred_at"]
            bad.append(json.dumps(body).encode())
        elif kind == 3:
            bad.append(json.dumps(report(f"B{i}", severity=5)).encode())
        else:
            bad.append(json.dumps(report(f"B{i}", occurred_at="2999-01-01T00:00:00+00:00")).encode())
    for i, body in enumerate(bad):
        await svc.bus.publish_raw(f"incidents.report.{AGENCY}", body, msg_id=f"bad-{i}")

    rejected = await read_stream(svc.bus, REJECTED, count=100, decode=raw)
    codes = [m.headers[REJECT_CODE] for m in rejected]
    assert sorted(set(codes)) == ["future_timestamp", "invalid_value", "missing_field", "not_json",
                                  "unknown_category"]
    assert {m.data for m in rejected} == set(bad), "the original bytes are kept"
    for m in rejected:
        reason = json.loads(m.headers[REJECT_REASON])
        assert reason["code"] == m.headers[REJECT_CODE] and reason["message"]
    assert await svc.repo.count() == 0
