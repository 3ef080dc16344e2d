"""Non-approval reports climbing the chain one level at a time, each level on a clock (item 14).

Each level's clock carries the county its report's subject lies in (item 9, see :mod:`mesh_officers.territory`):
a request's own ``territory``, a procedure's project's owner's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from mesh_officers.domain import nonapproval as rules
from mesh_officers.domain.common import CITY, require_text
from mesh_officers.domain.nonapproval import Chain, Kind, Level, State, Step, SubjectKind, Transition
from mesh_officers.domain.projects import ProcedureKind
from mesh_officers.domain.requests import RequestState
from mesh_officers.repository import (
    NON_APPROVALS,
    PROJECTS,
    REQUESTS,
    Change,
    ClockOp,
    Emit,
    Repository,
    SetClock,
    StopClock,
)
from mesh_officers.territory import Territories, clock_data
from mesh_officers.workflows._docs import new_id, warn_at
from meshlib.deadlines import Deadline
from meshlib.errors import NotFound, Refused
from meshlib.mongo import Document

CLAUSE = "Item 14"
CLOCK_KIND = "non-approval-level"


def level_clock_id(non_approval_id: str, level: Level) -> str:
    return f"non-approval:{non_approval_id}:{level.value}"


def chain_of(doc: Document) -> Chain:
    return Chain(
        state=State(doc["state"]),
        level=Level(doc["level"]),
        steps=tuple(
            Step(
                Level(s["level"]),
                rules.Decision(s["decision"]),
                s["decided_by"],
                s["reasons"],
                s["suggestion"],
                s["at"],
            )
            for s in doc["steps"]
        ),
        filed_with_office=doc.get("office_filing") is not None,
        top_overdue=bool(doc.get("top_overdue")),
    )


def _step_doc(step: Step) -> Document:
    return {
        "level": step.level.value,
        "decision": step.decision.value,
        "decided_by": step.decided_by,
        "reasons": step.reasons,
        "suggestion": step.suggestion,
        "at": step.at,
    }


class NonApprovalDesk:
    def __init__(self, repo: Repository, level_limits: Mapping[Level, timedelta], warn_fraction: float) -> None:
        self._repo = repo
        self._limits = level_limits
        self._warn_fraction = warn_fraction
        self._territories = Territories(repo.db)

    def _clock(
        self, non_approval_id: str, agency: str, level: Level, start: datetime, territory: Document | None
    ) -> Deadline:
        """Item 14: the level has a deadline to act; when it passes, the report goes up by itself.

        Item 9: it carries the county of ``territory``, where the report's subject lies.
        """
        due = start + self._limits[level]
        up = rules.above(level)
        return Deadline(
            level_clock_id(non_approval_id, level),
            CLOCK_KIND,
            "non_approval",
            non_approval_id,
            f"{agency}:{level.value}",
            due,
            CLAUSE,
            warn_at=warn_at(start, due, self._warn_fraction),
            escalate_to=up.value if up else None,
            data={"non_approval_id": non_approval_id, "level": level.value, **clock_data(territory)},
        )

    def _change(
        self, doc: Document, t: Transition, now: datetime, territory: Document | None, *, auto: bool
    ) -> Change:
        nid, agency = doc["_id"], doc["agency"]
        before = Level(doc["level"])
        new = t.chain
        set_: Document = {"state": new.state.value, "level": new.level.value, "top_overdue": new.top_overdue}
        emit: list[Emit] = []
        clocks: list[ClockOp] = []
        base = {
            "non_approval_id": nid,
            "subject_kind": doc["subject_kind"],
            "subject_id": doc["subject_id"],
            "agency": agency,
        }
        push: Document = {}
        if t.step is not None:
            push["steps"] = _step_doc(t.step)
            if not auto:
                clocks.append(StopClock(level_clock_id(nid, before), now))
                emit.append(
                    Emit(
                        "officers.nonapproval.decided",
                        {
                            **base,
                            "level": before.value,
                            "decision": t.step.decision.value,
                            "decided_by": t.step.decided_by,
                        },
                    )
                )
        if new.state is State.PENDING and new.level is not before:
            clocks.append(SetClock(self._clock(nid, agency, new.level, now, territory)))
            emit.append(
                Emit(
                    "officers.nonapproval.escalated",
                    {**base, "from_level": before.value, "to_level": new.level.value, "automatic": auto},
                )
            )
        if t.filing_basis is not None:
            set_["office_filing"] = {"office": CITY.key, "filed_at": now, "basis": t.filing_basis}
            emit.append(Emit("officers.nonapproval.filed", {**base, "office": CITY.key, "basis": t.filing_basis}))
        if new.top_overdue and not doc.get("top_overdue"):
            emit.append(Emit("officers.nonapproval.top_overdue", {**base, "level": new.level.value}))
        if t.concluded:
            emit.append(
                Emit("officers.nonapproval.concluded", {**base, "state": new.state.value, "level": new.level.value})
            )
        return Change(set=set_, push=push, emit=emit, clocks=clocks)

    async def _where_report(self, non_approval_id: str) -> Document | None:
        """Item 9: where the report's subject lies (None also when there is no such report)."""
        doc = await self._repo.get(NON_APPROVALS, non_approval_id)
        if doc is None:
            return None
        return await self._territories.of_report_subject(doc["subject_kind"], doc["subject_id"])

    async def _settle(self, doc: Document, written: Document | None) -> Document:
        """Item 9: the report just written with its level clock, its clocks in the county where its subject lies
        now (the subject may have moved since ``written`` was read)."""
        where = self._territories.of_report_subject
        await self._territories.settle_clocks("non_approval", [doc["_id"]], written,
                                              lambda: where(doc["subject_kind"], doc["subject_id"]))
        return doc

    async def _check_subject(self, kind: SubjectKind, subject_id: str) -> Document | None:
        """That the subject exists and may be reported on; returns where it lies (item 9)."""
        if kind is SubjectKind.REQUEST:
            doc = await self._repo.get(REQUESTS, subject_id)
            if doc is None:
                raise NotFound(f"no request {subject_id!r}", rule="request-exists", field="subject_id")
            if doc["state"] == RequestState.COMPLETED.value:
                raise Refused("the request is completed", rule="request-open", item=rules.ITEM, field="subject_id")
            territory = doc.get("territory")
            return None if territory is None else dict(territory)
        project_id, _, procedure = subject_id.rpartition("/")
        project = await self._repo.get(PROJECTS, project_id) if project_id else None
        try:
            known = project is not None and ProcedureKind(procedure).value in project["procedures"]
        except ValueError:
            known = False
        if not known or project is None:
            raise NotFound(
                f'no tracked procedure {subject_id!r} ("<project id>/<kind>")',
                rule="procedure-exists",
                field="subject_id",
            )
        return await self._territories.of(project["enterprise_id"])

    async def report(
        self,
        subject_kind: SubjectKind,
        subject_id: str,
        agency: str,
        kind: Kind,
        handler: str,
        reasons: str,
        suggestion: str,
        actor: str,
    ) -> Document:
        """Item 14: the section reports the non-approval in writing, up to the agency's deputy head."""
        now = self._repo.now()
        agency = require_text(agency, "agency", max_length=200, item=rules.ITEM)
        territory = await self._check_subject(subject_kind, subject_id)
        t = rules.report(handler, reasons, suggestion, now)
        nid = new_id("na")
        doc = {
            "_id": nid,
            "subject_kind": subject_kind.value,
            "subject_id": subject_id,
            "agency": agency,
            "kind": kind.value,
            "state": t.chain.state.value,
            "level": t.chain.level.value,
            "steps": [_step_doc(s) for s in t.chain.steps],
            "office_filing": None,
            "top_overdue": False,
            "reported_at": now,
            "reported_by": actor,
        }
        stored = await self._repo.insert(
            NON_APPROVALS,
            doc,
            Change(
                emit=[
                    Emit(
                        "officers.nonapproval.reported",
                        {
                            "non_approval_id": nid,
                            "subject_kind": subject_kind.value,
                            "subject_id": subject_id,
                            "agency": agency,
                            "kind": kind.value,
                            "level": t.chain.level.value,
                        },
                    )
                ],
                clocks=[SetClock(self._clock(nid, agency, t.chain.level, now, territory))],
            ),
        )
        return await self._settle(stored, territory)

    async def decide(
        self,
        non_approval_id: str,
        level: Level,
        approve: bool,
        decided_by: str,
        reasons: str,
        suggestion: str,
        actor: str,
    ) -> Document:
        """Item 14: the awaited level approves after all, or confirms and passes the report up."""
        now = self._repo.now()
        territory = await self._where_report(non_approval_id)

        def decide(doc: Document) -> Change:
            t = rules.decide(chain_of(doc), level, approve, decided_by, reasons, suggestion, now)
            return self._change(doc, t, now, territory, auto=False)

        return await self._settle(
            await self._repo.mutate(NON_APPROVALS, non_approval_id, decide, what="non-approval"), territory
        )

    async def on_level_clock(self, non_approval_id: str, level: Level) -> None:
        """The level's deadline passed: escalate automatically (a repeat finds nothing to do)."""
        now = self._repo.now()
        territory = await self._where_report(non_approval_id)

        def decide(doc: Document) -> Change | None:
            t = rules.lapse(chain_of(doc), level, now)
            return None if t is None else self._change(doc, t, now, territory, auto=True)

        try:
            await self._settle(await self._repo.mutate(NON_APPROVALS, non_approval_id, decide, what="non-approval"),
                               territory)
        except NotFound:
            return
