"""Protobuf at the edge: requests into domain values, stored documents into messages.

Proto enum values carry their enum's name as a prefix (``OUTCOME_RESOLVED``); the domain's
enums are the lower-case rest (``resolved``). :func:`to_pb` and :func:`from_pb` map between them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from google.protobuf.timestamp_pb2 import Timestamp

from mesh.officers.v1 import officers_pb2 as pb
from mesh_officers.domain.common import Jurisdiction, Level, Person, Rank
from mesh_officers.domain.officers import EnterpriseAsk, LeaderInstruction, OfficerRecord
from mesh_officers.domain.projects import Designation, KeyLevel, ProcedureKind, ProjectFacts, Sector
from mesh_officers.territory import county_of
from meshlib import deadlines
from meshlib.errors import InvalidArgument, under
from meshlib.mongo import Document

E = TypeVar("E", bound=StrEnum)


def _prefix(enum: Any) -> str:
    first: str = enum.DESCRIPTOR.values[0].name
    return first.removesuffix("UNSPECIFIED")


def to_pb(enum: Any, value: str | None) -> Any:
    """The proto enum number of a domain value (0, unspecified, for None)."""
    if value is None:
        return 0
    return enum.Value(_prefix(enum) + value.upper())


def from_pb(enum: Any, number: int, domain: type[E], field: str) -> E:
    """The domain value of a proto enum number; unset or unknown is an error naming the field."""
    try:
        name: str = enum.Name(number)
    except ValueError:
        name = ""
    value = name.removeprefix(_prefix(enum)).lower()
    if not name or value == "unspecified":
        raise InvalidArgument(f"{field} is required", rule="required", field=field)
    return domain(value)


def ts(value: datetime) -> Timestamp:
    t = Timestamp()
    t.FromDatetime(value)
    return t


def opt_ts(value: datetime | None) -> Timestamp | None:
    return ts(value) if value is not None else None


def dt(t: Timestamp, field: str, *, required: bool = True) -> datetime:
    if required and t.seconds == 0 and t.nanos == 0:
        raise InvalidArgument(f"{field} is required", rule="required", field=field)
    return t.ToDatetime(UTC)


# ---------------------------------------------------------------- into the domain


def jurisdiction_in(j: pb.Jurisdiction, field: str) -> Jurisdiction:
    level = from_pb(pb.Level, j.level, Level, f"{field}.level")
    with under(field):  # a Jurisdiction names its own county_code
        return Jurisdiction(level, j.county_code.strip())


def person_in(p: pb.Person, field: str) -> Person:
    return Person(
        id=p.id, name=p.name, department=p.department, rank=from_pb(pb.Rank, p.rank, Rank, f"{field}.rank"), post=p.post
    )


def basis_in(b: pb.DispatchBasis) -> LeaderInstruction | EnterpriseAsk | None:
    which = b.WhichOneof("basis")
    if which == "leader_instruction":
        li = b.leader_instruction
        return LeaderInstruction(
            li.leader_id, li.leader_name, li.instruction, dt(li.instructed_at, "basis.leader_instruction.instructed_at")
        )
    if which == "enterprise_ask":
        ea = b.enterprise_ask
        return EnterpriseAsk(ea.contact, ea.note, dt(ea.asked_at, "basis.enterprise_ask.asked_at"), ea.request_id)
    return None


def designation_in(d: pb.Designation, field: str = "designation") -> Designation:
    return Designation(d.by, d.document, dt(d.designated_at, f"{field}.designated_at"))


def facts_in(f: pb.ProjectFacts) -> ProjectFacts:
    return ProjectFacts(
        sector=from_pb(pb.Sector, f.sector, Sector, "facts.sector"),
        investment_fen=f.investment_fen,
        key_level=from_pb(pb.KeyLevel, f.key_level, KeyLevel, "facts.key_level"),
        fits_industrial_policy=f.fits_industrial_policy,
        designation=designation_in(f.designation, "facts.designation") if f.HasField("designation") else None,
    )


# ---------------------------------------------------------------- out of storage


def jurisdiction_out(key: str) -> pb.Jurisdiction:
    j = Jurisdiction.from_key(key)
    return pb.Jurisdiction(level=to_pb(pb.Level, j.level.value), county_code=j.county_code)


def person_out(d: Document) -> pb.Person:
    return pb.Person(
        id=d["id"], name=d["name"], department=d["department"], rank=to_pb(pb.Rank, d["rank"]), post=d.get("post", "")
    )


def deadline_out(d: Document | None, now: datetime) -> pb.DeadlineInfo | None:
    if d is None:
        return None
    verdict = deadlines.on_time(d["due_at"], d.get("met_at"), now) if d["state"] != deadlines.CANCELLED else None
    return pb.DeadlineInfo(
        id=d["_id"],
        kind=d["kind"],
        responsible=d["responsible"],
        due_at=ts(d["due_at"]),
        warn_at=opt_ts(d.get("warn_at")),
        state=d["state"],
        met_at=opt_ts(d.get("met_at")),
        on_time=verdict,
        clause=d["clause"],
        escalate_to=d.get("escalate_to") or "",
    )


def officer_out(d: Document) -> pb.Officer:
    basis = d["basis"]
    if basis["kind"] == "leader_instruction":
        b = pb.DispatchBasis(
            leader_instruction=pb.LeaderInstruction(
                leader_id=basis["leader_id"],
                leader_name=basis["leader_name"],
                instruction=basis["instruction"],
                instructed_at=ts(basis["instructed_at"]),
            )
        )
    else:
        b = pb.DispatchBasis(
            enterprise_ask=pb.EnterpriseAsk(
                contact=basis["contact"],
                note=basis["note"],
                asked_at=ts(basis["asked_at"]),
                request_id=basis.get("request_id", ""),
            )
        )
    return pb.Officer(
        id=d["_id"],
        officer=person_out(d["officer"]),
        target_kind=to_pb(pb.TargetKind, d["target_kind"]),
        target_id=d["target_id"],
        enterprise_id=d["enterprise_id"],
        office=jurisdiction_out(d["office"]),
        basis=b,
        dispatched_at=ts(d["dispatched_at"]),
        dispatched_by=d["dispatched_by"],
        group=[
            pb.GroupMembership(
                person=person_out(m["person"]),
                proposal=m["proposal"],
                joined_at=ts(m["joined_at"]),
                released_at=opt_ts(m.get("released_at")),
                release_reason=m.get("release_reason", ""),
                active=m.get("released_at") is None,
            )
            for m in d.get("group", [])
        ],
    )


def pledge_out(d: Document, clocks: dict[str, Document], now: datetime) -> pb.Pledge:
    return pb.Pledge(
        id=d["_id"],
        officer_id=d["officer_id"],
        office=jurisdiction_out(d["office"]),
        commitments=d["commitments"],
        due_at=ts(d["due_at"]),
        filed_at=ts(d["filed_at"]),
        status=to_pb(pb.PledgeStatus, d["status"]),
        finding=d.get("finding", ""),
        assessed_at=opt_ts(d.get("assessed_at")),
        assessed_by=d.get("assessed_by", ""),
        deadline=deadline_out(clocks.get(f"pledge:{d['_id']}"), now),
    )


def supervision_out(d: Document, clocks: dict[str, Document], now: datetime) -> pb.SupervisionItem:
    return pb.SupervisionItem(
        id=d["_id"],
        officer_id=d["officer_id"],
        task=d["task"],
        due_at=ts(d["due_at"]),
        opened_at=ts(d["opened_at"]),
        opened_by=d["opened_by"],
        status=to_pb(pb.SupervisionStatus, d["status"]),
        finding=to_pb(pb.Finding, d.get("finding")),
        finding_note=d.get("finding_note", ""),
        closed_at=opt_ts(d.get("closed_at")),
        closed_by=d.get("closed_by", ""),
        deadline=deadline_out(clocks.get(f"supervision:{d['_id']}"), now),
    )


def reward_out(d: Document) -> pb.Reward:
    return pb.Reward(
        id=d["_id"],
        officer_id=d["officer_id"],
        recipient=person_out(d["recipient"]),
        kind=to_pb(pb.RewardKind, d["kind"]),
        authority=to_pb(pb.Authority, d["authority"]),
        authority_level=jurisdiction_out(d["authority_level"]),
        citation=d["citation"],
        evidence=[
            pb.Evidence(
                kind=to_pb(pb.EvidenceKind, e["kind"]),
                ref=e["ref"],
                rating=e["rating"],
                note=e["note"],
                favourable=e["favourable"],
            )
            for e in d["evidence"]
        ],
        recorded_at=ts(d["recorded_at"]),
        recorded_by=d["recorded_by"],
    )


def record_out(officer_id: str, r: OfficerRecord) -> pb.OfficerRecord:
    return pb.OfficerRecord(
        officer_id=officer_id,
        requests_handled=r.requests_handled,
        requests_completed=r.requests_completed,
        requests_on_time=r.requests_on_time,
        requests_late=r.requests_late,
        on_time_rate=r.on_time_rate,
        pledges_kept=r.pledges_kept,
        pledges_broken=r.pledges_broken,
        pledges_open=r.pledges_open,
        supervision_open=r.supervision_open,
        supervision_satisfactory=r.supervision_satisfactory,
        supervision_unsatisfactory=r.supervision_unsatisfactory,
        commendations=r.commendations,
        merit_citations=r.merit_citations,
        penalties=r.penalties,
    )


def _agency_out(a: Document) -> pb.Agency:
    return pb.Agency(
        centre=jurisdiction_out(a["centre"]),
        mode=to_pb(pb.AgencyMode, a["mode"]),
        method=to_pb(pb.AgencyMethod, a["method"]),
        agent=person_out(a["agent"]),
        taken_at=ts(a["taken_at"]),
        steps=[
            pb.AgencyStep(
                id=s["id"],
                department=s["department"],
                permit=s["permit"],
                status=to_pb(pb.StepStatus, s["status"]),
                history=[
                    pb.StepChange(status=to_pb(pb.StepStatus, h["status"]), at=ts(h["at"]), by=h["by"], note=h["note"])
                    for h in s["history"]
                ],
            )
            for s in a["steps"]
        ],
        leader_proposals=[
            pb.LeaderProposal(
                leader=p["leader"], reason=p["reason"], proposed_at=ts(p["proposed_at"]), proposed_by=p["proposed_by"]
            )
            for p in a["leader_proposals"]
        ],
    )


def request_out(d: Document, clocks: dict[str, Document], clock_ids: list[str], now: datetime) -> pb.EnterpriseRequest:
    verdict = deadlines.on_time(d["due_at"], d.get("completed_at"), now)
    return pb.EnterpriseRequest(
        id=d["_id"],
        enterprise_id=d["enterprise_id"],
        project_id=d.get("project_id") or "",
        officer_id=d.get("officer_id") or "",
        source=to_pb(pb.RequestSource, d["source"]),
        source_ref=d.get("source_ref") or "",
        subject=d["subject"],
        category=to_pb(pb.RequestCategory, d["category"]),
        urgent=d["urgent"],
        first_inquiry_department=d["first_inquiry_department"],
        accountable_department=d["accountable_department"],
        state=to_pb(pb.RequestState, d["state"]),
        opened_at=ts(d["opened_at"]),
        opened_by=d["opened_by"],
        due_at=ts(d["due_at"]),
        answer_by=opt_ts(d.get("answer_by")),
        hand_overs=[
            pb.HandOver(
                seq=h["seq"],
                from_department=h["from_department"],
                to_department=h["to_department"],
                reason=h["reason"],
                handed_at=ts(h["handed_at"]),
                handed_by=h["handed_by"],
                state=to_pb(pb.HandOverState, h["state"]),
                decided_at=opt_ts(h.get("decided_at")),
                decided_by=h.get("decided_by", ""),
                decline_reason=h.get("decline_reason", ""),
            )
            for h in d.get("hand_overs", [])
        ],
        outcome=to_pb(pb.Outcome, d.get("outcome")),
        outcome_summary=d.get("outcome_summary", ""),
        completed_at=opt_ts(d.get("completed_at")),
        completed_by=d.get("completed_by", ""),
        overdue=verdict is False,
        on_time=verdict,
        deadlines=[o for o in (deadline_out(clocks.get(i), now) for i in clock_ids) if o is not None],
        agency=_agency_out(d["agency"]) if d.get("agency") else None,
        rating=pb.ServiceRating(score=d["rating"]["score"], comment=d["rating"]["comment"],
                                rated_at=ts(d["rating"]["rated_at"]), rated_by=d["rating"]["rated_by"])
        if d.get("rating") else None,
        county_code=county_of(d.get("territory")) or "",
    )


def _row_out(r: Document) -> pb.AgencyReportRow:
    return pb.AgencyReportRow(
        mode=to_pb(pb.AgencyMode, r["mode"]),
        method=to_pb(pb.AgencyMethod, r["method"]),
        carried_over=r["carried_over"],
        taken=r["taken"],
        completed=r["completed"],
        completed_on_time=r["completed_on_time"],
        completed_late=r["completed_late"],
        open_at_end=r["open_at_end"],
        overdue_at_end=r["overdue_at_end"],
    )


def report_out(d: Document) -> pb.AgencyMonthlyReport:
    return pb.AgencyMonthlyReport(
        centre=jurisdiction_out(d["centre"]),
        month=d["month"],
        period_start=ts(d["period_start"]),
        period_end=ts(d["period_end"]),
        rows=[_row_out(r) for r in d["rows"]],
        total=_row_out(d["total"]),
        steps_at_end=[
            pb.StepStatusCount(status=to_pb(pb.StepStatus, s), count=n) for s, n in d["steps_at_end"].items()
        ],
        leader_proposals=d["leader_proposals"],
        fingerprint=d["fingerprint"],
        filed_at=opt_ts(d.get("filed_at")),
        filed_by=d.get("filed_by", ""),
        filed_with=jurisdiction_out(d["filed_with"]),
    )


def _facts_out(f: Document) -> pb.ProjectFacts:
    des = f.get("designation")
    return pb.ProjectFacts(
        sector=to_pb(pb.Sector, f["sector"]),
        investment_fen=f["investment_fen"],
        key_level=to_pb(pb.KeyLevel, f["key_level"]),
        fits_industrial_policy=f["fits_industrial_policy"],
        designation=pb.Designation(by=des["by"], document=des["document"], designated_at=ts(des["designated_at"]))
        if des
        else None,
    )


def project_out(d: Document, clocks: dict[str, Document], now: datetime) -> pb.LeadHandledProject:
    procedures = []
    for kind in ProcedureKind:  # the policy's order, not the order they were opened
        p = d["procedures"].get(kind.value)
        if p is None:
            continue
        procedures.append(
            pb.Procedure(
                id=p["id"],
                kind=to_pb(pb.ProcedureKind, p["kind"]),
                utility_hookup=kind.utility_hookup,
                department=p["department"],
                status=to_pb(pb.ProcedureStatus, p["status"]),
                due_at=ts(p["due_at"]),
                opened_at=ts(p["opened_at"]),
                done_at=opt_ts(p.get("done_at")),
                history=[
                    pb.ProcedureChange(
                        status=to_pb(pb.ProcedureStatus, h["status"]), at=ts(h["at"]), by=h["by"], note=h["note"]
                    )
                    for h in p["history"]
                ],
                deadline=deadline_out(clocks.get(f"procedure:{p['id']}"), now),
            )
        )
    e = d["eligibility"]
    return pb.LeadHandledProject(
        project_id=d["_id"],
        enterprise_id=d["enterprise_id"],
        office=jurisdiction_out(d["office"]),
        facts=_facts_out(d["facts"]),
        eligibility=pb.Eligibility(
            eligible=e["eligible"], basis=to_pb(pb.EligibilityBasis, e["basis"]), rule=e["rule"]
        ),
        started_at=ts(d["started_at"]),
        started_by=d["started_by"],
        staffing=[
            pb.StaffingUnit(
                unit=u["unit"],
                kind=to_pb(pb.UnitKind, u["kind"]),
                lead_handlers=[person_out(p) for p in u["lead_handlers"]],
                agents=[person_out(p) for p in u["agents"]],
            )
            for u in d["staffing"]
        ],
        procedures=procedures,
    )


def non_approval_out(d: Document, clocks: dict[str, Document], now: datetime) -> pb.NonApproval:
    filing = d.get("office_filing")
    clock = clocks.get(f"non-approval:{d['_id']}:{d['level']}")
    return pb.NonApproval(
        id=d["_id"],
        subject_kind=to_pb(pb.SubjectKind, d["subject_kind"]),
        subject_id=d["subject_id"],
        agency=d["agency"],
        kind=to_pb(pb.NonApprovalKind, d["kind"]),
        state=to_pb(pb.NonApprovalState, d["state"]),
        level=to_pb(pb.ApprovalLevel, d["level"]),
        steps=[
            pb.NonApprovalStep(
                level=to_pb(pb.ApprovalLevel, s["level"]),
                decision=to_pb(pb.Decision, s["decision"]),
                decided_by=s["decided_by"],
                reasons=s["reasons"],
                suggestion=s["suggestion"],
                at=ts(s["at"]),
            )
            for s in d["steps"]
        ],
        office_filing=pb.OfficeFiling(
            office=jurisdiction_out(filing["office"]), filed_at=ts(filing["filed_at"]), basis=filing["basis"]
        )
        if filing
        else None,
        level_deadline=deadline_out(clock, now),
        top_overdue=d.get("top_overdue", False),
        reported_at=ts(d["reported_at"]),
    )
