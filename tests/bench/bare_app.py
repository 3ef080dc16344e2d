"""The baseline of `tests/bench/gateway.py`: a bare strawberry ASGI app serving, from memory, the very data the
gateway served (read from a JSON file), with parser and validation caches and nothing else.

Run as ``python tests/bench/bare_app.py PORT DATA_FILE`` (uvicorn, the gateway's server, with its defaults).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import strawberry
import uvicorn
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache


@strawberry.type
class Territory:
    county_code: str
    county_name: str
    township_code: str
    township_name: str


@strawberry.type
class Person:
    name: str


@strawberry.type
class Officer:
    id: strawberry.ID
    person: Person


@strawberry.type
class Case:
    id: strawberry.ID
    state: str


@strawberry.type
class Incident:
    id: strawberry.ID
    category: str


@strawberry.type
class Enterprise:
    id: strawberry.ID
    name: str
    credit_code: str
    sector: str
    territory: Territory | None
    officers: list[Officer]
    latest_incident: Incident | None
    open_cases: strawberry.Private[list[Case]]

    @strawberry.field
    def cases(self, open_only: bool = False) -> list[Case]:
        return self.open_cases


@strawberry.type
class Edge:
    node: Enterprise


@strawberry.type
class Page:
    edges: list[Edge]


def _one(e: dict[str, Any]) -> Enterprise:
    t = e["territory"]
    return Enterprise(id=e["id"], name=e["name"], credit_code=e["creditCode"], sector=e["sector"],
                      territory=Territory(county_code=t["countyCode"], county_name=t["countyName"],
                                          township_code=t["townshipCode"], township_name=t["townshipName"]),
                      officers=[], latest_incident=None, open_cases=[])


def _node(n: dict[str, Any]) -> Enterprise:
    latest = n["latestIncident"]
    return Enterprise(
        id=n["id"], name=n["name"], credit_code="", sector="", territory=None,
        officers=[Officer(id=o["id"], person=Person(name=o["person"]["name"])) for o in n["officers"]],
        latest_incident=None if latest is None else Incident(id=latest["id"], category=latest["category"]),
        open_cases=[Case(id=c["id"], state=c["state"]) for c in n["cases"]],
    )


def app(data: dict[str, Any]) -> GraphQL[Any, Any]:
    """``data``: {"one": an enterprise as the gateway returned it, "page": the nodes of a page of them}."""
    by_id = {data["one"]["id"]: _one(data["one"])}
    edges = [Edge(node=_node(n)) for n in data["page"]]

    @strawberry.type
    class Query:
        @strawberry.field
        def enterprise(self, id: strawberry.ID) -> Enterprise | None:
            return by_id.get(str(id))

        @strawberry.field
        def enterprises(self, first: int = 20) -> Page:
            return Page(edges=edges[:first])

    extensions: list[Any] = [ParserCache(maxsize=1000), ValidationCache(maxsize=1000)]
    return GraphQL(strawberry.Schema(query=Query, extensions=extensions), graphql_ide=None)


if __name__ == "__main__":
    port, data_file = int(sys.argv[1]), Path(sys.argv[2])
    uvicorn.run(app(json.loads(data_file.read_text())), host="127.0.0.1", port=port, log_level="warning",
                lifespan="off")
