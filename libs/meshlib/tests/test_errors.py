"""A refusal names its policy item one way for every service, however the code that refused spelled it."""

from __future__ import annotations

import pytest

from meshlib.errors import ITEM_KEY, InvalidArgument, Refused, policy_item, under


@pytest.mark.parametrize(("spelled", "item"), [
    ("13", "Item 13"), ("Item 13", "Item 13"), ("Items 10, 11", "Items 10, 11"), ("10, 11", "Items 10, 11"),
    (None, None), ("", None), ("no number", None),
])
def test_an_item_is_spelled_as_deadlines_and_enforcement_reasons_spell_theirs(spelled: str | None,
                                                                               item: str | None) -> None:
    assert policy_item(spelled) == item


def test_the_item_travels_in_that_spelling() -> None:
    refusal = Refused("the filing was decided meanwhile", rule="filing-decided-once", item="11")
    assert refusal.item == "Item 11" and (ITEM_KEY, "Item 11") in refusal.trailing_metadata()
    assert ITEM_KEY not in dict(Refused("no item", rule="r").trailing_metadata())


def test_a_field_checked_on_its_own_is_named_where_the_request_holds_it() -> None:
    with pytest.raises(InvalidArgument) as err, under("office"):
        raise InvalidArgument("a 6-digit code", rule="jurisdiction", item="9", field="county_code")
    assert (err.value.field, err.value.rule, err.value.item) == ("office.county_code", "jurisdiction", "Item 9")
    with pytest.raises(Refused) as refused, under("office"):  # a refusal naming no field stays so
        raise Refused("no", rule="r")
    assert refused.value.field is None
