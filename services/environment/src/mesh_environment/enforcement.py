"""Enforcement at enterprises at work: quiet days, the guard and its filing record (item 10), fine filing (item 11)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime

import grpc

from mesh_environment import events
from mesh_environment.domain import fines, guard
from mesh_environment.domain.calendar import QuietDays, parse_date
from mesh_environment.domain.fines import ChargeKind, FilingBody, FilingState
from mesh_environment.domain.guard import Action, PriorInspection, ReviewedFine
from mesh_environment.repository import new_id, utcnow
from mesh_environment.repository.enforcement import EnforcementRepository
from meshlib import outbox
from meshlib.errors import InvalidArgument, NotFound, Refused
from meshlib.mongo import Document
from meshlib.outbox import Outbox

log = logging.getLogger(__name__)

CountyLookup = Callable[[str], Awaitable[str | None]]
"""The county an enterprise lies in (from contacts); None if the registry does not know it."""


async def _nowhere(enterprise_id: str) -> str | None:
    return None


def quiet_days_of(doc: Document | None) -> QuietDays | None:
    if doc is None:
        return None
    return QuietDays.of(doc["weekdays"], [(date.fromisoformat(r["first"]), date.fromisoformat(r["last"]))
                                          for r in doc["ranges"]])


def _required(value: str, field: str, what: str, item: str) -> None:
    if not value.strip():
        raise InvalidArgument(f"{what} is required", rule="required", item=item, field=field)


class Enforcement:
    def __init__(self, repo: EnforcementRepository, box: Outbox, *, repeat_window_days: int,
                 hearing_threshold_fen: int, clock: Callable[[], datetime] = utcnow,
                 county_of: CountyLookup = _nowhere) -> None:
        self._repo = repo
        self._box = box
        self._window = repeat_window_days
        self._hearing_fen = hearing_threshold_fen
        self._clock = clock
        self._county_of = county_of

    async def _county(self, enterprise_id: str) -> str | None:
        """Item 9: where the enterprise lies now, kept on the record so its county sees it.

        The guard and the filing answer without the registry when it is unreachable: the record is
        then kept without a county (city-wide users still see it), and the miss is logged.
        """
        try:
            return await self._county_of(enterprise_id)
        except grpc.aio.AioRpcError as err:
            log.warning("no county for enterprise %s (contacts: %s); the record is kept without one",
                        enterprise_id, err.code().name)
            return None

    # ---- quiet production days (item 10) ----

    async def declare_quiet_days(self, enterprise_id: str, weekdays: Sequence[int],
                                 ranges: Sequence[tuple[str, str]], actor: str) -> Document:
        _required(enterprise_id, "enterprise_id", "the enterprise", guard.ITEM)
        parsed = [(parse_date(a, field=f"ranges[{i}].first"), parse_date(b, field=f"ranges[{i}].last"))
                  for i, (a, b) in enumerate(ranges)]
        QuietDays.of(weekdays, parsed)  # validates
        return await self._repo.declare_quiet_days(enterprise_id, weekdays, parsed, actor, self._clock())

    async def quiet_days(self, enterprise_id: str) -> Document:
        doc = await self._repo.quiet_days(enterprise_id)
        if doc is None:
            return {"_id": enterprise_id, "weekdays": [], "ranges": [], "declared_at": None, "actor": ""}
        return doc

    # ---- the guard (item 10) ----

    async def check(self, action: Action, actor: str) -> Document:
        """Item 10: answer allowed or refused with every reason; keep the check as the filing record."""
        _required(action.enterprise_id, "enterprise_id", "the enterprise", guard.ITEM)
        _required(action.agency, "agency", "the agency", guard.ITEM)
        _required(action.matter, "matter", "the matter", guard.ITEM)
        if action.proposed_fine_fen is not None and action.proposed_fine_fen <= 0:
            raise InvalidArgument("a proposed fine is more than 0 CNY", rule="fine-amount-positive",
                                  item=fines.ITEM, field="proposed_fine_fen")
        quiet = quiet_days_of(await self._repo.quiet_days(action.enterprise_id))
        prior = [PriorInspection(d["_id"], d["agency"], d["matter"], date.fromisoformat(d["planned_on"]),
                                 d["filing_reference"])
                 for d in await self._repo.prior_inspections(action.enterprise_id, action.matter_key)]
        fine = None
        if action.fine_filing_id:
            found = await self._repo.fine(action.fine_filing_id)
            if found is not None:
                fine = ReviewedFine(found["_id"], found["enterprise_id"], FilingState(found["state"]),
                                    found["amount_fen"])
        answer = guard.check(action, quiet_days=quiet, prior=prior, fine=fine, repeat_window_days=self._window)
        county = await self._county(action.enterprise_id)
        now = self._clock()
        check_id = new_id("CHK")
        doc: Document = {
            "_id": check_id, "enterprise_id": action.enterprise_id, "county_code": county, "agency": action.agency,
            "matter": action.matter, "matter_key": action.matter_key, "planned_at": action.planned_at,
            "planned_on": action.planned_on.isoformat(),
            "officers": [{"officer_id": o.officer_id, "name": o.name, "credential_number": o.credential_number,
                          "credential_expires_on": None if o.credential_expires_on is None
                          else o.credential_expires_on.isoformat()} for o in action.officers],
            "filing_reference": action.filing_reference, "proposed_fine_fen": action.proposed_fine_fen,
            "fine_filing_id": action.fine_filing_id, "minor_violation": action.minor_violation,
            "allowed": answer.allowed,
            "reasons": [{"prohibition": r.prohibition.value, "message": r.message, "item": r.item}
                        for r in answer.reasons],
            "no_fine_notice": answer.no_fine_notice or "", "checked_at": now, "created_at": now, "actor": actor,
            "complaints": [],
        }
        if not answer.allowed:
            doc[outbox.FIELD] = [events.owed(events.ENFORCEMENT_REFUSED, f"enforcement-refused:{check_id}",
                                             check_id, _check_data(doc))]
        await self._repo.insert_check(doc)
        await self._box.flush(self._repo.checks, check_id)
        doc.pop(outbox.FIELD, None)
        return doc

    async def record_rough_enforcement(self, check_id: str, complaint: str, actor: str, *,
                                       enterprise_id: str | None = None) -> Document:
        """Item 10: rough enforcement is judged afterwards; the complaint is kept against the action.

        ``enterprise_id``: the complaining enterprise, whose checks alone it may complain about; another
        enterprise's check is answered as not found, so its existence is not given away.
        """
        _required(complaint, "complaint", "the complaint", guard.ITEM)
        doc = await self._repo.add_complaint(check_id, {"complaint": complaint, "actor": actor, "at": self._clock()},
                                             enterprise_id=enterprise_id)
        if doc is None:
            at = f" at enterprise {enterprise_id!r}" if enterprise_id is not None else ""
            raise NotFound(f"no enforcement check with id {check_id!r}{at}", rule="check-exists", field="check_id")
        return doc

    # ---- fine and fee filing (item 11) ----

    async def file_fine(self, *, enterprise_id: str, agency: str, kind: ChargeKind, amount_fen: int, matter: str,
                        legal_basis: str, minor_violation: bool, actor: str) -> Document:
        """Item 11: filed before it takes effect, with the body its amount routes it to."""
        _required(enterprise_id, "enterprise_id", "the enterprise", fines.ITEM)
        _required(agency, "agency", "the agency", fines.ITEM)
        _required(matter, "matter", "the matter", fines.ITEM)
        fines.check_filing(minor_violation=minor_violation)
        body = fines.route(amount_fen)
        county = await self._county(enterprise_id)
        now = self._clock()
        fine_id = new_id("FINE")
        doc: Document = {
            "_id": fine_id, "enterprise_id": enterprise_id, "county_code": county, "agency": agency,
            "kind": kind.value,
            "amount_fen": amount_fen, "matter": matter, "legal_basis": legal_basis, "body": body.value,
            "hearing_required": fines.hearing_required(amount_fen, self._hearing_fen),
            "state": FilingState.PENDING.value, "decision_reason": "", "decided_by": "", "decided_at": None,
            "hearing_held": False, "imposed_at": None, "filed_at": now, "created_at": now, "actor": actor,
        }
        doc[outbox.FIELD] = [events.owed(events.FINE_FILED, f"fine-filed:{fine_id}", fine_id, _fine_data(doc))]
        await self._repo.insert_fine(doc)
        await self._box.flush(self._repo.fines, fine_id)
        doc.pop(outbox.FIELD)
        return doc

    async def _fine(self, fine_id: str) -> Document:
        doc = await self._repo.fine(fine_id)
        if doc is None:
            raise NotFound(f"no fine filing with id {fine_id!r}", rule="fine-exists", item=fines.ITEM,
                           field="fine_id")
        return doc

    async def decide_fine(self, fine_id: str, *, body: FilingBody, approve: bool, reason: str,
                          actor: str) -> Document:
        doc = await self._fine(fine_id)
        state = fines.decide(FilingState(doc["state"]), routed_to=FilingBody(doc["body"]), decided_by=body,
                             approve=approve, reason=reason)
        now = self._clock()
        fields = {"state": state.value, "decision_reason": reason, "decided_by": actor, "decided_at": now}
        event = events.owed(events.FINE_DECIDED, f"fine-decided:{fine_id}", fine_id,
                            {**_fine_data({**doc, **fields}), "reason": reason})
        updated = await self._repo.transition_fine(fine_id, FilingState.PENDING.value,
                                                   {"$set": fields, "$push": outbox.push(event)})
        if updated is None:
            raise Refused("the filing was decided meanwhile", rule="filing-decided-once", item=fines.ITEM)
        await self._box.flush(self._repo.fines, fine_id)
        return updated

    async def impose_fine(self, fine_id: str, *, hearing_held: bool, actor: str) -> Document:
        """Item 11: only an approved filing (with its hearing, when large) may be imposed."""
        doc = await self._fine(fine_id)
        state = fines.impose(FilingState(doc["state"]), hearing_needed=doc["hearing_required"],
                             hearing_held=hearing_held)
        now = self._clock()
        fields = {"state": state.value, "hearing_held": hearing_held, "imposed_at": now, "imposed_by": actor}
        event = events.owed(events.FINE_IMPOSED, f"fine-imposed:{fine_id}", fine_id,
                            _fine_data({**doc, **fields}))
        updated = await self._repo.transition_fine(fine_id, FilingState.APPROVED.value,
                                                   {"$set": fields, "$push": outbox.push(event)})
        if updated is None:
            raise Refused("the filing changed meanwhile; read it again", rule="concurrent-change", item=fines.ITEM)
        await self._box.flush(self._repo.fines, fine_id)
        return updated


def _check_data(doc: Document) -> dict[str, object]:
    return {
        "check_id": doc["_id"], "enterprise_id": doc["enterprise_id"], "agency": doc["agency"],
        "matter": doc["matter"], "planned_on": doc["planned_on"], "allowed": doc["allowed"],
        "reasons": doc["reasons"],
    }


def _fine_data(doc: Document) -> dict[str, object]:
    return {
        "fine_id": doc["_id"], "enterprise_id": doc["enterprise_id"], "agency": doc["agency"], "kind": doc["kind"],
        "amount_fen": doc["amount_fen"], "amount": fines.format_cny(doc["amount_fen"]), "body": doc["body"],
        "hearing_required": doc["hearing_required"], "state": doc["state"],
    }
