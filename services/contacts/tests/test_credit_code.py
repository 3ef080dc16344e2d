"""Unit: the unified social credit code and its check digit (GB 32100-2015)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mesh_contacts.domain import credit_code
from mesh_contacts.domain.credit_code import ALPHABET, check_character, is_valid, problem

# Published codes of real registrations (the standard's worked example and a well-known company).
REAL = ["91350100M000100Y43", "91110000600037341L"]


@pytest.mark.parametrize("code", REAL)
def test_published_codes_are_valid(code: str) -> None:
    assert problem(code) is None
    assert check_character(code[:17]) == code[17]


def test_lower_case_and_spaces_are_normalised() -> None:
    assert is_valid("  91350100m000100y43 ")
    assert credit_code.normalise(" 91350100m000100y43") == "91350100M000100Y43"


@pytest.mark.parametrize("last", [c for c in ALPHABET if c != "3"])
def test_any_other_check_digit_is_refused(last: str) -> None:
    found = problem("91350100M000100Y4" + last)
    assert found is not None and found.rule == "credit-code-check-digit"
    assert "'3'" in found.message


@pytest.mark.parametrize("code", ["91350100M000100Y4", "91350100M000100Y433", "", "9"])
def test_wrong_length_is_refused(code: str) -> None:
    found = problem(code)
    assert found is not None and found.rule == "credit-code-length"


@pytest.mark.parametrize("bad", ["I", "O", "Z", "S", "V", "-", "中", "a"])
def test_letters_outside_the_alphabet_are_refused(bad: str) -> None:
    code = "91350100M000100Y4" + bad
    found = problem(code)
    assert found is not None and found.rule == "credit-code-charset"


def test_the_division_code_is_digits() -> None:
    first17 = "913501A0M000100Y4"
    found = problem(first17 + check_character(first17))
    assert found is not None and found.rule == "credit-code-division"


_BODY = st.tuples(
    st.text(ALPHABET, min_size=2, max_size=2), st.text("0123456789", min_size=6, max_size=6),
    st.text(ALPHABET, min_size=9, max_size=9),
).map("".join)


@given(_BODY)
def test_a_computed_check_digit_makes_a_valid_code(body: str) -> None:
    assert problem(body + check_character(body)) is None


@given(_BODY, st.integers(0, 16), st.integers(1, 30))
def test_every_single_character_substitution_is_detected(body: str, position: int, shift: int) -> None:
    code = body + check_character(body)
    changed = ALPHABET[(ALPHABET.index(code[position]) + shift) % 31]
    altered = code[:position] + changed + code[position + 1:]
    assert problem(altered) is not None
