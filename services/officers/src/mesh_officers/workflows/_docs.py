"""Small conversions shared by the workflows: people and ids to stored form, early-warning times."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import datetime

from mesh_officers.domain.common import Person, Rank
from meshlib.mongo import Document

WARN_SHARE = 0.2


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def person_doc(p: Person) -> Document:
    d = asdict(p)
    d["rank"] = p.rank.value
    return d


def person_of(d: Document) -> Person:
    return Person(id=d["id"], name=d["name"], department=d["department"], rank=Rank(d["rank"]), post=d.get("post", ""))


def warn_at(start: datetime, due: datetime, share: float = WARN_SHARE) -> datetime:
    """Early warning when ``share`` of the time from ``start`` to ``due`` is left."""
    return due - (due - start) * share
