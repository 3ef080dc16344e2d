"""Officers, working groups, pledges, follow-up supervision, rewards and each officer's record (item 6)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from mesh_officers.domain import officers as rules
from mesh_officers.domain.common import Jurisdiction, Person, TargetKind, require_text
from mesh_officers.domain.officers import (
    Authority,
    DispatchBasis,
    Evidence,
    EvidenceKind,
    Finding,
    LeaderInstruction,
    PledgeStatus,
    RewardKind,
)
from mesh_officers.repository import (
    OFFICERS,
    PLEDGES,
    REQUESTS,
    REWARDS,
    SUPERVISION,
    Change,
    Emit,
    Repository,
    SetClock,
    StopClock,
)
from mesh_officers.territory import Territories, clock_data
from mesh_officers.workflows._docs import new_id, person_doc, warn_at
from meshlib.deadlines import Deadline
from meshlib.errors import InvalidArgument, NotFound, Refused
from meshlib.mongo import Document

CLAUSE = "Item 6"


def active_members(officer: Document) -> list[Document]:
    return [m for m in officer.get("group", []) if m.get("released_at") is None]


def _basis_doc(basis: DispatchBasis) -> Document:
    kind = "leader_instruction" if isinstance(basis, LeaderInstruction) else "enterprise_ask"
    return {"kind": kind, **asdict(basis)}


class OfficerDesk:
    def __init__(self, repo: Repository) -> None:
        self._repo = repo
        self._territories = Territories(repo.db)

    async def dispatch(
        self,
        officer: Person,
        target_kind: TargetKind,
        target_id: str,
        enterprise_id: str,
        office: Jurisdiction,
        basis: DispatchBasis | None,
        actor: str,
    ) -> Document:
        """Item 6: the optimisation office of a level dispatches a leading cadre to an enterprise or project."""
        now = self._repo.now()
        person = rules.check_officer(officer)
        checked_basis = rules.check_basis(basis, now)
        target_id = require_text(target_id, "target_id", max_length=200, item=rules.ITEM)
        enterprise_id = require_text(enterprise_id, "enterprise_id", max_length=200, item=rules.ITEM)
        if target_kind is TargetKind.ENTERPRISE and target_id != enterprise_id:
            raise InvalidArgument(
                "an officer dispatched to an enterprise serves that enterprise",
                rule="target-enterprise",
                item=rules.ITEM,
                field="enterprise_id",
            )
        officer_id = new_id("off")
        basis_doc = _basis_doc(checked_basis)
        doc: Document = {
            "_id": officer_id,
            "officer": person_doc(person),
            "target_kind": target_kind.value,
            "target_id": target_id,
            "enterprise_id": enterprise_id,
            "office": office.key,
            "basis": basis_doc,
            "dispatched_at": now,
            "dispatched_by": actor,
            "group": [],
        }
        data = {
            "officer_id": officer_id,
            "person_id": person.id,
            "name": person.name,
            "department": person.department,
            "target_kind": target_kind.value,
            "target_id": target_id,
            "enterprise_id": enterprise_id,
            "office": office.key,
            "basis": basis_doc["kind"],
        }
        return await self._repo.insert(OFFICERS, doc, Change(emit=[Emit("officers.officer.dispatched", data)]))

    async def add_members(self, officer_id: str, proposal: str, members: Sequence[Person], actor: str) -> Document:
        """Item 6: on the officer's proposal, staff of relevant departments join the working group."""
        now = self._repo.now()

        def decide(doc: Document) -> Change:
            active = [m["person"]["id"] for m in active_members(doc)]
            checked = rules.check_new_members(doc["officer"]["id"], active, members, proposal)
            entries = [
                {
                    "person": person_doc(p),
                    "proposal": proposal.strip(),
                    "joined_at": now,
                    "released_at": None,
                    "release_reason": "",
                    "added_by": actor,
                }
                for p in checked
            ]
            return Change(
                push={"group": {"$each": entries}},
                emit=[
                    Emit(
                        "officers.group.members_added",
                        {"officer_id": officer_id, "person_ids": [p.id for p in checked]},
                    )
                ],
            )

        return await self._repo.mutate(OFFICERS, officer_id, decide, what="officer")

    async def release_member(self, officer_id: str, person_id: str, reason: str, actor: str) -> Document:
        """Item 6: a member leaves the group; the membership stays in its history."""
        now = self._repo.now()
        reason = require_text(reason, "reason", item=rules.ITEM)

        def decide(doc: Document) -> Change:
            group = doc.get("group", [])
            rules.check_release([m["person"]["id"] for m in active_members(doc)], person_id)
            updated = [
                {**m, "released_at": now, "release_reason": reason, "released_by": actor}
                if m["person"]["id"] == person_id and m.get("released_at") is None
                else m
                for m in group
            ]
            return Change(
                set={"group": updated},
                emit=[
                    Emit(
                        "officers.group.member_released",
                        {"officer_id": officer_id, "person_id": person_id, "reason": reason},
                    )
                ],
            )

        return await self._repo.mutate(OFFICERS, officer_id, decide, what="officer")

    async def _officer(self, officer_id: str) -> Document:
        doc = await self._repo.get(OFFICERS, officer_id)
        if doc is None:
            raise NotFound(f"no officer with id {officer_id!r}", rule="officer-exists", field="officer_id")
        return doc

    async def _settle(self, subject_type: str, subject_id: str, enterprise_id: str, written: Document | None) -> None:
        """Item 9: the clock of a pledge or supervision item just stored, in the county where the officer's
        enterprise lies now (it may have moved since ``written`` was read)."""
        await self._territories.settle_clocks(subject_type, [subject_id], written,
                                              lambda: self._territories.of(enterprise_id))

    async def file_pledge(self, officer_id: str, commitments: str, due_at: datetime, actor: str) -> Document:
        """Item 6: the working group pledges to the optimisation office of its level."""
        now = self._repo.now()
        officer = await self._officer(officer_id)
        text = rules.check_pledge(len(active_members(officer)), commitments, due_at, now)
        pledge_id = new_id("plg")
        # Item 9: the pledge's clock is the county's where the officer's enterprise lies (see mesh_officers.territory).
        territory = await self._territories.of(officer["enterprise_id"])
        doc = {
            "_id": pledge_id,
            "officer_id": officer_id,
            "office": officer["office"],
            "commitments": text,
            "due_at": due_at,
            "filed_at": now,
            "filed_by": actor,
            "status": PledgeStatus.OPEN.value,
            "finding": "",
            "assessed_at": None,
            "assessed_by": "",
        }
        clock = Deadline(
            f"pledge:{pledge_id}",
            "pledge",
            "pledge",
            pledge_id,
            f"officer:{officer_id}",
            due_at,
            CLAUSE,
            warn_at=warn_at(now, due_at),
            escalate_to=f"optimisation-office:{officer['office']}",
            data=clock_data(territory),
        )
        stored = await self._repo.insert(
            PLEDGES,
            doc,
            Change(
                emit=[
                    Emit(
                        "officers.pledge.filed",
                        {
                            "pledge_id": pledge_id,
                            "officer_id": officer_id,
                            "office": officer["office"],
                            "due_at": due_at.isoformat(),
                        },
                    )
                ],
                clocks=[SetClock(clock)],
            ),
        )
        await self._settle("pledge", pledge_id, officer["enterprise_id"], territory)
        return stored

    async def assess_pledge(self, pledge_id: str, kept: bool, finding: str, actor: str) -> Document:
        """Item 6: the office records whether the pledge was kept."""
        now = self._repo.now()
        text = require_text(finding, "finding", item=rules.ITEM)

        def decide(doc: Document) -> Change:
            rules.check_assessment(PledgeStatus(doc["status"]))
            status = PledgeStatus.KEPT if kept else PledgeStatus.BROKEN
            return Change(
                set={"status": status.value, "finding": text, "assessed_at": now, "assessed_by": actor},
                emit=[
                    Emit(
                        "officers.pledge.assessed",
                        {"pledge_id": pledge_id, "officer_id": doc["officer_id"], "status": status.value},
                    )
                ],
                clocks=[StopClock(f"pledge:{pledge_id}", now)],
            )

        return await self._repo.mutate(PLEDGES, pledge_id, decide, what="pledge")

    async def open_supervision(self, officer_id: str, task: str, due_at: datetime, actor: str) -> Document:
        """Item 6 (跟踪督办): the optimisation office follows up what an officer is to do, by when."""
        now = self._repo.now()
        officer = await self._officer(officer_id)
        text = require_text(task, "task", item=rules.ITEM)
        if due_at <= now:
            raise InvalidArgument(
                "the supervised task is due in the future", rule="future-date", item=rules.ITEM, field="due_at"
            )
        item_id = new_id("sup")
        # Item 9: the item's clock is the county's where the officer's enterprise lies (see mesh_officers.territory).
        territory = await self._territories.of(officer["enterprise_id"])
        doc = {
            "_id": item_id,
            "officer_id": officer_id,
            "task": text,
            "due_at": due_at,
            "opened_at": now,
            "opened_by": actor,
            "status": "open",
            "finding": None,
            "finding_note": "",
            "closed_at": None,
            "closed_by": "",
        }
        clock = Deadline(
            f"supervision:{item_id}",
            "supervision",
            "supervision",
            item_id,
            f"officer:{officer_id}",
            due_at,
            CLAUSE,
            warn_at=warn_at(now, due_at),
            escalate_to=f"optimisation-office:{officer['office']}",
            data=clock_data(territory),
        )
        stored = await self._repo.insert(
            SUPERVISION,
            doc,
            Change(
                emit=[
                    Emit(
                        "officers.supervision.opened",
                        {"supervision_id": item_id, "officer_id": officer_id, "due_at": due_at.isoformat()},
                    )
                ],
                clocks=[SetClock(clock)],
            ),
        )
        await self._settle("supervision", item_id, officer["enterprise_id"], territory)
        return stored

    async def close_supervision(self, item_id: str, finding: Finding, note: str, actor: str) -> Document:
        now = self._repo.now()
        text = require_text(note, "note", item=rules.ITEM)

        def decide(doc: Document) -> Change:
            if doc["status"] != "open":
                raise Refused(
                    "the supervision item is closed", rule="supervision-open", item=rules.ITEM, field="supervision_id"
                )
            return Change(
                set={
                    "status": "closed",
                    "finding": finding.value,
                    "finding_note": text,
                    "closed_at": now,
                    "closed_by": actor,
                },
                emit=[
                    Emit(
                        "officers.supervision.closed",
                        {"supervision_id": item_id, "officer_id": doc["officer_id"], "finding": finding.value},
                    )
                ],
                clocks=[StopClock(f"supervision:{item_id}", now)],
            )

        return await self._repo.mutate(SUPERVISION, item_id, decide, what="supervision item")

    async def _verdict(self, officer_id: str, e: Evidence, now: datetime, field: str) -> bool:
        """Item 6: what a piece of evidence says, read from the officer's own records; ``field`` is where the
        request gives it (``evidence[1]``)."""
        if e.kind is EvidenceKind.RATING:
            require_text(e.note, f"{field}.note", item=rules.ITEM)
            return rules.rating_verdict(e.rating, field)
        collection = {
            EvidenceKind.PLEDGE: PLEDGES,
            EvidenceKind.REQUEST: REQUESTS,
            EvidenceKind.SUPERVISION: SUPERVISION,
        }[e.kind]
        doc = await self._repo.get(collection, e.ref)
        if doc is None or doc.get("officer_id") != officer_id:
            raise Refused(
                f"{e.kind.value} {e.ref!r} is not in this officer's record",
                rule="evidence-on-record",
                item=rules.ITEM,
                field=f"{field}.ref",
            )
        if e.kind is EvidenceKind.PLEDGE:
            return rules.pledge_verdict(PledgeStatus(doc["status"]), field)
        if e.kind is EvidenceKind.REQUEST:
            return rules.request_verdict(doc["due_at"], doc.get("completed_at"), now, field)
        return rules.supervision_verdict(Finding(doc["finding"]) if doc.get("finding") else None, field)

    async def record_reward(
        self,
        officer_id: str,
        recipient_person_id: str,
        kind: RewardKind,
        authority: Authority,
        authority_level: Jurisdiction,
        citation: str,
        evidence: Sequence[Evidence],
        actor: str,
    ) -> Document:
        """Item 6: a commendation, merit citation or penalty, for the officer or a group member."""
        now = self._repo.now()
        officer = await self._officer(officer_id)
        if not recipient_person_id or recipient_person_id == officer["officer"]["id"]:
            recipient = officer["officer"]
        else:
            members = [m["person"] for m in officer.get("group", []) if m["person"]["id"] == recipient_person_id]
            if not members:
                raise Refused(
                    f"{recipient_person_id} was never in this officer's working group",
                    rule="recipient-in-group",
                    item=rules.ITEM,
                    field="recipient_person_id",
                )
            recipient = members[0]
        verdicts = [await self._verdict(officer_id, e, now, f"evidence[{i}]") for i, e in enumerate(evidence)]
        text = rules.check_reward(kind, authority, verdicts, citation)
        reward_id = new_id("rwd")
        doc = {
            "_id": reward_id,
            "officer_id": officer_id,
            "recipient": recipient,
            "kind": kind.value,
            "authority": authority.value,
            "authority_level": authority_level.key,
            "citation": text,
            "evidence": [
                {"kind": e.kind.value, "ref": e.ref, "rating": e.rating, "note": e.note, "favourable": v}
                for e, v in zip(evidence, verdicts, strict=True)
            ],
            "recorded_at": now,
            "recorded_by": actor,
        }
        return await self._repo.insert(
            REWARDS,
            doc,
            Change(
                emit=[
                    Emit(
                        "officers.reward.recorded",
                        {
                            "reward_id": reward_id,
                            "officer_id": officer_id,
                            "recipient_id": recipient["id"],
                            "kind": kind.value,
                            "authority": authority.value,
                        },
                    )
                ]
            ),
        )

    async def dossiers(self, officer_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Pledges, supervision, rewards and the record of each officer: a few queries for all of them."""
        ids = list(dict.fromkeys(officer_ids))
        by_officer: Document = {"officer_id": {"$in": ids}}
        pledges = await self._repo.find(PLEDGES, by_officer, sort=[("filed_at", 1)])
        supervision = await self._repo.find(SUPERVISION, by_officer, sort=[("opened_at", 1)])
        rewards = await self._repo.find(REWARDS, by_officer, sort=[("recorded_at", 1)])
        requests = await self._repo.find(REQUESTS, by_officer)
        clocks = await self._repo.clocks(
            [f"pledge:{p['_id']}" for p in pledges] + [f"supervision:{s['_id']}" for s in supervision]
        )
        now = self._repo.now()
        out: dict[str, dict[str, Any]] = {}
        for oid in ids:
            mine_p = [p for p in pledges if p["officer_id"] == oid]
            mine_s = [s for s in supervision if s["officer_id"] == oid]
            mine_r = [r for r in rewards if r["officer_id"] == oid]
            record = rules.officer_record(
                requests=[(r["due_at"], r.get("completed_at")) for r in requests if r["officer_id"] == oid],
                pledges=[PledgeStatus(p["status"]) for p in mine_p],
                supervision=[Finding(s["finding"]) if s.get("finding") else None for s in mine_s],
                rewards=[RewardKind(r["kind"]) for r in mine_r],
                now=now,
            )
            out[oid] = {"pledges": mine_p, "supervision": mine_s, "rewards": mine_r, "record": record, "clocks": clocks}
        return out
