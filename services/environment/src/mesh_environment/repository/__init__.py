"""MongoDB storage of the environment service, one module per group of collections; indexes declared here."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from mesh_environment.repository import cases, enforcement, oversight
from meshlib import deadlines
from meshlib.mongo import Indexes

INDEXES: Indexes = {**cases.INDEXES, **enforcement.INDEXES, **oversight.INDEXES, **deadlines.INDEXES}


def new_id(prefix: str) -> str:
    """A fresh document id such as ``CASE-3F9A0C1B2D4E`` (random, so replicas never collide)."""
    return f"{prefix}-{uuid.uuid4().hex[:12].upper()}"


def utcnow() -> datetime:
    """Now, to the millisecond: what MongoDB stores, so a document returned equals the one read back."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
