"""Assembles the graph from each domain's query and subscription types; nothing else."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)

from mesh_gateway.errors import should_mask
from mesh_gateway.incidents.query import IncidentQuery
from mesh_gateway.incidents.subscription import IncidentSubscription
from mesh_gateway.incidents.types import Incident


@strawberry.type
class Query(IncidentQuery):
    pass


@strawberry.type
class Subscription(IncidentSubscription):
    pass


def build_schema(*, max_depth: int = 10, max_tokens: int = 2000, max_aliases: int = 30) -> strawberry.Schema:
    # Instances, not classes: the caches and limits live in them across requests (strawberry
    # accepts both; its annotation names only classes and factories).
    extensions: list[Any] = [
        QueryDepthLimiter(max_depth=max_depth),
        MaxTokensLimiter(max_token_count=max_tokens),
        MaxAliasesLimiter(max_alias_count=max_aliases),
        ParserCache(maxsize=1000),
        ValidationCache(maxsize=1000),
        MaskErrors(should_mask_error=should_mask),
    ]
    return strawberry.federation.Schema(
        query=Query,
        subscription=Subscription,
        types=[Incident],
        extensions=extensions,
    )
