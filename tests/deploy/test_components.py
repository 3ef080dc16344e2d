"""Each mesh component's manifests agree with the code that runs in them.

The list of variables a process reads is its settings class (``meshlib.config.variables``), not a list
kept here: a variable added to a service's settings is checked against every overlay at once.
"""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from meshlib.config import ConfigError, load, variables

# meshlib.bus.Bus.connect drains NATS for up to this long after the gRPC server has stopped.
NATS_DRAIN_SECONDS = 10
LOOPBACK = ("127.0.0.1", "localhost", "::1")
REPO = Path(__file__).resolve().parents[2]


def _deployment(manifests: Any, component: Any) -> Any:
    return manifests.get("Deployment", component.name)


def _container(manifests: Any, component: Any) -> Any:
    return manifests.container("Deployment", component.name)


def _settings(manifests: Any, component: Any) -> Any:
    """The component's settings as it would load them from its manifest's environment."""
    env = manifests.environment(_container(manifests, component))
    try:
        return load(component.settings_type(), env)
    except ConfigError as err:
        pytest.fail(f"{component.name} would not start in overlay {manifests.overlay}: {err}")


def test_each_component_has_a_deployment_running_its_module(manifests: Any, component: Any) -> None:
    container = _container(manifests, component)
    assert container["command"] == ["python", "-m", component.module]
    image = container["image"].rsplit("/", 2)[-1]
    assert image.split(":")[0] == component.name, container["image"]


def test_the_settings_load_from_the_manifest_environment(manifests: Any, component: Any) -> None:
    """Every required variable is set, and every value set parses (a port is a number, a flag a flag)."""
    cls = component.settings_type()
    env = manifests.environment(_container(manifests, component))
    missing = [v.name for v in variables(cls) if v.required and not env.get(v.name)]
    assert missing == []
    _settings(manifests, component)


def test_no_variable_keeps_a_loopback_default(manifests: Any, component: Any) -> None:
    """A default that points at 127.0.0.1 (a bind address, a target) is wrong in a pod: it must be set."""
    env = manifests.environment(_container(manifests, component))
    loopback = [
        v.name
        for v in variables(component.settings_type())
        if isinstance(v.default, str) and any(host in v.default for host in LOOPBACK) and v.name not in env
    ]
    assert loopback == []


def test_ports_and_probes_match_the_configuration_defaults(manifests: Any, component: Any) -> None:
    declared = {v.name: v for v in variables(component.settings_type())}
    settings = _settings(manifests, component)
    container = _container(manifests, component)
    service = manifests.get("Service", component.name)
    if component.kind == "grpc":
        default, port, host, name = declared["GRPC_PORT"].default, settings.grpc_port, settings.grpc_host, "grpc"
        probe_ports = {p: container[p]["grpc"]["port"] for p in ("startupProbe", "readinessProbe", "livenessProbe")}
    else:
        default, port, host, name = declared["HTTP_PORT"].default, settings.http_port, settings.http_host, "http"
        probe_ports = {p: container[p]["httpGet"]["port"] for p in ("startupProbe", "readinessProbe", "livenessProbe")}
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert port == default, "the manifest moves the port away from the default the mesh uses everywhere"
    assert host == "0.0.0.0", "bound to loopback, the pod is unreachable and its probes fail"
    assert [(p["name"], p["containerPort"]) for p in container["ports"]] == [(name, port)]
    assert set(probe_ports.values()) <= {port, name}, probe_ports
    assert [(p["port"], p["targetPort"]) for p in service["spec"]["ports"]] == [(port, name)]


def test_every_grpc_target_names_a_service_and_its_port(manifests: Any, component: Any) -> None:
    """Each ``*_GRPC_TARGET`` a component reads points at the Service of that name, on its port."""
    env = manifests.environment(_container(manifests, component))
    targets = [v.name for v in variables(component.settings_type()) if v.name.endswith("_GRPC_TARGET")]
    for variable in targets:
        scheme, _, address = env[variable].partition(":///")
        assert scheme == "dns", f"{variable}: resolve with DNS so calls spread over the pods"
        host, _, port = address.rpartition(":")
        service = manifests.get("Service", host)
        assert int(port) in [p["port"] for p in service["spec"]["ports"]], variable
        assert service["spec"].get("clusterIP") == "None", f"{host}: headless, so DNS names every pod"


def test_the_gateway_has_a_target_for_every_service(manifests: Any, all_components: list[Any]) -> None:
    env = manifests.environment(manifests.container("Deployment", "gateway"))
    for service in (c for c in all_components if c.kind == "grpc"):
        target = env.get(f"{service.name.upper()}_GRPC_TARGET")
        grpc_port = manifests.container("Deployment", service.name)["ports"][0]["containerPort"]
        assert target == f"dns:///{service.name}:{grpc_port}", service.name


def test_termination_grace_covers_the_shutdown(manifests: Any, component: Any) -> None:
    """preStop sleep, then the server's own grace, then the NATS drain, all before the kubelet kills."""
    spec = _deployment(manifests, component)["spec"]["template"]["spec"]
    container = _container(manifests, component)
    settings = _settings(manifests, component)
    pre_stop = container["lifecycle"]["preStop"]["sleep"]["seconds"]
    grace = settings.shutdown_grace  # the gRPC server's grace, or uvicorn's in the gateway
    assert spec["terminationGracePeriodSeconds"] >= pre_stop + grace + NATS_DRAIN_SECONDS


def test_mongodb_uri_is_the_replica_set_with_majority_writes(manifests: Any, component: Any) -> None:
    env = manifests.environment(_container(manifests, component))
    if "MONGODB_URI" not in {v.name for v in variables(component.settings_type())}:
        pytest.skip(f"{component.name} does not use MongoDB")
    uri = env["MONGODB_URI"]
    assert "$(" not in uri, f"unresolved reference in {uri}"
    options = dict(pair.split("=", 1) for pair in uri.split("?", 1)[1].split("&"))
    assert options["w"] == "majority"
    assert options["replicaSet"] == "rs0"
    assert uri.startswith(f"mongodb://{component.name}:secret-mongodb-users-{component.name}@"), uri


def test_mongodb_init_creates_each_services_user(manifests: Any, component: Any) -> None:
    """The init job creates user <name> with readWrite on database <name>, with the service's password."""
    if "MONGODB_URI" not in {v.name for v in variables(component.settings_type())}:
        pytest.skip(f"{component.name} does not use MongoDB")
    container = _container(manifests, component)
    env = manifests.environment(container)
    assert env["MONGODB_USERNAME"] == component.name
    assert _settings(manifests, component).mongodb_database == component.name
    init = manifests.container("Job", "mongodb-init", "init")
    assert (
        manifests.secret_refs(init)[f"MONGODB_PASSWORD_{component.name.upper()}"]
        == manifests.secret_refs(container)["MONGODB_PASSWORD"]
    )


def test_pods_are_hardened(manifests: Any) -> None:
    """Non-root, read-only root, no capabilities, no token, RuntimeDefault seccomp, requests and limits."""
    problems = []
    for workload in manifests.workloads():
        spec = workload["spec"]["template"]["spec"]
        where = f"{workload['kind']}/{workload['metadata']['name']}"
        if spec.get("automountServiceAccountToken") is not False:
            problems.append(f"{where}: service-account token mounted")
        if spec.get("enableServiceLinks") is not False:
            problems.append(f"{where}: service links inject variables that could shadow settings")
        pod = spec.get("securityContext", {})
        if pod.get("runAsNonRoot") is not True or pod.get("runAsUser", 0) < 10000:
            problems.append(f"{where}: not a non-root high uid")
        if pod.get("seccompProfile", {}).get("type") != "RuntimeDefault":
            problems.append(f"{where}: seccomp")
        for c in spec.get("initContainers", []) + spec["containers"]:
            sc = c.get("securityContext", {})
            if not (
                sc.get("readOnlyRootFilesystem")
                and sc.get("allowPrivilegeEscalation") is False
                and sc.get("capabilities", {}).get("drop") == ["ALL"]
            ):
                problems.append(f"{where}/{c['name']}: container security context")
            resources = c.get("resources", {})
            if set(resources.get("requests", {})) != {"cpu", "memory"} or set(resources.get("limits", {})) != {
                "cpu",
                "memory",
            }:
                problems.append(f"{where}/{c['name']}: requests and limits")
    assert problems == []


def test_each_component_has_a_disruption_budget(manifests: Any, component: Any) -> None:
    budget = manifests.get("PodDisruptionBudget", component.name)
    labels = _deployment(manifests, component)["spec"]["template"]["metadata"]["labels"]
    assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()


@pytest.mark.parametrize("name", ["gateway", "response"])
def test_gateway_and_response_autoscale(manifests: Any, name: str) -> None:
    hpa = manifests.get("HorizontalPodAutoscaler", name)
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
    assert "replicas" not in manifests.get("Deployment", name)["spec"], "the autoscaler owns the count"


def test_dev_runs_one_replica_of_each_component(dev: Any, all_components: list[Any]) -> None:
    counts = {}
    for c in all_components:
        hpa = dev.find("HorizontalPodAutoscaler", c.name)
        counts[c.name] = hpa["spec"]["minReplicas"] if hpa else dev.get("Deployment", c.name)["spec"]["replicas"]
    assert set(counts.values()) == {1}, counts


def test_prod_runs_replicas_apart_with_guaranteed_resources(prod: Any, all_components: list[Any]) -> None:
    for c in all_components:
        hpa = prod.find("HorizontalPodAutoscaler", c.name)
        replicas = hpa["spec"]["minReplicas"] if hpa else prod.get("Deployment", c.name)["spec"]["replicas"]
        assert replicas >= 3, c.name
    for workload in prod.workloads():
        spec = workload["spec"]["template"]["spec"]
        component = workload["metadata"]["labels"].get("app.kubernetes.io/component")
        if workload["kind"] != "Job" and component in ("service", "gateway", "nats", "mongodb"):
            assert "podAntiAffinity" in spec.get("affinity", {}), workload["metadata"]["name"]
        for c in spec.get("initContainers", []) + spec["containers"]:
            assert c["resources"]["requests"] == c["resources"]["limits"], (workload["metadata"]["name"], c["name"])


def test_streams_are_replicated_on_every_nats_node_in_prod(prod: Any, dev: Any) -> None:
    for manifests in (prod, dev):
        replicas = int(manifests.environment(manifests.container("Deployment", "response"))["NATS_STREAM_REPLICAS"])
        assert replicas <= manifests.get("StatefulSet", "nats")["spec"]["replicas"]
    assert prod.environment(prod.container("Deployment", "response"))["NATS_STREAM_REPLICAS"] == "3"


def _runtime_closure(distribution: str) -> set[str]:
    """The distributions ``pip install`` brings for ``distribution`` (no extras): what the image holds."""
    seen: set[str] = set()
    todo = [distribution]
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = importlib.metadata.distribution(name).requires or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for line in requires:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return seen


def test_the_image_holds_what_nats_authentication_needs(manifests: Any, component: Any) -> None:
    """The image installs only the component's declared dependencies (deploy/Dockerfile); the manifests
    authenticate to NATS with an nkey seed, which nats-py can use only when the nkeys package is there."""
    env = manifests.environment(_container(manifests, component))
    assert env.get("NATS_NKEY_SEED"), "every component authenticates to NATS"
    folder = REPO / ("gateway" if component.kind == "http" else f"services/{component.name}")
    distribution = tomllib.loads((folder / "pyproject.toml").read_text())["project"]["name"]
    assert "nkeys" in _runtime_closure(distribution), f"{distribution} does not pull in nkeys"
