"""The NetworkPolicies allow exactly the design's edges: each listed edge is open, each other tried is shut.

A small evaluator applies the Kubernetes NetworkPolicy semantics (a pod selected by a policy of a type
accepts only what some rule of that type allows; traffic needs the sender's egress and the receiver's
ingress) to the pods the overlays render.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

NAMESPACE = "mesh"


@dataclass(frozen=True)
class Pod:
    """A pod template of the rendered manifests, or a peer outside the namespace (other namespace, IP)."""

    name: str
    labels: dict[str, str] = field(default_factory=dict)
    namespace: str = NAMESPACE
    ports: dict[str, int] = field(default_factory=dict)  # container port name -> number
    ip: str | None = None


KUBE_DNS = Pod("kube-dns", {"k8s-app": "kube-dns"}, "kube-system", {"dns": 53})
INGRESS_CONTROLLER = Pod("ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"}, "ingress-nginx")
OTHER_NAMESPACE = Pod("intruder", {"app.kubernetes.io/name": "gateway"}, "default")
AGENCY = Pod("agency", namespace="", ip="192.0.2.10")
STRANGER = Pod("stranger", namespace="", ip="203.0.113.7")


def _matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if not selector.get("matchLabels", {}).items() <= labels.items():
        return False
    for expr in selector.get("matchExpressions", []):
        value, present = labels.get(expr["key"]), expr["key"] in labels
        ok = {
            "In": present and value in expr.get("values", []),
            "NotIn": not present or value not in expr.get("values", []),
            "Exists": present,
            "DoesNotExist": not present,
        }[expr["operator"]]
        if not ok:
            return False
    return True


def _peer(peer: dict[str, Any], pod: Pod) -> bool:
    if "ipBlock" in peer:
        return pod.ip is not None and ipaddress.ip_address(pod.ip) in ipaddress.ip_network(peer["ipBlock"]["cidr"])
    if pod.ip is not None:
        return False
    if "namespaceSelector" in peer:
        if not _matches(peer["namespaceSelector"], {"kubernetes.io/metadata.name": pod.namespace}):
            return False
    elif pod.namespace != NAMESPACE:
        return False
    return _matches(peer.get("podSelector", {}), pod.labels)


def _port(rule: dict[str, Any], target: Pod, port: int, protocol: str) -> bool:
    if "ports" not in rule:
        return True
    for p in rule["ports"]:
        number = target.ports.get(p["port"]) if isinstance(p["port"], str) else p["port"]
        if number == port and p.get("protocol", "TCP") == protocol:
            return True
    return False


def allowed(policies: list[Any], source: Pod, target: Pod, port: int, protocol: str = "TCP") -> bool:
    """Whether ``source`` may open ``port`` on ``target`` under the namespace's policies."""

    def direction(kind: str, subject: Pod, peer: Pod, rules_key: str, peers_key: str) -> bool:
        if subject.namespace != NAMESPACE:
            return True  # policies elsewhere are not ours to check
        selecting = [
            p
            for p in policies
            if kind in p["spec"].get("policyTypes", ["Ingress"]) and _matches(p["spec"]["podSelector"], subject.labels)
        ]
        if not selecting:
            return True
        return any(
            peers_key not in rule or any(_peer(x, peer) for x in rule[peers_key])
            for p in selecting
            for rule in p["spec"].get(rules_key, [])
            if _port(rule, target, port, protocol)
        )

    return direction("Egress", source, target, "egress", "to") and direction(
        "Ingress", target, source, "ingress", "from"
    )


def _pods(manifests: Any) -> dict[str, Pod]:
    pods = {}
    for workload in manifests.workloads():
        template = workload["spec"]["template"]
        ports = {p["name"]: p["containerPort"] for c in template["spec"]["containers"] for p in c.get("ports", [])}
        pods[workload["metadata"]["name"]] = Pod(
            workload["metadata"]["name"], template["metadata"]["labels"], ports=ports
        )
    return pods


def _edges(manifests: Any, all_components: list[Any]) -> tuple[list[Any], list[Any]]:
    """(edges the design has, edges it does not) as (source, target, port, protocol)."""
    pods = _pods(manifests)
    services = [pods[c.name] for c in all_components if c.kind == "grpc"]
    gateway, nats, mongodb = pods["gateway"], pods["nats"], pods["mongodb"]
    collector, jaeger, init = pods["otel-collector"], pods["jaeger"], pods["mongodb-init"]
    grpc = {s.name: s.ports["grpc"] for s in services}
    design = [
        (INGRESS_CONTROLLER, gateway, 8000),
        (AGENCY, nats, 4222),
        (nats, nats, 6222),
        (mongodb, mongodb, 27017),
        (init, mongodb, 27017),
        (collector, jaeger, 4317),
        (gateway, nats, 4222),
        (gateway, collector, 4317),
        *[(gateway, s, grpc[s.name]) for s in services],
        *[(s, pods["contacts"], grpc["contacts"]) for s in services],
        *[(s, t, p) for s in services for t, p in ((nats, 4222), (mongodb, 27017), (collector, 4317))],
        *[(pod, KUBE_DNS, 53, "UDP") for pod in pods.values()],
    ]
    other = [s for s in services if s.name != "contacts"]
    outside = [
        (gateway, mongodb, 27017),
        (gateway, jaeger, 4317),
        (INGRESS_CONTROLLER, nats, 4222),
        (AGENCY, mongodb, 27017),
        (AGENCY, gateway, 8000),
        (STRANGER, nats, 4222),
        (OTHER_NAMESPACE, nats, 4222),
        (OTHER_NAMESPACE, mongodb, 27017),
        (OTHER_NAMESPACE, gateway, 8000),
        (nats, mongodb, 27017),
        (mongodb, nats, 4222),
        (collector, mongodb, 27017),
        (jaeger, nats, 4222),
        (init, nats, 4222),
        (nats, KUBE_DNS, 5353, "UDP"),
        *[(s, jaeger, 4317) for s in services],
        *[(INGRESS_CONTROLLER, s, grpc[s.name]) for s in services],
        *[(OTHER_NAMESPACE, s, grpc[s.name]) for s in services],
        *[(s, t, grpc[t.name]) for s in services for t in other],
        *[(s, gateway, 8000) for s in services],
    ]
    return design, outside


def test_every_edge_of_the_design_is_open(manifests: Any, all_components: list[Any]) -> None:
    policies = manifests.of_kind("NetworkPolicy")
    design, _ = _edges(manifests, all_components)
    shut = [f"{e[0].name} -> {e[1].name}:{e[2]}" for e in design if not allowed(policies, *e)]
    assert shut == []


def test_every_other_edge_is_shut(manifests: Any, all_components: list[Any]) -> None:
    policies = manifests.of_kind("NetworkPolicy")
    _, outside = _edges(manifests, all_components)
    open_ = [f"{e[0].name} -> {e[1].name}:{e[2]}" for e in outside if allowed(policies, *e)]
    assert open_ == []


def test_everything_is_denied_by_default(manifests: Any) -> None:
    deny = [
        p
        for p in manifests.of_kind("NetworkPolicy")
        if p["spec"]["podSelector"] == {}
        and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
    ]
    assert deny, "no default-deny policy"
    # Without any policy, the evaluator lets everything through: the checks above depend on the policies.
    assert allowed([], OTHER_NAMESPACE, Pod("mongodb", {"app.kubernetes.io/name": "mongodb"}), 27017)


def test_the_ingress_routes_graphql_to_the_gateway_only(manifests: Any) -> None:
    (ingress,) = manifests.of_kind("Ingress")
    backends = {
        (p["path"], p["backend"]["service"]["name"], p["backend"]["service"]["port"]["name"])
        for rule in ingress["spec"]["rules"]
        for p in rule["http"]["paths"]
    }
    assert backends == {("/graphql", "gateway", "http")}
    assert ingress["spec"]["tls"], "subscriptions and bearer tokens travel over TLS"
    annotations = ingress["metadata"]["annotations"]
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600, "idle subscriptions"
