"""Small conversions shared by the workflows: people and ids to stored form, early-warning times; where a
subject's non-approval reports stand."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import datetime

from mesh_officers.domain import nonapproval
from mesh_officers.domain.common import NonApproval, Person, Rank
from mesh_officers.repository import NON_APPROVALS, Repository
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


async def non_approval_of(repo: Repository, subject_id: str) -> NonApproval:
    """Item 14: where the non-approval reports of a request or procedure stand, to close it as not approved."""
    reports = await repo.find(NON_APPROVALS, {"subject_id": subject_id})
    return nonapproval.standing(d["state"] for d in reports)
