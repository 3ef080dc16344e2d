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

from mesh_gateway.contacts.mutation import ContactsMutation
from mesh_gateway.contacts.query import ContactsQuery
from mesh_gateway.contacts.types import Enterprise, Leader, Project
from mesh_gateway.environment.mutation import EnvironmentMutation
from mesh_gateway.environment.query import EnvironmentQuery
from mesh_gateway.errors import should_mask
from mesh_gateway.incidents.query import IncidentQuery
from mesh_gateway.incidents.subscription import IncidentSubscription
from mesh_gateway.incidents.types import Incident
from mesh_gateway.officers.mutation import OfficersMutation
from mesh_gateway.officers.project_types import NonApproval
from mesh_gateway.officers.query import OfficersQuery
from mesh_gateway.officers.request_types import EnterpriseRequest
from mesh_gateway.officers.types import Officer


@strawberry.type
class Query(IncidentQuery, ContactsQuery, OfficersQuery, EnvironmentQuery):
    pass


@strawberry.type
class Mutation(ContactsMutation, OfficersMutation, EnvironmentMutation):
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
        mutation=Mutation,
        subscription=Subscription,
        types=[Incident, Enterprise, Project, Leader, Officer, EnterpriseRequest, NonApproval],
        extensions=extensions,
    )
