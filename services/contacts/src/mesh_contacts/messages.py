"""Protobuf in and out: requests become domain inputs, stored documents become messages."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from google.protobuf.timestamp_pb2 import Timestamp

from mesh.contacts.v1 import contacts_pb2 as pb
from mesh_contacts.domain.calendar import parse_date
from mesh_contacts.domain.pairing import LeaderInput, LeaderLevel, TargetKind
from mesh_contacts.domain.problems import ProblemCategory, ProblemInput, ProblemStatus, is_overdue
from mesh_contacts.domain.registry import (
    Contact,
    EnterpriseInput,
    KeyList,
    ProjectInput,
    ProjectKeyList,
    ProjectSector,
    ProjectStage,
    Territory,
)
from meshlib.errors import InvalidArgument
from meshlib.mongo import Document

E = TypeVar("E", bound=StrEnum)


def enum_in(kind: type[E], wrapper: Any, value: int, field: str) -> E:
    """A protobuf enum number as the domain's enum; UNSPECIFIED and unknown numbers are refused."""
    try:
        if value == 0:
            raise ValueError(value)
        return kind(wrapper.Name(value).lower())
    except ValueError:
        choices = ", ".join(m.name for m in kind)
        raise InvalidArgument(f"{field} must be one of {choices}", rule="enum-value", field=field) from None


def enum_out(wrapper: Any, value: str) -> Any:
    """The protobuf enum number of a stored value (typed per enum by the generated stubs)."""
    return wrapper.Value(value.upper())


def optional_date(text: str, field: str) -> date | None:
    return parse_date(text, field=field) if text.strip() else None


def ts(value: Any) -> Timestamp:
    out = Timestamp()
    if value is not None:
        out.FromDatetime(value)
    return out


# -- in --------------------------------------------------------------------------------------------

def territory_in(t: pb.Territory) -> Territory:
    return Territory(t.county_code, t.county_name, t.township_code, t.township_name)


def enterprise_in(e: pb.EnterpriseInput) -> EnterpriseInput:
    return EnterpriseInput(
        name=e.name, credit_code=e.credit_code, sector=e.sector, territory=territory_in(e.territory),
        address=e.address, contact=Contact(e.contact.name, e.contact.phone),
        key_lists=tuple(enum_in(KeyList, pb.KeyList, k, f"enterprise.key_lists[{i}]")
                        for i, k in enumerate(e.key_lists)),
    )


def project_in(p: pb.ProjectInput) -> ProjectInput:
    return ProjectInput(
        name=p.name, owner_enterprise_id=p.owner_enterprise_id,
        sector=enum_in(ProjectSector, pb.ProjectSector, p.sector, "project.sector"), investment_fen=p.investment_fen,
        territory=territory_in(p.territory),
        stage=enum_in(ProjectStage, pb.ProjectStage, p.stage, "project.stage"),
        key_lists=tuple(enum_in(ProjectKeyList, pb.ProjectKeyList, k, f"project.key_lists[{i}]")
                        for i, k in enumerate(p.key_lists)),
    )


def leader_in(leader: pb.LeaderInput) -> LeaderInput:
    return LeaderInput(leader.name, enum_in(LeaderLevel, pb.LeaderLevel, leader.level, "leader.level"), leader.post,
                       leader.county_code, leader.county_name)


def target_kind_in(value: int, field: str = "target_kind") -> TargetKind:
    return enum_in(TargetKind, pb.TargetKind, value, field)


def problem_in(p: pb.ProblemInput, field: str = "problem") -> ProblemInput:
    return ProblemInput(
        category=enum_in(ProblemCategory, pb.ProblemCategory, p.category, f"{field}.category"),
        description=p.description, department=p.department,
        due_on=parse_date(p.due_on, field=f"{field}.due_on"),
    )


# -- out -------------------------------------------------------------------------------------------

def territory_out(t: Document) -> pb.Territory:
    return pb.Territory(county_code=t["county_code"], county_name=t["county_name"],
                        township_code=t["township_code"], township_name=t["township_name"])


def enterprise_out(d: Document) -> pb.Enterprise:
    return pb.Enterprise(
        id=d["_id"], name=d["name"], credit_code=d["credit_code"], sector=d["sector"],
        territory=territory_out(d["territory"]), address=d["address"],
        contact=pb.Contact(name=d["contact"]["name"], phone=d["contact"]["phone"]),
        key_lists=[enum_out(pb.KeyList, k) for k in d["key_lists"]], is_key=d["is_key"],
        registered_at=ts(d["registered_at"]), updated_at=ts(d["updated_at"]), version=d["version"],
    )


def project_out(d: Document) -> pb.Project:
    return pb.Project(
        id=d["_id"], name=d["name"], owner_enterprise_id=d["owner_enterprise_id"],
        sector=enum_out(pb.ProjectSector, d["sector"]), investment_fen=int(d["investment_fen"]),
        territory=territory_out(d["territory"]), stage=enum_out(pb.ProjectStage, d["stage"]),
        key_lists=[enum_out(pb.ProjectKeyList, k) for k in d["key_lists"]], is_key=d["is_key"],
        registered_at=ts(d["registered_at"]), updated_at=ts(d["updated_at"]), version=d["version"],
    )


def leader_out(d: Document) -> pb.Leader:
    return pb.Leader(
        id=d["_id"], name=d["name"], level=enum_out(pb.LeaderLevel, d["level"]), post=d["post"],
        county_code=d["county_code"], county_name=d["county_name"], registered_at=ts(d["registered_at"]),
        updated_at=ts(d["updated_at"]),
    )


def _county(d: Document) -> str:
    """Item 9: the county of a pairing, visit or problem: its target's (see ``repository.COUNTY``)."""
    return str((d.get("territory") or {}).get("county_code", ""))


def pairing_out(d: Document) -> pb.Pairing:
    return pb.Pairing(
        id=d["_id"], leader_id=d["leader_id"], target_kind=enum_out(pb.TargetKind, d["target_kind"]),
        target_id=d["target_id"], started_on=d["started_on"], ended_on=d.get("ended_on") or "",
        end_reason=d.get("end_reason", ""), current=d["current"], created_at=ts(d["created_at"]),
        created_by=d["created_by"], ended_by=d.get("ended_by", ""), county_code=_county(d),
    )


def visit_out(d: Document) -> pb.Visit:
    return pb.Visit(
        id=d["_id"], leader_id=d["leader_id"], target_kind=enum_out(pb.TargetKind, d["target_kind"]),
        target_id=d["target_id"], visited_on=d["visited_on"], participants=d["participants"], learned=d["learned"],
        unpaired=d["unpaired"], pairing_id=d.get("pairing_id") or "", problem_ids=d["problem_ids"],
        recorded_at=ts(d["recorded_at"]), recorded_by=d["recorded_by"], county_code=_county(d),
    )


def _status(value: str | None) -> Any:
    return enum_out(pb.ProblemStatus, value) if value else 0


def problem_out(d: Document, today: date) -> pb.Problem:
    status = ProblemStatus(d["status"])
    return pb.Problem(
        id=d["_id"], visit_id=d["visit_id"], leader_id=d["leader_id"],
        target_kind=enum_out(pb.TargetKind, d["target_kind"]), target_id=d["target_id"],
        category=enum_out(pb.ProblemCategory, d["category"]), description=d["description"],
        department=d["department"], due_on=d["due_on"], status=enum_out(pb.ProblemStatus, status.value),
        resolution=d.get("resolution", ""), close_reason=d.get("close_reason", ""),
        overdue=is_overdue(status, date.fromisoformat(d["due_on"]), today), raised_at=ts(d["raised_at"]),
        updated_at=ts(d["updated_at"]), county_code=_county(d),
        trail=[pb.TrailEntry(at=ts(t["at"]), actor=t["actor"], action=t["action"],
                             from_status=_status(t.get("from_status")), to_status=_status(t["to_status"]),
                             note=t["note"], department=t["department"], due_on=t["due_on"])
               for t in d["trail"]],
    )


def entry_out(e: Document) -> pb.EditionEntry:
    return pb.EditionEntry(
        pairing_id=e["pairing_id"], leader_id=e["leader_id"], leader_name=e["leader_name"],
        leader_level=enum_out(pb.LeaderLevel, e["leader_level"]), leader_post=e["leader_post"],
        target_kind=enum_out(pb.TargetKind, e["target_kind"]), target_id=e["target_id"],
        target_name=e["target_name"], territory=territory_out(e["territory"]), started_on=e["started_on"],
        visits_in_period=e["visits_in_period"], problems_raised_in_period=e["problems_raised_in_period"],
        problems_resolved_in_period=e["problems_resolved_in_period"],
    )


def edition_out(d: Document, *, with_entries: bool = True) -> pb.Edition:
    return pb.Edition(
        number=d["_id"], published_at=ts(d["published_at"]), period_start=d["period_start"],
        period_end=d["period_end"], trigger=d["trigger"], published_by=d["published_by"],
        entry_count=d["entry_count"], entries=[entry_out(e) for e in d["entries"]] if with_entries else [],
    )
