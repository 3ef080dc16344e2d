"""Agencies push with their own credentials, onto their own subjects only (the server enforces it)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import nats
import pytest

from mesh.response.v1 import response_pb2_grpc
from mesh_response.push import connect_options, push
from mesh_response.repository import IncidentRepository
from mesh_response.service import SPEC
from mesh_response.settings import ResponseSettings
from mesh_response.testing import report, wait_stored
from meshlib.channels import channel
from meshlib.devstack import auth, servers
from meshlib.service import running
from meshlib.testing.plugin import anonymous_connect_reply, settings_for

AGENCIES = ["luolong-police", "xigong-police"]


@pytest.fixture(scope="module")
def secured_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, auth.Identity, dict[str, Any]]]:
    """A NATS server with the same authorization `make run` configures."""
    root = tmp_path_factory.mktemp("secured-nats")
    mesh_id, agency_ids = auth.identities(root / "creds", AGENCIES)
    config = servers.NatsConfig(port=servers.free_port(), monitor_port=servers.free_port(), store_dir=root / "js",
                                sync_always=False, extra=auth.authorization_block(mesh_id, agency_ids))
    proc = servers.start_nats(config, root / "nats.conf", root / "nats.log")
    try:
        yield f"nats://127.0.0.1:{config.port}", mesh_id, agency_ids
    finally:
        servers.stop(proc)


@pytest.fixture
async def service(secured_nats: Any, mesh_env: dict[str, str], namespace: str) -> AsyncIterator[Any]:
    url, mesh_id, _ = secured_nats
    settings = settings_for(ResponseSettings, mesh_env, NATS_URL=url, NATS_NKEY_SEED=str(mesh_id.seed_file),
                            MESH_NAMESPACE="", MONGODB_DATABASE=f"{namespace}_response")
    async with running(SPEC, settings) as rt:  # no namespace: the agencies' permissions name real subjects
        yield rt


async def agency_connection(url: str, agency: str, seed: Path) -> Any:
    errors: list[str] = []

    async def on_error(exc: Exception) -> None:
        errors.append(str(exc))

    nc = await nats.connect(url, error_cb=on_error, **connect_options(agency, str(seed)))
    nc.errors = errors  # type: ignore[attr-defined]
    return nc


async def test_own_subject_stored_other_agencys_subject_and_no_credentials_refused(
    secured_nats: Any, service: Any
) -> None:
    url, _, agency_ids = secured_nats
    luolong = await agency_connection(url, "luolong-police", agency_ids["luolong-police"].seed_file)
    await push(luolong, "luolong-police", [report("CRED-1")])
    stub = response_pb2_grpc.ResponseServiceStub(ch := channel(f"127.0.0.1:{service.port}"))
    await wait_stored(stub, ["luolong-police:CRED-1"])

    # Publishing onto another agency's subject: the server refuses it, so nothing reaches the stream.
    with pytest.raises(nats.errors.TimeoutError):
        await luolong.jetstream().publish("incidents.report.xigong-police",
                                          json.dumps(report("CRED-2", agency="xigong-police")).encode(),
                                          headers={"Nats-Msg-Id": "xigong-police:CRED-2"}, timeout=2)
    assert any("permissions violation" in e.lower() for e in luolong.errors), luolong.errors
    assert "Authorization Violation" in await anonymous_connect_reply(int(url.rsplit(":", 1)[1]))

    # The report's agency must match the subject's, even with valid credentials.
    await push(luolong, "luolong-police", [report("CRED-3", agency="xigong-police")])
    incidents = IncidentRepository(service.db)
    info = await luolong_stream_state(url, secured_nats[1])
    assert info == {"incidents.report.luolong-police": 2}
    assert await incidents.count({"external_id": {"$in": ["CRED-2", "CRED-3"]}}) == 0
    assert await incidents.count({"external_id": "CRED-1"}) == 1
    await luolong.drain()
    await ch.close()


async def luolong_stream_state(url: str, mesh_id: auth.Identity) -> dict[str, int]:
    nc = await nats.connect(url, nkeys_seed=str(mesh_id.seed_file))
    try:
        info = await nc.jetstream().stream_info("INCIDENTS", subjects_filter="incidents.report.>")
        return dict(info.state.subjects or {})
    finally:
        await nc.drain()
