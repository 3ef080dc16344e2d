"""Through the gateway, all four services in-process: the links a user follows, and one gRPC call per service
for a page of 100 enterprises with their officers, open cases and latest incident (not one per row).

Calls are counted from the OpenTelemetry client spans of the request's trace; calls one service makes to
another (a gRPC server span above them) are left out: only what the gateway asked is counted.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind

from mesh.contacts.v1 import contacts_pb2 as cpb
from mesh.environment.v1 import environment_pb2 as epb
from mesh.officers.v1 import officers_pb2 as opb
from mesh.response.v1 import response_pb2_grpc
from mesh_contacts.settings import ContactsSettings
from mesh_contacts.testing import RunningContacts, enterprise, run_contacts, territory
from mesh_environment.settings import EnvironmentSettings
from mesh_environment.testing import RunningEnvironment, run_environment
from mesh_gateway.settings import GatewaySettings
from mesh_gateway.testing import RunningGateway, running_gateway
from mesh_officers.testing import CITY, MovableClock, RunningOfficers, officers_service, person
from mesh_response.push import push
from mesh_response.service import SPEC as RESPONSE
from mesh_response.settings import ResponseSettings
from mesh_response.testing import report, wait_stored
from meshlib import telemetry
from meshlib.bus import Bus
from meshlib.channels import channel
from meshlib.service import running
from meshlib.testing.plugin import settings_for
from meshlib.testing.poll import eventually

AGENCY = "luolong-police"
ENTERPRISES = 100
WITH_OFFICER = range(0, 10)
WITH_INCIDENTS = range(0, 5)

CONTACTS = "/mesh.contacts.v1.ContactsService/"
OFFICERS = "/mesh.officers.v1.OfficersService/"
ENVIRONMENT = "/mesh.environment.v1.EnvironmentService/"
RESPONSE_SVC = "/mesh.response.v1.ResponseService/"


@dataclass
class City:
    gateway: RunningGateway
    contacts: RunningContacts
    officers: RunningOfficers
    environment: RunningEnvironment
    response: response_pb2_grpc.ResponseServiceStub
    pusher: Bus
    enterprise_ids: list[str]
    """Registered in name order: index i is the i-th enterprise of the page."""


def _ts(value: datetime) -> Timestamp:
    t = Timestamp()
    t.FromDatetime(value)
    return t


@pytest.fixture
async def city(mesh_env: dict[str, str]) -> AsyncIterator[City]:
    """Contacts, response, officers, environment and the gateway, with 100 enterprises registered."""
    async with AsyncExitStack() as stack:
        contacts = await stack.enter_async_context(
            run_contacts(settings_for(ContactsSettings, mesh_env, EDITION_SCHEDULE="off")))
        target = f"127.0.0.1:{contacts.runtime.port}"
        # The response service declares the INCIDENTS stream the environment service consumes from.
        response = await stack.enter_async_context(
            running(RESPONSE, settings_for(ResponseSettings, mesh_env, CONTACTS_GRPC_TARGET=target)))
        officers = await stack.enter_async_context(
            officers_service(mesh_env, MovableClock(), CONTACTS_GRPC_TARGET=target))
        environment = await stack.enter_async_context(
            run_environment(settings_for(EnvironmentSettings, mesh_env, CONTACTS_GRPC_TARGET=target)))
        gateway = await stack.enter_async_context(running_gateway(settings_for(
            GatewaySettings, mesh_env, HTTP_PORT=0, CONTACTS_GRPC_TARGET=target,
            OFFICERS_GRPC_TARGET=f"127.0.0.1:{officers.runtime.port}",
            ENVIRONMENT_GRPC_TARGET=f"127.0.0.1:{environment.runtime.port}",
            RESPONSE_GRPC_TARGET=f"127.0.0.1:{response.port}")))
        pusher = await Bus.connect(settings_for(ResponseSettings, mesh_env), name="test-pusher")
        stack.push_async_callback(pusher.close)
        response_channel = channel(f"127.0.0.1:{response.port}")
        stack.push_async_callback(response_channel.close)
        registered = await asyncio.gather(*(contacts.stub.RegisterEnterprise(cpb.RegisterEnterpriseRequest(
            enterprise=enterprise(n + 1, f"测试企业{n:03d}"), actor="t")) for n in range(ENTERPRISES)))
        yield City(gateway, contacts, officers, environment, response_pb2_grpc.ResponseServiceStub(response_channel),
                   pusher, [e.id for e in registered])


async def dispatch_officer(officers: RunningOfficers, enterprise_id: str, n: int) -> opb.Officer:
    return await officers.stub.DispatchOfficer(opb.DispatchOfficerRequest(
        officer=person(f"p-{n}", f"Officer {n}", "Commerce Bureau", opb.RANK_DEPARTMENT_LEADER),
        target_kind=opb.TARGET_KIND_ENTERPRISE, target_id=enterprise_id, enterprise_id=enterprise_id, office=CITY,
        basis=opb.DispatchBasis(enterprise_ask=opb.EnterpriseAsk(contact="CEO", asked_at=_ts(officers.clock.now))),
        actor="t"))


async def push_incidents(city: City, reports: list[dict[str, Any]]) -> None:
    """Push, wait until stored and until the environment service has a case for each (item 9 offences)."""
    await push(city.pusher.nc, AGENCY, reports, namespace=city.pusher.ns.prefix)
    ids = [f"{AGENCY}:{r['external_id']}" for r in reports]
    await wait_stored_and_cased(city, ids)


async def wait_stored_and_cased(city: City, ids: list[str], timeout: float = 30.0) -> None:
    await wait_stored(city.response, ids, timeout)

    async def cased() -> int:
        reply = await city.environment.stub.BatchGetCasesByIncident(epb.BatchGetCasesByIncidentRequest(
            incident_ids=ids))
        return sum(1 for r in reply.results if r.cases)

    await eventually(cased, until=lambda n: n == len(ids), timeout=timeout, what=f"cases for all {len(ids)} incidents")


async def traced_query(city: City, query: str, variables: dict[str, Any] | None = None) -> tuple[dict[str, Any], int]:
    """Run ``query`` under a span of the test's own (as a traced frontend would); the reply and the trace id."""
    with trace.get_tracer("test.frontend").start_as_current_span("frontend asks") as root:
        reply = await city.gateway.query(query, variables, headers=telemetry.inject({}))
    assert "errors" not in reply, reply
    return reply, root.get_span_context().trace_id


def _is_grpc(span: ReadableSpan, kind: SpanKind) -> bool:
    return span.kind is kind and (span.attributes or {}).get("rpc.system") == "grpc"


def _ancestors(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[ReadableSpan] | None:
    """The span's parent, its parent's parent, ... up to the root; None while one of them has not ended."""
    out = []
    while span.parent is not None:
        parent = by_id.get(span.parent.span_id)
        if parent is None:
            return None
        out.append(parent)
        span = parent
    return out


async def gateway_calls(exporter: Any, trace_id: int, timeout: float = 10.0) -> Counter[str]:
    """The gRPC calls the gateway made in the trace, by method; calls between services are left out."""
    def ended() -> tuple[list[ReadableSpan], list[list[ReadableSpan] | None]] | None:
        spans = [s for s in exporter.get_finished_spans() if s.context.trace_id == trace_id]
        by_id = {s.context.span_id: s for s in spans}
        clients = [s for s in spans if _is_grpc(s, SpanKind.CLIENT)]
        chains = [_ancestors(s, by_id) for s in clients]
        return (clients, chains) if all(c is not None for c in chains) else None

    # A span ends a moment after the reply that it times may have been read: wait for its chain.
    clients, chains = await eventually(ended, timeout=timeout, interval=0.02, what="the trace's spans to end")
    return Counter(s.name for s, c in zip(clients, chains, strict=True)
                   if c is not None and not any(_is_grpc(p, SpanKind.SERVER) for p in c))


PAGE = """
query Page {
  enterprises(first: 100) {
    edges { node {
      id name
      officers { id person { name } }
      cases(openOnly: true) { id offence state incidentIds }
      latestIncident { id externalId }
    } }
    pageInfo { hasNextPage }
  }
}"""


async def test_a_page_of_100_enterprises_with_officers_cases_and_latest_incident_is_one_call_per_service(
    city: City, span_exporter: Any
) -> None:
    ids = city.enterprise_ids
    officers = {ids[n]: await dispatch_officer(city.officers, ids[n], n) for n in WITH_OFFICER}
    now = datetime.now(UTC)
    await push_incidents(city, [
        report(f"{kind}-{n}", enterprise_id=ids[n], occurred_at=(now - timedelta(hours=hours)).isoformat())
        for n in WITH_INCIDENTS for kind, hours in (("OLD", 2), ("NEW", 1))])

    span_exporter.clear()
    reply, trace_id = await traced_query(city, PAGE)

    page = reply["data"]["enterprises"]
    nodes = [e["node"] for e in page["edges"]]
    assert [n["id"] for n in nodes] == ids, "a page of all 100, in name order"
    assert page["pageInfo"] == {"hasNextPage": False}
    for n, node in enumerate(nodes):
        served = [{"id": officers[ids[n]].id, "person": {"name": f"Officer {n}"}}] if n in WITH_OFFICER else []
        assert node["officers"] == served, n
        if n in WITH_INCIDENTS:
            assert node["latestIncident"] == {"id": f"{AGENCY}:NEW-{n}", "externalId": f"NEW-{n}"}
            assert node["cases"], f"enterprise {n}: the extortion reports opened a case"
            assert {c["offence"] for c in node["cases"]} == {"EXTORTION"}
            joined = {i for c in node["cases"] for i in c["incidentIds"]}
            assert joined == {f"{AGENCY}:OLD-{n}", f"{AGENCY}:NEW-{n}"}
        else:
            assert (node["latestIncident"], node["cases"]) == (None, [])

    assert await gateway_calls(span_exporter, trace_id) == {
        CONTACTS + "ListEnterprises": 1,
        OFFICERS + "OfficersByTargets": 1,
        ENVIRONMENT + "BatchGetCasesByEnterprise": 1,
        RESPONSE_SVC + "IncidentsByEnterprises": 1,
    }


INCIDENTS = """
{
  incidents(first: 20) { edges { node {
    externalId
    enterprise { id name }
    project { id name }
    case { id incidentIds }
  } } }
}"""

PROJECT = """
query Project($id: ID!) {
  project(id: $id) {
    name
    leadersInCharge { name }
    leadHandling { enterpriseId eligibility { eligible basis } }
    leadHandlingProcedures { id kind department }
    cases { offence projectId incidentIds }
  }
}"""

ENTERPRISE = """
query Enterprise($id: ID!) {
  enterprise(id: $id) {
    requests { subject state }
    openRequests: requests(openOnly: true) { subject }
    incidents(first: 2) { externalId }
    latestIncident { externalId }
    officers { person { name } }
  }
}"""


async def test_the_links_from_incidents_projects_and_enterprises(city: City, span_exporter: Any) -> None:
    ids = city.enterprise_ids
    stub = city.contacts.stub
    mayor = await stub.RegisterLeader(cpb.RegisterLeaderRequest(
        leader=cpb.LeaderInput(name="王建国", level=cpb.CITY, post="副市长"), actor="t"))
    park = await stub.RegisterProject(cpb.RegisterProjectRequest(project=cpb.ProjectInput(
        name="机器人产业园", owner_enterprise_id=ids[0], sector=cpb.INDUSTRIAL, investment_fen=65_000_000_000,
        territory=territory(), stage=cpb.PRELIMINARY, key_lists=[cpb.PROVINCIAL_KEY_PROJECT]), actor="t"))
    await stub.Pair(cpb.PairRequest(leader_id=mayor.id, target_kind=cpb.PROJECT, target_id=park.id, actor="t"))
    o = city.officers.stub
    await o.StartLeadHandling(opb.StartLeadHandlingRequest(project_id=park.id, office=CITY,
                                                           fits_industrial_policy=True, actor="office"))
    await o.OpenProcedure(opb.OpenProcedureRequest(
        project_id=park.id, kind=opb.PROCEDURE_KIND_LAND, department="Natural Resources Bureau",
        due_at=_ts(city.officers.clock.now + timedelta(days=30)), actor="office"))
    for subject in ("land use permit", "power hook-up"):
        opened = await o.OpenRequest(opb.OpenRequestRequest(
            enterprise_id=ids[1], source=opb.REQUEST_SOURCE_ENTERPRISE, subject=subject,
            category=opb.REQUEST_CATEGORY_PERMIT, department="Luolong Service Centre", actor=ids[1]))
    await o.CompleteRequest(opb.CompleteRequestRequest(request_id=opened.id, department="Luolong Service Centre",
                                                       outcome=opb.OUTCOME_RESOLVED, summary="connected"))
    await dispatch_officer(city.officers, ids[1], 1)
    now = datetime.now(UTC)
    await push_incidents(city, [
        report("E1-A", enterprise_id=ids[1], occurred_at=(now - timedelta(hours=3)).isoformat()),
        report("E1-B", enterprise_id=ids[1], occurred_at=(now - timedelta(hours=2)).isoformat()),
        report("E1-C", enterprise_id=ids[1], occurred_at=(now - timedelta(hours=1)).isoformat()),
        report("E2-A", enterprise_id=ids[2], occurred_at=(now - timedelta(minutes=50)).isoformat()),
        report("P-A", enterprise_id=None, project_id=park.id, occurred_at=(now - timedelta(minutes=40)).isoformat(),
               category="obstruction_of_construction"),
    ])

    span_exporter.clear()
    reply, trace_id = await traced_query(city, INCIDENTS)
    nodes = {e["node"]["externalId"]: e["node"] for e in reply["data"]["incidents"]["edges"]}
    assert sorted(nodes) == ["E1-A", "E1-B", "E1-C", "E2-A", "P-A"]
    assert nodes["E1-C"]["enterprise"] == {"id": ids[1], "name": "测试企业001"}
    assert nodes["E2-A"]["enterprise"] == {"id": ids[2], "name": "测试企业002"}
    assert (nodes["P-A"]["enterprise"], nodes["P-A"]["project"]) == (None, {"id": park.id, "name": "机器人产业园"})
    for external, node in nodes.items():
        assert f"{AGENCY}:{external}" in node["case"]["incidentIds"], external
    assert await gateway_calls(span_exporter, trace_id) == {
        RESPONSE_SVC + "ListIncidents": 1,
        CONTACTS + "BatchGetEnterprises": 1,
        CONTACTS + "BatchGetProjects": 1,
        ENVIRONMENT + "BatchGetCasesByIncident": 1,
    }

    project, _ = await traced_query(city, PROJECT, {"id": park.id})
    assert project["data"]["project"] == {
        "name": "机器人产业园",
        "leadersInCharge": [{"name": "王建国"}],
        "leadHandling": {"enterpriseId": ids[0], "eligibility": {"eligible": True, "basis": "KEY_PROJECT"}},
        "leadHandlingProcedures": [{"id": f"{park.id}/land", "kind": "LAND", "department": "Natural Resources Bureau"}],
        "cases": [{"offence": "OBSTRUCTION_OF_CONSTRUCTION", "projectId": park.id,
                   "incidentIds": [f"{AGENCY}:P-A"]}],
    }

    e1, _ = await traced_query(city, ENTERPRISE, {"id": ids[1]})
    requests = e1["data"]["enterprise"].pop("requests")
    assert sorted(requests, key=lambda r: r["subject"]) == [{"subject": "land use permit", "state": "OPEN"},
                                                             {"subject": "power hook-up", "state": "COMPLETED"}]
    assert e1["data"]["enterprise"] == {
        "openRequests": [{"subject": "land use permit"}],
        "incidents": [{"externalId": "E1-C"}, {"externalId": "E1-B"}],
        "latestIncident": {"externalId": "E1-C"},
        "officers": [{"person": {"name": "Officer 1"}}],
    }

    too_many = await city.gateway.query('query($id: ID!) { enterprise(id: $id) { incidents(first: 21) { id } } }',
                                        {"id": ids[1]})
    assert too_many["errors"][0]["message"] == "first must be between 1 and 20"
