"""The event envelope every domain event travels in (CloudEvents attributes as the model)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


def utcnow() -> datetime:
    return datetime.now(UTC)


class Envelope(BaseModel):
    """A fact that happened: who says so, about what, when; trace context travels in headers."""

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(description="deterministic for a given fact, so a re-publish dedupes")
    type: str = Field(description="e.g. mesh.incident.accepted")
    source: str = Field(description="the publishing service, e.g. mesh/response")
    subject: str = Field(description="id of the entity the event is about")
    time: datetime = Field(default_factory=utcnow)
    schema_version: int = 1
    data: dict[str, Any]

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Envelope:
        return cls.model_validate_json(raw)
