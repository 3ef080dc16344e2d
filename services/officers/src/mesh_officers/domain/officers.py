"""Chief service officers, their working groups, pledges, supervision and rewards (item 6).

Pure: no I/O. Each rule raises a typed refusal naming itself and the policy item.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from mesh_officers.domain.common import LEADING_CADRE_RANKS, Person, require_text
from meshlib.deadlines import on_time
from meshlib.errors import InvalidArgument, Refused, under

ITEM = "Item 6"


def check_officer(officer: Person) -> Person:
    """Item 6: the optimisation office seconds a leading cadre of a relevant department as officer."""
    officer = officer.checked("officer")
    if officer.rank not in LEADING_CADRE_RANKS:
        raise InvalidArgument(
            f"a chief service officer is a leading cadre (department leader, or deputy county level or above); "
            f"{officer.name} is {officer.rank.value}",
            rule="leading-cadre",
            item=ITEM,
            field="officer.rank",
        )
    return officer


@dataclass(frozen=True)
class LeaderInstruction:
    leader_id: str
    leader_name: str
    instruction: str
    instructed_at: datetime


@dataclass(frozen=True)
class EnterpriseAsk:
    contact: str
    note: str
    asked_at: datetime
    request_id: str = ""


DispatchBasis = LeaderInstruction | EnterpriseAsk


def check_basis(basis: DispatchBasis | None, now: datetime) -> DispatchBasis:
    """Item 6: an officer is dispatched on a city/county leader's instruction or at the enterprise's request."""
    if basis is None:
        raise InvalidArgument(
            "a dispatch rests on a leader's instruction or the enterprise's request",
            rule="dispatch-basis",
            item=ITEM,
            field="basis",
        )
    if isinstance(basis, LeaderInstruction):
        require_text(basis.leader_name, "basis.leader_instruction.leader_name", item=ITEM)
        require_text(basis.instruction, "basis.leader_instruction.instruction", item=ITEM)
        when = basis.instructed_at
    else:
        require_text(basis.contact, "basis.enterprise_ask.contact", item=ITEM)
        when = basis.asked_at
    if when > now:
        raise InvalidArgument(
            "the instruction or request cannot come after the dispatch", rule="dispatch-basis", item=ITEM, field="basis"
        )
    return basis


def check_new_members(
    officer_person_id: str, active_ids: Iterable[str], members: Sequence[Person], proposal: str
) -> list[Person]:
    """Item 6: on the officer's proposal, staff of relevant departments join the working group."""
    require_text(proposal, "proposal", item=ITEM)
    if not members:
        raise InvalidArgument("name at least one member", rule="required", item=ITEM, field="members")
    checked = [m.checked(f"members[{i}]") for i, m in enumerate(members)]
    active = set(active_ids)
    seen: set[str] = set()
    for i, m in enumerate(checked):
        with under(f"members[{i}]"):  # the member at fault, by its place in the request (a repeat: the later)
            if m.id == officer_person_id:
                raise Refused(
                    "the officer leads the working group and is not one of its members",
                    rule="group-member-not-officer",
                    item=ITEM,
                    field="id",
                )
            if m.id in active or m.id in seen:
                raise Refused(
                    f"{m.name} ({m.id}) is already in the working group",
                    rule="group-member-unique",
                    item=ITEM,
                    field="id",
                )
        seen.add(m.id)
    return checked


def check_release(active_ids: Iterable[str], person_id: str) -> None:
    if person_id not in set(active_ids):
        raise Refused(
            f"{person_id} is not an active member of the working group",
            rule="group-member-active",
            item=ITEM,
            field="person_id",
        )


class PledgeStatus(StrEnum):
    OPEN = "open"
    KEPT = "kept"
    BROKEN = "broken"


def check_pledge(active_member_count: int, commitments: str, due_at: datetime, now: datetime) -> str:
    """Item 6: the working group pledges its service to the optimisation office of its level."""
    if active_member_count == 0:
        raise Refused(
            "the working group makes the pledge: form it first",
            rule="pledge-needs-working-group",
            item=ITEM,
            field="officer_id",
        )
    text = require_text(commitments, "commitments", item=ITEM)
    if due_at <= now:
        raise InvalidArgument("a pledge is kept by a date still to come", rule="future-date", item=ITEM, field="due_at")
    return text


def check_assessment(status: PledgeStatus) -> None:
    if status is not PledgeStatus.OPEN:
        raise Refused(
            f"the pledge was already assessed as {status.value}",
            rule="pledge-assessed-once",
            item=ITEM,
            field="pledge_id",
        )


class Finding(StrEnum):
    SATISFACTORY = "satisfactory"
    UNSATISFACTORY = "unsatisfactory"


class RewardKind(StrEnum):
    COMMENDATION = "commendation"  # 通报表彰
    MERIT_CITATION = "merit_citation"  # 记功
    PENALTY = "penalty"


class Authority(StrEnum):
    PARTY_COMMITTEE_GOVERNMENT = "party_committee_government"
    LEADING_GROUP = "leading_group"
    OPTIMISATION_OFFICE = "optimisation_office"


COMMENDING_AUTHORITIES = frozenset({Authority.PARTY_COMMITTEE_GOVERNMENT, Authority.LEADING_GROUP})


class EvidenceKind(StrEnum):
    PLEDGE = "pledge"
    REQUEST = "request"
    SUPERVISION = "supervision"
    RATING = "rating"


@dataclass(frozen=True)
class Evidence:
    kind: EvidenceKind
    ref: str = ""
    rating: int = 0
    note: str = ""


GOOD_RATING = 4
POOR_RATING = 2


# ``field`` of each verdict: the piece of evidence in the request (``evidence[1]``), whose rating or ref it names.


def rating_verdict(rating: int, field: str = "evidence") -> bool:
    """A rating of 1..5 (the enterprise's SMS rating, item 17) counts for (4, 5) or against (1, 2)."""
    if not 1 <= rating <= 5:
        raise InvalidArgument("a rating is 1 to 5", rule="rating-range", item=ITEM, field=f"{field}.rating")
    if POOR_RATING < rating < GOOD_RATING:
        raise Refused(
            "a middling rating (3) is evidence neither way",
            rule="evidence-decisive",
            item=ITEM,
            field=f"{field}.rating",
        )
    return rating >= GOOD_RATING


def pledge_verdict(status: PledgeStatus, field: str = "evidence") -> bool:
    if status is PledgeStatus.OPEN:
        raise Refused(
            "an open pledge is not yet evidence: assess it first",
            rule="evidence-settled",
            item=ITEM,
            field=f"{field}.ref",
        )
    return status is PledgeStatus.KEPT


def request_verdict(due_at: datetime, completed_at: datetime | None, now: datetime, field: str = "evidence") -> bool:
    """A request counts for the officer when completed by its due time, against when late or overdue."""
    verdict = on_time(due_at, completed_at, now)
    if verdict is None:
        raise Refused(
            "an open request not yet due is not evidence", rule="evidence-settled", item=ITEM, field=f"{field}.ref"
        )
    return verdict


def supervision_verdict(finding: Finding | None, field: str = "evidence") -> bool:
    if finding is None:
        raise Refused(
            "an open supervision item is not yet evidence: close it first",
            rule="evidence-settled",
            item=ITEM,
            field=f"{field}.ref",
        )
    return finding is Finding.SATISFACTORY


def check_reward(kind: RewardKind, authority: Authority, verdicts: Sequence[bool], citation: str) -> str:
    """Item 6: commendations and merit citations come from the party committee and government or the
    leading group; every reward or penalty cites evidence, and the evidence must point its way."""
    text = require_text(citation, "citation", item=ITEM)
    if kind is not RewardKind.PENALTY and authority not in COMMENDING_AUTHORITIES:
        raise Refused(
            f"a {kind.value.replace('_', ' ')} is given by the party committee and government or the leading "
            f"group, not the {authority.value.replace('_', ' ')}",
            rule="reward-authority",
            item=ITEM,
            field="authority",
        )
    if not verdicts:
        raise InvalidArgument(
            "cite the evidence: pledges kept, requests completed on time, ratings",
            rule="reward-evidence",
            item=ITEM,
            field="evidence",
        )
    favourable = kind is not RewardKind.PENALTY
    wrong = next((i for i, v in enumerate(verdicts) if v is not favourable), None)
    if wrong is not None:  # the first piece pointing the other way, by its place (``evidence[1]``)
        which = "favourable" if favourable else "unfavourable"
        raise Refused(
            f"every piece of evidence for a {kind.value.replace('_', ' ')} must be {which}",
            rule="reward-evidence-direction",
            item=ITEM,
            field=f"evidence[{wrong}]",
        )
    return text


@dataclass(frozen=True)
class OfficerRecord:
    """Item 6: what rewards and penalties rest on."""

    requests_handled: int = 0
    requests_completed: int = 0
    requests_on_time: int = 0
    requests_late: int = 0
    on_time_rate: float | None = None
    pledges_kept: int = 0
    pledges_broken: int = 0
    pledges_open: int = 0
    supervision_open: int = 0
    supervision_satisfactory: int = 0
    supervision_unsatisfactory: int = 0
    commendations: int = 0
    merit_citations: int = 0
    penalties: int = 0


def officer_record(
    requests: Iterable[tuple[datetime, datetime | None]],
    pledges: Iterable[PledgeStatus],
    supervision: Iterable[Finding | None],
    rewards: Iterable[RewardKind],
    now: datetime,
) -> OfficerRecord:
    """The record from the officer's requests (due, completed), pledges, supervision findings and rewards.

    On-time counting follows the shared deadline model: an open request past its due time is late.
    """
    handled = completed = kept_time = late = 0
    for due, done in requests:
        handled += 1
        completed += done is not None
        verdict = on_time(due, done, now)
        kept_time += verdict is True
        late += verdict is False
    pledge_list = list(pledges)
    findings = list(supervision)
    reward_list = list(rewards)
    return OfficerRecord(
        requests_handled=handled,
        requests_completed=completed,
        requests_on_time=kept_time,
        requests_late=late,
        on_time_rate=kept_time / (kept_time + late) if kept_time + late else None,
        pledges_kept=pledge_list.count(PledgeStatus.KEPT),
        pledges_broken=pledge_list.count(PledgeStatus.BROKEN),
        pledges_open=pledge_list.count(PledgeStatus.OPEN),
        supervision_open=findings.count(None),
        supervision_satisfactory=findings.count(Finding.SATISFACTORY),
        supervision_unsatisfactory=findings.count(Finding.UNSATISFACTORY),
        commendations=reward_list.count(RewardKind.COMMENDATION),
        merit_citations=reward_list.count(RewardKind.MERIT_CITATION),
        penalties=reward_list.count(RewardKind.PENALTY),
    )
