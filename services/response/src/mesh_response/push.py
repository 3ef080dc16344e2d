"""Push incidents onto NATS as an agency's system would.

    python -m mesh_response.push --agency luolong-police --file incident.json [--creds agency.creds]

The file holds one report (a JSON object) or several (a JSON array). Each is published
to ``incidents.report.<agency>`` with ``Nats-Msg-Id: <agency>:<external_id>`` and a
``traceparent`` header, so the operator can follow it from this push to the screen
that showed it. Prints one line per report: its trace id and whether the server stored
it or dropped it as a duplicate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import nats
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanKind

from mesh_response.domain import incident_id
from meshlib import telemetry
from meshlib.bus import MSG_ID, Namespace
from meshlib.devstack.auth import inbox_prefix


async def push(
    nc: Any, agency: str, reports: list[Any], *, namespace: str = "", raw: bytes | None = None
) -> list[tuple[str, Any]]:
    """Publish ``reports`` (or ``raw`` bytes once) for ``agency``; returns (trace id, PubAck) per message."""
    js = nc.jetstream()
    tracer = trace.get_tracer("mesh_response.push")
    subject = Namespace(namespace).subject(f"incidents.report.{agency}")
    bodies = [raw] if raw is not None else [json.dumps(r, ensure_ascii=False).encode() for r in reports]
    results = []
    for i, body in enumerate(bodies):
        external = reports[i].get("external_id") if raw is None and isinstance(reports[i], dict) else None
        with tracer.start_as_current_span(f"incidents.report.{agency} push", kind=SpanKind.PRODUCER) as span:
            headers = telemetry.inject({})
            if external:
                headers[MSG_ID] = incident_id(agency, str(external))
            ack = await js.publish(subject, body, headers=headers)
            results.append((format(span.get_span_context().trace_id, "032x"), ack))
    return results


def connect_options(agency: str, creds: str | None) -> dict[str, Any]:
    """How an agency connects: its nkey seed file (or a JWT .creds file) and its own inbox prefix."""
    options: dict[str, Any] = {"name": f"push-{agency}", "inbox_prefix": inbox_prefix(agency),
                               "allow_reconnect": False}
    if creds:
        if "BEGIN NATS USER JWT" in Path(creds).read_text():
            options["user_credentials"] = creds
        else:
            options["nkeys_seed"] = creds
    return options


async def _main(args: argparse.Namespace) -> int:
    if trace.get_tracer_provider().__class__.__name__ == "ProxyTracerProvider":
        trace.set_tracer_provider(TracerProvider())
    reports = args.reports
    server_errors: list[str] = []

    async def on_error(exc: Exception) -> None:
        server_errors.append(str(exc))

    nc = await nats.connect(args.nats, error_cb=on_error, **connect_options(args.agency, args.creds))
    try:
        for trace_id, ack in await push(nc, args.agency, reports, namespace=args.namespace):
            state = "duplicate (already stored)" if ack.duplicate else "stored"
            print(f"{ack.stream} seq={ack.seq} {state} trace={trace_id}")
    except nats.errors.TimeoutError:
        # The server answers a refused publish with an error on the connection, not on the publish.
        reason = "; ".join(server_errors) or "no acknowledgement from the server"
        print(f"push refused: {reason}", file=sys.stderr)
        return 1
    finally:
        await nc.drain()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mesh_response.push", description=__doc__.split("\n")[0])
    parser.add_argument("--agency", required=True, help="your agency, e.g. luolong-police")
    parser.add_argument("--file", required=True, help="JSON file: one report or an array of reports")
    parser.add_argument("--nats", default="nats://127.0.0.1:4222", help="NATS URL")
    parser.add_argument("--creds", help="NATS credentials issued to your agency (nkey seed .nk or JWT .creds)")
    parser.add_argument("--namespace", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        body = json.loads(Path(args.file).read_text())
        args.reports = body if isinstance(body, list) else [body]
        return asyncio.run(_main(args))
    except (OSError, json.JSONDecodeError, nats.errors.Error) as exc:
        print(f"push failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
