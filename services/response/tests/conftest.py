"""Fixtures of the response service's tests: the service running in-process against the test servers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

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


StartResponse = Callable[..., Awaitable[RunningResponse]]


@pytest.fixture
async def start_response(mesh_env: dict[str, str]) -> AsyncIterator[StartResponse]:
    """Start a response service (a replica) with settings overrides; all stop at the end of the test."""
    async with AsyncExitStack() as stack:

        async def start(**overrides: Any) -> RunningResponse:
            settings = settings_for(ResponseSettings, mesh_env, **overrides)
            rt = await stack.enter_async_context(running(SPEC, settings))
            ch: grpc.aio.Channel = channel(f"127.0.0.1:{rt.port}")
            stack.push_async_callback(ch.close)
            other = await Bus.connect(settings, name="test-peer")
            stack.push_async_callback(other.close)
            return RunningResponse(rt, response_pb2_grpc.ResponseServiceStub(ch), other, IncidentRepository(rt.db))

        yield start


@pytest.fixture
async def response_service(start_response: StartResponse) -> RunningResponse:
    return await start_response()
