"""Fixtures the gateway's tests share: the gateway in front of one service; the demo city's registry with the
officers and environment services behind a signed-in gateway; the demo registry with the response service behind
one; and the demo city in all four services behind one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest

from mesh.response.v1 import response_pb2_grpc
from mesh_contacts.settings import ContactsSettings
from mesh_contacts.testing import RunningContacts, run_contacts
from mesh_environment.settings import EnvironmentSettings
from mesh_environment.testing import RunningEnvironment, run_environment
from mesh_gateway.settings import GatewaySettings
from mesh_gateway.testing import RunningGateway, SignedIn, running_gateway, signed_in_gateway
from mesh_officers.testing import MovableClock, RunningOfficers, officers_service
from mesh_response.events import STREAMS as RESPONSE_STREAMS
from mesh_response.service import SPEC as RESPONSE
from mesh_response.settings import ResponseSettings
from meshlib.bus import Bus
from meshlib.channels import channel
from meshlib.service import running
from meshlib.testing.plugin import settings_for


@pytest.fixture
async def with_contacts(mesh_env: dict[str, str], bus: Bus) -> AsyncIterator[tuple[RunningGateway, RunningContacts]]:
    """The contacts service (no demo data) and the gateway in front of it, sign-in off."""
    # The gateway follows incidents.accepted from start-up; the response service would declare its stream.
    await bus.ensure_streams(RESPONSE_STREAMS)
    async with run_contacts(settings_for(ContactsSettings, mesh_env, EDITION_SCHEDULE="off")) as contacts:
        gw = settings_for(GatewaySettings, mesh_env, HTTP_PORT=0,
                          CONTACTS_GRPC_TARGET=f"127.0.0.1:{contacts.runtime.port}")
        async with running_gateway(gw) as gateway:
            yield gateway, contacts


@pytest.fixture
async def with_officers(mesh_env: dict[str, str], bus: Bus) -> AsyncIterator[tuple[RunningGateway, RunningOfficers]]:
    """The officers service and the gateway in front of it, sign-in off."""
    await bus.ensure_streams(RESPONSE_STREAMS)
    async with officers_service(mesh_env, MovableClock()) as officers:
        gw = settings_for(GatewaySettings, mesh_env, HTTP_PORT=0,
                          OFFICERS_GRPC_TARGET=f"127.0.0.1:{officers.runtime.port}")
        async with running_gateway(gw) as gateway:
            yield gateway, officers


@pytest.fixture
def officers_overrides() -> dict[str, str]:
    """Settings of the officers service in :func:`demo_city`; a test module overrides this fixture to change them."""
    return {}


@pytest.fixture
def environment_overrides() -> dict[str, str]:
    """Settings of the environment service in :func:`demo_city`; a test module overrides this fixture to change
    them."""
    return {}


@pytest.fixture
async def demo_city(
    mesh_env: dict[str, str], bus: Bus, tmp_path: Path, officers_overrides: dict[str, str],
    environment_overrides: dict[str, str],
) -> AsyncIterator[tuple[SignedIn, RunningOfficers, RunningEnvironment]]:
    """The registry with the demo city, the officers and environment services, and a signed-in gateway."""
    await bus.ensure_streams(RESPONSE_STREAMS)
    async with run_contacts(settings_for(ContactsSettings, mesh_env, EDITION_SCHEDULE="off",
                                         DEMO_DATA="true")) as contacts:
        contacts_target = f"127.0.0.1:{contacts.runtime.port}"
        async with officers_service(mesh_env, MovableClock(), CONTACTS_GRPC_TARGET=contacts_target,
                                    **officers_overrides) as officers, \
                run_environment(settings_for(EnvironmentSettings, mesh_env, CONTACTS_GRPC_TARGET=contacts_target,
                                             **environment_overrides)) as environment, \
                signed_in_gateway(mesh_env, tmp_path, CONTACTS_GRPC_TARGET=contacts_target,
                                  OFFICERS_GRPC_TARGET=f"127.0.0.1:{officers.runtime.port}",
                                  ENVIRONMENT_GRPC_TARGET=f"127.0.0.1:{environment.runtime.port}") as signed_in:
            yield signed_in, officers, environment


@pytest.fixture
def response_overrides() -> dict[str, str]:
    """Settings of the response service in :func:`incident_desk`; a test module overrides this fixture to change
    them (``DEMO_DATA`` for the demo city's responding units)."""
    return {}


@pytest.fixture
async def incident_desk(
    mesh_env: dict[str, str], tmp_path: Path, response_overrides: dict[str, str],
) -> AsyncIterator[tuple[SignedIn, response_pb2_grpc.ResponseServiceStub]]:
    """The demo registry (an incident lies where its enterprise does), the response service, a signed-in gateway
    in front of both, and a stub to the response service."""
    async with run_contacts(settings_for(ContactsSettings, mesh_env, EDITION_SCHEDULE="off",
                                         DEMO_DATA="true")) as contacts:
        contacts_target = f"127.0.0.1:{contacts.runtime.port}"
        async with running(RESPONSE, settings_for(ResponseSettings, mesh_env, CONTACTS_GRPC_TARGET=contacts_target,
                                                  **response_overrides)) as response, \
                signed_in_gateway(mesh_env, tmp_path, RESPONSE_GRPC_TARGET=f"127.0.0.1:{response.port}",
                                  CONTACTS_GRPC_TARGET=contacts_target) as signed_in:
            ch: grpc.aio.Channel = channel(f"127.0.0.1:{response.port}")
            try:
                yield signed_in, response_pb2_grpc.ResponseServiceStub(ch)
            finally:
                await ch.close()


@pytest.fixture
async def whole_city(
    mesh_env: dict[str, str], tmp_path: Path,
) -> AsyncIterator[tuple[SignedIn, RunningOfficers, RunningEnvironment]]:
    """The demo city in all four services (the registry, officers, environment, and response with the demo
    units) behind a signed-in gateway."""
    async with run_contacts(settings_for(ContactsSettings, mesh_env, EDITION_SCHEDULE="off",
                                         DEMO_DATA="true")) as contacts:
        contacts_target = f"127.0.0.1:{contacts.runtime.port}"
        async with officers_service(mesh_env, MovableClock(), CONTACTS_GRPC_TARGET=contacts_target) as officers, \
                run_environment(settings_for(EnvironmentSettings, mesh_env,
                                             CONTACTS_GRPC_TARGET=contacts_target)) as environment, \
                running(RESPONSE, settings_for(ResponseSettings, mesh_env, DEMO_DATA="true",
                                               CONTACTS_GRPC_TARGET=contacts_target)) as response, \
                signed_in_gateway(mesh_env, tmp_path, CONTACTS_GRPC_TARGET=contacts_target,
                                  OFFICERS_GRPC_TARGET=f"127.0.0.1:{officers.runtime.port}",
                                  ENVIRONMENT_GRPC_TARGET=f"127.0.0.1:{environment.runtime.port}",
                                  RESPONSE_GRPC_TARGET=f"127.0.0.1:{response.port}") as signed_in:
            yield signed_in, officers, environment
