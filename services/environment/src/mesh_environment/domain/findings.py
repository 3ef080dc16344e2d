"""Undercover and open inspection (item 15): findings registered and supervised to resolution (挂号督办)."""

from __future__ import annotations

from enum import StrEnum

from meshlib.errors import InvalidArgument, Refused

ITEM = "Item 15"


class FindingKind(StrEnum):
    """Items 15 and 18: what inspection groups and the other channels gather."""

    INACTION = "inaction"  # 不作为
    SLOW_ACTION = "slow_action"  # 慢作为
    WRONG_ACTION = "wrong_action"  # 乱作为
    FOUR_ARBITRARIES = "four_arbitraries"  # 四乱: arbitrary fees, fines, inspections, levies
    FOUR_DIFFICULTIES = "four_difficulties"  # 四难: hard to get in, cold faces, harsh words, hard to get done
    TAKING_AND_OBSTRUCTING = "taking_and_obstructing"  # 吃拿卡要


class Channel(StrEnum):
    """Item 15: where a finding came in."""

    INSPECTION_GROUP = "inspection_group"  # 暗访明察
    POLICE_110 = "police_110"  # 110 linkage
    SERVICE_CENTRE = "service_centre"  # 行政服务中心
    ONLINE_PETITION = "online_petition"  # 网上信访
    COMPLAINT_REPORT = "complaint_report"  # 投诉举报
    MAJOR_CAMPAIGN_OFFICE = "major_campaign_office"


class FindingState(StrEnum):
    OPEN = "open"
    AWAITING_RECHECK = "awaiting_recheck"
    CLOSED = "closed"


def check_registration(*, channel: Channel, inspection_group: str, responsible_unit: str, description: str) -> None:
    """Item 15: a finding names the unit responsible; one from an inspection group names the group."""
    if not responsible_unit.strip():
        raise InvalidArgument("a finding names the unit responsible", rule="finding-unit", item=ITEM,
                              field="responsible_unit")
    if not description.strip():
        raise InvalidArgument("a finding says what was found", rule="finding-description", item=ITEM,
                              field="description")
    if channel is Channel.INSPECTION_GROUP and not inspection_group.strip():
        raise InvalidArgument("a finding from an inspection group names the group", rule="finding-group",
                              item=ITEM, field="inspection_group")


def resolve(state: FindingState, outcome: str) -> FindingState:
    """Item 15: the unit reports the problem resolved; a recheck must confirm it before it closes."""
    if state is not FindingState.OPEN:
        raise Refused(f"a finding that is {state.value} cannot be resolved", rule="finding-state", item=ITEM)
    if not outcome.strip():
        raise InvalidArgument("resolving a finding needs its outcome", rule="finding-outcome", item=ITEM,
                              field="outcome")
    return FindingState.AWAITING_RECHECK


def recheck(state: FindingState, *, confirmed: bool) -> FindingState:
    if state is not FindingState.AWAITING_RECHECK:
        raise Refused(f"a finding that is {state.value} cannot be rechecked", rule="finding-state", item=ITEM)
    return FindingState.CLOSED if confirmed else FindingState.OPEN
