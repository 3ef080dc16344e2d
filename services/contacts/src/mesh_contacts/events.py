"""NATS out: the CONTACTS stream, the event subjects, and the outbox entries that become events.

Subjects are ``contacts.<entity>.<fact>``. An event is written into the changed
document's ``_outbox`` in the same update as the change (:mod:`meshlib.outbox`), so a
change and its event are never separated by a crash.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from meshlib import outbox
from meshlib.bus import StreamSpec
from meshlib.envelope import Envelope
from meshlib.mongo import Document

SOURCE = "mesh/contacts"
STREAM = "CONTACTS"

ENTERPRISE_REGISTERED = "contacts.enterprise.registered"
ENTERPRISE_UPDATED = "contacts.enterprise.updated"
PROJECT_REGISTERED = "contacts.project.registered"
PROJECT_UPDATED = "contacts.project.updated"
LEADER_REGISTERED = "contacts.leader.registered"
LEADER_UPDATED = "contacts.leader.updated"
PAIRING_STARTED = "contacts.pairing.started"
PAIRING_ENDED = "contacts.pairing.ended"
VISIT_RECORDED = "contacts.visit.recorded"
PROBLEM_PREFIX = "contacts.problem"
"""``contacts.problem.<action>``: raised, coordination_started, rerouted, resolved, closed_unresolved, overdue."""
EDITION_PUBLISHED = "contacts.edition.published"
DEADLINE_DOMAIN = "contacts"
"""The deadline scanner publishes ``contacts.deadline.warning`` and ``contacts.deadline.breached``."""

STREAMS = [
    StreamSpec(
        name=STREAM,
        subjects=["contacts.>"],
        description="Leaders' contacts: registry, pairings, visits, problems, published editions, deadlines",
    )
]


def entry(subject: str, event_id: str, entity_id: str, data: dict[str, Any], at: datetime) -> Document:
    """An outbox entry: the event to publish once the write that carries it has been stored."""
    return outbox.entry(subject, Envelope(id=event_id, type="mesh." + subject, source=SOURCE, subject=entity_id,
                                          time=at, data=data))


def enterprise_data(doc: Document) -> dict[str, Any]:
    return {
        "enterprise_id": doc["_id"], "name": doc["name"], "credit_code": doc["credit_code"],
        "sector": doc["sector"], "territory": dict(doc["territory"]), "key_lists": list(doc["key_lists"]),
        "is_key": doc["is_key"], "version": doc["version"],
    }


def project_data(doc: Document) -> dict[str, Any]:
    return {
        "project_id": doc["_id"], "name": doc["name"], "owner_enterprise_id": doc["owner_enterprise_id"],
        "sector": doc["sector"], "investment_fen": int(doc["investment_fen"]), "territory": dict(doc["territory"]),
        "stage": doc["stage"], "key_lists": list(doc["key_lists"]), "is_key": doc["is_key"],
        "version": doc["version"],
    }


def leader_data(doc: Document) -> dict[str, Any]:
    return {"leader_id": doc["_id"], "name": doc["name"], "level": doc["level"], "post": doc["post"],
            "county_code": doc["county_code"]}


def pairing_data(doc: Document) -> dict[str, Any]:
    return {
        "pairing_id": doc["_id"], "leader_id": doc["leader_id"], "target_kind": doc["target_kind"],
        "target_id": doc["target_id"], "started_on": doc["started_on"], "ended_on": doc.get("ended_on"),
        "end_reason": doc.get("end_reason", ""),
    }


def visit_data(doc: Document) -> dict[str, Any]:
    return {
        "visit_id": doc["_id"], "leader_id": doc["leader_id"], "target_kind": doc["target_kind"],
        "target_id": doc["target_id"], "visited_on": doc["visited_on"], "unpaired": doc["unpaired"],
        "pairing_id": doc.get("pairing_id"), "problem_ids": list(doc["problem_ids"]),
    }


def problem_data(doc: Document) -> dict[str, Any]:
    """What officers (a problem can become a request) and supervision (counts) need."""
    return {
        "problem_id": doc["_id"], "visit_id": doc["visit_id"], "leader_id": doc["leader_id"],
        "target_kind": doc["target_kind"], "target_id": doc["target_id"], "territory": dict(doc["territory"]),
        "category": doc["category"], "description": doc["description"], "department": doc["department"],
        "due_on": doc["due_on"], "status": doc["status"], "resolution": doc.get("resolution", ""),
        "close_reason": doc.get("close_reason", ""),
    }


def edition_data(doc: Document) -> dict[str, Any]:
    return {"number": doc["_id"], "period_start": doc["period_start"], "period_end": doc["period_end"],
            "trigger": doc["trigger"], "entry_count": doc["entry_count"]}
