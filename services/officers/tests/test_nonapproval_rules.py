"""Item 14: the escalation state machine — every level, the automatic step, the filing, the top."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mesh_officers.domain.common import NonApproval
from mesh_officers.domain.nonapproval import (
    CHAIN,
    DEFAULT_LEVEL_LIMITS,
    Chain,
    Decision,
    Level,
    State,
    above,
    decide,
    lapse,
    parse_level_limits,
    report,
    standing,
)
from meshlib.errors import InvalidArgument, Refused

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)


def reported() -> Chain:
    return report("section clerk Li", "the site overlaps farmland", "adjust the red line by 20 m", T0).chain


def confirm(chain: Chain, level: Level, at: datetime = T0) -> Chain:
    return decide(chain, level, False, f"{level.value} Wang", "still cannot", "try the east plot", at).chain


def test_the_chain_and_its_order() -> None:
    assert CHAIN == (Level.SECTION, Level.DEPUTY_HEAD, Level.HEAD, Level.SUPERVISING_LEADER, Level.PRINCIPAL_LEADERS)
    assert above(Level.HEAD) is Level.SUPERVISING_LEADER and above(Level.PRINCIPAL_LEADERS) is None
    assert set(DEFAULT_LEVEL_LIMITS) == set(CHAIN[1:])


def test_the_section_reports_with_reasons_and_a_feasible_suggestion_to_the_deputy_head() -> None:
    chain = reported()
    assert chain.state is State.PENDING and chain.level is Level.DEPUTY_HEAD
    assert chain.steps[0].decision is Decision.REPORTED and chain.steps[0].level is Level.SECTION
    for args in (("h", "", "s"), ("h", "r", ""), ("", "r", "s")):
        with pytest.raises(InvalidArgument) as err:
            report(*args, T0)
        assert err.value.item == "Item 14"


def test_confirmed_at_every_level_it_reaches_the_principal_leaders_and_ends_confirmed() -> None:
    chain = reported()
    seen = []
    for level in CHAIN[1:]:
        assert chain.level is level and chain.state is State.PENDING
        t = decide(chain, level, False, "x", "reasons", "suggestion", T0)
        seen.append((level, t.filing_basis))
        chain = t.chain
    assert chain.state is State.CONFIRMED and chain.level is Level.PRINCIPAL_LEADERS
    assert [s.decision for s in chain.steps] == [Decision.REPORTED] + [Decision.CONFIRMED] * 4
    # Filed with the city optimisation office exactly when the agency head confirmed, and only then.
    assert [lvl for lvl, basis in seen if basis] == [Level.HEAD]
    assert chain.filed_with_office


def test_approval_at_any_level_ends_the_chain_there() -> None:
    chain = confirm(reported(), Level.DEPUTY_HEAD)
    t = decide(chain, Level.HEAD, True, "head Zhao", "", "", T0)
    assert t.chain.state is State.APPROVED and t.concluded and t.filing_basis is None
    with pytest.raises(Refused) as err:
        decide(t.chain, Level.SUPERVISING_LEADER, False, "x", "r", "s", T0)
    assert err.value.rule == "non-approval-open"


def test_one_level_at_a_time() -> None:
    chain = reported()
    for level in (Level.HEAD, Level.SUPERVISING_LEADER, Level.PRINCIPAL_LEADERS, Level.SECTION):
        with pytest.raises(Refused) as err:
            decide(chain, level, False, "x", "r", "s", T0)
        assert err.value.rule == "one-level-at-a-time" and err.value.item == "Item 14"


def test_confirming_needs_reasons_and_a_suggestion() -> None:
    with pytest.raises(InvalidArgument):
        decide(reported(), Level.DEPUTY_HEAD, False, "x", "", "s", T0)
    with pytest.raises(InvalidArgument):
        decide(reported(), Level.DEPUTY_HEAD, False, "x", "r", " ", T0)


def test_a_missed_deadline_escalates_automatically_once() -> None:
    chain = reported()
    t = lapse(chain, Level.DEPUTY_HEAD, T0 + 80 * H)
    assert t is not None and t.chain.level is Level.HEAD and t.step is not None
    assert t.step.decision is Decision.AUTO_ESCALATED and t.step.level is Level.DEPUTY_HEAD
    assert t.filing_basis is None
    assert lapse(t.chain, Level.DEPUTY_HEAD, T0 + 81 * H) is None  # a repeat changes nothing
    decided = confirm(chain, Level.DEPUTY_HEAD)
    assert lapse(decided, Level.DEPUTY_HEAD, T0 + 80 * H) is None  # the level had decided in time


def test_when_the_head_lets_the_deadline_pass_it_is_filed_with_the_office_once() -> None:
    chain = confirm(reported(), Level.DEPUTY_HEAD)
    t = lapse(chain, Level.HEAD, T0 + 100 * H)
    assert t is not None and t.filing_basis == "head's deadline passed" and t.chain.filed_with_office
    assert t.chain.level is Level.SUPERVISING_LEADER


def test_at_the_top_a_missed_deadline_is_marked_and_nothing_climbs_further() -> None:
    chain = reported()
    for level in CHAIN[1:-1]:
        step = lapse(chain, level, T0)
        assert step is not None
        chain = step.chain
    assert chain.level is Level.PRINCIPAL_LEADERS
    top = lapse(chain, Level.PRINCIPAL_LEADERS, T0)
    assert top is not None and top.step is None and top.chain.top_overdue and top.chain.state is State.PENDING
    assert lapse(top.chain, Level.PRINCIPAL_LEADERS, T0) is None
    final = decide(top.chain, Level.PRINCIPAL_LEADERS, False, "secretary", "final", "none feasible", T0)
    assert final.chain.state is State.CONFIRMED
    decisions = [s.decision for s in final.chain.steps]
    assert decisions == [Decision.REPORTED, *[Decision.AUTO_ESCALATED] * 3, Decision.CONFIRMED]


def test_level_limits_are_configurable() -> None:
    limits = parse_level_limits("deputy_head=2d, head=36h")
    assert limits[Level.DEPUTY_HEAD] == timedelta(days=2) and limits[Level.HEAD] == timedelta(hours=36)
    assert limits[Level.PRINCIPAL_LEADERS] == DEFAULT_LEVEL_LIMITS[Level.PRINCIPAL_LEADERS]
    for bad in ("section=1d", "chairman=1d", "head", "head=0s"):
        with pytest.raises(ValueError):
            parse_level_limits(bad)


def test_where_a_subjects_reports_stand_for_closing_it_as_not_approved() -> None:
    assert standing([]) is NonApproval.NONE
    assert standing([State.PENDING.value]) is NonApproval.STANDS
    assert standing([State.CONFIRMED.value]) is NonApproval.STANDS
    assert standing([State.APPROVED.value]) is NonApproval.OVERTURNED
    assert standing([State.APPROVED.value, State.PENDING.value]) is NonApproval.STANDS  # reported again since
