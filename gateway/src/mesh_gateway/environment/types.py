"""The environment types, each built from the service's protobuf; nested lookups go through DataLoaders."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry

from mesh.environment.v1 import environment_pb2 as pb
from mesh_gateway.contacts.types import Enterprise, Project, contacts_loaders
from mesh_gateway.county import in_county, of_county
from mesh_gateway.environment.enums import (
    AccountabilityKind,
    CaseSource,
    CaseState,
    Channel,
    ChargeKind,
    FilingBody,
    FilingState,
    FindingKind,
    FindingState,
    Level,
    Offence,
    Prohibition,
    SiteKind,
    from_proto,
)
from mesh_gateway.environment.loaders import EnvironmentLoaders
from mesh_gateway.incidents.types import Incident
from mesh_gateway.proto_time import maybe_timestamp as _maybe
from mesh_gateway.proto_time import timestamp as _time


def environment_loaders(info: strawberry.Info) -> EnvironmentLoaders:
    loaders: EnvironmentLoaders = info.context.loaders.environment
    return loaders


def yuan(fen: int) -> Decimal:
    """Integer fen as exact CNY (2 decimal places)."""
    return Decimal(fen).scaleb(-2)


@strawberry.type(description="Items 9, 10: a clock on the thing (shared deadline model) and where it stands")
class DeadlineClock:
    kind: str
    responsible: str
    due_at: datetime
    warn_at: datetime | None
    state: str = strawberry.field(description="pending, warned, breached, met or cancelled")
    met_at: datetime | None
    clause: str

    @classmethod
    def from_proto(cls, c: pb.Clock) -> DeadlineClock:
        return cls(kind=c.kind, responsible=c.responsible, due_at=_time(c.due_at), warn_at=_maybe(c, "warn_at"),
                   state=c.state, met_at=_maybe(c, "met_at"), clause=c.clause)


@strawberry.type(description="Item 9: the county and township responsible, and the leaders in charge they named")
class CaseTerritory:
    county_code: str
    county_name: str
    township_code: str
    township_name: str
    county_leader: str
    township_leader: str

    @classmethod
    def from_proto(cls, t: pb.Territory) -> CaseTerritory:
        return cls(county_code=t.county_code, county_name=t.county_name, township_code=t.township_code,
                   township_name=t.township_name, county_leader=t.county_leader, township_leader=t.township_leader)


@strawberry.type
class CaseReassignment:
    from_territory: CaseTerritory | None
    to_territory: CaseTerritory
    reason: str
    actor: str
    at: datetime


@strawberry.type(description="Item 9: the responsible level's governance plan")
class GovernancePlan:
    measures: list[str]
    responsible_units: list[str]
    due_at: datetime
    filed_at: datetime
    filed_by: str


@strawberry.type
class CaseProgressNote:
    note: str
    actor: str
    at: datetime


@strawberry.type
class CaseEscalation:
    from_level: Level
    to_level: Level
    at: datetime


@strawberry.type
class RecheckRecord:
    confirmed: bool
    note: str
    actor: str
    at: datetime

    @classmethod
    def from_proto(cls, r: pb.Recheck) -> RecheckRecord:
        return cls(confirmed=r.confirmed, note=r.note, actor=r.actor, at=_time(r.at))


def _level(value: int) -> Level:
    return from_proto(Level, pb.Level, value)


@strawberry.federation.type(keys=["id"], description="Item 9: a governance case around an enterprise or project")
class GovernanceCase:
    id: strawberry.ID
    enterprise_id: strawberry.ID | None
    project_id: strawberry.ID | None
    offence: Offence
    description: str
    location: str
    occurred_at: datetime
    source: CaseSource
    source_ref: str
    reported_by: str
    territory: CaseTerritory | None
    reassignments: list[CaseReassignment]
    incident_ids: list[strawberry.ID]
    key_protection: bool = strawberry.field(description="Item 9: under key protection (重点监护)")
    key_protection_reason: str
    major: bool
    level: Level = strawberry.field(description="The level that answers for it now")
    escalations: list[CaseEscalation]
    acknowledged_at: datetime | None
    acknowledged_by: str
    state: CaseState
    plan: GovernancePlan | None
    progress: list[CaseProgressNote]
    outcome: str
    resolved_at: datetime | None
    recheck_required: bool
    rechecks: list[RecheckRecord]
    closed_at: datetime | None
    opened_at: datetime
    responsible_unit: str
    responsible_leader: str
    clocks: list[DeadlineClock]

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> GovernanceCase | None:
        found = in_county(info, await info.context.loaders.environment.cases.load(str(id)), "case")
        return None if found is None else cls.from_proto(found)

    @classmethod
    def from_proto(cls, c: pb.Case) -> GovernanceCase:
        def territory(t: pb.Territory) -> CaseTerritory:
            return CaseTerritory.from_proto(t)

        plan = c.plan if c.HasField("plan") else None
        return cls(
            id=strawberry.ID(c.id), enterprise_id=strawberry.ID(c.enterprise_id) if c.enterprise_id else None,
            project_id=strawberry.ID(c.project_id) if c.project_id else None,
            offence=from_proto(Offence, pb.Offence, c.offence), description=c.description, location=c.location,
            occurred_at=_time(c.occurred_at), source=from_proto(CaseSource, pb.CaseSource, c.source),
            source_ref=c.source_ref, reported_by=c.reported_by,
            territory=territory(c.territory) if c.HasField("territory") else None,
            reassignments=[CaseReassignment(
                from_territory=territory(r.from_territory) if r.HasField("from_territory") else None,
                to_territory=territory(r.to_territory), reason=r.reason, actor=r.actor, at=_time(r.at))
                for r in c.reassignments],
            incident_ids=[strawberry.ID(i) for i in c.incident_ids], key_protection=c.key_protection,
            key_protection_reason=c.key_protection_reason, major=c.major, level=_level(c.level),
            escalations=[CaseEscalation(from_level=_level(e.from_level), to_level=_level(e.to_level),
                                        at=_time(e.at)) for e in c.escalations],
            acknowledged_at=_maybe(c, "acknowledged_at"), acknowledged_by=c.acknowledged_by,
            state=from_proto(CaseState, pb.CaseState, c.state),
            plan=None if plan is None else GovernancePlan(
                measures=list(plan.measures), responsible_units=list(plan.responsible_units),
                due_at=_time(plan.due_at), filed_at=_time(plan.filed_at), filed_by=plan.filed_by),
            progress=[CaseProgressNote(note=p.note, actor=p.actor, at=_time(p.at)) for p in c.progress],
            outcome=c.outcome, resolved_at=_maybe(c, "resolved_at"), recheck_required=c.recheck_required,
            rechecks=[RecheckRecord.from_proto(r) for r in c.rechecks], closed_at=_maybe(c, "closed_at"),
            opened_at=_time(c.opened_at), responsible_unit=c.responsible_unit,
            responsible_leader=c.responsible_leader, clocks=[DeadlineClock.from_proto(k) for k in c.clocks],
        )

    @strawberry.field(description="The enterprise, from the contacts registry")
    async def enterprise(self, info: strawberry.Info) -> Enterprise | None:
        if self.enterprise_id is None:
            return None
        found = await contacts_loaders(info).enterprises.load(str(self.enterprise_id))
        return None if found is None else Enterprise.from_proto(found)

    @strawberry.field(description="The project, from the contacts registry")
    async def project(self, info: strawberry.Info) -> Project | None:
        if self.project_id is None:
            return None
        found = await contacts_loaders(info).projects.load(str(self.project_id))
        return None if found is None else Project.from_proto(found)

    @strawberry.field(description="The police incidents that opened or joined the case (item 9: a county-level "
                                  "user sees those in their county)")
    async def incidents(self, info: strawberry.Info) -> list[Incident]:
        found = await info.context.loaders.incidents.load_many([str(i) for i in self.incident_ids])
        return [Incident.from_proto(i) for i in of_county(info, [i for i in found if i is not None])]

    @strawberry.field(description="Items 9, 18: the units held accountable for this case (its plan missing, closed "
                                  "late); for leaders and the optimisation office, as accountabilityRecords is")
    async def accountability_records(self, info: strawberry.Info) -> list[AccountabilityRecord]:
        found = await environment_loaders(info).accountability_of_subject.load(str(self.id))
        return [AccountabilityRecord.from_proto(r) for r in found if r.subject_type == "case"]


@strawberry.type(description="Item 10: one prohibition an action breaks, why, and the policy item")
class EnforcementRefusal:
    prohibition: Prohibition
    message: str
    item: str


@strawberry.type
class EnforcementOfficer:
    officer_id: str
    name: str
    credential_number: str
    credential_expires_on: date | None


@strawberry.type
class RoughEnforcementComplaint:
    complaint: str
    actor: str
    at: datetime


@strawberry.type(description="Item 10: a guard check and its answer, kept as the enforcement filing record")
class EnforcementCheck:
    id: strawberry.ID
    enterprise_id: strawberry.ID
    agency: str
    matter: str
    planned_at: datetime
    planned_on: date = strawberry.field(description="The city's calendar day (Asia/Shanghai) of plannedAt")
    officers: list[EnforcementOfficer]
    filing_reference: str
    proposed_fine_yuan: Decimal | None
    fine_filing_id: str
    minor_violation: bool
    allowed: bool
    reasons: list[EnforcementRefusal]
    no_fine_notice: str | None = strawberry.field(description="Set for a minor violation: no fine")
    checked_at: datetime
    complaints: list[RoughEnforcementComplaint]
    county_code: str | None = strawberry.field(
        description="Item 9: the county the enterprise lay in when checked; null: none known")

    @classmethod
    def from_proto(cls, c: pb.EnforcementCheck) -> EnforcementCheck:
        return cls(
            id=strawberry.ID(c.id), enterprise_id=strawberry.ID(c.enterprise_id), agency=c.agency, matter=c.matter,
            planned_at=_time(c.planned_at), planned_on=date.fromisoformat(c.planned_on),
            officers=[EnforcementOfficer(
                officer_id=o.officer_id, name=o.name, credential_number=o.credential_number,
                credential_expires_on=date.fromisoformat(o.credential_expires_on) if o.credential_expires_on else None)
                for o in c.officers],
            filing_reference=c.filing_reference,
            proposed_fine_yuan=yuan(c.proposed_fine_fen) if c.HasField("proposed_fine_fen") else None,
            fine_filing_id=c.fine_filing_id, minor_violation=c.minor_violation, allowed=c.allowed,
            reasons=[EnforcementRefusal(prohibition=from_proto(Prohibition, pb.Prohibition, r.prohibition),
                                        message=r.message, item=r.item) for r in c.reasons],
            no_fine_notice=c.no_fine_notice or None, checked_at=_time(c.checked_at),
            complaints=[RoughEnforcementComplaint(complaint=x.complaint, actor=x.actor, at=_time(x.at))
                        for x in c.complaints], county_code=c.county_code or None,
        )


@strawberry.type
class RefusalCount:
    prohibition: Prohibition
    count: int


@strawberry.type(description="Item 10: checks kept, and refusals counted by reason")
class EnforcementStats:
    checks: int
    allowed: int
    refused: int
    refusals_by_reason: list[RefusalCount]
    rough_enforcement_complaints: int


@strawberry.type
class QuietDateRange:
    first: date
    last: date


@strawberry.type(description="Item 10: an enterprise's quiet production days (no enforcement on them)")
class QuietProductionDays:
    enterprise_id: strawberry.ID
    weekdays: list[int] = strawberry.field(description="ISO weekdays: 1 = Monday ... 7 = Sunday")
    ranges: list[QuietDateRange]
    declared_at: datetime | None

    @classmethod
    def from_proto(cls, q: pb.QuietDays) -> QuietProductionDays:
        return cls(enterprise_id=strawberry.ID(q.enterprise_id), weekdays=list(q.weekdays),
                   ranges=[QuietDateRange(first=date.fromisoformat(r.first), last=date.fromisoformat(r.last))
                           for r in q.ranges],
                   declared_at=_maybe(q, "declared_at"))


@strawberry.type(description="Item 11: a proposed fine or fee, filed before it takes effect")
class FineFiling:
    id: strawberry.ID
    enterprise_id: strawberry.ID
    agency: str
    kind: ChargeKind
    amount_yuan: Decimal = strawberry.field(description="CNY, exact to the fen")
    matter: str
    legal_basis: str
    body: FilingBody
    hearing_required: bool
    state: FilingState
    decision_reason: str
    decided_by: str
    decided_at: datetime | None
    hearing_held: bool
    imposed_at: datetime | None
    filed_at: datetime
    county_code: str | None = strawberry.field(
        description="Item 9: the county the enterprise lay in when filed; null: none known")

    @classmethod
    def from_proto(cls, f: pb.FineFiling) -> FineFiling:
        return cls(
            id=strawberry.ID(f.id), enterprise_id=strawberry.ID(f.enterprise_id), agency=f.agency,
            kind=from_proto(ChargeKind, pb.ChargeKind, f.kind), amount_yuan=yuan(f.amount_fen), matter=f.matter,
            legal_basis=f.legal_basis, body=from_proto(FilingBody, pb.FilingBody, f.body),
            hearing_required=f.hearing_required, state=from_proto(FilingState, pb.FilingState, f.state),
            decision_reason=f.decision_reason, decided_by=f.decided_by, decided_at=_maybe(f, "decided_at"),
            hearing_held=f.hearing_held, imposed_at=_maybe(f, "imposed_at"), filed_at=_time(f.filed_at),
            county_code=f.county_code or None,
        )


@strawberry.type(description="Item 15: a finding registered and supervised to resolution (挂号督办)")
class InspectionFinding:
    id: strawberry.ID
    channel: Channel
    inspection_group: str
    kind: FindingKind
    description: str
    responsible_unit: str
    responsible_leader: str
    enterprise_id: strawberry.ID | None
    project_id: strawberry.ID | None
    key_protection: bool
    state: FindingState
    due_at: datetime
    outcome: str
    resolved_at: datetime | None
    rechecks: list[RecheckRecord]
    closed_at: datetime | None
    registered_at: datetime
    clocks: list[DeadlineClock]
    county_code: str | None = strawberry.field(
        description="Item 9: the county its site lay in when registered; null for a finding at no site")

    @classmethod
    def from_proto(cls, f: pb.Finding) -> InspectionFinding:
        return cls(
            id=strawberry.ID(f.id), channel=from_proto(Channel, pb.Channel, f.channel),
            inspection_group=f.inspection_group, kind=from_proto(FindingKind, pb.FindingKind, f.kind),
            description=f.description, responsible_unit=f.responsible_unit, responsible_leader=f.responsible_leader,
            enterprise_id=strawberry.ID(f.enterprise_id) if f.enterprise_id else None,
            project_id=strawberry.ID(f.project_id) if f.project_id else None, key_protection=f.key_protection,
            state=from_proto(FindingState, pb.FindingState, f.state), due_at=_time(f.due_at), outcome=f.outcome,
            resolved_at=_maybe(f, "resolved_at"), rechecks=[RecheckRecord.from_proto(r) for r in f.rechecks],
            closed_at=_maybe(f, "closed_at"), registered_at=_time(f.registered_at),
            clocks=[DeadlineClock.from_proto(k) for k in f.clocks], county_code=f.county_code or None,
        )


@strawberry.type(description="Items 9, 18: a unit held accountable, with the facts")
class AccountabilityRecord:
    id: strawberry.ID
    kind: AccountabilityKind
    responsible_unit: str
    responsible_leader: str
    subject_type: str
    subject_id: strawberry.ID
    facts: str
    due_at: datetime | None
    recorded_at: datetime
    clause: str

    @classmethod
    def from_proto(cls, r: pb.AccountabilityRecord) -> AccountabilityRecord:
        return cls(
            id=strawberry.ID(r.id), kind=from_proto(AccountabilityKind, pb.AccountabilityKind, r.kind),
            responsible_unit=r.responsible_unit, responsible_leader=r.responsible_leader,
            subject_type=r.subject_type, subject_id=strawberry.ID(r.subject_id), facts=r.facts,
            due_at=_maybe(r, "due_at"), recorded_at=_time(r.recorded_at), clause=r.clause,
        )


@strawberry.type
class AccountabilityCount:
    responsible_unit: str
    count: int


@strawberry.type(description="Item 9: a county's or township's leader in charge of its enterprises' surroundings")
class LeaderInCharge:
    level: Level
    code: str
    leader: str
    named_at: datetime

    @classmethod
    def from_proto(cls, x: pb.LeaderInCharge) -> LeaderInCharge:
        return cls(level=_level(x.level), code=x.code, leader=x.leader, named_at=_time(x.named_at))


@strawberry.type(description="Item 9: an enterprise or project put under key protection by hand, with the reason")
class KeyProtectionEntry:
    site_kind: SiteKind
    site_id: strawberry.ID
    reason: str
    actor: str
    added_at: datetime
    active: bool
    removed_at: datetime | None = strawberry.field(description="When the protection ended; null while it holds")
    removal_reason: str | None = strawberry.field(description="Why it ended")
    removed_by: str | None = strawberry.field(description="Who ended it")

    @classmethod
    def from_proto(cls, k: pb.KeyProtection) -> KeyProtectionEntry:
        return cls(site_kind=from_proto(SiteKind, pb.SiteKind, k.site_kind), site_id=strawberry.ID(k.site_id),
                   reason=k.reason, actor=k.actor, added_at=_time(k.added_at), active=k.active,
                   removed_at=_maybe(k, "removed_at"), removal_reason=k.removal_reason or None,
                   removed_by=k.removed_by or None)


@strawberry.type
class SiteRef:
    kind: SiteKind
    id: strawberry.ID


@strawberry.type(description="Item 15: an inspection group and the key enterprises and projects assigned to it")
class InspectionGroup:
    id: strawberry.ID
    name: str
    sites: list[SiteRef]
    updated_at: datetime

    @classmethod
    def from_proto(cls, g: pb.InspectionGroup) -> InspectionGroup:
        return cls(id=strawberry.ID(g.id), name=g.name,
                   sites=[SiteRef(kind=from_proto(SiteKind, pb.SiteKind, s.kind), id=strawberry.ID(s.id))
                          for s in g.sites],
                   updated_at=_time(g.updated_at))
