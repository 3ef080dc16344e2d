"""The fast protobuf conversions give exactly what the protobuf library's own would."""

from __future__ import annotations

import enum
from datetime import UTC

from google.protobuf.timestamp_pb2 import Timestamp
from hypothesis import given
from hypothesis import strategies as st

from mesh.contacts.v1 import contacts_pb2
from mesh.officers.v1 import officers_pb2
from mesh.response.v1 import response_pb2
from mesh_gateway.contacts.enums import TargetKind
from mesh_gateway.officers.enums import OfficeLevel
from mesh_gateway.proto_enums import from_proto
from mesh_gateway.proto_time import maybe_timestamp, timestamp

SECONDS = st.integers(min_value=-62135596800, max_value=253402300799)  # 0001-01-01 .. 9999-12-31, as Timestamp allows


@given(SECONDS, st.integers(min_value=0, max_value=999_999_999))
def test_timestamps_are_those_of_to_datetime(seconds: int, nanos: int) -> None:
    ts = Timestamp(seconds=seconds, nanos=nanos)
    got = timestamp(ts)
    assert got == ts.ToDatetime(UTC)
    assert got.tzinfo is UTC and got.utcoffset() is not None


def test_an_unset_timestamp_is_none() -> None:
    incident = response_pb2.Incident()
    assert maybe_timestamp(incident, "received_at") is None
    incident.received_at.FromSeconds(1_700_000_000)
    assert maybe_timestamp(incident, "received_at") == incident.received_at.ToDatetime(UTC)


def test_every_enum_value_converts_as_by_name() -> None:
    # Values without the enum's prefix (ENTERPRISE), and with it (LEVEL_CITY).
    for kind, wrapper, prefix in ((TargetKind, contacts_pb2.TargetKind, "TARGET_KIND_"),
                                  (OfficeLevel, officers_pb2.Level, "LEVEL_")):
        for value in wrapper.DESCRIPTOR.values[1:]:
            expected = kind[value.name.removeprefix(prefix)]
            assert from_proto(kind, wrapper, value.number) is expected


def test_a_value_the_graph_lacks_is_still_refused() -> None:
    Partial = enum.Enum("Partial", {"ENTERPRISE": "enterprise"})
    project = contacts_pb2.TargetKind.Value("PROJECT")
    try:
        from_proto(Partial, contacts_pb2.TargetKind, project)
    except KeyError as err:
        assert "PROJECT" in str(err)
    else:
        raise AssertionError("a member the graph's enum lacks was invented")


def test_a_services_field_is_named_as_the_graph_spells_it() -> None:
    from mesh_gateway.errors import graph_field

    assert graph_field("filter.opened_before") == "filter.openedBefore"
    assert graph_field("request_id") == "requestId"
    assert graph_field("department") == "department"
    assert graph_field("page_token") == "after"  # the connections' cursor argument
    assert graph_field("amount_fen") == "amountYuan"  # money: fen in the services, yuan in the graph
    assert graph_field("facts.investment_fen") == "facts.investmentYuan"
    assert graph_field(None) is None
