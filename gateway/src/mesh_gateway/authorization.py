"""Enforces :mod:`mesh_gateway.policy` once per operation, before anything executes.

The operation's document is walked with graphql-core's TypeInfo: every root field is
checked against its rule, every nested field against the few nested rules. A refusal
answers the whole operation with one error that names the field, the roles it is for,
and what to do (sign in, or ask for the role); no resolver runs, so no data leaks.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLSchema,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_operation_ast,
    value_from_ast_untyped,
    visit,
)
from strawberry.extensions import SchemaExtension

from mesh_gateway import policy
from mesh_gateway.auth import AuthError, Principal, Role
from mesh_gateway.errors import UserError


def unauthenticated(message: str) -> UserError:
    return UserError(message, extensions={"code": "UNAUTHENTICATED"})


def forbidden(message: str, field: str) -> UserError:
    return UserError(message, extensions={"code": "FORBIDDEN", "field": field})


class _Collector(Visitor):
    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.fields: list[tuple[str, FieldNode, int]] = []
        self.depth = 0

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        parent = self.type_info.get_parent_type()
        if parent is not None:
            self.fields.append((parent.name, node, self.depth))
        self.depth += 1

    def leave_field(self, node: FieldNode, *_: Any) -> None:
        self.depth -= 1


def selected_fields(schema: GraphQLSchema, document: DocumentNode,
                    operation: OperationDefinitionNode) -> Iterator[tuple[str, FieldNode]]:
    """(parent type, field) for every field the operation selects, fragments included."""
    type_info = TypeInfo(schema)
    collector = _Collector(type_info)
    # Fragments are visited where they are defined; TypeInfo knows their type condition.
    for definition in document.definitions:
        if definition is operation or definition.kind == "fragment_definition":
            visit(definition, TypeInfoVisitor(type_info, collector))
    for parent, node, _ in collector.fields:
        yield parent, node


WALKS_KEPT = 1000
"""Documents whose walk is kept: as many as the parser cache keeps (see mesh_gateway.schema)."""
_walks: OrderedDict[tuple[int, int, str | None], tuple[object, object, list[tuple[str, FieldNode]]]] = OrderedDict()


def _selected(schema: GraphQLSchema, document: DocumentNode,
              operation_name: str | None) -> list[tuple[str, FieldNode]] | None:
    """:func:`selected_fields` of the operation, walked once per document.

    The parser cache hands out the same document object for the same query text, so the walk
    (about a third of the gateway's own CPU per request before it was kept) is done once per
    query text, not once per request. The entry holds the document and schema themselves, so
    their ids cannot be reused while it is kept. None: the document has no such operation.
    """
    key = (id(schema), id(document), operation_name)
    kept = _walks.get(key)
    if kept is not None and kept[0] is schema and kept[1] is document:
        _walks.move_to_end(key)
        return kept[2]
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return None
    fields = list(selected_fields(schema, document, operation))
    _walks[key] = (schema, document, fields)
    if len(_walks) > WALKS_KEPT:
        _walks.popitem(last=False)
    return fields


def check(principal: Principal, schema: GraphQLSchema, document: DocumentNode, operation_name: str | None,
          variables: dict[str, Any] | None) -> None:
    """Raise the refusal for the first field ``principal`` may not use."""
    fields = _selected(schema, document, operation_name)
    if fields is None:
        return  # graphql-core reports the missing operation itself
    roots = {t.name for t in (schema.query_type, schema.mutation_type, schema.subscription_type) if t}
    for parent, node in fields:
        name = node.name.value
        if name.startswith("__"):
            continue  # introspection; turned off in production by its own extension
        if parent in roots:
            _check_root(principal, parent, node, variables or {})
        else:
            allowed = policy.NESTED.get((parent, name))
            if allowed is not None and principal.role not in allowed:
                raise forbidden(f"{parent}.{name} is only for {_names(allowed)}", f"{parent}.{name}")


def _check_root(principal: Principal, parent: str, node: FieldNode, variables: dict[str, Any]) -> None:
    name = node.name.value
    rule = policy.ROOTS.get(parent, {}).get(name)
    where = f"{parent}.{name}"
    if rule is None:
        raise forbidden(f"{where} has no access rule yet, so no one may use it", where)
    if principal.role not in rule.roles:
        if principal.role is Role.PUBLIC:
            raise unauthenticated(f"sign in to use {where}: it is for {_names(rule.roles)}")
        raise forbidden(f"the role {principal.role.value} may not use {where}: it is for {_names(rule.roles)}",
                        where)
    if principal.role is Role.ENTERPRISE and rule.own_enterprise is not None:
        value = _argument(node, rule.own_enterprise, variables)
        if value != principal.enterprise_id:
            raise forbidden(f"an enterprise may use {where} only for itself ({rule.own_enterprise} must be "
                            f"{principal.enterprise_id!r})", where)
    if parent == "Query" and name == "_entities":
        _check_entities(principal, _argument(node, "representations", variables) or [], where)


def _check_entities(principal: Principal, representations: list[Any], where: str) -> None:
    """Federation: each representation as its type's lookup by id (``policy.ENTITY_LOOKUPS``) — the same roles,
    and for an enterprise the same own-record rule; the rows are then checked as the lookups check them (by
    county, agency or owner) when each is resolved."""
    if principal.role in policy.ENTITY_READERS:
        return
    for rep in representations:
        typename = rep.get("__typename") if isinstance(rep, dict) else None
        lookup = policy.ENTITY_LOOKUPS.get(str(typename))
        if lookup is None:
            raise forbidden(f"{typename!r} is not a type this graph resolves by key", where)
        rule = policy.QUERY[lookup]
        if principal.role not in rule.roles:
            raise forbidden(f"the role {principal.role.value} may not resolve {typename} by key: like "
                            f"Query.{lookup}, it is for {_names(rule.roles)}", where)
        if (principal.role is Role.ENTERPRISE and rule.own_enterprise == "id"
                and rep.get("id") != principal.enterprise_id):
            raise forbidden(f"an enterprise may resolve {typename} by key only for itself (id must be "
                            f"{principal.enterprise_id!r})", where)


def _argument(node: FieldNode, name: str, variables: dict[str, Any]) -> Any:
    for arg in node.arguments or ():
        if arg.name.value == name:
            return value_from_ast_untyped(arg.value, variables)
    return None


def _names(roles: frozenset[Role]) -> str:
    return ", ".join(sorted(r.value for r in roles))


class Authorization(SchemaExtension):
    """Checks the operation against the policy before it executes (queries, mutations, subscriptions).

    With sign-in off (development without a key; refused in production) nothing is checked.
    """

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        if document is not None and ctx.context.verifier is not None:
            try:
                principal = ctx.context.principal
            except AuthError as err:
                raise unauthenticated(str(err)) from None
            check(principal, ctx.schema._schema, document, ctx.operation_name, ctx.variables)
        yield

