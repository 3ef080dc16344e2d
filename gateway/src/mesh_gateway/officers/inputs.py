"""Inputs of the officers mutations and queries, each turned into its protobuf message."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry
from google.protobuf.timestamp_pb2 import Timestamp

from mesh.officers.v1 import officers_pb2 as pb
from mesh_gateway.money import fen
from mesh_gateway.officers.enums import (
    CadreRank,
    EvidenceKind,
    KeyProjectLevel,
    LeadHandlingSector,
    OfficeLevel,
    RequestCategory,
    RequestState,
    StaffingUnitKind,
    to_proto,
)
from mesh_gateway.proto_time import instant


def stamp(value: datetime) -> Timestamp:
    t = Timestamp()
    t.FromDatetime(value)
    return t


@strawberry.input(description="The city (no county code) or a county by its 6-digit code")
class JurisdictionInput:
    level: OfficeLevel
    county_code: str = ""

    def to_proto(self) -> pb.Jurisdiction:
        return pb.Jurisdiction(level=to_proto(pb.Level, self.level), county_code=self.county_code)


@strawberry.input
class PersonInput:
    id: strawberry.ID
    name: str
    department: str
    rank: CadreRank
    post: str = ""

    def to_proto(self) -> pb.Person:
        return pb.Person(
            id=str(self.id),
            name=self.name,
            department=self.department,
            rank=to_proto(pb.Rank, self.rank),
            post=self.post,
        )


@strawberry.input(description="Item 6: a dispatch rests on a leader's instruction or the enterprise's ask (one of)")
class DispatchBasisInput:
    leader_id: str = ""
    leader_name: str = ""
    instruction: str = ""
    enterprise_contact: str = ""
    note: str = ""
    request_id: str = ""
    at: datetime

    def to_proto(self) -> pb.DispatchBasis:
        if self.leader_name or self.instruction or self.leader_id:
            return pb.DispatchBasis(
                leader_instruction=pb.LeaderInstruction(
                    leader_id=self.leader_id,
                    leader_name=self.leader_name,
                    instruction=self.instruction,
                    instructed_at=stamp(self.at),
                )
            )
        return pb.DispatchBasis(
            enterprise_ask=pb.EnterpriseAsk(
                contact=self.enterprise_contact, note=self.note, asked_at=stamp(self.at), request_id=self.request_id
            )
        )


@strawberry.input(description="Item 6: evidence for a reward: a pledge, request or supervision item id, or a rating")
class EvidenceInput:
    kind: EvidenceKind
    ref: str = ""
    rating: int = 0
    note: str = ""

    def to_proto(self) -> pb.Evidence:
        return pb.Evidence(kind=to_proto(pb.EvidenceKind, self.kind), ref=self.ref, rating=self.rating, note=self.note)


@strawberry.input(description="Item 8: the city government's designation")
class DesignationInput:
    by: str
    document: str
    designated_at: datetime

    def to_proto(self) -> pb.Designation:
        return pb.Designation(by=self.by, document=self.document, designated_at=stamp(self.designated_at))


@strawberry.input(description="Item 8: what decides eligibility; investment in CNY, exact to the fen")
class ProjectFactsInput:
    sector: LeadHandlingSector
    investment_yuan: Decimal
    key_level: KeyProjectLevel = KeyProjectLevel.NONE
    fits_industrial_policy: bool = False
    designation: DesignationInput | None = None

    def to_proto(self) -> pb.ProjectFacts:
        return pb.ProjectFacts(
            sector=to_proto(pb.Sector, self.sector),
            investment_fen=fen(self.investment_yuan, "facts.investmentYuan"),
            key_level=to_proto(pb.KeyLevel, self.key_level),
            fits_industrial_policy=self.fits_industrial_policy,
            designation=self.designation.to_proto() if self.designation else None,
        )


@strawberry.input(description="Item 8: a unit's lead handlers and agents")
class StaffingUnitInput:
    unit: str
    kind: StaffingUnitKind
    lead_handlers: list[PersonInput]
    agents: list[PersonInput]

    def to_proto(self) -> pb.StaffingUnit:
        return pb.StaffingUnit(
            unit=self.unit,
            kind=to_proto(pb.UnitKind, self.kind),
            lead_handlers=[p.to_proto() for p in self.lead_handlers],
            agents=[p.to_proto() for p in self.agents],
        )


@strawberry.input
class RequestFilter:
    enterprise_id: str | None = None
    officer_id: str | None = None
    department: str | None = strawberry.field(default=None, description="The accountable department")
    state: RequestState | None = None
    overdue: bool | None = None
    category: RequestCategory | None = None
    county_code: str | None = strawberry.field(
        default=None, description="Item 9: only requests of enterprises that lie in this county (6 digits); "
                                  "a county-level user always gets their own")
    opened_after: datetime | None = strawberry.field(
        default=None, description="Only requests opened at or after this instant (inclusive; give its offset, "
                                  "e.g. 2026-11-01T00:00:00+08:00)")
    opened_before: datetime | None = strawberry.field(
        default=None, description="Only requests opened before this instant (exclusive, so a month is "
                                  "[its first day, the next month's first day)); not earlier than openedAfter")

    def to_proto(self) -> pb.RequestFilter:
        f = pb.RequestFilter(opened_after=instant(self.opened_after, "filter.openedAfter"),
                             opened_before=instant(self.opened_before, "filter.openedBefore"))
        for name in ("enterprise_id", "officer_id", "department", "overdue", "county_code"):
            value = getattr(self, name)
            if value is not None:
                setattr(f, name, value)
        if self.state is not None:
            f.state = to_proto(pb.RequestState, self.state)
        if self.category is not None:
            f.category = to_proto(pb.RequestCategory, self.category)
        return f
