"""Conversion between protobuf enums and the graph's enums, for every domain.

The graph's members are the protobuf value names without the enum's prefix when the
proto style prefixes them (``OUTCOME_RESOLVED`` → ``Outcome.RESOLVED``), and the names
themselves where the proto does not (``CITY_KEY_ENTERPRISE``). Value 0 is "unset".
"""

from __future__ import annotations

from enum import Enum
from typing import Any, TypeVar

E = TypeVar("E", bound=Enum)


def _prefix(wrapper: Any) -> str:
    """The prefix the enum's values share, read off its zero value (``OUTCOME_UNSPECIFIED`` → ``OUTCOME_``)."""
    first: str = wrapper.DESCRIPTOR.values[0].name
    return first.removesuffix("UNSPECIFIED")


def from_proto(kind: type[E], wrapper: Any, value: int) -> E:
    return kind[wrapper.Name(value).removeprefix(_prefix(wrapper))]


def maybe_from_proto(kind: type[E], wrapper: Any, value: int) -> E | None:
    """As :func:`from_proto`, and None for the unset value."""
    return None if value == 0 else from_proto(kind, wrapper, value)


def to_proto(wrapper: Any, member: Enum | None) -> Any:
    if member is None:
        return 0
    prefixed = _prefix(wrapper) + member.name
    return wrapper.Value(prefixed if prefixed in wrapper.DESCRIPTOR.values_by_name else member.name)
