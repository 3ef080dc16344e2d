"""`make bench`: the GraphQL gateway beside a bare strawberry app, side by side in one run.

Every server is its own process, as in production, on free loopback ports: nats-server and
secantusdb; the four services (``python -m mesh_<name>``); the gateway (``python -m mesh_gateway``:
tracing on, exported in batches over OTLP to a local sink process; limits on; auth on when the
gateway's settings have it, with a bearer token); and the baseline (``bare_app.py``: strawberry, parser
and validation caches, the same data from memory). Both are served by uvicorn with the same defaults.
This process generates the load (``loadgen.py``): a fixed concurrency, a fixed number of requests.

(a) one object from memory, against (b) one enterprise through one gRPC hop to contacts; between them (b0), the
floor of (b) (``floor.py``): (a)'s app whose resolver makes the same one grpc.aio call to a bare gRPC server that
answers from memory, so (b)/(b0) is what the mesh adds (sign-in, limits, tracing, the service and its database) and
(b0)/(a) what the hop itself costs any Python gateway here;
(c) the 100 items of (a)'s app, against a page of 100 enterprises with their officers, open cases and
latest incident (officers, environment and response services). The RPCs per request are counted from
the exported spans of marked requests, not assumed; CPU time per request is shown per process, to see
where the time goes. No figure is asserted anywhere.

Sizes: BENCH_GATEWAY_N (default 2000), BENCH_LIST_N (default 200), BENCH_CONCURRENCY (default 16).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import loadgen
import trace_sink
from google.protobuf.timestamp_pb2 import Timestamp
from grpc_health.v1 import health_pb2, health_pb2_grpc

from meshlib.devstack import servers

N_ONE = int(os.environ.get("BENCH_GATEWAY_N", "2000"))
N_LIST = int(os.environ.get("BENCH_LIST_N", "200"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "16"))
ENTERPRISES = 100
NAMESPACE = "benchgw"
AGENCY = "luolong-police"
MARK = "0bec4a11"
"""The start of the trace ids of the requests whose RPCs are counted."""
HERE = Path(__file__).parent

ONE = """query One($id: ID!) {
  enterprise(id: $id) { id name creditCode sector territory { countyCode countyName townshipCode townshipName } }
}"""
PAGE = """query Page {
  enterprises(first: 100) { edges { node {
    id name
    officers { id person { name } }
    cases(openOnly: true) { id state }
    latestIncident { id category }
  } } }
}"""


class Processes:
    """The processes of the run by name; stopped in reverse order of starting."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.named: dict[str, subprocess.Popen[bytes]] = {}

    def adopt(self, name: str, proc: subprocess.Popen[bytes]) -> subprocess.Popen[bytes]:
        self.named[name] = proc
        return proc

    def spawn(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        return self.adopt(name, servers.spawn(argv, self.logs / f"{name}.log", env))

    def wait(self, name: str, ready: Any) -> None:
        servers.wait_until(ready, timeout=90, what=name, proc=self.named[name], log=self.logs / f"{name}.log")

    def cpu(self) -> dict[str, float]:
        out = {name: loadgen.cpu_seconds(p.pid) for name, p in self.named.items()}
        out["load generator"] = loadgen.cpu_seconds()
        return out

    def stop_all(self) -> None:
        for proc in reversed(self.named.values()):
            servers.stop(proc)


@contextmanager
def processes(root: Path) -> Iterator[Processes]:
    procs = Processes(root / "logs")
    try:
        yield procs
    except BaseException:
        for log in sorted(procs.logs.glob("*.log")):  # what each process said, before the files go
            tail = log.read_text(errors="replace")[-1500:].strip()
            if tail:
                print(f"--- {log.name} (last lines)\n{tail}", file=sys.stderr)
        raise
    finally:
        procs.stop_all()


def _serving(port: int) -> bool:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        reply = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=1)
    return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


def _http_up(port: int) -> bool:
    import urllib.request

    req = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=b'{"query": "{ __typename }"}',
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=1) as resp:
        return bool(resp.status == 200)


def auth_config(root: Path) -> tuple[dict[str, str], dict[str, str], str]:
    """Gateway env and request headers for a development bearer token, if the gateway's settings have sign-in."""
    from mesh_gateway.settings import GatewaySettings
    from meshlib.config import variables

    if not {"JWT_SECRET_FILE", "JWT_ISSUER", "JWT_AUDIENCE"} <= {v.name for v in variables(GatewaySettings)}:
        return {}, {}, "OFF (the gateway's settings have no sign-in yet; measured without)"
    from mesh_gateway.auth import Principal, Role, issue

    secret = secrets.token_hex(32)
    (root / "jwt.key").write_text(secret)
    token = issue(secret.encode(), Principal("bench", Role.OPTIMISATION_OFFICE, name="bench"),
                  issuer="mesh-bench", audience="mesh-gateway")
    env = {"JWT_SECRET_FILE": str(root / "jwt.key"), "JWT_ISSUER": "mesh-bench", "JWT_AUDIENCE": "mesh-gateway"}
    return env, {"Authorization": f"Bearer {token}"}, "on (HS256 bearer token, optimisation office)"


def _ts(value: datetime) -> Timestamp:
    t = Timestamp()
    t.FromDatetime(value)
    return t


async def seed(ports: dict[str, int], nats_url: str) -> str:
    """100 enterprises, each with an officer; an extortion report at every other one, which opens a case (item 9).

    Returns the first enterprise's id.
    """
    import nats

    from mesh.contacts.v1 import contacts_pb2 as cpb
    from mesh.contacts.v1 import contacts_pb2_grpc
    from mesh.environment.v1 import environment_pb2 as epb
    from mesh.environment.v1 import environment_pb2_grpc
    from mesh.officers.v1 import officers_pb2 as opb
    from mesh.officers.v1 import officers_pb2_grpc
    from mesh.response.v1 import response_pb2_grpc
    from mesh_contacts.testing import enterprise
    from mesh_response.push import push
    from mesh_response.testing import report, wait_stored

    def ch(name: str) -> grpc.aio.Channel:
        return grpc.aio.insecure_channel(f"127.0.0.1:{ports[name]}")

    wait = 30.0  # a deadline on every call: a stuck service fails the run instead of hanging it

    async with ch("contacts") as c, ch("officers") as o, ch("environment") as e, ch("response") as r:
        contacts = contacts_pb2_grpc.ContactsServiceStub(c)
        ids = [(await contacts.RegisterEnterprise(cpb.RegisterEnterpriseRequest(
            enterprise=enterprise(n + 1, f"基准企业{n:03d}"), actor="bench"), timeout=wait)).id
            for n in range(ENTERPRISES)]
        officers = officers_pb2_grpc.OfficersServiceStub(o)
        now = datetime.now(UTC)
        for n, ent in enumerate(ids):
            await officers.DispatchOfficer(opb.DispatchOfficerRequest(
                officer=opb.Person(id=f"p-{n}", name=f"Officer {n}", department="Commerce Bureau",
                                   rank=opb.RANK_DEPARTMENT_LEADER),
                target_kind=opb.TARGET_KIND_ENTERPRISE, target_id=ent, enterprise_id=ent,
                office=opb.Jurisdiction(level=opb.LEVEL_CITY),
                basis=opb.DispatchBasis(enterprise_ask=opb.EnterpriseAsk(contact="CEO", asked_at=_ts(now))),
                actor="bench"), timeout=wait)
        reports = [report(f"BG-{n}", enterprise_id=ent, occurred_at=(now - timedelta(minutes=n)).isoformat())
                   for n, ent in enumerate(ids) if n % 2 == 0]
        nc = await nats.connect(nats_url)
        await asyncio.wait_for(push(nc, AGENCY, reports, namespace=NAMESPACE), wait)
        await nc.drain()
        incident_ids = [f"{AGENCY}:{x['external_id']}" for x in reports]
        await wait_stored(response_pb2_grpc.ResponseServiceStub(r), incident_ids, timeout=60)
        environment = environment_pb2_grpc.EnvironmentServiceStub(e)
        deadline = time.monotonic() + 60
        while True:
            reply = await environment.BatchGetCasesByIncident(epb.BatchGetCasesByIncidentRequest(
                incident_ids=incident_ids), timeout=wait)
            if sum(1 for x in reply.results if x.cases) == len(incident_ids):
                return str(ids[0])
            if time.monotonic() > deadline:
                raise RuntimeError("the environment service did not open the cases within 60s")
            await asyncio.sleep(0.1)


async def count_rpcs(port: int, query: str, variables: dict[str, Any], headers: dict[str, str], spans: Path,
                     times: int = 3) -> tuple[Counter[str], Counter[str]]:
    """gRPC calls per request, from the exported spans of ``times`` marked requests: the gateway's, and those
    services made to each other."""
    traces = [MARK + secrets.token_hex(12) for _ in range(times)]
    for t in traces:
        marked = dict(headers, traceparent=f"00-{t}-{secrets.token_hex(8)}-01")
        await loadgen.ask(port, loadgen.graphql_request(port, query, variables, marked))
    deadline = time.monotonic() + 30  # batch span processors export every 5 s by default
    while True:
        rows = await asyncio.to_thread(trace_sink.rows, spans)
        # The gateway's HTTP server span ends last, after every call it made.
        done = {r[0] for r in rows if r[1] == "mesh-gateway" and r[2] == trace_sink.SERVER and not r[3]}
        if done >= set(traces):
            break
        if time.monotonic() > deadline:
            raise RuntimeError("the spans of the counted requests did not arrive within 30s")
        await asyncio.sleep(0.2)
    calls = [r for r in rows if r[0] in traces and r[2] == trace_sink.CLIENT and r[3] == "grpc"]
    by_gateway = Counter(r[4] for r in calls if r[1] == "mesh-gateway")
    between = Counter(r[4] for r in calls if r[1] != "mesh-gateway")
    return (Counter({k: v // times for k, v in by_gateway.items()}),
            Counter({k: v // times for k, v in between.items()}))


async def measure(procs: Processes, port: int, request: bytes, n: int) -> tuple[loadgen.Result, dict[str, float]]:
    """The figures of ``n`` requests, and the CPU milliseconds per request each busy process spent on them."""
    before = procs.cpu()
    result = await loadgen.run(port, request, n, CONCURRENCY)
    after = procs.cpu()
    per = {name: (after[name] - before[name]) * 1000 / n for name in after}
    return result, {name: ms for name, ms in per.items() if ms >= 0.05}


def _cpu(per: dict[str, float]) -> str:
    return "      CPU per request: " + ", ".join(f"{name} {ms:.2f} ms" for name, ms in
                                              sorted(per.items(), key=lambda x: -x[1]))


def _bounds(bare: dict[str, float], gateway: dict[str, float]) -> str:
    """What the CPU figures allow, beside what was measured: the ratio of the rates each side could reach
    with a core for each of its servers (one server's own CPU per request limits its side), and on this
    machine's cores (that limit, or all the side's processes sharing the cores, whichever is lower)."""
    def limits(per: dict[str, float]) -> tuple[float, float]:
        servers = [ms for name, ms in per.items() if name != "load generator"]
        own = 1000 / max(servers)
        return own, min(own, 1000 * cores / sum(per.values()))
    cores = os.cpu_count() or 1
    (b_own, b_here), (g_own, g_here) = limits(bare), limits(gateway)
    busiest = max((name for name in gateway if name != "load generator"), key=lambda name: gateway[name])
    return (f"      CPU bounds (not measured): a core per server {g_own / b_own:.2f}x (busiest on the gateway's "
            f"side: {busiest}); on these {cores} cores {g_here / b_here:.2f}x")


def _line(label: str, r: loadgen.Result, extra: str = "") -> str:
    line = f"  {label:<56} {r.rate:7.0f} req/s   p50 {r.pct(0.5):7.1f} ms   p99 {r.pct(0.99):7.1f} ms{extra}"
    if r.failures:
        line += f"\n      !! {r.failures} of {r.n} replies failed; the first: {r.first_failure}"
    return line


def _calls(c: Counter[str]) -> str:
    return ", ".join(f"{name.rsplit('/', 1)[-1]} {n}" for name, n in sorted(c.items())) or "none"


@dataclass(frozen=True)
class Mesh:
    """Where the started servers listen, and the environment the services were started with."""

    ports: dict[str, int]
    """gRPC port of each service."""
    nats_url: str
    env: dict[str, str]
    spans: Path
    """The trace sink's file of marked spans."""


def start_mesh(procs: Processes, root: Path) -> Mesh:
    """nats-server, secantusdb, the trace sink and the four services, each its own process, ready."""
    free = servers.free_port
    nats_cfg = servers.NatsConfig(port=free(), monitor_port=free(), store_dir=root / "js", sync_always=False)
    procs.adopt("nats-server", servers.start_nats(nats_cfg, root / "nats.conf", procs.logs / "nats.log"))
    mongo_port = free()
    procs.adopt("secantusdb", servers.start_mongo(mongo_port, ":memory:", procs.logs / "secantusdb.log"))
    sink_port, spans = free(), root / "spans.jsonl"
    procs.spawn("trace sink", [sys.executable, str(HERE / "trace_sink.py"), str(sink_port), MARK, str(spans)],
                dict(os.environ))
    ports = {name: free() for name in ("response", "contacts", "officers", "environment")}
    nats_url = f"nats://127.0.0.1:{nats_cfg.port}"
    base = dict(os.environ, NATS_URL=nats_url, MONGODB_URI=servers.mongo_uri(mongo_port),
                MESH_NAMESPACE=NAMESPACE, LOG_LEVEL="WARNING", DEMO_DATA="0",
                OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{sink_port}",
                **{f"{n.upper()}_GRPC_TARGET": f"127.0.0.1:{p}" for n, p in ports.items()})
    for name, port in ports.items():  # response first: it declares the INCIDENTS stream environment reads
        procs.spawn(name, [sys.executable, "-m", f"mesh_{name}"], dict(base, GRPC_PORT=str(port)))
        procs.wait(name, lambda p=port: _serving(p))
    return Mesh(ports, nats_url, base, spans)


def start_floor(procs: Processes, root: Path, contacts_port: int, enterprise_id: str) -> int:
    """The floor of case (b) (``floor.py``): a bare gRPC server answering with the reply contacts gave for
    ``enterprise_id``, and a bare strawberry app calling it; returns the app's port."""
    from mesh.contacts.v1 import contacts_pb2 as cpb
    from mesh.contacts.v1 import contacts_pb2_grpc

    with grpc.insecure_channel(f"127.0.0.1:{contacts_port}") as ch:
        reply = contacts_pb2_grpc.ContactsServiceStub(ch).BatchGetEnterprises(
            cpb.BatchGetEnterprisesRequest(ids=[enterprise_id]), timeout=30)
    (root / "floor-reply.bin").write_bytes(reply.SerializeToString())
    grpc_port, app_port = servers.free_port(), servers.free_port()
    floor = str(HERE / "floor.py")
    procs.spawn("floor gRPC server", [sys.executable, floor, "server", str(grpc_port), str(root / "floor-reply.bin")],
                dict(os.environ))
    procs.wait("floor gRPC server", lambda: _grpc_up(grpc_port))
    procs.spawn("floor app", [sys.executable, floor, "app", str(app_port), str(grpc_port)], dict(os.environ))
    procs.wait("floor app", lambda: _http_up(app_port))
    return app_port


def _grpc_up(port: int) -> bool:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        grpc.channel_ready_future(ch).result(timeout=1)
    return True


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, processes(Path(tmp)) as procs:
        root = Path(tmp)
        free = servers.free_port
        load_before = os.getloadavg()[0]
        mesh = start_mesh(procs, root)
        ports, nats_url, base, spans = mesh.ports, mesh.nats_url, mesh.env, mesh.spans
        auth_env, headers, auth_note = auth_config(root)
        gw_port = free()
        procs.spawn("gateway", [sys.executable, "-m", "mesh_gateway"],
                    dict(base, **auth_env, HTTP_PORT=str(gw_port), GRAPHIQL="false"))
        procs.wait("gateway", lambda: servers.http_ok(f"http://127.0.0.1:{gw_port}/readyz"))

        first = await seed(ports, nats_url)
        one = {"id": first}
        gw_one = await loadgen.ask(gw_port, loadgen.graphql_request(gw_port, ONE, one, headers))
        gw_page = await loadgen.ask(gw_port, loadgen.graphql_request(gw_port, PAGE, None, headers))
        data = root / "baseline.json"
        data.write_text(json.dumps({"one": gw_one["enterprise"],
                                    "page": [e["node"] for e in gw_page["enterprises"]["edges"]]}))
        bare_port = free()
        procs.spawn("bare app", [sys.executable, str(HERE / "bare_app.py"), str(bare_port), str(data)],
                    dict(os.environ))
        procs.wait("bare app", lambda: _http_up(bare_port))
        same = (await loadgen.ask(bare_port, loadgen.graphql_request(bare_port, ONE, one)),
                await loadgen.ask(bare_port, loadgen.graphql_request(bare_port, PAGE)))
        if same != (gw_one, gw_page):
            raise RuntimeError("the bare app does not serve what the gateway serves")
        floor_port = start_floor(procs, root, ports["contacts"], first)
        if await loadgen.ask(floor_port, loadgen.graphql_request(floor_port, ONE, one)) != gw_one:
            raise RuntimeError("the floor does not serve what the gateway serves")

        requests = {
            "one bare": (bare_port, loadgen.graphql_request(bare_port, ONE, one)),
            "one floor": (floor_port, loadgen.graphql_request(floor_port, ONE, one)),
            "one gw": (gw_port, loadgen.graphql_request(gw_port, ONE, one, headers)),
            "page bare": (bare_port, loadgen.graphql_request(bare_port, PAGE)),
            "page gw": (gw_port, loadgen.graphql_request(gw_port, PAGE, None, headers)),
        }
        for port, req in requests.values():  # warm up connections, caches and lazy imports
            await loadgen.run(port, req, 4 * CONCURRENCY, CONCURRENCY)

        print(f"gateway vs a bare strawberry app: concurrency {CONCURRENCY}, {os.cpu_count()} cores "
              f"(load average {load_before:.1f} before start), each server its own process, uvicorn defaults")
        print(f"  gateway: tracing on (OTLP batch export to a local sink), limits on, auth {auth_note}")
        print(f"one object, {N_ONE} requests each", flush=True)
        a, a_cpu = await measure(procs, *requests["one bare"], N_ONE)
        print(_line("(a) bare strawberry: one object from memory", a), _cpu(a_cpu), sep="\n", flush=True)
        f, f_cpu = await measure(procs, *requests["one floor"], N_ONE)
        print(_line("(b0) floor: bare strawberry, one grpc.aio hop, from memory", f, f"   {f.rate / a.rate:.2f}x (a)"),
              _cpu(f_cpu), _bounds(a_cpu, f_cpu), sep="\n", flush=True)
        b, b_cpu = await measure(procs, *requests["one gw"], N_ONE)
        rpcs, between = await count_rpcs(gw_port, ONE, one, headers, spans)
        print(_line("(b) gateway: one enterprise, one gRPC hop", b,
                    f"   {b.rate / a.rate:.2f}x (a), {b.rate / f.rate:.2f}x (b0)"), _cpu(b_cpu),
              _bounds(a_cpu, b_cpu), sep="\n")
        print(f"      RPCs per request: {sum(rpcs.values())} ({_calls(rpcs)}); between services: {_calls(between)}",
              flush=True)

        print(f"100-item list with nested fields, {N_LIST} requests each", flush=True)
        la, la_cpu = await measure(procs, *requests["page bare"], N_LIST)
        print(_line("(c) bare strawberry: 100 items from memory", la), _cpu(la_cpu), sep="\n", flush=True)
        lb, lb_cpu = await measure(procs, *requests["page gw"], N_LIST)
        rpcs, between = await count_rpcs(gw_port, PAGE, {}, headers, spans)
        print(_line("(c) gateway: 100 enterprises, officers, cases, incident", lb, f"   {lb.rate / la.rate:.2f}x"),
              _cpu(lb_cpu), _bounds(la_cpu, lb_cpu), sep="\n")
        print(f"      RPCs per request: {sum(rpcs.values())} ({_calls(rpcs)}); between services: {_calls(between)}",
              flush=True)


if __name__ == "__main__":
    asyncio.run(main())
