"""Assembles the graph from each domain's query and subscription types; nothing else."""

from __future__ import annotations

from collections.abc import Callable

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from mesh_gateway.authorization import Authorization
from mesh_gateway.contacts.mutation import ContactsMutation
from mesh_gateway.contacts.query import ContactsQuery
from mesh_gateway.contacts.types import Enterprise, Leader, Project
from mesh_gateway.county_mutations import in_county_only
from mesh_gateway.environment.mutation import EnvironmentMutation
from mesh_gateway.environment.query import EnvironmentQuery
from mesh_gateway.environment.types import GovernanceCase
from mesh_gateway.errors import should_mask
from mesh_gateway.incidents.mutation import IncidentMutation
from mesh_gateway.incidents.query import IncidentQuery
from mesh_gateway.incidents.types import Incident
from mesh_gateway.live import LiveSubscription
from mesh_gateway.officers.mutation import OfficersMutation
from mesh_gateway.officers.project_types import NonApproval
from mesh_gateway.officers.query import OfficersQuery
from mesh_gateway.officers.request_types import EnterpriseRequest
from mesh_gateway.officers.types import Officer
from mesh_gateway.tracing import OperationTracing


@strawberry.type
class Query(IncidentQuery, ContactsQuery, OfficersQuery, EnvironmentQuery):
    pass


@in_county_only  # item 9: a county-level user's changes stay in their county (see mesh_gateway.county_mutations)
@strawberry.type
class Mutation(IncidentMutation, ContactsMutation, OfficersMutation, EnvironmentMutation):
    pass


@strawberry.type
class Subscription(LiveSubscription):
    pass


class _Schema(strawberry.federation.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Log internal failures only: refusals and invalid queries are the caller's to read, not ours."""
        internal = [e for e in errors if should_mask(e)]
        if internal:
            super().process_errors(internal, execution_context)


def build_schema(*, max_depth: int = 10, max_tokens: int = 2000, max_aliases: int = 30,
                 production: bool = False) -> strawberry.Schema:
    # Factories, not instances: strawberry makes one extension per request from each, so
    # concurrent requests never share an extension's execution context. The parser and
    # validation caches live at module level and are shared all the same. The depth and
    # alias limiters build a new rule class each time they are made, and the validation
    # cache is keyed by the rule classes: so the rules are made once, here, or the cache
    # would never hit (full validation on every request).
    limits = [*QueryDepthLimiter(max_depth=max_depth).validation_rules,
              *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules]
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: AddValidationRules(limits),
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        lambda: ParserCache(maxsize=1000),
        lambda: ValidationCache(maxsize=1000),
        OperationTracing,
        Authorization,
        lambda: MaskErrors(should_mask_error=should_mask),
    ]
    if production:
        extensions.append(DisableIntrospection)
    return _Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Incident, Enterprise, Project, Leader, Officer, EnterpriseRequest, NonApproval, GovernanceCase],
        extensions=extensions,
    )
