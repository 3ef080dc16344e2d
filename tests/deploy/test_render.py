"""Every overlay renders, and every object it renders is valid for the Kubernetes version we target."""

from __future__ import annotations

import copy
from collections import Counter
from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest

# The oldest Kubernetes the manifests must run on (native gRPC probes, preStop sleep, matchLabelKeys in
# pod affinity and topology spread are all in it). Strict: an unknown or misspelt field is an error.
KUBERNETES_VERSION = "1.33.0"

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"


def test_overlay_renders_into_one_namespace(manifests: Any) -> None:
    kinds = Counter(o["kind"] for o in manifests.objects)
    assert kinds["Deployment"] >= 2 and kinds["StatefulSet"] == 2, kinds
    outside = [
        f"{o['kind']}/{o['metadata']['name']}"
        for o in manifests.objects
        if o["kind"] != "Namespace" and o["metadata"].get("namespace") != "mesh"
    ]
    assert outside == []
    names = Counter((o["kind"], o["metadata"]["name"]) for o in manifests.objects)
    assert [n for n, count in names.items() if count > 1] == []


def test_every_object_validates_against_the_kubernetes_schema(manifests: Any) -> None:
    problems = []
    for o in manifests.objects:
        try:
            kubernetes_validate.validate(o, KUBERNETES_VERSION, strict=True)
        except (kubernetes_validate.ValidationError, kubernetes_validate.SchemaNotFoundError) as err:
            problems.append(f"{o['kind']}/{o['metadata']['name']}: {getattr(err, 'message', err)}")
    assert problems == []


def test_the_validator_rejects_a_misspelt_field(prod: Any) -> None:
    """A control: the schema check above is strict enough to catch a typo in a probe."""
    deployment = copy.deepcopy(prod.get("Deployment", "gateway"))
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["readinessProbe"]["periodSecond"] = container["readinessProbe"].pop("periodSeconds")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_no_secret_is_committed_and_every_referenced_secret_is_documented(manifests: Any) -> None:
    assert manifests.of_kind("Secret") == []
    referenced: set[str] = set()
    for workload in manifests.workloads():
        spec = workload["spec"]["template"]["spec"]
        for c in spec.get("initContainers", []) + spec["containers"]:
            referenced.update(name for name, _ in manifests.secret_refs(c).values())
        referenced.update(v["secret"]["secretName"] for v in spec.get("volumes", []) if "secret" in v)
    for ingress in manifests.of_kind("Ingress"):
        referenced.update(tls["secretName"] for tls in ingress["spec"].get("tls", []))
    readme = (K8S / "README.md").read_text()
    assert referenced, "no Secret referenced at all: the credentials must come from somewhere"
    assert sorted(s for s in referenced if f"`{s}`" not in readme) == []
