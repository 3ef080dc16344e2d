"""The process manager behind `make run`: starts the whole mesh, stops every process on SIGTERM, keeps data."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from pathlib import Path
from typing import Any

import httpx
import nats

from mesh_response.push import connect_options, push
from mesh_response.testing import report
from meshlib.devstack.servers import free_port
from meshlib.devstack.topology import GATEWAY, SERVICES
from meshlib.testing.plugin import anonymous_connect_reply
from meshlib.testing.poll import eventually


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too; it only waits for its parent to read its status.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


class Mesh:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.env = dict(os.environ, MESH_DATA_DIR=str(data_dir))
        self.ports = {"NATS_PORT": free_port(), "NATS_MONITOR_PORT": free_port(), "MONGO_PORT": free_port(),
                      **{c.port_variable: free_port() for c in (*SERVICES, GATEWAY)}}
        self.env.update({k: str(v) for k, v in self.ports.items()})
        self.pids: dict[str, int] = {}
        self.output: list[str] = []

    async def start(self) -> asyncio.subprocess.Process:
        self.pids.clear()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "meshlib.devstack", "run", env=self.env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        assert proc.stdout is not None
        while True:
            line = (await asyncio.wait_for(proc.stdout.readline(), 120)).decode()
            assert line, "the process manager exited before the mesh was up:\n" + "".join(self.output)
            self.output.append(line)
            if m := re.search(r"started (\S+)\s+pid=(\d+)", line):
                self.pids[m.group(1)] = int(m.group(2))
            if "Ctrl-C stops everything" in line:
                return proc

    def token(self, user: str) -> str:
        """A demo user's sign-in token, from the file `make run` writes."""
        tokens: dict[str, str] = json.loads((self.data_dir / "gateway" / "demo-tokens.json").read_text())
        return tokens[user]

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.ports[GATEWAY.port_variable]}"


async def _graphql(url: str, query: str, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient() as http:
        return (await http.post(f"{url}/graphql", json={"query": query}, headers=headers, timeout=10)).json()


async def test_run_starts_everything_stops_cleanly_and_keeps_data(tmp_path: Path) -> None:
    mesh = Mesh(tmp_path / "data")
    proc = await mesh.start()
    try:
        built = {c.name for c in SERVICES if c.name in mesh.pids}
        assert "response" in built
        assert {"nats-server", "secantusdb", "gateway"} <= set(mesh.pids)
        async with httpx.AsyncClient() as http:
            ready = (await http.get(f"{mesh.gateway}/readyz", timeout=10)).json()
        assert ready["ready"] is True
        nats_url = f"nats://127.0.0.1:{mesh.ports['NATS_PORT']}"
        assert "Authorization Violation" in await anonymous_connect_reply(mesh.ports["NATS_PORT"])
        creds = mesh.data_dir / "creds" / "agency-luolong-police.nk"
        nc = await nats.connect(nats_url, **connect_options("luolong-police", str(creds)))
        await push(nc, "luolong-police", [report("RUN-1", agency="luolong-police")])
        await nc.drain()
        query = '{ incident(id: "luolong-police:RUN-1") { id } }'
        await eventually(lambda: _graphql(mesh.gateway, query, mesh.token("demo-police")),
                         until=lambda reply: reply["data"]["incident"], timeout=30,
                         what="the pushed incident to become queryable")
    finally:
        proc.send_signal(signal.SIGTERM)
        rest, _ = await asyncio.wait_for(proc.communicate(), 90)
    output = "".join(mesh.output) + rest.decode()
    assert proc.returncode == 0, output
    assert not [name for name, pid in mesh.pids.items() if _alive(pid)], output
    for name in mesh.pids:
        assert re.search(rf"stopped {re.escape(name)}\s", output), f"{name} not reported stopped:\n{output}"

    # A second run keeps the first one's data.
    proc = await mesh.start()
    try:
        anonymous = await _graphql(mesh.gateway, '{ incident(id: "luolong-police:RUN-1") { id } }')
        assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        found = await _graphql(mesh.gateway, '{ incident(id: "luolong-police:RUN-1") { id } }',
                               mesh.token("demo-office"))
        assert found == {"data": {"incident": {"id": "luolong-police:RUN-1"}}}
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.communicate(), 90)
    assert proc.returncode == 0
    assert not [name for name, pid in mesh.pids.items() if _alive(pid)]


async def test_a_killed_process_manager_leaves_no_orphans(tmp_path: Path) -> None:
    mesh = Mesh(tmp_path / "data")
    proc = await mesh.start()
    children = dict(mesh.pids)
    assert len(children) >= 4, "expected NATS, MongoDB, a service and the gateway to have started"
    proc.kill()
    await proc.wait()
    await eventually(lambda: [n for n, pid in children.items() if _alive(pid)], until=lambda alive: not alive,
                     timeout=30, interval=0.1, what="no orphans left running")
