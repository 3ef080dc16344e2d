"""Run the gateway: `python -m mesh_gateway`."""

from __future__ import annotations

import math

import uvicorn

from mesh_gateway.app import create_app
from mesh_gateway.settings import GatewaySettings
from meshlib.service import configure_logging, load_or_exit
from meshlib.telemetry import setup_telemetry, shutdown_telemetry


def main() -> None:
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
