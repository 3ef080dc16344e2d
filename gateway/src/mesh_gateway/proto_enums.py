"""Conversion between protobuf enums and the graph's enums, for every domain.

The graph's members are the protobuf value names without the enum's prefix when the
proto style prefixes them (``OUTCOME_RESOLVED`` → ``Outcome.RESOLVED``), and the names
themselves where the proto does not (``CITY_KEY_ENTERPRISE``). Value 0 is "unset".
"""

from __future__ import annotations

from enum import Enum
from functools import cache
from typing import Any, TypeVar

E = TypeVar("E", bound=Enum)


def _prefix(wrapper: Any) -> str:
    """The prefix the enum's values share, read off its zero value (``OUTCOME_UNSPECIFIED`` → ``OUTCOME_``)."""
    first: str = wrapper.DESCRIPTOR.values[0].name
    return first.removesuffix("UNSPECIFIED")


@cache
def _members(kind: type[E], wrapper: Any) -> dict[int, E]:
    """The graph's member for each protobuf value the graph's enum has, built once per pair of enums."""
    prefix = _prefix(wrapper)
    names = {v.number: v.name.removeprefix(prefix) for v in wrapper.DESCRIPTOR.values}
    return {number: kind[name] for number, name in names.items() if name in kind.__members__}


def from_proto(kind: type[E], wrapper: Any, value: int) -> E:
    """The graph's member for a protobuf value (a table lookup: lists convert hundreds per page)."""
    members: dict[int, E] = _members(kind, wrapper)
    try:
        return members[value]
    except KeyError:
        # As before the table: the protobuf's name error for an unknown value, the enum's for a missing member.
        return kind[wrapper.Name(value).removeprefix(_prefix(wrapper))]


def maybe_from_proto(kind: type[E], wrapper: Any, value: int) -> E | None:
    """As :func:`from_proto`, and None for the unset value."""
    return None if value == 0 else from_proto(kind, wrapper, value)


def to_proto(wrapper: Any, member: Enum | None) -> Any:
    if member is None:
        return 0
    prefixed = _prefix(wrapper) + member.name
    return wrapper.Value(prefixed if prefixed in wrapper.DESCRIPTOR.values_by_name else member.name)
