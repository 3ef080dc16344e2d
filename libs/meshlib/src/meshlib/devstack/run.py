"""`make run`: the whole mesh on one machine, stopped cleanly on Ctrl-C or SIGTERM.

Starts nats-server (JetStream, file store, ``sync_interval: always``) and secantusdb
with their data under ``.data/`` (a second run keeps the first one's data), then the
four services and the gateway, each waited for until healthy. Children run in their
own sessions and receive SIGTERM if this supervisor dies, so nothing is orphaned.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from meshlib.config import ConfigError, load
from meshlib.devstack import auth, servers
from meshlib.devstack.topology import GATEWAY, SERVICES, Component, DevStackSettings


class Supervisor:
    """Owns every process it started; stops them in reverse order of starting."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.procs: list[tuple[str, subprocess.Popen[bytes]]] = []

    def adopt(self, name: str, proc: subprocess.Popen[bytes]) -> None:
        self.procs.append((name, proc))
        print(f"  started {name:<12} pid={proc.pid}", flush=True)

    def dead(self) -> list[str]:
        return [name for name, proc in self.procs if proc.poll() is not None]

    def stop_all(self) -> None:
        for name, proc in reversed(self.procs):
            servers.stop(proc, grace=15.0)
            print(f"  stopped {name:<12} pid={proc.pid} status={proc.returncode}", flush=True)
        self.procs.clear()


def _grpc_serving(port: int) -> bool:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        reply = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=1)
    return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


def _built(component: Component) -> bool:
    return importlib.util.find_spec(component.module) is not None


def start_mesh(cfg: DevStackSettings, sup: Supervisor) -> dict[str, str]:
    """Start everything; returns what runs where."""
    data = cfg.data_dir.resolve()
    logs = data / "logs"
    mesh_id, agency_ids = auth.identities(data / "creds", list(cfg.agencies))
    nats_config = servers.NatsConfig(
        port=cfg.nats_port, monitor_port=cfg.nats_monitor_port, store_dir=data / "nats", sync_always=True,
        extra=auth.authorization_block(mesh_id, agency_ids),
    )
    sup.adopt("nats-server", servers.start_nats(nats_config, data / "nats.conf", logs / "nats.log"))
    sup.adopt("secantusdb", servers.start_mongo(cfg.mongo_port, data / "mongo", logs / "mongo.log"))

    nats_url = f"nats://127.0.0.1:{cfg.nats_port}"
    mongo_uri = servers.mongo_uri(cfg.mongo_port)
    base_env = {k: v for k, v in os.environ.items() if k not in ("GRPC_PORT", "HTTP_PORT", "MESH_NAMESPACE")}
    base_env.update(NATS_URL=nats_url, NATS_NKEY_SEED=str(mesh_id.seed_file), PYTHONUNBUFFERED="1")
    # Every process finds every service where this run put it (services call each other too).
    base_env.update({s.target_variable: f"127.0.0.1:{cfg.port(s)}" for s in SERVICES})
    # The demo city: services that have demo data load it once (DEMO_DATA=0 in the environment turns it off).
    base_env.setdefault("DEMO_DATA", "1")

    started: list[tuple[Component, subprocess.Popen[bytes]]] = []
    for svc in SERVICES:
        if not _built(svc):
            print(f"  skipped {svc.name:<12} (package {svc.module} is not built yet)", flush=True)
            continue
        env = dict(base_env, MONGODB_URI=mongo_uri, GRPC_PORT=str(cfg.port(svc)))
        proc = servers.spawn([sys.executable, "-m", svc.module], logs / f"{svc.name}.log", env)
        sup.adopt(svc.name, proc)
        started.append((svc, proc))
    for svc, proc in started:
        port = cfg.port(svc)
        servers.wait_until(functools.partial(_grpc_serving, port), timeout=cfg.start_timeout, what=svc.name, proc=proc,
                           log=logs / f"{svc.name}.log")

    gw_env = dict(base_env, HTTP_PORT=str(cfg.gateway_port), JWT_SECRET_FILE=str(data / "gateway" / "jwt.key"))
    gw = servers.spawn([sys.executable, "-m", GATEWAY.module], logs / "gateway.log", gw_env)
    sup.adopt("gateway", gw)
    ready = f"http://127.0.0.1:{cfg.gateway_port}/readyz"
    servers.wait_until(lambda: servers.http_ok(ready), timeout=cfg.start_timeout, what="gateway", proc=gw,
                       log=logs / "gateway.log")
    tokens = data / "gateway" / "demo-tokens.json"
    with open(tokens, "w") as out:
        subprocess.run([sys.executable, "-m", "mesh_gateway.tokens", "--secret-file", gw_env["JWT_SECRET_FILE"]],
                       stdout=out, check=True)
    return {
        "GraphQL (GraphiQL)": f"http://127.0.0.1:{cfg.gateway_port}/graphql",
        "Demo sign-in tokens": f"{tokens} (send as 'Authorization: Bearer <token>')",
        "NATS": nats_url,
        "NATS monitoring": f"http://127.0.0.1:{cfg.nats_monitor_port}",
        "MongoDB": mongo_uri,
        "Data and logs": str(data),
        **{f"{a} creds": str(i.seed_file) for a, i in agency_ids.items()},
        **{f"{s.name} gRPC": f"127.0.0.1:{cfg.port(s)}" for s, _ in started},
    }


def main() -> int:
    try:
        cfg = load(DevStackSettings)
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    stop_requested = False

    def request_stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stop_requested
        stop_requested = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    sup = Supervisor(cfg.data_dir / "logs")
    print("starting the mesh", flush=True)
    status = 0
    try:
        where = start_mesh(cfg, sup)
        print("\nthe mesh is up:", flush=True)
        for what, url in where.items():
            print(f"  {what:<20} {url}", flush=True)
        first = cfg.agencies[0] if cfg.agencies else "AGENCY"
        print(f"\npush an incident: .venv/bin/python -m mesh_response.push --agency {first} --file incident.json"
              f" --creds {cfg.data_dir / 'creds' / f'agency-{first}.nk'}", flush=True)
        print("\nCtrl-C stops everything.", flush=True)
        while not stop_requested:
            dead = sup.dead()
            if dead:
                print(f"\n{', '.join(dead)} exited unexpectedly; see {cfg.data_dir / 'logs'}", file=sys.stderr)
                status = 1
                break
            time.sleep(0.2)
    except (RuntimeError, TimeoutError, OSError) as err:
        print(f"\nthe mesh did not start: {err}", file=sys.stderr)
        status = 1
    finally:
        print("\nstopping the mesh", flush=True)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        sup.stop_all()
    return status
