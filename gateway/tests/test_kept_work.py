"""Work the gateway keeps between requests: verified tokens, the authorization walk of a document.

What is kept must never change an answer: an expired token is still refused, a role still
refused a field it may not use, whatever was kept for an earlier request.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from mesh_gateway import authorization
from mesh_gateway.auth import VERIFIED_FOR, AuthError, Principal, Role, TokenVerifier, issue
from mesh_gateway.errors import UserError
from mesh_gateway.schema import build_schema

SECRET = b"k" * 32
ISSUER, AUDIENCE = "mesh-test", "mesh-gateway"


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def counting(verifier: TokenVerifier) -> list[str]:
    """Record every token whose signature ``verifier`` really checks."""
    checked: list[str] = []
    real = verifier._verify

    def check(token: str) -> tuple[Principal, float]:
        checked.append(token)
        return real(token)

    verifier._verify = check  # type: ignore[method-assign]
    return checked


def test_a_verified_token_is_checked_again_only_after_a_while() -> None:
    clock = Clock()
    verifier = TokenVerifier(issuer=ISSUER, audience=AUDIENCE, secret=SECRET, clock=clock)
    checked = counting(verifier)
    token = issue(SECRET, Principal("u1", Role.LEADER, county_code="410311"), issuer=ISSUER, audience=AUDIENCE)

    first = verifier.verify(token)
    assert verifier.verify(token) == first == Principal("u1", Role.LEADER, county_code="410311")
    assert len(checked) == 1
    clock.now += VERIFIED_FOR - 1
    verifier.verify(token)
    assert len(checked) == 1
    clock.now += 2  # past VERIFIED_FOR: the signature is checked again
    assert verifier.verify(token) == first
    assert len(checked) == 2


def test_a_kept_token_is_refused_once_it_expires() -> None:
    clock = Clock()
    verifier = TokenVerifier(issuer=ISSUER, audience=AUDIENCE, secret=SECRET, clock=clock)
    token = issue(SECRET, Principal("u1", Role.OPS), issuer=ISSUER, audience=AUDIENCE, ttl_seconds=30)
    verifier.verify(token)
    clock.now += 31
    with pytest.raises(AuthError, match="expired"):
        verifier.verify(token)


def test_a_token_signed_with_another_key_is_refused_even_beside_a_kept_one() -> None:
    verifier = TokenVerifier(issuer=ISSUER, audience=AUDIENCE, secret=SECRET)
    principal = Principal("u1", Role.OPTIMISATION_OFFICE)
    verifier.verify(issue(SECRET, principal, issuer=ISSUER, audience=AUDIENCE))
    forged = issue(b"x" * 32, principal, issuer=ISSUER, audience=AUDIENCE)
    with pytest.raises(AuthError, match="not valid"):
        verifier.verify(forged)


class _Signed:
    def __init__(self, principal: Principal) -> None:
        self.verifier = object()
        self.principal = principal


async def test_a_document_is_walked_once_and_still_checked_for_every_caller(monkeypatch: Any) -> None:
    walks: list[object] = []
    real = authorization.selected_fields

    def walk(*args: Any) -> Any:
        walks.append(args[1])
        return real(*args)

    monkeypatch.setattr(authorization, "selected_fields", walk)
    schema = build_schema(max_depth=9, max_aliases=9)
    query = "query Stats { incidentStatistics { byCategory { __typename } } }"  # ops may, an enterprise may not
    ops = await schema.execute(query, context_value=_Signed(Principal("o", Role.OPS)))
    refused = await schema.execute(query, context_value=_Signed(Principal("e", Role.ENTERPRISE, enterprise_id="x")))

    assert len(walks) == 1, "the same document was walked again"
    assert not any(isinstance(e.original_error, UserError) for e in ops.errors or [])
    assert refused.data is None and refused.errors is not None
    assert refused.errors[0].extensions is not None and refused.errors[0].extensions["code"] == "FORBIDDEN"
