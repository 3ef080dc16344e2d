"""Inputs of the contacts mutations and filters of its lists, each turning itself into the request message."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry

from mesh.contacts.v1 import contacts_pb2 as pb
from mesh_gateway.contacts.enums import (
    KeyList,
    LeaderLevel,
    ProblemCategory,
    ProblemStatus,
    ProjectKeyList,
    ProjectSector,
    ProjectStage,
    TargetKind,
    to_proto,
)
from mesh_gateway.money import fen
from mesh_gateway.proto_time import instant


def day(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


@strawberry.input
class TerritoryInput:
    county_code: str
    county_name: str
    township_code: str
    township_name: str

    def to_proto(self) -> pb.Territory:
        return pb.Territory(county_code=self.county_code, county_name=self.county_name,
                            township_code=self.township_code, township_name=self.township_name)


@strawberry.input
class EnterpriseInput:
    name: str
    credit_code: str
    sector: str
    territory: TerritoryInput
    address: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    key_lists: list[KeyList] = strawberry.field(default_factory=list)

    def to_proto(self) -> pb.EnterpriseInput:
        return pb.EnterpriseInput(
            name=self.name, credit_code=self.credit_code, sector=self.sector, territory=self.territory.to_proto(),
            address=self.address, contact=pb.Contact(name=self.contact_name, phone=self.contact_phone),
            key_lists=[to_proto(pb.KeyList, k) for k in self.key_lists],
        )


@strawberry.input
class ProjectInput:
    name: str
    owner_enterprise_id: strawberry.ID
    sector: ProjectSector
    investment_yuan: Decimal
    territory: TerritoryInput
    stage: ProjectStage
    key_lists: list[ProjectKeyList] = strawberry.field(default_factory=list)

    def to_proto(self) -> pb.ProjectInput:
        return pb.ProjectInput(
            name=self.name, owner_enterprise_id=str(self.owner_enterprise_id),
            sector=to_proto(pb.ProjectSector, self.sector),
            investment_fen=fen(self.investment_yuan, "input.investmentYuan"), territory=self.territory.to_proto(),
            stage=to_proto(pb.ProjectStage, self.stage), key_lists=[to_proto(pb.ProjectKeyList, k)
                                                                    for k in self.key_lists],
        )


@strawberry.input
class LeaderInput:
    name: str
    level: LeaderLevel
    post: str
    county_code: str = ""
    county_name: str = ""

    def to_proto(self) -> pb.LeaderInput:
        return pb.LeaderInput(name=self.name, level=to_proto(pb.LeaderLevel, self.level), post=self.post,
                              county_code=self.county_code, county_name=self.county_name)


@strawberry.input
class ProblemInput:
    category: ProblemCategory
    description: str
    department: str = strawberry.field(description="The department it is coordinated to")
    due_on: date

    def to_proto(self) -> pb.ProblemInput:
        return pb.ProblemInput(category=to_proto(pb.ProblemCategory, self.category), description=self.description,
                               department=self.department, due_on=self.due_on.isoformat())


@strawberry.input
class VisitInput:
    leader_id: strawberry.ID
    target_kind: TargetKind
    target_id: strawberry.ID
    visited_on: date | None = strawberry.field(default=None, description="Defaults to today")
    participants: list[str] = strawberry.field(default_factory=list)
    learned: str = ""
    problems: list[ProblemInput] = strawberry.field(default_factory=list)

    def to_proto(self, actor: str) -> pb.RecordVisitRequest:
        return pb.RecordVisitRequest(
            leader_id=str(self.leader_id), target_kind=to_proto(pb.TargetKind, self.target_kind),
            target_id=str(self.target_id), visited_on=day(self.visited_on), participants=self.participants,
            learned=self.learned, problems=[p.to_proto() for p in self.problems], actor=actor,
        )


# -- filters -------------------------------------------------------------------------------------------

@strawberry.input
class EnterpriseFilter:
    county_code: str | None = None
    township_code: str | None = None
    key_list: KeyList | None = None
    sector: str | None = None
    is_key: bool | None = None
    name_contains: str | None = None

    def to_proto(self) -> pb.EnterpriseFilter:
        return pb.EnterpriseFilter(
            county_code=self.county_code, township_code=self.township_code,
            key_list=to_proto(pb.KeyList, self.key_list) if self.key_list else None, sector=self.sector,
            is_key=self.is_key, name_contains=self.name_contains,
        )


@strawberry.input
class ProjectFilter:
    county_code: str | None = None
    township_code: str | None = None
    key_list: ProjectKeyList | None = None
    sector: ProjectSector | None = None
    stage: ProjectStage | None = None
    is_key: bool | None = None
    owner_enterprise_id: strawberry.ID | None = None
    name_contains: str | None = None

    def to_proto(self) -> pb.ProjectFilter:
        return pb.ProjectFilter(
            county_code=self.county_code, township_code=self.township_code,
            key_list=to_proto(pb.ProjectKeyList, self.key_list) if self.key_list else None,
            sector=to_proto(pb.ProjectSector, self.sector) if self.sector else None,
            stage=to_proto(pb.ProjectStage, self.stage) if self.stage else None, is_key=self.is_key,
            owner_enterprise_id=str(self.owner_enterprise_id) if self.owner_enterprise_id else None,
            name_contains=self.name_contains,
        )


@strawberry.input
class LeaderFilter:
    level: LeaderLevel | None = None
    county_code: str | None = None

    def to_proto(self) -> pb.LeaderFilter:
        return pb.LeaderFilter(level=to_proto(pb.LeaderLevel, self.level) if self.level else None,
                               county_code=self.county_code)


@strawberry.input
class PairingFilter:
    leader_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    target_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    target_kind: TargetKind | None = None
    current: bool | None = None
    county_code: str | None = strawberry.field(
        default=None, description="Item 9: only rows whose enterprise or project lies in this county (6 digits); "
                                  "a county-level user always gets their own")

    def to_proto(self) -> pb.PairingFilter:
        return pb.PairingFilter(
            leader_ids=[str(i) for i in self.leader_ids], target_ids=[str(i) for i in self.target_ids],
            target_kind=to_proto(pb.TargetKind, self.target_kind) if self.target_kind else None,
            current=self.current, county_code=self.county_code,
        )


@strawberry.input
class VisitFilter:
    leader_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    target_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    unpaired: bool | None = None
    visited_from: date | None = None
    visited_to: date | None = None
    county_code: str | None = strawberry.field(
        default=None, description="Item 9: only rows whose enterprise or project lies in this county (6 digits); "
                                  "a county-level user always gets their own")

    def to_proto(self) -> pb.VisitFilter:
        return pb.VisitFilter(
            leader_ids=[str(i) for i in self.leader_ids], target_ids=[str(i) for i in self.target_ids],
            unpaired=self.unpaired, visited_from=self.visited_from.isoformat() if self.visited_from else None,
            visited_to=self.visited_to.isoformat() if self.visited_to else None, county_code=self.county_code,
        )


@strawberry.input
class ProblemFilter:
    leader_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    target_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    visit_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    statuses: list[ProblemStatus] = strawberry.field(default_factory=list)
    category: ProblemCategory | None = None
    department: str | None = None
    overdue: bool | None = None
    county_code: str | None = strawberry.field(
        default=None, description="Item 9: only rows whose enterprise or project lies in this county (6 digits); "
                                  "a county-level user always gets their own")
    raised_after: datetime | None = strawberry.field(
        default=None, description="Only problems raised at or after this instant (inclusive; give its offset, "
                                  "e.g. 2026-10-01T00:00:00+08:00)")
    raised_before: datetime | None = strawberry.field(
        default=None, description="Only problems raised before this instant (exclusive, so a quarter is "
                                  "[its first day, the next quarter's first day)); not earlier than raisedAfter")

    def to_proto(self) -> pb.ProblemFilter:
        return pb.ProblemFilter(
            leader_ids=[str(i) for i in self.leader_ids], target_ids=[str(i) for i in self.target_ids],
            visit_ids=[str(i) for i in self.visit_ids], statuses=[to_proto(pb.ProblemStatus, s) for s in self.statuses],
            category=to_proto(pb.ProblemCategory, self.category) if self.category else None,
            department=self.department, overdue=self.overdue, county_code=self.county_code,
            raised_after=instant(self.raised_after, "filter.raisedAfter"),
            raised_before=instant(self.raised_before, "filter.raisedBefore"),
        )
