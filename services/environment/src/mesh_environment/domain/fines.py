"""Filing of fines and fees on enterprises (item 11): routing by exact amount, review, imposition.

Money is exact: amounts are integer fen (1 CNY = 100 fen) everywhere in the domain, and a
decimal CNY amount with a fraction of a fen is refused rather than rounded.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from enum import StrEnum

from meshlib.errors import InvalidArgument, Refused

ITEM = "Item 11"
FEN_PER_CNY = 100
COMMITTEE_FROM_FEN = 10_000 * FEN_PER_CNY
"""Item 11: 10,000 CNY and above (10,000 itself included) is filed with the City Party Committee and Government."""
OPTIMISATION_FROM_FEN = 3_000 * FEN_PER_CNY
"""Item 11: 3,000 CNY (included) to under 10,000 CNY is filed with the City Optimisation Office."""
DEFAULT_HEARING_THRESHOLD_FEN = 50_000 * FEN_PER_CNY
"""Item 11 says large fines get a hearing without naming the amount; configurable, this is the default."""


class FilingBody(StrEnum):
    """Item 11: the city bodies a proposed fine or fee is filed with."""

    CITY_COMMITTEE_AND_GOVERNMENT = "city_committee_and_government"  # 市委、市政府
    CITY_OPTIMISATION_OFFICE = "city_optimisation_office"  # 市优化办
    CITY_BURDEN_REDUCTION_OFFICE = "city_burden_reduction_office"  # 市减负办


class ChargeKind(StrEnum):
    FINE = "fine"  # 罚款
    FEE = "fee"  # 收费


class FilingState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    IMPOSED = "imposed"


def to_fen(amount: Decimal | str, *, field: str = "amount") -> int:
    """An exact CNY amount as integer fen; a fraction of a fen, or not a number, is refused."""
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(amount.strip())
    except InvalidOperation:
        raise InvalidArgument(f"{field} {amount!r} is not a CNY amount", rule="money-format", item=ITEM,
                              field=field) from None
    if not value.is_finite():
        raise InvalidArgument(f"{field} {amount!r} is not a CNY amount", rule="money-format", item=ITEM,
                              field=field)
    fen = value * FEN_PER_CNY
    if fen != fen.to_integral_value():
        raise InvalidArgument(f"{field} {amount} has a fraction of a fen; amounts are exact to 0.01 CNY",
                              rule="money-precision", item=ITEM, field=field)
    return int(fen)


def format_cny(fen: int) -> str:
    """``299999`` → ``"2999.99"`` (exact; no thousands separators)."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), FEN_PER_CNY)
    return f"{sign}{whole}.{cents:02d}"


def route(amount_fen: int) -> FilingBody:
    """Item 11: the body a proposed fine or fee of ``amount_fen`` is filed with; zero and below are refused.

    ≥ 10,000 CNY → City Party Committee and City Government; 3,000 to under 10,000 → City
    Optimisation Office; under 3,000 → City Burden-Reduction Office.
    """
    if amount_fen <= 0:
        raise InvalidArgument(f"a fine or fee must be more than 0 CNY, got {format_cny(amount_fen)}",
                              rule="fine-amount-positive", item=ITEM, field="amount_fen")
    if amount_fen >= COMMITTEE_FROM_FEN:
        return FilingBody.CITY_COMMITTEE_AND_GOVERNMENT
    if amount_fen >= OPTIMISATION_FROM_FEN:
        return FilingBody.CITY_OPTIMISATION_OFFICE
    return FilingBody.CITY_BURDEN_REDUCTION_OFFICE


def hearing_required(amount_fen: int, threshold_fen: int) -> bool:
    """Item 11: large fines get a hearing; "large" is at or above the configured threshold."""
    return amount_fen >= threshold_fen


def check_filing(*, minor_violation: bool) -> None:
    """Items 10 and 11: a minor violation gets no fine (notice, education, a deadline to correct)."""
    if minor_violation:
        raise Refused("a minor violation gets no fine: give notice, educate and set a deadline to correct",
                      rule="minor-violation-no-fine", item="Item 10")


def decide(state: FilingState, *, routed_to: FilingBody, decided_by: FilingBody, approve: bool,
           reason: str) -> FilingState:
    """Item 11: the body the filing was routed to approves or rejects it, with a reason, once."""
    if decided_by is not routed_to:
        raise Refused(f"this filing is with the {routed_to.value}, not the {decided_by.value}",
                      rule="filing-body", item=ITEM, field="body")
    if state is not FilingState.PENDING:
        raise Refused(f"the filing was already decided ({state.value})", rule="filing-decided-once", item=ITEM)
    if not reason.strip():
        raise InvalidArgument("a decision needs its reason", rule="decision-reason", item=ITEM, field="reason")
    return FilingState.APPROVED if approve else FilingState.REJECTED


def impose(state: FilingState, *, hearing_needed: bool, hearing_held: bool) -> FilingState:
    """Item 11: a fine is imposed only after its filing was approved (and a large one after its hearing)."""
    if state is FilingState.IMPOSED:
        raise Refused("the fine was already imposed", rule="imposed-once", item=ITEM)
    if state is not FilingState.APPROVED:
        raise Refused(f"a fine whose filing is {state.value} cannot be imposed; it must be approved first",
                      rule="fine-filed-before-imposed", item=ITEM)
    if hearing_needed and not hearing_held:
        raise Refused("a large fine needs a hearing before it is imposed", rule="hearing-before-large-fine",
                      item=ITEM, field="hearing_held")
    return FilingState.IMPOSED
