"""Unit: every class of bad input to the report schema is refused with a reason that says what to fix."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mesh_response.domain import (
    CLOCK_SKEW,
    MAX_REPORT_BYTES,
    Category,
    IncidentReport,
    Rejection,
    parse_report,
)
from mesh_response.testing import report

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
AGENCY = "luolong-police"


def parse(body: Any, *, agency: str = AGENCY) -> IncidentReport | Rejection:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return parse_report(raw, subject_agency=agency, now=NOW)


def rejected(body: Any, **kw: Any) -> Rejection:
    result = parse(body, **kw)
    assert isinstance(result, Rejection), f"expected a rejection, got {result!r}"
    return result


def valid(**over: Any) -> dict[str, Any]:
    body = report("INC-9", occurred_at=(NOW - timedelta(hours=1)).isoformat())
    body.update(over)
    return body


def test_a_valid_report_parses_with_its_natural_id() -> None:
    result = parse(valid(project_id="prj-7"))
    assert isinstance(result, IncidentReport)
    assert result.incident_id == "luolong-police:INC-9"
    assert result.category is Category.EXTORTION and result.category.is_item9_offence
    assert result.project_id == "prj-7"


@pytest.mark.parametrize("raw", [b"{oops", b"\xff\xfe not utf-8", b"", b"null]"])
def test_not_json(raw: bytes) -> None:
    assert rejected(raw).code == "not_json"


@pytest.mark.parametrize("body", [[1, 2], "a string", 42, None])
def test_not_an_object(body: Any) -> None:
    assert rejected(body).code == "not_an_object"


@pytest.mark.parametrize(
    "field,value",
    [("location", 123), ("external_id", 7), ("occurred_at", True), ("description", ["x"]), ("severity", 5)],
)
def test_wrong_types_name_the_field(field: str, value: Any) -> None:
    r = rejected(valid(**{field: value}))
    assert r.code in {"wrong_type", "invalid_value"}
    assert r.problems[0].field == field


@pytest.mark.parametrize("missing", ["external_id", "agency", "category", "severity", "occurred_at", "location",
                                     "description", "reporter_contact"])
def test_missing_fields(missing: str) -> None:
    body = valid()
    del body[missing]
    r = rejected(body)
    assert r.code == "missing_field"
    assert r.problems[0].field == missing


def test_blank_text_counts_as_missing() -> None:
    r = rejected(valid(location="   "))
    assert r.code == "missing_field" and r.problems[0].field == "location"


def test_unknown_category_lists_no_guess_but_names_the_field() -> None:
    r = rejected(valid(category="arson"))
    assert r.code == "unknown_category"
    assert "market_bullying" in r.problems[0].message


def test_unknown_fields_are_refused_so_typos_surface() -> None:
    r = rejected(valid(occured_at="2026-11-27T10:00:00+08:00"))
    assert r.code == "unknown_field" and r.problems[0].field == "occured_at"


def test_timestamps_need_a_time_zone() -> None:
    r = rejected(valid(occurred_at="2026-11-27T10:00:00"))
    assert r.problems[0].field == "occurred_at"


def test_future_timestamps_beyond_the_allowed_clock_skew() -> None:
    at_limit = parse(valid(occurred_at=(NOW + CLOCK_SKEW).isoformat()))
    assert isinstance(at_limit, IncidentReport), "exactly the allowed skew is accepted"
    r = rejected(valid(occurred_at=(NOW + CLOCK_SKEW + timedelta(seconds=1)).isoformat()))
    assert r.code == "future_timestamp"


def test_oversized_reports_are_refused_before_parsing() -> None:
    body = valid(description="x" * 100)
    raw = json.dumps(body).encode()
    padded = raw[:-1] + b" " * (MAX_REPORT_BYTES - len(raw) + 1) + b"}"
    assert len(padded) == MAX_REPORT_BYTES + 1
    assert rejected(padded).code == "oversized"
    at_limit = raw[:-1] + b" " * (MAX_REPORT_BYTES - len(raw)) + b"}"
    assert isinstance(parse(at_limit), IncidentReport)


def test_agency_must_match_the_subject() -> None:
    r = rejected(valid(), agency="yichuan-police")
    assert r.code == "agency_mismatch"


@pytest.mark.parametrize("agency", ["Luolong Police", "a", "luolong.police", "luolong*"])
def test_agency_must_be_a_subject_token(agency: str) -> None:
    assert rejected(valid(agency=agency), agency=agency).problems[0].field == "agency"


def test_unsupported_schema_version() -> None:
    assert rejected(valid(schema_version=2)).code == "unsupported_schema_version"


def test_rejection_reason_is_machine_readable_json() -> None:
    r = rejected(valid(category="arson", severity="catastrophic"))
    reason = json.loads(r.to_json())
    assert reason["code"] == "unknown_category"
    assert [p["field"] for p in reason["problems"]] == ["category", "severity"]
