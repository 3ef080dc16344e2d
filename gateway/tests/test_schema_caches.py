"""The parser and validation caches really hit: a repeated query is validated once, not per request."""

from __future__ import annotations

from typing import Any

from strawberry.extensions.validation_cache import _get_validate_cache

from mesh_gateway.schema import build_schema


class _NoSignIn:
    verifier = None


async def test_a_repeated_query_is_validated_once() -> None:
    schema = build_schema(max_depth=7, max_aliases=9)
    cache: Any = _get_validate_cache(1000)
    query = "query CacheProbe { __typename }"
    before = cache.cache_info()
    for _ in range(5):
        result = await schema.execute(query, context_value=_NoSignIn())
        assert result.errors is None
    after = cache.cache_info()
    assert after.misses - before.misses == 1, "validation ran more than once for the same query"
    assert after.hits - before.hits == 4
