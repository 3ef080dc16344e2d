"""Start the two infrastructure servers from their wheels: nats-server (JetStream) and secantusdb."""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pymongo import MongoClient

LOWEST_PORT = 10000
"""Ports :func:`free_port` picks lie from here to just below the kernel's ephemeral range."""
_handed_out: set[int] = set()


def ephemeral_ports(path: Path = Path("/proc/sys/net/ipv4/ip_local_port_range")) -> tuple[int, int]:
    """The range the kernel takes outgoing connections' local ports from (Linux's default when unreadable)."""
    try:
        low, high = (int(n) for n in path.read_text().split())
    except (OSError, ValueError):
        return 32768, 60999
    return low, high


def free_port() -> int:
    """A TCP port free on the loopback interface right now, for a server started next, and not one handed out
    before by this process.

    It lies below the kernel's ephemeral range. A port picked by binding to port 0 lies inside it, so the
    kernel could give it to any outgoing connection (a service's to NATS or MongoDB) before the server it
    was picked for binds it: `make run`'s test once saw the response service fail with "Address already in
    use" that way, on a busy machine.
    """
    below = range(LOWEST_PORT, ephemeral_ports()[0])
    for port in random.sample(below, min(500, len(below))):
        if port in _handed_out:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    with socket.socket() as s:  # no room below the ephemeral range (a very low one): take the kernel's pick
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def venv_bin(name: str) -> str:
    """A console script installed beside this interpreter (the venv's bin/), else on PATH."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} is not installed; run `make setup`")
    return found


def wait_until(check: Callable[[], bool], *, timeout: float, what: str, proc: subprocess.Popen[bytes] | None = None,
               log: Path | None = None) -> None:
    """Poll ``check`` until it is true; fail early if ``proc`` exits, naming its log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"{what} exited with status {proc.returncode} before it was ready\n{tail}")
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{what} was not ready within {timeout:.0f}s" + (f"; see {log}" if log else ""))


@dataclass(frozen=True)
class NatsConfig:
    """A nats-server configuration; ``extra`` is appended verbatim (accounts, authorization)."""

    port: int
    monitor_port: int
    store_dir: Path
    sync_always: bool = True
    extra: str = ""

    def render(self) -> str:
        sync = "\n  sync_interval: always" if self.sync_always else ""
        return (
            f"listen: 127.0.0.1:{self.port}\n"
            f"http: 127.0.0.1:{self.monitor_port}\n"
            "max_payload: 1MB\n"
            f"jetstream {{\n  store_dir: {json.dumps(str(self.store_dir))}{sync}\n}}\n"
            f"{self.extra}"
        )


def start_nats(config: NatsConfig, conf_path: Path, log_path: Path) -> subprocess.Popen[bytes]:
    """Write the config, start nats-server, and wait until JetStream reports healthy."""
    config.store_dir.mkdir(parents=True, exist_ok=True)
    conf_path.write_text(config.render())
    proc = spawn([venv_bin("nats-server"), "-c", str(conf_path)], log_path)
    url = f"http://127.0.0.1:{config.monitor_port}/healthz?js-enabled-only=true"
    wait_until(lambda: http_ok(url), timeout=30, what="nats-server", proc=proc, log=log_path)
    return proc


def start_mongo(port: int, storage: Path | str, log_path: Path) -> subprocess.Popen[bytes]:
    """Start secantusdb (a separate GPL process; never imported) and wait until it answers ping."""
    if isinstance(storage, Path):
        storage.mkdir(parents=True, exist_ok=True)
    argv = [venv_bin("secantusd-py"), "--host", "127.0.0.1", "--port", str(port), "--storage-path", str(storage),
            "--log-level", "WARNING"]
    proc = spawn(argv, log_path)
    wait_until(lambda: mongo_ping(mongo_uri(port)), timeout=60, what="secantusdb", proc=proc, log=log_path)
    return proc


def mongo_uri(port: int) -> str:
    # retryWrites=false: secantusdb's retryable-write bookkeeping slows writes badly at volume.
    return f"mongodb://127.0.0.1:{port}/?retryWrites=false&directConnection=true"


def mongo_ping(uri: str) -> bool:
    client: MongoClient[dict[str, Any]]
    with MongoClient(uri, serverSelectionTimeoutMS=500) as client:
        client.admin.command("ping")
    return True


def http_ok(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=1) as resp:
        return bool(resp.status == 200)


def spawn(argv: list[str], log_path: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env or dict(os.environ),
            start_new_session=True, preexec_fn=die_with_parent,
        )


def die_with_parent() -> None:
    """In the child: get SIGTERM if the parent dies, so a killed supervisor leaves no orphans (Linux)."""
    if sys.platform == "linux":
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def stop(proc: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """SIGTERM, wait ``grace`` seconds, then SIGKILL."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
