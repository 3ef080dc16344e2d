"""Fixtures of the environment service's tests: it and its peers (contacts, response) running in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import grpc
import pytest

from mesh.contacts.v1 import contacts_pb2 as cpb
from mesh.response.v1 import response_pb2_grpc
from mesh_contacts.settings import ContactsSettings
from mesh_contacts.testing import RunningContacts, enterprise, run_contacts
from mesh_environment.settings import EnvironmentSettings
from mesh_environment.testing import GUANLIN, KAIYUAN, LUOLONG, RunningEnvironment, Sites, run_environment
from mesh_response.service import SPEC as RESPONSE
from mesh_response.settings import ResponseSettings
from meshlib.bus import Bus
from meshlib.channels import channel
from meshlib.service import running
from meshlib.testing.plugin import settings_for


@pytest.fixture
async def contacts_service(mesh_env: dict[str, str]) -> AsyncIterator[RunningContacts]:
    settings = settings_for(ContactsSettings, mesh_env, EDITION_SCHEDULE="off")
    async with run_contacts(settings) as svc:
        yield svc


@pytest.fixture
async def sites(contacts_service: RunningContacts) -> Sites:
    stub = contacts_service.stub

    async def register(n: int, name: str, *lists: Any, township: str) -> str:
        reply = await stub.RegisterEnterprise(cpb.RegisterEnterpriseRequest(
            enterprise=enterprise(n, name, *lists, township=township), actor="test"))
        return str(reply.id)

    plain = await register(1, "洛阳开元机械有限公司", township=KAIYUAN)
    key = await register(2, "洛阳关林轴承有限公司", cpb.CITY_KEY_ENTERPRISE, township=GUANLIN)
    other = await register(3, "洛阳开元物流有限公司", township=KAIYUAN)
    project = await stub.RegisterProject(cpb.RegisterProjectRequest(project=cpb.ProjectInput(
        name="关林物流园二期", owner_enterprise_id=plain, sector=cpb.INDUSTRIAL, investment_fen=150_000_000_00,
        territory=cpb.Territory(county_code=LUOLONG, county_name="洛龙区", township_code=GUANLIN,
                                township_name="关林镇"),
        stage=cpb.UNDER_CONSTRUCTION, key_lists=[cpb.CITY_KEY_PROJECT]), actor="test"))
    return Sites(plain, key, other, project.id)


StartEnvironment = Callable[..., Awaitable[RunningEnvironment]]


@pytest.fixture
async def start_environment(mesh_env: dict[str, str],
                            contacts_service: RunningContacts) -> AsyncIterator[StartEnvironment]:
    """Start the environment service against the running contacts service, with settings overrides."""
    async with AsyncExitStack() as stack:

        async def start(**overrides: Any) -> RunningEnvironment:
            settings = settings_for(EnvironmentSettings, mesh_env,
                                    CONTACTS_GRPC_TARGET=f"127.0.0.1:{contacts_service.runtime.port}",
                                    DEADLINE_SCAN_SECONDS=0.1, **overrides)
            return await stack.enter_async_context(run_environment(settings))

        yield start


@pytest.fixture
async def environment(start_environment: StartEnvironment) -> RunningEnvironment:
    return await start_environment()


@dataclass
class RunningResponse:
    stub: response_pb2_grpc.ResponseServiceStub
    bus: Bus


@pytest.fixture
async def response_service(mesh_env: dict[str, str]) -> AsyncIterator[RunningResponse]:
    """The rapid-response service (it owns and declares the INCIDENTS stream) and an agency's connection."""
    settings = settings_for(ResponseSettings, mesh_env)
    async with running(RESPONSE, settings) as rt:
        ch: grpc.aio.Channel = channel(f"127.0.0.1:{rt.port}")
        agency = await Bus.connect(settings, name="test-agency")
        try:
            yield RunningResponse(response_pb2_grpc.ResponseServiceStub(ch), agency)
        finally:
            await agency.close()
            await ch.close()
