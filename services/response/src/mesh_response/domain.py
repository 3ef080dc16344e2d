"""Incident reports pushed by police and departments (policy item 9), and the rules that admit them.

Pure: no I/O. :func:`parse_report` turns the raw bytes of a push into either an
:class:`IncidentReport` or a :class:`Rejection` that says, in machine-readable form,
what the pushing system must fix.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

SCHEMA_VERSION = 1
MAX_REPORT_BYTES = 64 * 1024
CLOCK_SKEW = timedelta(minutes=5)

AGENCY_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"
"""An agency is one NATS subject token: lower-case letters, digits and dashes."""
EXTERNAL_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
ENTITY_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"


class Category(StrEnum):
    """Item 9: the offences around enterprises and projects to crack down on, plus other."""

    MARKET_BULLYING = "market_bullying"  # 欺行霸市
    PROVOKING_TROUBLE = "provoking_trouble"  # 寻衅滋事
    EXTORTION = "extortion"  # 敲诈勒索
    FORCED_LOADING_UNLOADING = "forced_loading_unloading"  # 强装强卸
    OBSTRUCTION_OF_CONSTRUCTION = "obstruction_of_construction"  # 恶意阻工
    OTHER = "other"

    @property
    def is_item9_offence(self) -> bool:
        return self is not Category.OTHER


class Severity(StrEnum):
    MINOR = "minor"
    GENERAL = "general"
    SERIOUS = "serious"
    MAJOR = "major"


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class IncidentReport(BaseModel):
    """Schema version 1 of what an agency pushes to ``incidents.report.<agency>``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = 1
    external_id: Annotated[str, Field(pattern=EXTERNAL_ID_PATTERN)]
    agency: Annotated[str, Field(pattern=AGENCY_PATTERN)]
    category: Category
    severity: Severity
    occurred_at: AwareDatetime
    location: Annotated[Text, Field(max_length=500)]
    description: Annotated[Text, Field(max_length=4000)]
    reporter_contact: Annotated[Text, Field(max_length=200)]
    enterprise_id: Annotated[str, Field(pattern=ENTITY_ID_PATTERN)] | None = None
    project_id: Annotated[str, Field(pattern=ENTITY_ID_PATTERN)] | None = None

    @property
    def incident_id(self) -> str:
        """The natural id: one incident per (agency, external id), also its ``Nats-Msg-Id``."""
        return incident_id(self.agency, self.external_id)


def incident_id(agency: str, external_id: str) -> str:
    return f"{agency}:{external_id}"


@dataclass(frozen=True)
class FieldProblem:
    field: str
    problem: str
    message: str


@dataclass(frozen=True)
class Rejection:
    """Why a push was refused: a stable ``code`` for machines, a message for people."""

    code: str
    message: str
    problems: tuple[FieldProblem, ...] = field(default=())

    def to_json(self) -> str:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.problems:
            body["problems"] = [vars(p) for p in self.problems]
        return json.dumps(body, ensure_ascii=True, separators=(",", ":"))


M = TypeVar("M", bound=BaseModel)


def parse_payload(raw: bytes, model: type[M], *, max_bytes: int, what: str) -> M | Rejection:
    """Size, JSON, object, schema version and field checks shared by everything agencies push."""
    if len(raw) > max_bytes:
        return Rejection("oversized", f"{what} is {len(raw)} bytes; the limit is {max_bytes}")
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return Rejection("not_json", f"{what} is not UTF-8 JSON: {exc}")
    if not isinstance(body, dict):
        return Rejection("not_an_object", f"{what} must be a JSON object, got {type(body).__name__}")
    version = body.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        return Rejection(
            "unsupported_schema_version", f"schema_version {version!r} is not supported; use {SCHEMA_VERSION}"
        )
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        return _rejection_from(exc)


def parse_report(
    raw: bytes, *, subject_agency: str, now: datetime, max_bytes: int = MAX_REPORT_BYTES,
    clock_skew: timedelta = CLOCK_SKEW,
) -> IncidentReport | Rejection:
    """Validate a pushed report; every refusal says what to fix."""
    report = parse_payload(raw, IncidentReport, max_bytes=max_bytes, what="report")
    if isinstance(report, Rejection):
        return report
    if report.agency != subject_agency:
        return Rejection(
            "agency_mismatch",
            f"agency {report.agency!r} does not match the subject's agency {subject_agency!r}",
            (FieldProblem("agency", "mismatch", f"publish to incidents.report.{report.agency}"),),
        )
    if report.occurred_at > now + clock_skew:
        return Rejection(
            "future_timestamp",
            f"occurred_at {report.occurred_at.isoformat()} is in the future (now {now.isoformat()})",
            (FieldProblem("occurred_at", "future", "occurred_at must not be later than now"),),
        )
    return report


_PROBLEM_CODES = {
    "missing": "missing_field",
    "extra_forbidden": "unknown_field",
    "enum": "invalid_value",
    "string_type": "wrong_type",
    "datetime_type": "wrong_type",
    "datetime_parsing": "wrong_type",
    "datetime_from_date_parsing": "wrong_type",
    "timezone_aware": "invalid_value",
    "string_pattern_mismatch": "invalid_value",
    "string_too_long": "invalid_value",
    "string_too_short": "missing_field",
}


def _rejection_from(exc: ValidationError) -> Rejection:
    problems = tuple(
        FieldProblem(".".join(str(p) for p in err["loc"]) or "(payload)", err["type"], err["msg"])
        for err in exc.errors(include_url=False)
    )
    first = problems[0]
    if first.field == "category" and first.problem == "enum":
        code = "unknown_category"
    else:
        code = _PROBLEM_CODES.get(first.problem, "invalid_value")
    summary = "; ".join(f"{p.field}: {p.message}" for p in problems)
    return Rejection(code, summary, problems)
