"""Environment inputs and their conversion to the service's requests (money as exact integer fen)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry

from mesh.environment.v1 import environment_pb2 as pb
from mesh_gateway.environment.enums import (
    CaseSource,
    CaseState,
    Channel,
    ChargeKind,
    FindingKind,
    Level,
    Offence,
    SiteKind,
    to_proto,
)
from mesh_gateway.errors import UserError
from mesh_gateway.money import fen
from mesh_gateway.proto_time import instant


def bad_input(message: str, field: str) -> UserError:
    return UserError(message, extensions={"code": "BAD_USER_INPUT", "field": field})


WINDOW = ("in [{0}After, {0}Before): a row at exactly {0}After is in, one at exactly {0}Before is not; "
          "{0}After later than {0}Before is refused")
"""How a list's time window reads (either bound may be left out)."""


@strawberry.input
class EnforcementOfficerInput:
    officer_id: str
    name: str
    credential_number: str = ""
    credential_expires_on: date | None = strawberry.field(default=None, description="Valid through this day")

    def to_proto(self) -> pb.EnforcementOfficer:
        return pb.EnforcementOfficer(
            officer_id=self.officer_id, name=self.name, credential_number=self.credential_number,
            credential_expires_on=self.credential_expires_on.isoformat() if self.credential_expires_on else "")


@strawberry.input(description="Item 10: an enforcement action an agency plans at an enterprise")
class EnforcementActionInput:
    enterprise_id: strawberry.ID
    agency: str
    matter: str
    planned_at: datetime
    officers: list[EnforcementOfficerInput]
    filing_reference: str = strawberry.field(default="", description="The action's prior filing (备案)")
    proposed_fine_yuan: Decimal | None = None
    fine_filing_id: str = strawberry.field(default="", description="The item-11 filing of the proposed fine")
    minor_violation: bool = False

    def to_proto(self, actor: str) -> pb.CheckEnforcementRequest:
        return pb.CheckEnforcementRequest(
            enterprise_id=str(self.enterprise_id), agency=self.agency, matter=self.matter,
            planned_at=instant(self.planned_at, "action.plannedAt"), officers=[o.to_proto() for o in self.officers],
            filing_reference=self.filing_reference,
            proposed_fine_fen=None if self.proposed_fine_yuan is None else fen(self.proposed_fine_yuan,
                                                                               "action.proposedFineYuan"),
            fine_filing_id=self.fine_filing_id, minor_violation=self.minor_violation, actor=actor)


@strawberry.input
class QuietDateRangeInput:
    first: date
    last: date


@strawberry.input(description="Item 11: a proposed fine or fee to file")
class FineFilingInput:
    enterprise_id: strawberry.ID
    agency: str
    amount_yuan: Decimal
    matter: str
    legal_basis: str = ""
    kind: ChargeKind = ChargeKind.FINE
    minor_violation: bool = False

    def to_proto(self, actor: str) -> pb.FileFineRequest:
        return pb.FileFineRequest(
            enterprise_id=str(self.enterprise_id), agency=self.agency, kind=to_proto(pb.ChargeKind, self.kind),
            amount_fen=fen(self.amount_yuan, "input.amountYuan"), matter=self.matter, legal_basis=self.legal_basis,
            minor_violation=self.minor_violation, actor=actor)


@strawberry.input(description="Item 9: a case opened by hand (inspection, complaint, enterprise)")
class OpenCaseInput:
    source: CaseSource
    description: str
    enterprise_id: strawberry.ID | None = None
    project_id: strawberry.ID | None = None
    offence: Offence = Offence.OTHER
    location: str = ""
    occurred_at: datetime | None = None
    source_ref: str = ""
    major: bool = False

    def to_proto(self, actor: str) -> pb.OpenCaseRequest:
        return pb.OpenCaseRequest(
            enterprise_id=str(self.enterprise_id or ""), project_id=str(self.project_id or ""),
            offence=to_proto(pb.Offence, self.offence), description=self.description, location=self.location,
            occurred_at=instant(self.occurred_at, "input.occurredAt"), source=to_proto(pb.CaseSource, self.source),
            source_ref=self.source_ref, major=self.major, actor=actor)


@strawberry.input(description="Item 9: a governance plan")
class GovernancePlanInput:
    measures: list[str]
    responsible_units: list[str]
    due_at: datetime


@strawberry.input
class GovernanceCaseFilter:
    county_code: str | None = None
    township_code: str | None = None
    states: list[CaseState] | None = None
    enterprise_id: strawberry.ID | None = None
    project_id: strawberry.ID | None = None
    key_protection: bool | None = None
    major: bool | None = None
    level: Level | None = None
    opened_after: datetime | None = strawberry.field(default=None, description="Opened " + WINDOW.format("opened"))
    opened_before: datetime | None = strawberry.field(default=None, description="See openedAfter")

    def to_proto(self) -> pb.CaseFilter:
        f = pb.CaseFilter(states=[to_proto(pb.CaseState, s) for s in self.states or []],
                          opened_after=instant(self.opened_after, "filter.openedAfter"),
                          opened_before=instant(self.opened_before, "filter.openedBefore"))
        for name in ("county_code", "township_code", "key_protection", "major"):
            value = getattr(self, name)
            if value is not None:
                setattr(f, name, value)
        if self.enterprise_id is not None:
            f.enterprise_id = str(self.enterprise_id)
        if self.project_id is not None:
            f.project_id = str(self.project_id)
        if self.level is not None:
            f.level = to_proto(pb.Level, self.level)
        return f


@strawberry.input(description="Item 15: a finding to register and supervise")
class FindingInput:
    channel: Channel
    kind: FindingKind
    description: str
    responsible_unit: str
    responsible_leader: str = ""
    inspection_group: str = ""
    enterprise_id: strawberry.ID | None = None
    project_id: strawberry.ID | None = None
    due_at: datetime | None = None

    def to_proto(self, actor: str) -> pb.RegisterFindingRequest:
        return pb.RegisterFindingRequest(
            channel=to_proto(pb.Channel, self.channel), inspection_group=self.inspection_group,
            kind=to_proto(pb.FindingKind, self.kind), description=self.description,
            responsible_unit=self.responsible_unit, responsible_leader=self.responsible_leader,
            enterprise_id=str(self.enterprise_id or ""), project_id=str(self.project_id or ""),
            due_at=instant(self.due_at, "input.dueAt"), actor=actor)


@strawberry.input
class SiteRefInput:
    kind: SiteKind
    id: strawberry.ID

    def to_proto(self) -> pb.SiteRef:
        return pb.SiteRef(kind=to_proto(pb.SiteKind, self.kind), id=str(self.id))
