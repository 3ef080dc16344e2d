"""The unified social credit code (统一社会信用代码) of GB 32100-2015.

Eighteen characters: registration authority (1), organisation category (1), the
administrative division code (6 digits, GB/T 2260), the organisation code (9), and a
check digit. Letters I, O, Z, S and V are never used. The check digit is
``31 - (sum of value(c_i) * 3^i mod 31) mod 31`` over the first 17 characters, written
in the same 31-character alphabet.
"""

from __future__ import annotations

from dataclasses import dataclass

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
LENGTH = 18
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_WEIGHTS = [pow(3, i, 31) for i in range(LENGTH - 1)]


@dataclass(frozen=True)
class CodeProblem:
    """Why a code is not valid: a stable ``rule`` and a message that says what to fix."""

    rule: str
    message: str


def check_character(first17: str) -> str:
    """The check digit (18th character) for the first 17 characters."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalise(code: str) -> str:
    return code.strip().upper()


def problem(code: str) -> CodeProblem | None:
    """None when ``code`` (already normalised) is a valid unified social credit code."""
    if len(code) != LENGTH:
        return CodeProblem("credit-code-length", f"a unified social credit code has 18 characters, not {len(code)}")
    bad = sorted({c for c in code if c not in _VALUE})
    if bad:
        return CodeProblem(
            "credit-code-charset",
            f"characters {''.join(bad)!r} are not allowed (digits and letters except I, O, Z, S, V)",
        )
    if not code[2:8].isdigit():
        return CodeProblem("credit-code-division", "characters 3 to 8 are the administrative division code: digits")
    expected = check_character(code[:17])
    if code[17] != expected:
        return CodeProblem("credit-code-check-digit", f"the check digit should be {expected!r}, not {code[17]!r}")
    return None


def is_valid(code: str) -> bool:
    return problem(normalise(code)) is None
