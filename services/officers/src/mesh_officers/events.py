"""NATS in and out: the OFFICERS stream, what the deadline scanner's firings do, problems and where
enterprises lie (item 9) from contacts.

Published (all ``officers.<noun>.<fact>``, each an envelope with a deterministic id):
officer.dispatched, group.members_added, group.member_released, pledge.filed, pledge.assessed,
supervision.opened, supervision.closed, reward.recorded, request.opened, request.answer_agreed,
request.handed_over, request.handover_accepted, request.handover_declined, request.due_soon,
request.overdue, request.completed, agency.taken, agency.step_recorded, agency.leader_proposed,
agency.report_filed, project.lead_handling_started, project.staffed, project.procedure_opened,
project.procedure_updated, nonapproval.reported, nonapproval.decided, nonapproval.escalated,
nonapproval.filed, nonapproval.top_overdue, nonapproval.concluded; and from the shared scanner
deadline.warning and deadline.breached.
"""

from __future__ import annotations

import logging
from typing import Any

from mesh_officers.contacts import problem_from_event
from mesh_officers.domain.nonapproval import Level
from mesh_officers.territory import Territories
from mesh_officers.workflows.nonapprovals import CLOCK_KIND, NonApprovalDesk
from mesh_officers.workflows.requests import RequestDesk
from meshlib import deadlines
from meshlib.bus import Delivery, StreamSpec
from meshlib.envelope import Envelope
from meshlib.mongo import Document

log = logging.getLogger(__name__)

DOMAIN = "officers"
STREAMS = [
    StreamSpec(
        name="OFFICERS",
        subjects=["officers.>"],
        description="The chief service officers service's events, and its deadline warnings and breaches",
    ),
]

PROBLEMS_STREAM = "CONTACTS"
PROBLEM_RAISED = "contacts.problem.raised"
PROBLEMS_DURABLE = "officers-problems"
ENTERPRISE_EVENTS = ["contacts.enterprise.registered", "contacts.enterprise.updated"]
ENTERPRISES_DURABLE = "officers-enterprises"


class DeadlineEffects:
    """What a fired clock does besides the scanner's generic event (passed as ``on_fire``).

    The scanner claims each firing atomically, so with several replicas this runs once per
    firing; it may run again only when the scanner re-publishes an owed event, and each effect
    is a no-op the second time.
    """

    def __init__(self, requests: RequestDesk, non_approvals: NonApprovalDesk) -> None:
        self._requests = requests
        self._non_approvals = non_approvals

    async def __call__(self, doc: Document, phase: str) -> None:
        kind = doc["kind"]
        if kind == "request-completion":
            await self._requests.on_completion_clock(doc["subject_id"], phase)
        elif kind == CLOCK_KIND and phase == deadlines.BREACHED:
            data: dict[str, Any] = doc.get("data") or {}
            await self._non_approvals.on_level_clock(doc["subject_id"], Level(data["level"]))


class ProblemIntake:
    """Item 13 with items 19, 20: a problem a leader raised on a visit becomes a request in one step.

    The event carries the problem (target, category, description, department); only a project's
    owner is asked of the contacts service. Idempotent: the request id is derived from the problem
    id, so a redelivery finds the request already open.
    """

    def __init__(self, requests: RequestDesk) -> None:
        self._requests = requests

    async def __call__(self, msg: Delivery) -> None:
        try:
            envelope = Envelope.from_bytes(msg.data)
        except ValueError:
            log.error("dropping a malformed event on %s (stream seq %d)", msg.subject, msg.stream_sequence)
            return
        known = problem_from_event(envelope.data)
        problem_id = known.problem_id if known is not None else envelope.subject
        actor = f"leader {envelope.data.get('leader_id', '')}".strip()
        await self._requests.open_from_problem(problem_id, None, False, actor, known=known)


class EnterpriseFollower:
    """Item 9: where each enterprise lies, from the registry's events, onto its requests (see :mod:`.territory`)."""

    def __init__(self, territories: Territories) -> None:
        self._territories = territories

    async def __call__(self, msg: Delivery) -> None:
        try:
            data = Envelope.from_bytes(msg.data).data
            enterprise_id, version = str(data["enterprise_id"]), int(data["version"])
            territory = dict(data["territory"])
        except (ValueError, KeyError, TypeError):
            log.error("dropping a malformed event on %s (stream seq %d)", msg.subject, msg.stream_sequence)
            return
        await self._territories.follow(enterprise_id, territory, version)
