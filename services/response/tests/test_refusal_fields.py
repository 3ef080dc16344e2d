"""A refusal's field is a real field path of the request refused: a filter's field under ``filter``, and one
element of a list at fault by its place (``filter.statuses[1]``), not the whole list."""

from __future__ import annotations

from typing import Any

from mesh.response.v1 import response_pb2 as pb
from meshlib.testing.refusals import refused


async def test_an_unknown_status_in_a_filter_is_named_by_its_place(response_service: Any) -> None:
    flt = pb.IncidentFilter(statuses=["dispatched", "closed"])
    assert await refused(response_service.stub.ListIncidents(pb.ListIncidentsRequest(filter=flt))) == (
        "incident-status", "filter.statuses[1]")
