"""Item 11: fines and fees are filed by exact amount, decided by the body they went to, imposed only when approved."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mesh_environment.domain import fines
from mesh_environment.domain.fines import FilingBody, FilingState
from meshlib.errors import InvalidArgument, Refused

COMMITTEE = FilingBody.CITY_COMMITTEE_AND_GOVERNMENT
OPTIMISATION = FilingBody.CITY_OPTIMISATION_OFFICE
BURDEN = FilingBody.CITY_BURDEN_REDUCTION_OFFICE


@pytest.mark.parametrize(("amount", "body"), [
    ("0.01", BURDEN),
    ("2999.99", BURDEN),
    ("3000", OPTIMISATION),
    ("3000.00", OPTIMISATION),
    ("9999.99", OPTIMISATION),
    ("10000", COMMITTEE),
    ("10000.00", COMMITTEE),
    ("1000000", COMMITTEE),
])
def test_routing_by_amount_at_the_boundaries(amount: str, body: FilingBody) -> None:
    assert fines.route(fines.to_fen(amount)) is body
    assert fines.route(fines.to_fen(Decimal(amount))) is body


@pytest.mark.parametrize("amount", ["0", "0.00", "-0.01", "-3000"])
def test_zero_and_negative_amounts_are_refused(amount: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        fines.route(fines.to_fen(amount))
    assert err.value.rule == "fine-amount-positive" and err.value.item == "Item 11"


@pytest.mark.parametrize("amount", ["2999.999", "0.001", "abc", "NaN", "Infinity", ""])
def test_amounts_are_exact_to_the_fen_or_refused(amount: str) -> None:
    with pytest.raises(InvalidArgument):
        fines.to_fen(amount)


def test_exact_conversion_without_floating_point() -> None:
    assert fines.to_fen("2999.99") == 299_999
    assert fines.to_fen("0.1") + fines.to_fen("0.2") == fines.to_fen("0.3")
    assert fines.format_cny(299_999) == "2999.99"
    assert fines.format_cny(1) == "0.01"
    assert fines.format_cny(1_000_000_00) == "1000000.00"


def test_hearing_flag_at_the_configured_threshold() -> None:
    threshold = fines.to_fen("50000")
    assert fines.hearing_required(threshold, threshold)
    assert not fines.hearing_required(threshold - 1, threshold)


def test_only_the_routed_body_decides_once_with_a_reason() -> None:
    with pytest.raises(Refused, match="city_optimisation_office"):
        fines.decide(FilingState.PENDING, routed_to=OPTIMISATION, decided_by=BURDEN, approve=True, reason="ok")
    with pytest.raises(InvalidArgument):
        fines.decide(FilingState.PENDING, routed_to=OPTIMISATION, decided_by=OPTIMISATION, approve=True, reason=" ")
    assert fines.decide(FilingState.PENDING, routed_to=BURDEN, decided_by=BURDEN, approve=False,
                        reason="not proportionate") is FilingState.REJECTED
    with pytest.raises(Refused) as err:
        fines.decide(FilingState.APPROVED, routed_to=BURDEN, decided_by=BURDEN, approve=False, reason="again")
    assert err.value.rule == "filing-decided-once"


@pytest.mark.parametrize("state", [FilingState.PENDING, FilingState.REJECTED])
def test_a_fine_not_approved_cannot_be_imposed(state: FilingState) -> None:
    with pytest.raises(Refused) as err:
        fines.impose(state, hearing_needed=False, hearing_held=False)
    assert err.value.rule == "fine-filed-before-imposed" and err.value.item == "Item 11"


def test_a_large_fine_needs_its_hearing_before_it_is_imposed() -> None:
    with pytest.raises(Refused) as err:
        fines.impose(FilingState.APPROVED, hearing_needed=True, hearing_held=False)
    assert err.value.rule == "hearing-before-large-fine"
    assert fines.impose(FilingState.APPROVED, hearing_needed=True, hearing_held=True) is FilingState.IMPOSED
    assert fines.impose(FilingState.APPROVED, hearing_needed=False, hearing_held=False) is FilingState.IMPOSED


def test_a_minor_violation_is_not_fined() -> None:
    with pytest.raises(Refused) as err:
        fines.check_filing(minor_violation=True)
    assert err.value.rule == "minor-violation-no-fine"
    fines.check_filing(minor_violation=False)
