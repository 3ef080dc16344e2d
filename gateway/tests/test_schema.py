"""The committed SDL (gateway/schema.graphql) is the schema the gateway serves."""

from __future__ import annotations

from pathlib import Path

from mesh_gateway.schema_export import sdl

COMMITTED = Path(__file__).resolve().parents[1] / "schema.graphql"


def test_committed_sdl_is_fresh() -> None:
    assert COMMITTED.read_text() == sdl(), "gateway/schema.graphql is stale: run `make schema` and commit it"


def test_schema_is_federation_ready() -> None:
    text = sdl()
    assert '@link(url: "https://specs.apollo.dev/federation/' in text
    for entity in ("Incident", "Enterprise", "Project", "Leader", "Officer", "EnterpriseRequest", "GovernanceCase"):
        assert f'type {entity} @key(fields: "id")' in text, entity
