"""Documents to protobuf messages and protobuf enums to domain enums: conversion at the edge only."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from google.protobuf.timestamp_pb2 import Timestamp

from mesh.environment.v1 import environment_pb2 as pb
from mesh_environment.domain import fines
from meshlib import windows
from meshlib.errors import InvalidArgument
from meshlib.mongo import Document
from meshlib.windows import Window

E = TypeVar("E", bound=StrEnum)

# Each proto enum's value names are its domain enum's values, upper-cased, behind this prefix.
PREFIXES: dict[str, str] = {
    "Offence": "OFFENCE_", "CaseSource": "CASE_SOURCE_", "CaseState": "CASE_STATE_", "Level": "LEVEL_",
    "Prohibition": "PROHIBITION_", "FilingBody": "FILING_BODY_", "ChargeKind": "CHARGE_KIND_",
    "FilingState": "FILING_STATE_", "FindingKind": "FINDING_KIND_", "Channel": "CHANNEL_",
    "FindingState": "FINDING_STATE_", "AccountabilityKind": "ACCOUNTABILITY_KIND_", "SiteKind": "SITE_KIND_",
}


def enum_in(pb_enum: Any, number: int, domain: type[E], *, field: str, default: E | None = None) -> E:
    """A protobuf enum number as the domain enum; UNSPECIFIED gives ``default`` or is refused."""
    name = pb_enum.Name(number) if number in pb_enum.values() else ""
    prefix = PREFIXES[pb_enum.DESCRIPTOR.name]
    if not name or name.endswith("_UNSPECIFIED"):
        if default is not None:
            return default
        raise InvalidArgument(f"{field} is required", rule="enum-required", field=field)
    return domain(name.removeprefix(prefix).lower())


def enum_out(pb_enum: Any, value: str) -> Any:
    """A domain enum value as the protobuf enum's number."""
    return int(pb_enum.Value(PREFIXES[pb_enum.DESCRIPTOR.name] + value.upper()))


def ts(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    out = Timestamp()
    out.FromDatetime(value.astimezone(UTC))
    return out


def dt(value: Timestamp, present: bool) -> datetime | None:
    return value.ToDatetime(UTC) if present else None


def window(msg: Any, name: str, prefix: str = "") -> Window:
    """The ``<name>_after`` / ``<name>_before`` bounds of a list request: ``[after, before)`` (see meshlib.windows);
    ``prefix`` is where ``msg`` lies in the request (``filter``), for the field a refusal names."""
    return windows.window(msg, f"{name}_after", f"{name}_before", prefix)


def territory(t: Document | None) -> pb.Territory | None:
    return None if t is None else pb.Territory(**t)


def clock(d: Document) -> pb.Clock:
    return pb.Clock(id=d["_id"], kind=d["kind"], responsible=d["responsible"], due_at=ts(d["due_at"]),
                    warn_at=ts(d.get("warn_at")), state=d["state"], met_at=ts(d.get("met_at")), clause=d["clause"])


def _recheck(r: Document) -> pb.Recheck:
    return pb.Recheck(confirmed=r["confirmed"], note=r["note"], actor=r["actor"], at=ts(r["at"]))


def case(d: Document, clocks: list[Document] | None = None) -> pb.Case:
    plan = d.get("plan")
    return pb.Case(
        id=d["_id"], enterprise_id=d.get("enterprise_id") or "", project_id=d.get("project_id") or "",
        offence=enum_out(pb.Offence, d["offence"]), description=d["description"], location=d["location"],
        occurred_at=ts(d["occurred_at"]), source=enum_out(pb.CaseSource, d["source"]), source_ref=d["source_ref"],
        reported_by=d["reported_by"], territory=territory(d.get("territory")),
        reassignments=[pb.Reassignment(from_territory=territory(r["from"]), to_territory=territory(r["to"]),
                                       reason=r["reason"], actor=r["actor"], at=ts(r["at"]))
                       for r in d["reassignments"]],
        incident_ids=d["incident_ids"], key_protection=d["key_protection"],
        key_protection_reason=d["key_protection_reason"], major=d["major"], level=enum_out(pb.Level, d["level"]),
        escalations=[pb.Escalation(from_level=enum_out(pb.Level, e["from_level"]),
                                   to_level=enum_out(pb.Level, e["to_level"]), at=ts(e["at"]))
                     for e in d["escalations"]],
        acknowledged_at=ts(d.get("acknowledged_at")), acknowledged_by=d.get("acknowledged_by", ""),
        state=enum_out(pb.CaseState, d["state"]),
        plan=None if plan is None else pb.GovernancePlan(
            measures=plan["measures"], responsible_units=plan["responsible_units"], due_at=ts(plan["due_at"]),
            filed_at=ts(plan["filed_at"]), filed_by=plan["filed_by"]),
        progress=[pb.ProgressNote(note=p["note"], actor=p["actor"], at=ts(p["at"])) for p in d["progress"]],
        outcome=d["outcome"], resolved_at=ts(d.get("resolved_at")), recheck_required=d["recheck_required"],
        rechecks=[_recheck(r) for r in d["rechecks"]], closed_at=ts(d.get("closed_at")),
        opened_at=ts(d["opened_at"]), updated_at=ts(d["updated_at"]),
        clocks=[clock(c) for c in clocks or []],
        responsible_unit=d["responsible_unit"], responsible_leader=d["responsible_leader"],
    )


def leader(d: Document) -> pb.LeaderInCharge:
    return pb.LeaderInCharge(level=enum_out(pb.Level, d["level"]), code=d["code"], leader=d["leader"],
                             named_at=ts(d["named_at"]), actor=d["actor"])


def key_protection(d: Document) -> pb.KeyProtection:
    return pb.KeyProtection(
        site_kind=enum_out(pb.SiteKind, d["site_kind"]), site_id=d["site_id"], reason=d["reason"], actor=d["actor"],
        added_at=ts(d["added_at"]), active=d["active"], removed_at=ts(d.get("removed_at")),
        removal_reason=d.get("removal_reason", ""), removed_by=d.get("removed_by", ""))


def quiet_days(d: Document) -> pb.QuietDays:
    return pb.QuietDays(enterprise_id=d["_id"], weekdays=d["weekdays"],
                        ranges=[pb.DateRange(first=r["first"], last=r["last"]) for r in d["ranges"]],
                        declared_at=ts(d.get("declared_at")), actor=d.get("actor", ""))


def check(d: Document) -> pb.EnforcementCheck:
    return pb.EnforcementCheck(
        id=d["_id"], enterprise_id=d["enterprise_id"], agency=d["agency"], matter=d["matter"],
        planned_at=ts(d["planned_at"]), planned_on=d["planned_on"],
        officers=[pb.EnforcementOfficer(officer_id=o["officer_id"], name=o["name"],
                                        credential_number=o["credential_number"],
                                        credential_expires_on=o["credential_expires_on"] or "")
                  for o in d["officers"]],
        filing_reference=d["filing_reference"], proposed_fine_fen=d.get("proposed_fine_fen"),
        fine_filing_id=d["fine_filing_id"], minor_violation=d["minor_violation"], allowed=d["allowed"],
        reasons=[pb.RefusalReason(prohibition=enum_out(pb.Prohibition, r["prohibition"]), message=r["message"],
                                  item=r["item"]) for r in d["reasons"]],
        no_fine_notice=d["no_fine_notice"], checked_at=ts(d["checked_at"]), actor=d["actor"],
        complaints=[pb.RoughEnforcementComplaint(complaint=c["complaint"], actor=c["actor"], at=ts(c["at"]))
                    for c in d["complaints"]],
        county_code=d.get("county_code") or "",
    )


def fine(d: Document) -> pb.FineFiling:
    return pb.FineFiling(
        id=d["_id"], enterprise_id=d["enterprise_id"], agency=d["agency"], kind=enum_out(pb.ChargeKind, d["kind"]),
        amount_fen=d["amount_fen"], amount=fines.format_cny(d["amount_fen"]), matter=d["matter"],
        legal_basis=d["legal_basis"], body=enum_out(pb.FilingBody, d["body"]),
        hearing_required=d["hearing_required"], state=enum_out(pb.FilingState, d["state"]),
        decision_reason=d["decision_reason"], decided_by=d["decided_by"], decided_at=ts(d.get("decided_at")),
        hearing_held=d["hearing_held"], imposed_at=ts(d.get("imposed_at")), filed_at=ts(d["filed_at"]),
        actor=d["actor"], county_code=d.get("county_code") or "",
    )


def group(d: Document) -> pb.InspectionGroup:
    return pb.InspectionGroup(id=d["_id"], name=d["name"],
                              sites=[pb.SiteRef(kind=enum_out(pb.SiteKind, s["kind"]), id=s["id"]) for s in d["sites"]],
                              updated_at=ts(d["updated_at"]), actor=d["actor"])


def finding(d: Document, clocks: list[Document] | None = None) -> pb.Finding:
    return pb.Finding(
        id=d["_id"], channel=enum_out(pb.Channel, d["channel"]), inspection_group=d["inspection_group"],
        kind=enum_out(pb.FindingKind, d["kind"]), description=d["description"],
        responsible_unit=d["responsible_unit"], responsible_leader=d["responsible_leader"],
        enterprise_id=d.get("enterprise_id") or "", project_id=d.get("project_id") or "",
        key_protection=d["key_protection"], state=enum_out(pb.FindingState, d["state"]), due_at=ts(d["due_at"]),
        outcome=d["outcome"], resolved_at=ts(d.get("resolved_at")), rechecks=[_recheck(r) for r in d["rechecks"]],
        closed_at=ts(d.get("closed_at")), registered_at=ts(d["registered_at"]), actor=d["actor"],
        clocks=[clock(c) for c in clocks or []], county_code=d.get("county_code") or "",
    )


def accountability(d: Document) -> pb.AccountabilityRecord:
    return pb.AccountabilityRecord(
        id=d["_id"], kind=enum_out(pb.AccountabilityKind, d["kind"]), responsible_unit=d["responsible_unit"],
        responsible_leader=d["responsible_leader"], subject_type=d["subject_type"], subject_id=d["subject_id"],
        facts=d["facts"], due_at=ts(d.get("due_at")), recorded_at=ts(d["recorded_at"]), clause=d["clause"],
    )
