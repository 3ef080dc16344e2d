"""Lead-handling of investment projects: eligibility, staffing and the procedures led (item 8)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import datetime

from pymongo.errors import DuplicateKeyError

from mesh_officers.contacts import Contacts
from mesh_officers.domain import projects as rules
from mesh_officers.domain.common import Jurisdiction, require_text
from mesh_officers.domain.projects import (
    Designation,
    ProcedureKind,
    ProcedureStatus,
    ProjectFacts,
    StaffingUnit,
    procedure_id,
)
from mesh_officers.repository import (
    PROJECTS,
    Change,
    ClockOp,
    Emit,
    Repository,
    SetClock,
    StopClock,
)
from mesh_officers.territory import Territories, clock_data
from mesh_officers.workflows._docs import non_approval_of, person_doc, warn_at
from meshlib.deadlines import Deadline
from meshlib.errors import AlreadyExists, InvalidArgument, NotFound
from meshlib.mongo import Document

CLAUSE = "Item 8"


def procedure_clock_id(project_id: str, kind: ProcedureKind) -> str:
    return f"procedure:{procedure_id(project_id, kind)}"


def facts_doc(facts: ProjectFacts) -> Document:
    return {
        "sector": facts.sector.value,
        "investment_fen": facts.investment_fen,
        "key_level": facts.key_level.value,
        "fits_industrial_policy": facts.fits_industrial_policy,
        "designation": asdict(facts.designation) if facts.designation else None,
    }


class ProjectDesk:
    def __init__(self, repo: Repository, contacts: Contacts) -> None:
        self._repo = repo
        self._contacts = contacts
        self._territories = Territories(repo.db)

    async def start(
        self,
        project_id: str,
        enterprise_id: str,
        office: Jurisdiction,
        facts: ProjectFacts | None,
        designation: Designation | None,
        fits_industrial_policy: bool,
        actor: str,
    ) -> Document:
        """Item 8: an eligible project is lead-handled; an ineligible one is refused, saying by which rule."""
        now = self._repo.now()
        project_id = require_text(project_id, "project_id", max_length=200, item=rules.ITEM)
        if facts is None:
            registered = await self._contacts.project(project_id)
            facts = ProjectFacts(
                registered.sector, registered.investment_fen, registered.key_level, fits_industrial_policy
            )
            enterprise_id = enterprise_id or registered.owner_enterprise_id
        if designation is not None:
            facts = replace(facts, designation=rules.check_designation(designation, now))
        elif facts.designation is not None:
            rules.check_designation(facts.designation, now, "facts.designation")
        enterprise_id = require_text(enterprise_id, "enterprise_id", max_length=200, item=rules.ITEM)
        result = rules.check_eligible(facts)
        basis = result.basis.value if result.basis else None
        doc: Document = {
            "_id": project_id,
            "enterprise_id": enterprise_id,
            "office": office.key,
            "facts": facts_doc(facts),
            "eligibility": {"eligible": True, "basis": basis, "rule": result.rule},
            "started_at": now,
            "started_by": actor,
            "staffing": [],
            "procedures": {},
        }
        try:
            return await self._repo.insert(
                PROJECTS,
                doc,
                Change(
                    emit=[
                        Emit(
                            "officers.project.lead_handling_started",
                            {
                                "project_id": project_id,
                                "enterprise_id": enterprise_id,
                                "office": office.key,
                                "basis": basis,
                            },
                        )
                    ]
                ),
            )
        except DuplicateKeyError:
            raise AlreadyExists(
                f"project {project_id} is already lead-handled",
                rule="lead-handling-once",
                item=rules.ITEM,
                field="project_id",
            ) from None

    async def set_staffing(self, project_id: str, units: Sequence[StaffingUnit], actor: str) -> Document:
        """Item 8: the lead handlers and agents, checked for counts and ranks."""
        checked = rules.check_staffing(units)
        staffing = [
            {
                "unit": u.unit,
                "kind": u.kind.value,
                "lead_handlers": [person_doc(p) for p in u.lead_handlers],
                "agents": [person_doc(p) for p in u.agents],
            }
            for u in checked
        ]

        def decide(doc: Document) -> Change:
            return Change(
                set={"staffing": staffing, "staffed_by": actor},
                emit=[
                    Emit(
                        "officers.project.staffed",
                        {
                            "project_id": project_id,
                            "units": [u.unit for u in checked],
                            "lead_handlers": sum(len(u.lead_handlers) for u in checked),
                            "agents": sum(len(u.agents) for u in checked),
                        },
                    )
                ],
            )

        return await self._repo.mutate(PROJECTS, project_id, decide, what="lead-handled project")

    async def open_procedure(
        self, project_id: str, kind: ProcedureKind, department: str, due_at: datetime, actor: str
    ) -> Document:
        """Item 8: a pre-construction procedure or utility hook-up becomes a tracked item with a due date."""
        now = self._repo.now()
        dept = require_text(department, "department", max_length=200, item=rules.ITEM)
        if due_at <= now:
            raise InvalidArgument(
                "a procedure is due in the future", rule="future-date", item=rules.ITEM, field="due_at"
            )
        # Item 9: the procedure's clock is the county's where the project's owner lies (see mesh_officers.territory).
        territory = await self._territories.of_project(project_id)

        def decide(doc: Document) -> Change:
            if kind.value in doc["procedures"]:
                raise AlreadyExists(
                    f"{kind.value} is already tracked for this project",
                    rule="procedure-once",
                    item=rules.ITEM,
                    field="kind",
                )
            pid = procedure_id(project_id, kind)
            entry = {
                "id": pid,
                "kind": kind.value,
                "department": dept,
                "status": ProcedureStatus.NOT_STARTED.value,
                "due_at": due_at,
                "opened_at": now,
                "done_at": None,
                "history": [{"status": ProcedureStatus.NOT_STARTED.value, "at": now, "by": actor, "note": ""}],
            }
            clock = Deadline(
                procedure_clock_id(project_id, kind),
                "procedure",
                "procedure",
                pid,
                dept,
                due_at,
                CLAUSE,
                warn_at=warn_at(now, due_at),
                escalate_to=f"optimisation-office:{doc['office']}",
                data=clock_data(territory),
            )
            return Change(
                set={f"procedures.{kind.value}": entry},
                emit=[
                    Emit(
                        "officers.project.procedure_opened",
                        {
                            "project_id": project_id,
                            "procedure_id": pid,
                            "kind": kind.value,
                            "department": dept,
                            "due_at": due_at.isoformat(),
                        },
                    )
                ],
                clocks=[SetClock(clock)],
            )

        stored = await self._repo.mutate(PROJECTS, project_id, decide, what="lead-handled project")
        owner = stored["enterprise_id"]
        await self._territories.settle_clocks("procedure", [procedure_id(project_id, kind)], territory,
                                              lambda: self._territories.of(owner))
        return stored

    async def update_procedure(
        self, project_id: str, kind: ProcedureKind, status: ProcedureStatus, note: str, actor: str
    ) -> Document:
        now = self._repo.now()
        pid = procedure_id(project_id, kind)
        reported = await non_approval_of(self._repo, pid)

        def decide(doc: Document) -> Change:
            entry = doc["procedures"].get(kind.value)
            if entry is None:
                raise NotFound(
                    f"{kind.value} is not tracked for this project",
                    rule="procedure-exists",
                    item=rules.ITEM,
                    field="kind",
                )
            rules.check_procedure_move(ProcedureStatus(entry["status"]), status, reported)
            entry = {
                **entry,
                "status": status.value,
                "history": [*entry["history"], {"status": status.value, "at": now, "by": actor, "note": note.strip()}],
            }
            clocks: list[ClockOp] = []
            if status is ProcedureStatus.DONE:
                entry["done_at"] = now
                clocks.append(StopClock(procedure_clock_id(project_id, kind), now))
            return Change(
                set={f"procedures.{kind.value}": entry},
                emit=[
                    Emit(
                        "officers.project.procedure_updated",
                        {"project_id": project_id, "procedure_id": pid, "kind": kind.value, "status": status.value},
                    )
                ],
                clocks=clocks,
            )

        return await self._repo.mutate(PROJECTS, project_id, decide, what="lead-handled project")
