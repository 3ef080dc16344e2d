"""A GraphQL load generator for the benchmarks: keep-alive HTTP/1.1 on plain asyncio streams.

Plain streams and pre-encoded requests cost a few tens of microseconds per request, far less than an HTTP
client library, so on a small machine the generator is not what gets measured. Every reply is checked
(status 200, no ``errors``); failures are counted and shown with the first one, never hidden in the figures.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_TICK = os.sysconf("SC_CLK_TCK")
REPLY_WITHIN = 60.0
"""Seconds a reply may take before the run is abandoned (a hung server, not a slow one)."""


class BadReply(Exception):
    """A reply that is not a 200 with data and no errors."""


@dataclass
class Result:
    n: int
    seconds: float
    latencies_ms: list[float]
    """Sorted."""
    failures: int = 0
    first_failure: str = ""

    @property
    def rate(self) -> float:
        return self.n / self.seconds

    def pct(self, q: float) -> float:
        values = self.latencies_ms
        return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def graphql_request(port: int, query: str, variables: dict[str, Any] | None = None,
                    headers: dict[str, str] | None = None) -> bytes:
    """A whole POST /graphql request, encoded once and sent as often as needed."""
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    head = ["POST /graphql HTTP/1.1", f"Host: 127.0.0.1:{port}", "Content-Type: application/json",
            f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in (headers or {}).items())]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> bytes:
    try:
        return await asyncio.wait_for(_send_and_read(reader, writer, request), REPLY_WITHIN)
    except TimeoutError:
        raise TimeoutError(f"no reply within {REPLY_WITHIN:.0f}s") from None


async def _send_and_read(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> bytes:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = head.split(b" ", 2)[1]
    length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    body = await reader.readexactly(length)
    if status != b"200" or b'"errors"' in body:
        raise BadReply(f"{status.decode()}: {body[:300].decode(errors='replace')}")
    return body


async def ask(port: int, request: bytes) -> dict[str, Any]:
    """One request on a connection of its own; the reply's ``data``."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        data: dict[str, Any] = json.loads(await _exchange(reader, writer, request))["data"]
        return data
    finally:
        writer.close()
        await writer.wait_closed()


async def run(port: int, request: bytes, n: int, concurrency: int) -> Result:
    """``n`` requests over ``concurrency`` connections, each sending its next as soon as a reply is in."""
    left = n
    latencies: list[float] = []
    failures: list[str] = []

    async def worker() -> None:
        nonlocal left
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while left > 0:
                left -= 1
                t0 = time.perf_counter()
                try:
                    await _exchange(reader, writer, request)
                except BadReply as exc:
                    failures.append(str(exc))
                latencies.append((time.perf_counter() - t0) * 1000)
        finally:
            writer.close()
            await writer.wait_closed()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Result(n, time.perf_counter() - started, sorted(latencies), len(failures),
                  failures[0] if failures else "")


def cpu_seconds(pid: int | None = None) -> float:
    """CPU time (user + system) a process has used so far; this one when ``pid`` is None (Linux)."""
    if pid is None:
        return time.process_time()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime and stime, fields 14 and 15 of proc(5)
