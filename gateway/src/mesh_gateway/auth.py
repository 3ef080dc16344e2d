"""Sign-in: bearer JWTs, the roles of the domain, and who a request is.

In development the gateway verifies HS256 tokens with a key kept under ``.data/`` (never
committed; `make run` creates it and writes demo tokens for every role). In production
it verifies tokens of a configured issuer against that issuer's JWKS (RS256/ES256), and
refuses HS256. A request without a token is the public; a bad token is refused with
the reason, never treated as the public.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import jwt


class Role(StrEnum):
    """The domain's roles (DESIGN: leader, officer, optimisation office, department, police, enterprise, ops),
    and one for a machine: the provincial supergraph's router, which resolves the city's entities by key."""

    PUBLIC = "public"
    ENTERPRISE = "enterprise"
    OFFICER = "officer"
    LEADER = "leader"
    DEPARTMENT = "department"
    POLICE = "police"
    OPTIMISATION_OFFICE = "optimisation_office"
    OPS = "ops"
    ROUTER = "router"


@dataclass(frozen=True)
class Principal:
    """Who is asking. ``county_code`` set means a county-level user, scoped to that county."""

    subject: str
    role: Role
    name: str = ""
    county_code: str | None = None
    agency: str | None = None
    """The police agency or department unit the user acts for (police, department)."""
    enterprise_id: str | None = None
    """The enterprise the user acts for (enterprise)."""

    @property
    def city_wide(self) -> bool:
        return self.county_code is None


PUBLIC = Principal("anonymous", Role.PUBLIC)


class AuthError(Exception):
    """The token is missing where required, malformed, expired, or not from the trusted issuer."""


VERIFIED_FOR = 60.0
"""Seconds a verified token is trusted without checking its signature again (never past its expiry)."""
VERIFIED_KEPT = 10_000
"""Verified tokens kept; the least recently used goes first."""
CLAIMS = ("role", "county_code", "agency", "enterprise_id", "name")


class TokenVerifier:
    """Turns an ``Authorization`` header into a :class:`Principal`."""

    def __init__(self, *, issuer: str, audience: str, secret: bytes | None = None,
                 jwks_url: str | None = None, clock: Callable[[], float] = time.time) -> None:
        if (secret is None) == (jwks_url is None):
            raise ValueError("configure exactly one of a development secret or a JWKS URL")
        self._issuer = issuer
        self._audience = audience
        self._secret = secret
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=300) if jwks_url else None
        self._verified: OrderedDict[str, tuple[Principal, float, float]] = OrderedDict()
        """token -> (principal, expiry, when to check its signature again)."""
        self._clock = clock

    def principal(self, authorization: str | None) -> Principal:
        token = _bearer(authorization)
        return PUBLIC if token is None else self.verify(token)

    async def signed_in(self, authorization: str | None) -> Principal:
        """:meth:`principal`, without holding up the event loop while the issuer's keys are fetched.

        With a JWKS, a token not trusted from memory needs its issuer's key, which PyJWT fetches over HTTP
        (synchronously, up to its 30 s timeout) when the key is not cached: that fetch runs in a thread,
        so the gateway's other requests go on meanwhile. The token is then verified here against the key
        now cached. An issuer that cannot be reached refuses the token, and is asked again next time.
        """
        token = _bearer(authorization)
        if token is None:
            return PUBLIC
        if self._jwks is not None and not self._trusted(token):
            try:
                await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
            except jwt.PyJWTError as exc:
                raise AuthError(f"the token is not valid: {exc}") from None
        return self.verify(token)

    def _trusted(self, token: str) -> bool:
        """Whether :meth:`verify` would answer from memory, without checking the signature."""
        kept = self._verified.get(token)
        return kept is not None and self._clock() < kept[2]

    def verify(self, token: str) -> Principal:
        """The principal of a valid token.

        A token seen before is trusted from memory: its signature is checked again only every
        :data:`VERIFIED_FOR` seconds (so a key the issuer withdraws stops working soon), and past its
        expiry it is refused as it would be if checked. A frontend sends the same token with every
        request; checking it each time was about a sixth of the gateway's own CPU per request.
        """
        now = self._clock()
        kept = self._verified.get(token)
        if kept is not None:
            principal, expires, recheck_at = kept
            if now >= expires:
                del self._verified[token]
                raise AuthError("the token has expired; sign in again")
            if now < recheck_at:
                self._verified.move_to_end(token)
                return principal
            del self._verified[token]
        principal, expires = self._verify(token)
        self._verified[token] = (principal, expires, min(expires, now + VERIFIED_FOR))
        if len(self._verified) > VERIFIED_KEPT:
            self._verified.popitem(last=False)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            if self._jwks is not None:
                key: Any = self._jwks.get_signing_key_from_jwt(token).key
                algorithms = ["RS256", "ES256"]
            else:
                key, algorithms = self._secret, ["HS256"]
            claims = jwt.decode(token, key, algorithms=algorithms, audience=self._audience, issuer=self._issuer,
                                options={"require": ["exp", "sub", "iss", "aud"]})
        except jwt.ExpiredSignatureError:
            raise AuthError("the token has expired; sign in again") from None
        except jwt.PyJWTError as exc:
            raise AuthError(f"the token is not valid: {exc}") from None
        try:
            role = Role(claims.get("role", ""))
        except ValueError:
            roles = [r.value for r in Role]
            raise AuthError(f"the token's role {claims.get('role')!r} is not one of {roles}") from None
        return Principal(subject=str(claims["sub"]), role=role, name=str(claims.get("name", "")),
                         county_code=claims.get("county_code"), agency=claims.get("agency"),
                         enterprise_id=claims.get("enterprise_id")), float(claims["exp"])


def _bearer(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header; None without a header (the public)."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("the Authorization header must be 'Bearer <token>'")
    return token.strip()


def issue(secret: bytes, principal: Principal, *, issuer: str, audience: str, ttl_seconds: int = 8 * 3600) -> str:
    """A development token (HS256). Production tokens come from the city's identity provider."""
    now = int(time.time())
    claims: dict[str, Any] = {"sub": principal.subject, "iss": issuer, "aud": audience, "iat": now,
                              "exp": now + ttl_seconds, "role": principal.role.value}
    for name in ("name", "county_code", "agency", "enterprise_id"):
        value = getattr(principal, name)
        if value:
            claims[name] = value
    return jwt.encode(claims, secret, algorithm="HS256")


def load_or_create_secret(path: Path) -> bytes:
    """The development signing key, created once (mode 0600) and reused so tokens survive restarts."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip().encode()
