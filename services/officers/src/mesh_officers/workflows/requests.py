"""Enterprise requests: first-inquiry responsibility, hand-overs and time-limited completion (item 13)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from pymongo.errors import DuplicateKeyError

from mesh_officers.contacts import Contacts, RaisedProblem
from mesh_officers.domain import requests as rules
from mesh_officers.domain.common import TargetKind, require_text
from mesh_officers.domain.requests import (
    Category,
    HandOver,
    HandOverState,
    Limit,
    Outcome,
    RequestState,
    RequestView,
    Source,
)
from mesh_officers.repository import (
    OFFICERS,
    REQUESTS,
    Change,
    ClockOp,
    Emit,
    Reassign,
    Repository,
    SetClock,
    StopClock,
)
from mesh_officers.territory import Territories, clock_data
from mesh_officers.workflows._docs import new_id, non_approval_of, warn_at
from meshlib import deadlines
from meshlib.deadlines import Deadline
from meshlib.errors import InvalidArgument, NotFound, Refused
from meshlib.mongo import Document

CLAUSE = "Item 13"
ESCALATE_TO = "optimisation-office"


def completion_clock_id(request_id: str) -> str:
    return f"request-completion:{request_id}"


def answer_clock_id(request_id: str) -> str:
    return f"request-answer:{request_id}"


def handover_clock_id(request_id: str, seq: int) -> str:
    return f"handover:{request_id}:{seq}"


def view_of(doc: Document) -> RequestView:
    return RequestView(
        state=RequestState(doc["state"]),
        first_inquiry_department=doc["first_inquiry_department"],
        accountable_department=doc["accountable_department"],
        hand_overs=tuple(
            HandOver(
                seq=h["seq"],
                from_department=h["from_department"],
                to_department=h["to_department"],
                reason=h["reason"],
                handed_at=h["handed_at"],
                state=HandOverState(h["state"]),
                decided_at=h.get("decided_at"),
                decline_reason=h.get("decline_reason", ""),
            )
            for h in doc.get("hand_overs", [])
        ),
    )


def clock_ids(doc: Document) -> list[str]:
    """Every clock a request has had: completion, answer, each hand-over's acceptance."""
    rid = doc["_id"]
    return [
        completion_clock_id(rid),
        answer_clock_id(rid),
        *(handover_clock_id(rid, h["seq"]) for h in doc.get("hand_overs", [])),
    ]


@dataclass(frozen=True)
class NewRequest:
    enterprise_id: str
    project_id: str
    officer_id: str
    source: Source
    source_ref: str
    subject: str
    category: Category
    urgent: bool
    department: str


class RequestDesk:
    def __init__(
        self,
        repo: Repository,
        contacts: Contacts,
        limits: Mapping[Category, Limit],
        warn_fraction: float,
        handover_accept: timedelta,
    ) -> None:
        self._repo = repo
        self._contacts = contacts
        self._limits = limits
        self._warn_fraction = warn_fraction
        self._handover_accept = handover_accept
        self._territories = Territories(repo.db)

    async def open(self, new: NewRequest, actor: str, *, request_id: str | None = None) -> Document:
        """Item 13: the first department asked is first-inquiry responsible; the completion clock starts."""
        now = self._repo.now()
        enterprise_id = require_text(new.enterprise_id, "enterprise_id", max_length=200, item=rules.ITEM)
        department = require_text(new.department, "department", max_length=200, item=rules.ITEM)
        subject = require_text(new.subject, "subject", item=rules.ITEM)
        if new.source is Source.OFFICER and not new.officer_id:
            raise InvalidArgument(
                "a request opened by an officer names the officer", rule="required", item=rules.ITEM, field="officer_id"
            )
        if new.officer_id:
            officer = await self._repo.get(OFFICERS, new.officer_id)
            if officer is None:
                raise NotFound(f"no officer with id {new.officer_id!r}", rule="officer-exists", field="officer_id")
            if officer["enterprise_id"] != enterprise_id:
                raise Refused(
                    f"officer {new.officer_id} serves {officer['enterprise_id']}, not {enterprise_id}",
                    rule="officer-serves-enterprise",
                    item="Item 6",
                    field="officer_id",
                )
        clock = rules.completion_clock(now, new.category, new.urgent, self._limits, self._warn_fraction)
        rid = request_id or new_id("req")
        # Item 9: the request is the county's where its enterprise lies (see mesh_officers.territory).
        territory = await self._territories.of(enterprise_id)
        doc: Document = {
            "_id": rid,
            "enterprise_id": enterprise_id,
            "territory": territory,
            "project_id": new.project_id or None,
            "officer_id": new.officer_id or None,
            "source": new.source.value,
            "source_ref": new.source_ref or None,
            "subject": subject,
            "category": new.category.value,
            "urgent": new.urgent,
            "first_inquiry_department": department,
            "accountable_department": department,
            "state": RequestState.OPEN.value,
            "opened_at": now,
            "opened_by": actor,
            "due_at": clock.due_at,
            "warn_at": clock.warn_at,
            "answer_by": None,
            "hand_overs": [],
            "outcome": None,
            "outcome_summary": "",
            "completed_at": None,
            "completed_by": "",
            "due_soon_at": None,
            "overdue_at": None,
            "agency": None,
        }
        deadline = Deadline(
            completion_clock_id(rid),
            "request-completion",
            "request",
            rid,
            department,
            clock.due_at,
            CLAUSE,
            warn_at=clock.warn_at,
            escalate_to=ESCALATE_TO,
            data={"enterprise_id": enterprise_id, "urgent": new.urgent, "category": new.category.value,
                  **clock_data(territory)},
        )
        data = {
            "request_id": rid,
            "enterprise_id": enterprise_id,
            "officer_id": doc["officer_id"],
            "department": department,
            "category": new.category.value,
            "urgent": new.urgent,
            "source": new.source.value,
            "source_ref": doc["source_ref"],
            "due_at": clock.due_at.isoformat(),
        }
        try:
            stored = await self._repo.insert(
                REQUESTS, doc, Change(emit=[Emit("officers.request.opened", data)], clocks=[SetClock(deadline)])
            )
            await self._territories.settle(rid, enterprise_id, territory)
            return stored
        except DuplicateKeyError:
            existing = await self._repo.get(REQUESTS, rid)
            assert existing is not None
            return existing

    async def _with_clocks_placed(self, doc: Document) -> Document:
        """The request just written with a new clock, its clocks in its county as it is now (item 9)."""
        await self._territories.place_clocks([doc["_id"]], doc.get("territory"))
        return doc

    async def open_from_problem(
        self,
        problem_id: str,
        category: Category | None,
        urgent: bool,
        actor: str,
        *,
        known: RaisedProblem | None = None,
    ) -> Document:
        """Items 13, 19, 20: a leader's problem becomes a request in one step, once per problem.

        The problem's department is first-inquiry responsible; its description is what is asked.
        """
        problem_id = require_text(problem_id, "problem_id", max_length=200, item=rules.ITEM)
        request_id = f"req-problem-{problem_id}"
        existing = await self._repo.get(REQUESTS, request_id)
        if existing is not None:
            return existing
        problem = known if known is not None else await self._contacts.problem(problem_id)
        project_id = ""
        enterprise_id = problem.target_id
        if problem.target_kind is TargetKind.PROJECT:
            project_id = problem.target_id
            enterprise_id = (await self._contacts.project(project_id)).owner_enterprise_id
        new = NewRequest(
            enterprise_id=enterprise_id,
            project_id=project_id,
            officer_id="",
            source=Source.LEADER_PROBLEM,
            source_ref=problem_id,
            subject=problem.description,
            category=category or rules.category_for_problem(problem.category),
            urgent=urgent,
            department=problem.department,
        )
        return await self.open(new, actor, request_id=request_id)

    async def agree_answer_deadline(
        self, request_id: str, department: str, answer_by: datetime, actor: str
    ) -> Document:
        now = self._repo.now()

        def decide(doc: Document) -> Change:
            rules.check_answer_deadline(view_of(doc), department, answer_by, doc["due_at"], now)
            clock = Deadline(
                answer_clock_id(request_id),
                "first-inquiry-answer",
                "request",
                request_id,
                department,
                answer_by,
                CLAUSE,
                warn_at=warn_at(now, answer_by, self._warn_fraction),
                escalate_to=ESCALATE_TO,
                data=clock_data(doc.get("territory")),
            )
            return Change(
                set={"answer_by": answer_by},
                emit=[
                    Emit(
                        "officers.request.answer_agreed",
                        {"request_id": request_id, "department": department, "answer_by": answer_by.isoformat()},
                    )
                ],
                clocks=[SetClock(clock)],
            )

        return await self._with_clocks_placed(await self._repo.mutate(REQUESTS, request_id, decide, what="request"))

    async def hand_over(
        self, request_id: str, from_department: str, to_department: str, reason: str, actor: str
    ) -> Document:
        """Item 13: out of remit, hand over; the hander follows up until the receiver accepts."""
        now = self._repo.now()

        def decide(doc: Document) -> Change:
            h = rules.hand_over(view_of(doc), from_department.strip(), to_department, reason, now)
            due = now + self._handover_accept
            clock = Deadline(
                handover_clock_id(request_id, h.seq),
                "handover-acceptance",
                "request",
                request_id,
                h.from_department,
                due,
                CLAUSE,
                warn_at=warn_at(now, due, self._warn_fraction),
                escalate_to=ESCALATE_TO,
                data={"to_department": h.to_department, **clock_data(doc.get("territory"))},
            )
            entry = {
                "seq": h.seq,
                "from_department": h.from_department,
                "to_department": h.to_department,
                "reason": h.reason,
                "handed_at": now,
                "handed_by": actor,
                "state": h.state.value,
                "decided_at": None,
                "decided_by": "",
                "decline_reason": "",
            }
            return Change(
                set={"state": RequestState.HANDOVER_PENDING.value},
                push={"hand_overs": entry},
                emit=[
                    Emit(
                        "officers.request.handed_over",
                        {
                            "request_id": request_id,
                            "seq": h.seq,
                            "from_department": h.from_department,
                            "to_department": h.to_department,
                            "reason": h.reason,
                        },
                    )
                ],
                clocks=[SetClock(clock)],
            )

        return await self._with_clocks_placed(await self._repo.mutate(REQUESTS, request_id, decide, what="request"))

    def _settle(self, doc: Document, h: HandOver, actor: str) -> list[Document]:
        return [
            {
                **e,
                "state": h.state.value,
                "decided_at": h.decided_at,
                "decided_by": actor,
                "decline_reason": h.decline_reason,
            }
            if e["seq"] == h.seq
            else e
            for e in doc["hand_overs"]
        ]

    async def accept_hand_over(self, request_id: str, department: str, actor: str) -> Document:
        """Item 13: the receiving department accepts; from now on it is accountable."""
        now = self._repo.now()

        def decide(doc: Document) -> Change:
            h = rules.accept_hand_over(view_of(doc), department.strip(), now)
            clocks: list[ClockOp] = [
                StopClock(handover_clock_id(request_id, h.seq), now),
                Reassign(completion_clock_id(request_id), h.to_department),
            ]
            if doc.get("answer_by") is not None:
                # The answer deadline was the hander's agreement; the receiver agrees its own.
                clocks.append(StopClock(answer_clock_id(request_id)))
            return Change(
                set={
                    "hand_overs": self._settle(doc, h, actor),
                    "accountable_department": h.to_department,
                    "state": RequestState.OPEN.value,
                    "answer_by": None,
                },
                emit=[
                    Emit(
                        "officers.request.handover_accepted",
                        {
                            "request_id": request_id,
                            "seq": h.seq,
                            "from_department": h.from_department,
                            "to_department": h.to_department,
                        },
                    )
                ],
                clocks=clocks,
            )

        return await self._repo.mutate(REQUESTS, request_id, decide, what="request")

    async def decline_hand_over(self, request_id: str, department: str, reason: str, actor: str) -> Document:
        """Item 13: the receiver is not responsible either; the hander stays accountable."""
        now = self._repo.now()

        def decide(doc: Document) -> Change:
            h = rules.decline_hand_over(view_of(doc), department.strip(), reason, now)
            return Change(
                set={"hand_overs": self._settle(doc, h, actor), "state": RequestState.OPEN.value},
                emit=[
                    Emit(
                        "officers.request.handover_declined",
                        {
                            "request_id": request_id,
                            "seq": h.seq,
                            "from_department": h.from_department,
                            "to_department": h.to_department,
                            "reason": h.decline_reason,
                        },
                    )
                ],
                clocks=[StopClock(handover_clock_id(request_id, h.seq), now)],
            )

        return await self._repo.mutate(REQUESTS, request_id, decide, what="request")

    async def complete(self, request_id: str, department: str, outcome: Outcome, summary: str, actor: str) -> Document:
        """Item 13: the accountable department completes the request and records the outcome."""
        now = self._repo.now()
        reported = await non_approval_of(self._repo, request_id)

        def decide(doc: Document) -> Change:
            text = rules.check_complete(view_of(doc), department.strip(), outcome, summary, reported)
            on_time = deadlines.on_time(doc["due_at"], now, now)
            return Change(
                set={
                    "state": RequestState.COMPLETED.value,
                    "outcome": outcome.value,
                    "outcome_summary": text,
                    "completed_at": now,
                    "completed_by": actor,
                },
                emit=[
                    Emit(
                        "officers.request.completed",
                        {
                            "request_id": request_id,
                            "enterprise_id": doc["enterprise_id"],
                            "officer_id": doc.get("officer_id"),
                            "department": department.strip(),
                            "outcome": outcome.value,
                            "on_time": on_time,
                        },
                    )
                ],
                clocks=[StopClock(completion_clock_id(request_id), now), StopClock(answer_clock_id(request_id), now)],
            )

        return await self._repo.mutate(REQUESTS, request_id, decide, what="request")

    async def rate(self, request_id: str, score: int, comment: str, actor: str) -> Document:
        """Item 17: the enterprise's rating of a completed service, kept with the request (once)."""
        now = self._repo.now()

        def decide(doc: Document) -> Change:
            text = rules.check_rating(RequestState(doc["state"]), bool(doc.get("rating")), score, comment)
            return Change(
                set={"rating": {"score": score, "comment": text, "rated_at": now, "rated_by": actor}},
                emit=[Emit("officers.request.rated", {
                    "request_id": request_id, "enterprise_id": doc["enterprise_id"],
                    "officer_id": doc.get("officer_id"), "department": doc["accountable_department"],
                    "score": score,
                })],
            )

        return await self._repo.mutate(REQUESTS, request_id, decide, what="request")

    async def on_completion_clock(self, request_id: str, phase: str) -> None:
        """The shared scanner fired the completion clock: mark the request due soon or overdue, once."""
        now = self._repo.now()
        field, subject = (
            ("due_soon_at", "officers.request.due_soon")
            if phase == deadlines.WARNED
            else ("overdue_at", "officers.request.overdue")
        )

        def decide(doc: Document) -> Change | None:
            if doc["state"] == RequestState.COMPLETED.value or doc.get(field) is not None:
                return None
            return Change(
                set={field: now},
                emit=[
                    Emit(
                        subject,
                        {
                            "request_id": request_id,
                            "enterprise_id": doc["enterprise_id"],
                            "officer_id": doc.get("officer_id"),
                            "accountable_department": doc["accountable_department"],
                            "first_inquiry_department": doc["first_inquiry_department"],
                            "due_at": doc["due_at"].isoformat(),
                        },
                    )
                ],
            )

        try:
            await self._repo.mutate(REQUESTS, request_id, decide, what="request")
        except NotFound:
            return
