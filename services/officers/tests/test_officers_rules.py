"""Item 6: who can be an officer, the working group, pledges, evidence for rewards, the record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mesh_officers.domain.common import Jurisdiction, Level, Person, Rank
from mesh_officers.domain.officers import (
    Authority,
    Finding,
    PledgeStatus,
    RewardKind,
    check_new_members,
    check_officer,
    check_pledge,
    check_reward,
    officer_record,
    pledge_verdict,
    rating_verdict,
    request_verdict,
)
from meshlib.errors import InvalidArgument, Refused

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def p(pid: str, rank: Rank = Rank.STAFF) -> Person:
    return Person(pid, f"name {pid}", "Commerce Bureau", rank)


def test_an_officer_is_a_leading_cadre_of_a_named_department() -> None:
    assert check_officer(p("o1", Rank.DEPARTMENT_LEADER)).id == "o1"
    assert check_officer(p("o2", Rank.DEPUTY_COUNTY_OR_ABOVE)).id == "o2"
    with pytest.raises(InvalidArgument) as err:
        check_officer(p("o3", Rank.SECTION_HEAD))
    assert err.value.rule == "leading-cadre" and err.value.item == "Item 6"
    with pytest.raises(InvalidArgument, match="department"):
        check_officer(Person("o4", "Wang", "  ", Rank.DEPARTMENT_LEADER))


def test_jurisdictions() -> None:
    assert Jurisdiction(Level.COUNTY, "410311").key == "county:410311"
    assert Jurisdiction.from_key("city") == Jurisdiction(Level.CITY)
    for bad in ((Level.COUNTY, "4103"), (Level.CITY, "410311")):
        with pytest.raises(InvalidArgument):
            Jurisdiction(*bad)


def test_members_join_on_a_proposal_once_and_never_the_officer() -> None:
    assert len(check_new_members("o1", [], [p("m1"), p("m2")], "need land and tax staff")) == 2
    with pytest.raises(InvalidArgument):
        check_new_members("o1", [], [p("m1")], " ")
    with pytest.raises(Refused) as twice:
        check_new_members("o1", ["m1"], [p("m1")], "again")
    assert twice.value.rule == "group-member-unique"
    with pytest.raises(Refused, match="already"):
        check_new_members("o1", [], [p("m1"), p("m1")], "dup")
    with pytest.raises(Refused) as officer:
        check_new_members("o1", [], [p("o1")], "self")
    assert officer.value.rule == "group-member-not-officer"


def test_the_working_group_pledges_and_the_date_is_ahead() -> None:
    with pytest.raises(Refused) as err:
        check_pledge(0, "answer within 3 days", T0 + DAY, T0)
    assert err.value.rule == "pledge-needs-working-group"
    with pytest.raises(InvalidArgument):
        check_pledge(2, "answer within 3 days", T0, T0)
    assert check_pledge(2, " answer within 3 days ", T0 + DAY, T0) == "answer within 3 days"


def test_evidence_verdicts() -> None:
    assert pledge_verdict(PledgeStatus.KEPT) and not pledge_verdict(PledgeStatus.BROKEN)
    with pytest.raises(Refused):
        pledge_verdict(PledgeStatus.OPEN)
    assert request_verdict(T0, T0, T0 + DAY)  # completed at the due instant: on time
    assert not request_verdict(T0, T0 + timedelta(seconds=1), T0 + DAY)
    assert not request_verdict(T0, None, T0 + timedelta(seconds=1))  # open and overdue: late
    with pytest.raises(Refused):
        request_verdict(T0, None, T0)
    assert rating_verdict(5) and rating_verdict(4) and not rating_verdict(2) and not rating_verdict(1)
    with pytest.raises(Refused):
        rating_verdict(3)
    with pytest.raises(InvalidArgument):
        rating_verdict(6)


def test_who_commends_and_which_way_the_evidence_points() -> None:
    assert (
        check_reward(RewardKind.MERIT_CITATION, Authority.PARTY_COMMITTEE_GOVERNMENT, [True], "outstanding")
        == "outstanding"
    )
    check_reward(RewardKind.COMMENDATION, Authority.LEADING_GROUP, [True, True], "good")
    check_reward(RewardKind.PENALTY, Authority.OPTIMISATION_OFFICE, [False], "pledge broken")
    with pytest.raises(Refused) as authority:
        check_reward(RewardKind.COMMENDATION, Authority.OPTIMISATION_OFFICE, [True], "good")
    assert authority.value.rule == "reward-authority" and authority.value.item == "Item 6"
    with pytest.raises(InvalidArgument) as none:
        check_reward(RewardKind.COMMENDATION, Authority.LEADING_GROUP, [], "good")
    assert none.value.rule == "reward-evidence"
    with pytest.raises(Refused) as direction:
        check_reward(RewardKind.COMMENDATION, Authority.LEADING_GROUP, [True, False], "mixed")
    assert direction.value.rule == "reward-evidence-direction"
    with pytest.raises(Refused):
        check_reward(RewardKind.PENALTY, Authority.LEADING_GROUP, [True], "was good")


def test_the_record_counts_open_and_overdue_requests_as_late() -> None:
    now = T0 + 10 * DAY
    record = officer_record(
        requests=[(T0, T0 - DAY), (T0, T0 + DAY), (T0, None), (now + DAY, None), (T0 + 5 * DAY, T0 + 5 * DAY)],
        pledges=[PledgeStatus.KEPT, PledgeStatus.KEPT, PledgeStatus.BROKEN, PledgeStatus.OPEN],
        supervision=[None, Finding.SATISFACTORY],
        rewards=[RewardKind.COMMENDATION, RewardKind.MERIT_CITATION, RewardKind.COMMENDATION],
        now=now,
    )
    assert (record.requests_handled, record.requests_completed) == (5, 3)
    assert (record.requests_on_time, record.requests_late) == (2, 2)
    assert record.on_time_rate == 0.5
    assert (record.pledges_kept, record.pledges_broken, record.pledges_open) == (2, 1, 1)
    assert (record.supervision_open, record.supervision_satisfactory) == (1, 1)
    assert (record.commendations, record.merit_citations, record.penalties) == (2, 1, 0)
    assert officer_record([], [], [], [], now).on_time_rate is None
