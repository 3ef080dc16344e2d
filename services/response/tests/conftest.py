"""Fixtures of the response service's tests: the service running in-process against the test servers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import pytest

from mesh.response.v1 import response_pb2_grpc
from mesh_response.repository import IncidentRepository
from mesh_response.service import SPEC
from mesh_response.settings import ResponseSettings
from meshlib.bus import Bus
from meshlib.channels import channel
from meshlib.service import Runtime, running
from meshlib.testing.plugin import settings_for


@dataclass
class RunningResponse:
    runtime: Runtime[ResponseSettings]
    stub: response_pb2_grpc.ResponseServiceStub
    bus: Bus
    """A separate connection in the same namespace, as an agency or another service would have."""
    repo: IncidentRepository


@pytest.fixture
async def response_service(mesh_env: dict[str, str]) -> AsyncIterator[RunningResponse]:
    settings = settings_for(ResponseSettings, mesh_env)
    async with running(SPEC, settings) as rt:
        ch: grpc.aio.Channel = channel(f"127.0.0.1:{rt.port}")
        other = await Bus.connect(settings, name="test-peer")
        try:
            yield RunningResponse(rt, response_pb2_grpc.ResponseServiceStub(ch), other, IncidentRepository(rt.db))
        finally:
            await other.close()
            await ch.close()
