"""Every operation of the graph is sent through the gateway by some test: every mutation, query and
subscription, and every field of a type that runs a resolver of its own.

A resolver the tests never call can be broken for as long as nobody uses it: five incident mutations once
called a method on strawberry's ``None`` self and failed on every call, and no test noticed. So a field added
to the graph without a test that asks for it fails here. A test asks for a field when its name appears, as a
whole word, in a string of a test module of the gateway (``gateway/tests``) or of the whole mesh
(``tests/e2e``): a GraphQL document, or the name handed to a helper that builds one.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from graphql import GraphQLObjectType

from mesh_gateway.schema import build_schema

ROOT = Path(__file__).resolve().parents[2]
TEST_DIRS = (ROOT / "gateway" / "tests", ROOT / "tests" / "e2e")
FEDERATION = {"_service", "_entities"}
"""Federation's own fields, which strawberry resolves; a supergraph router asks for them, not a user."""


def operations() -> set[str]:
    """``Type.field`` of every root field, and of every field that runs a resolver written for the gateway."""
    strawberry_schema = build_schema()
    schema, graphql_name = strawberry_schema._schema, strawberry_schema.config.name_converter.from_field
    roots = [t for t in (schema.query_type, schema.mutation_type, schema.subscription_type) if t is not None]
    found = {f"{t.name}.{name}" for t in roots for name in t.fields if name not in FEDERATION}
    for type_name, graphql_type in schema.type_map.items():
        definition = (graphql_type.extensions or {}).get("strawberry-definition")
        if not isinstance(graphql_type, GraphQLObjectType) or type_name.startswith("_") or definition is None:
            continue
        found |= {f"{type_name}.{graphql_name(f)}" for f in definition.fields
                  if f.base_resolver is not None and graphql_type not in roots}
    return found


def strings_in(path: Path) -> list[str]:
    return [node.value for node in ast.walk(ast.parse(path.read_text(), str(path)))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def words_in(texts: list[str]) -> set[str]:
    return {w for text in texts for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)}


def sent_by_tests() -> set[str]:
    return {word for directory in TEST_DIRS for path in directory.rglob("test_*.py")
            if path.resolve() != Path(__file__).resolve() for word in words_in(strings_in(path))}


def test_every_operation_is_sent_through_the_gateway_by_a_test() -> None:
    graph = operations()
    assert {"Mutation.openRequest", "Query.enterprise", "Subscription.incidentReported",
            "Enterprise.officers"} <= graph  # the schema was read, roots and resolver fields both
    sent = sent_by_tests()
    untested = sorted(name for name in graph if name.split(".")[1] not in sent)
    assert not untested, f"fields no gateway test asks for: {untested}"


def test_the_check_sees_a_field_only_in_a_tests_strings(tmp_path: Path) -> None:
    module = tmp_path / "test_x.py"
    module.write_text('# openRequest in a comment does not count\nQUERY = "mutation { rateRequest(id: 1) { id } }"\n')
    found = words_in(strings_in(module))
    assert "rateRequest" in found and "openRequest" not in found
