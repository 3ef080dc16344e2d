"""Agency services of the service centres and their monthly report to the optimisation office (item 7)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta

from pymongo.errors import DuplicateKeyError

from mesh_officers.domain import agency as rules
from mesh_officers.domain.agency import AgencyCase, Method, Mode, MonthlyReport, ReportRow, StepStatus
from mesh_officers.domain.common import Jurisdiction, Person, month_bounds, month_of, require_text
from mesh_officers.domain.requests import RequestState
from mesh_officers.repository import AGENCY_REPORTS, REQUESTS, Change, Emit, Repository, SetClock, StopClock
from mesh_officers.workflows._docs import new_id, person_doc
from meshlib.deadlines import Deadline
from meshlib.errors import Refused
from meshlib.mongo import Document

CLAUSE = "Item 7"


def report_clock_id(centre: Jurisdiction, month: str) -> str:
    return f"agency-report:{centre.key}:{month}"


def _row_doc(row: ReportRow) -> Document:
    d = asdict(row)
    d["mode"] = row.mode.value if row.mode else None
    d["method"] = row.method.value if row.method else None
    return d


def report_doc(centre: Jurisdiction, report: MonthlyReport) -> Document:
    """The report as stored and served: the figures, the period, the fingerprint."""
    return {
        "_id": f"{centre.key}:{report.month}",
        "centre": centre.key,
        "month": report.month,
        "period_start": report.start,
        "period_end": report.end,
        "rows": [_row_doc(r) for r in report.rows],
        "total": _row_doc(report.total),
        "steps_at_end": {s.value: n for s, n in report.steps_at_end.items()},
        "leader_proposals": report.leader_proposals,
        "fingerprint": report.fingerprint,
        "filed_at": None,
        "filed_by": "",
        "filed_with": centre.key,
    }


def case_of(doc: Document) -> AgencyCase:
    agency = doc["agency"]
    return AgencyCase(
        mode=Mode(agency["mode"]),
        method=Method(agency["method"]),
        taken_at=agency["taken_at"],
        due_at=doc["due_at"],
        completed_at=doc.get("completed_at"),
        step_histories=[[(StepStatus(h["status"]), h["at"]) for h in s["history"]] for s in agency["steps"]],
        proposals=[p["proposed_at"] for p in agency["leader_proposals"]],
    )


class AgencyDesk:
    def __init__(self, repo: Repository, report_due_days: int) -> None:
        self._repo = repo
        self._report_due = timedelta(days=report_due_days)

    def _report_clock(self, centre: Jurisdiction, at: datetime) -> Deadline:
        """Item 7: the month's report is due a few days into the next month."""
        month = month_of(at)
        _, end = month_bounds(month)
        due = end + self._report_due
        return Deadline(
            report_clock_id(centre, month),
            "agency-monthly-report",
            "agency-report",
            f"{centre.key}:{month}",
            f"service-centre:{centre.key}",
            due,
            CLAUSE,
            warn_at=end,
            escalate_to=f"optimisation-office:{centre.key}",
            # Item 9: a county centre's report clock is its county's (the gateway places deadlines by it).
            data={"county_code": centre.county_code} if centre.county_code else {},
        )

    async def take(
        self, request_id: str, centre: Jurisdiction, mode: Mode, method: Method, agent: Person, actor: str
    ) -> Document:
        """Item 7: the centre acts for the enterprise, in full-process or single-item agency."""
        now = self._repo.now()
        checked = agent.checked("agent")

        def decide(doc: Document) -> Change:
            rules.check_take(doc.get("agency") is not None, doc["state"] == RequestState.COMPLETED.value)
            agency: Document = {
                "centre": centre.key,
                "mode": mode.value,
                "method": method.value,
                "agent": person_doc(checked),
                "taken_at": now,
                "taken_by": actor,
                "steps": [],
                "leader_proposals": [],
            }
            return Change(
                set={"agency": agency},
                emit=[
                    Emit(
                        "officers.agency.taken",
                        {"request_id": request_id, "centre": centre.key, "mode": mode.value, "method": method.value},
                    )
                ],
                clocks=[SetClock(self._report_clock(centre, now), only_if_absent=True)],
            )

        return await self._repo.mutate(REQUESTS, request_id, decide, what="request")

    def _agency(self, doc: Document) -> Document:
        agency = doc.get("agency")
        if agency is None:
            raise Refused(
                "the service centre has not taken this request as agent",
                rule="agency-taken",
                item=rules.ITEM,
                field="request_id",
            )
        if doc["state"] == RequestState.COMPLETED.value:
            raise Refused("the request is completed", rule="request-open", item=rules.ITEM, field="request_id")
        return dict(agency)

    async def record_step(
        self, request_id: str, step_id: str, department: str, permit: str, status: StepStatus, note: str, actor: str
    ) -> Document:
        """Item 7: a step taken on the enterprise's behalf (which department, which permit, its status)."""
        now = self._repo.now()

        def decide(doc: Document) -> Change:
            agency = self._agency(doc)
            steps = [dict(s) for s in agency["steps"]]
            change = {"status": status.value, "at": now, "by": actor, "note": note.strip()}
            if not step_id:
                dept, what = rules.check_new_step(department, permit)
                if status is not StepStatus.PENDING:
                    rules.check_step_move(StepStatus.PENDING, status)
                sid = new_id("stp")
                steps.append(
                    {"id": sid, "department": dept, "permit": what, "status": status.value, "history": [change]}
                )
            else:
                found = [s for s in steps if s["id"] == step_id]
                if not found:
                    raise Refused(
                        f"no step {step_id!r} on this request",
                        rule="agency-step-exists",
                        item=rules.ITEM,
                        field="step_id",
                    )
                step = found[0]
                rules.check_step_move(StepStatus(step["status"]), status)
                step["status"] = status.value
                step["history"] = [*step["history"], change]
                sid = step_id
            agency["steps"] = steps
            return Change(
                set={"agency": agency},
                emit=[
                    Emit(
                        "officers.agency.step_recorded",
                        {"request_id": request_id, "step_id": sid, "status": status.value},
                    )
                ],
            )

        return await self._repo.mutate(REQUESTS, request_id, decide, what="request")

    async def propose_leader(self, request_id: str, leader: str, reason: str, actor: str) -> Document:
        """Item 7: the centre proposes that a government leader take charge of the matter."""
        now = self._repo.now()
        who = require_text(leader, "leader", max_length=200, item=rules.ITEM)
        why = require_text(reason, "reason", item=rules.ITEM)

        def decide(doc: Document) -> Change:
            agency = self._agency(doc)
            agency["leader_proposals"] = [
                *agency["leader_proposals"],
                {"leader": who, "reason": why, "proposed_at": now, "proposed_by": actor},
            ]
            return Change(
                set={"agency": agency},
                emit=[Emit("officers.agency.leader_proposed", {"request_id": request_id, "leader": who})],
            )

        return await self._repo.mutate(REQUESTS, request_id, decide, what="request")

    async def monthly_report(self, centre: Jurisdiction, month: str) -> Document:
        """Item 7: the month's report from the data as of the month's end; filed details if filed."""
        start, end = month_bounds(month)
        rules.check_month_ended(end, self._repo.now())
        filed = await self._repo.get(AGENCY_REPORTS, f"{centre.key}:{month}")
        docs = await self._repo.find(
            REQUESTS,
            {
                "agency.centre": centre.key,
                "agency.taken_at": {"$lt": end},
                "$or": [{"completed_at": None}, {"completed_at": {"$gte": start}}],
            },
        )
        report = report_doc(centre, rules.monthly_report(month, start, end, [case_of(d) for d in docs]))
        if filed is not None:
            report.update(filed_at=filed["filed_at"], filed_by=filed["filed_by"])
        return report

    async def file_report(self, centre: Jurisdiction, month: str, actor: str) -> Document:
        """Item 7: the centre reports to the optimisation office of its level; filing again changes nothing."""
        now = self._repo.now()
        existing = await self._repo.get(AGENCY_REPORTS, f"{centre.key}:{month}")
        if existing is not None:
            return existing
        report = await self.monthly_report(centre, month)
        report.update(filed_at=now, filed_by=actor)
        clock_id = report_clock_id(centre, month)
        try:
            return await self._repo.insert(
                AGENCY_REPORTS,
                report,
                Change(
                    emit=[
                        Emit(
                            "officers.agency.report_filed",
                            {"centre": centre.key, "month": month, "fingerprint": report["fingerprint"]},
                        )
                    ],
                    clocks=[StopClock(clock_id, now)],
                ),
            )
        except DuplicateKeyError:
            stored = await self._repo.get(AGENCY_REPORTS, f"{centre.key}:{month}")
            assert stored is not None
            return stored
