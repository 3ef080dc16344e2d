"""Unit: key status, territory, pairing rules (item 20), the problem state machine (items 19, 20), editions."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from mesh_contacts.domain import editions as ed
from mesh_contacts.domain.calendar import city_today, end_of_day, month_end_before, parse_date
from mesh_contacts.domain.pairing import (
    Leader,
    LeaderInput,
    LeaderLevel,
    Span,
    Target,
    TargetKind,
    check_end,
    check_pairing,
    pairing_on,
    validate_leader,
)
from mesh_contacts.domain.problems import (
    Action,
    ProblemCategory,
    ProblemInput,
    ProblemStatus,
    check_visit_date,
    coordination_action,
    is_overdue,
    next_status,
    validate_problem,
)
from mesh_contacts.domain.registry import (
    KeyList,
    ProjectKeyList,
    Territory,
    is_key_enterprise,
    is_key_project,
    validate_territory,
)
from meshlib.errors import InvalidArgument, Refused

LUOLONG = Territory("410311", "洛龙区", "410311010", "开元路街道")
YANSHI = Territory("410307", "偃师区", "410307001", "商城街道")
CITY_LEADER = Leader("ldr-c", LeaderLevel.CITY)
LUOLONG_LEADER = Leader("ldr-l", LeaderLevel.COUNTY, "410311")


def target(is_key: bool = True, where: Territory = LUOLONG, kind: TargetKind = TargetKind.ENTERPRISE) -> Target:
    return Target(kind, "ent-1", "河洛轴承", is_key, where)


# -- key status (item 20) -------------------------------------------------------------------------

@pytest.mark.parametrize("lists", [[k] for k in KeyList] + [list(KeyList)])
def test_an_enterprise_on_any_key_list_is_key(lists: list[KeyList]) -> None:
    assert is_key_enterprise(lists)


def test_an_enterprise_on_no_list_is_not_key() -> None:
    assert not is_key_enterprise([])


@pytest.mark.parametrize("lists, key", [([], False), ([ProjectKeyList.PROVINCIAL_KEY_PROJECT], True),
                                        ([ProjectKeyList.CITY_KEY_PROJECT], True), (list(ProjectKeyList), True)])
def test_a_project_is_key_when_provincial_or_city_key(lists: list[ProjectKeyList], key: bool) -> None:
    assert is_key_project(lists) is key


@pytest.mark.parametrize("county, township", [("41031", "410311010"), ("410311", "410312010"),
                                              ("410311", "41031101"), ("41031a", "41031a010")])
def test_territory_codes_must_nest(county: str, township: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        validate_territory(Territory(county, "洛龙区", township, "开元路街道"))
    assert err.value.rule == "territory-code"


# -- pairing rules (item 20) ------------------------------------------------------------------------

def test_a_key_enterprise_can_be_paired_by_a_city_and_a_county_leader() -> None:
    check_pairing(CITY_LEADER, target(), [])
    check_pairing(LUOLONG_LEADER, target(), [CITY_LEADER.id])


@pytest.mark.parametrize("kind", list(TargetKind))
def test_pairing_with_something_not_key_is_refused_with_the_reason(kind: TargetKind) -> None:
    with pytest.raises(Refused) as err:
        check_pairing(CITY_LEADER, target(is_key=False, kind=kind), [])
    assert (err.value.rule, err.value.item) == ("pair-key-only", "Item 20")
    assert "key" in err.value.message


def test_the_same_leader_twice_is_refused() -> None:
    with pytest.raises(Refused) as err:
        check_pairing(CITY_LEADER, target(), [CITY_LEADER.id, "someone-else"])
    assert err.value.rule == "pair-once"


def test_a_county_leader_pairs_within_their_county() -> None:
    with pytest.raises(Refused) as err:
        check_pairing(LUOLONG_LEADER, target(where=YANSHI), [])
    assert err.value.rule == "county-leader-territory"
    check_pairing(CITY_LEADER, target(where=YANSHI), [])


def test_a_county_leader_needs_a_county() -> None:
    with pytest.raises(InvalidArgument):
        validate_leader(LeaderInput("张伟", LeaderLevel.COUNTY, "区长"))
    city = validate_leader(LeaderInput(" 王建国 ", LeaderLevel.CITY, "副市长", "410311", "洛龙区"))
    assert (city.name, city.county_code) == ("王建国", "")


def test_a_pairing_runs_from_its_start_to_its_end_inclusive() -> None:
    span = Span("p", date(2026, 1, 10), date(2026, 3, 31))
    assert not span.active_on(date(2026, 1, 9))
    assert span.active_on(date(2026, 1, 10))
    assert span.active_on(date(2026, 3, 31))
    assert not span.active_on(date(2026, 4, 1))
    assert Span("q", date(2026, 1, 10)).active_on(date(2099, 1, 1))


def test_a_visit_is_unpaired_when_no_pairing_ran_that_day() -> None:
    spans = [Span("old", date(2025, 1, 1), date(2025, 6, 30)), Span("new", date(2025, 9, 1))]
    assert pairing_on(spans, date(2025, 6, 30)) == "old"
    assert pairing_on(spans, date(2025, 7, 1)) is None
    assert pairing_on(spans, date(2025, 9, 1)) == "new"
    assert pairing_on([], date(2025, 9, 1)) is None


def test_a_pairing_cannot_end_before_it_started() -> None:
    check_end(date(2026, 1, 10), date(2026, 1, 10))
    with pytest.raises(InvalidArgument):
        check_end(date(2026, 1, 10), date(2026, 1, 9))


# -- the problem state machine (items 19, 20) ---------------------------------------------------------

LEGAL = {
    (ProblemStatus.OPEN, Action.COORDINATION_STARTED): ProblemStatus.COORDINATING,
    (ProblemStatus.COORDINATING, Action.REROUTED): ProblemStatus.COORDINATING,
    (ProblemStatus.COORDINATING, Action.RESOLVED): ProblemStatus.RESOLVED,
    (ProblemStatus.COORDINATING, Action.CLOSED_UNRESOLVED): ProblemStatus.CLOSED_UNRESOLVED,
}
MOVES = [a for a in Action if a not in (Action.RAISED, Action.OVERDUE)]


@pytest.mark.parametrize("move", list(LEGAL))
def test_legal_transitions(move: tuple[ProblemStatus, Action]) -> None:
    assert next_status(*move) is LEGAL[move]


@pytest.mark.parametrize("move", [(s, a) for s in ProblemStatus for a in MOVES if (s, a) not in LEGAL])
def test_every_other_transition_is_refused(move: tuple[ProblemStatus, Action]) -> None:
    with pytest.raises(Refused) as err:
        next_status(*move)
    assert (err.value.rule, err.value.item) == ("problem-transition", "Item 20")


def test_an_open_problem_cannot_be_resolved_or_closed_without_coordination() -> None:
    for action in (Action.RESOLVED, Action.CLOSED_UNRESOLVED):
        with pytest.raises(Refused, match="can only be coordination_started"):
            next_status(ProblemStatus.OPEN, action)


def test_coordinating_again_is_a_reroute_only_when_something_changes() -> None:
    assert coordination_action(ProblemStatus.OPEN, False) is Action.COORDINATION_STARTED
    assert coordination_action(ProblemStatus.COORDINATING, True) is Action.REROUTED
    with pytest.raises(Refused):
        coordination_action(ProblemStatus.COORDINATING, False)


TODAY = date(2026, 5, 20)


def problem(category: ProblemCategory = ProblemCategory.FACTOR_LAND, due: date = TODAY) -> ProblemInput:
    return ProblemInput(category, " 用地指标不足 ", " 市自然资源和规划局 ", due)


@pytest.mark.parametrize("category", [c for c in ProblemCategory if c.project_only])
def test_project_supervision_categories_are_for_projects_only(category: ProblemCategory) -> None:
    validate_problem(problem(category), TargetKind.PROJECT, TODAY)
    with pytest.raises(InvalidArgument) as err:
        validate_problem(problem(category), TargetKind.ENTERPRISE, TODAY)
    assert err.value.rule == "problem-category"


def test_a_problem_may_be_due_today_but_not_yesterday() -> None:
    ok = validate_problem(problem(due=TODAY), TargetKind.ENTERPRISE, TODAY)
    assert (ok.description, ok.department) == ("用地指标不足", "市自然资源和规划局")
    with pytest.raises(InvalidArgument):
        validate_problem(problem(due=date(2026, 5, 19)), TargetKind.ENTERPRISE, TODAY)


def test_overdue_starts_the_day_after_the_due_date_while_unconcluded() -> None:
    due = date(2026, 5, 20)
    assert not is_overdue(ProblemStatus.OPEN, due, date(2026, 5, 20))
    assert is_overdue(ProblemStatus.OPEN, due, date(2026, 5, 21))
    assert is_overdue(ProblemStatus.COORDINATING, due, date(2026, 5, 21))
    assert not is_overdue(ProblemStatus.RESOLVED, due, date(2026, 6, 1))
    assert not is_overdue(ProblemStatus.CLOSED_UNRESOLVED, due, date(2026, 6, 1))


def test_a_visit_is_recorded_on_or_after_its_day() -> None:
    check_visit_date(TODAY, TODAY)
    with pytest.raises(InvalidArgument):
        check_visit_date(date(2026, 5, 21), TODAY)


# -- the city's calendar ------------------------------------------------------------------------------

def test_the_city_day_turns_at_midnight_in_shanghai() -> None:
    assert city_today(datetime(2026, 5, 20, 15, 59, 59, tzinfo=UTC)) == date(2026, 5, 20)
    assert city_today(datetime(2026, 5, 20, 16, 0, tzinfo=UTC)) == date(2026, 5, 21)
    assert end_of_day(date(2026, 5, 20)) == datetime(2026, 5, 20, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["2026-5-1", "20260501", "2026-02-30", "tomorrow"])
def test_dates_are_iso_days(text: str) -> None:
    with pytest.raises(InvalidArgument):
        parse_date(text, field="d")
    assert parse_date("", field="d", default=TODAY) == TODAY


# -- editions (item 20, "published regularly") --------------------------------------------------------

def test_periods_follow_each_other_without_gaps() -> None:
    first = ed.next_period(None, date(2026, 4, 30))
    assert first == ed.Period(date(2026, 4, 1), date(2026, 4, 30))
    second = ed.next_period(first.end, date(2026, 5, 20))
    assert second == ed.Period(date(2026, 5, 1), date(2026, 5, 20))
    assert ed.next_period(second.end, date(2026, 5, 21)) == ed.Period(date(2026, 5, 21), date(2026, 5, 21))
    with pytest.raises(Refused) as err:
        ed.next_period(second.end, date(2026, 5, 20))
    assert err.value.rule == "edition-period"


def test_the_monthly_edition_is_due_once_a_month_has_ended_and_nothing_covers_it() -> None:
    assert month_end_before(date(2026, 3, 1)) == date(2026, 2, 28)
    assert ed.scheduled_end(None, date(2026, 5, 1)) == date(2026, 4, 30)
    assert ed.scheduled_end(date(2026, 3, 31), date(2026, 5, 31)) == date(2026, 4, 30)
    assert ed.scheduled_end(date(2026, 4, 30), date(2026, 5, 31)) is None
    assert ed.scheduled_end(date(2026, 5, 3), date(2026, 5, 31)) is None  # an on-demand edition covered April
    assert ed.scheduled_end(date(2026, 4, 29), date(2026, 5, 1)) == date(2026, 4, 30)


def test_the_difference_between_editions_is_by_pairing() -> None:
    a, b, c = ({"pairing_id": p} for p in "abc")
    d = ed.diff([a, b], [b, c])
    assert (d.added, d.ended) == ([c], [a])
    assert ed.diff([a], [a]) == ed.Diff([], [])
