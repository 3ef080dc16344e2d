"""Run the gateway: `python -m mesh_gateway`."""

from __future__ import annotations

import math
import signal
from types import FrameType

import uvicorn

from mesh_gateway.app import create_app
from mesh_gateway.settings import GatewaySettings
from meshlib.service import configure_logging, load_or_exit
from meshlib.telemetry import setup_telemetry, shutdown_telemetry


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main() -> None:
    # uvicorn stops gracefully on SIGTERM, then raises the signal again under the handler it found. Under
    # the default one the process died right there, before the spans still in the batch processor were
    # exported (the last few seconds of every rollout); under this one it leaves through `finally`.
    signal.signal(signal.SIGTERM, _stop)
    settings: GatewaySettings = load_or_exit(GatewaySettings)
    configure_logging(settings.log_level)
    setup_telemetry("mesh-gateway", settings.otel_endpoint)
    try:
        uvicorn.run(create_app(settings, settle_heap=True), host=settings.http_host, port=settings.http_port,
                    log_level=settings.log_level.lower(), lifespan="on",
                    timeout_graceful_shutdown=math.ceil(settings.shutdown_grace))
    finally:
        shutdown_telemetry()


main()
