"""A static security scan (checkov) of every rendered overlay and of the image recipe.

checkov lives in its own virtual environment (``make tools``, pinned in deploy/k8s/requirements-tools.txt)
because its dependencies conflict with the mesh's lock. Every finding must be a listed, justified
exception (deploy/k8s/security-exceptions.yaml), and every exception must still match a finding.
"""

from __future__ import annotations

import fnmatch
import json
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

REPO = Path(__file__).resolve().parents[2]
CHECKOV = REPO / ".venv-tools" / "bin" / "checkov"
EXCEPTIONS = REPO / "deploy" / "k8s" / "security-exceptions.yaml"


@dataclass(frozen=True)
class Finding:
    check: str
    resource: str
    file: str
    name: str


@cache
def _exceptions() -> list[dict[str, Any]]:
    return yaml.safe_load(EXCEPTIONS.read_text())  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def findings(tmp_path_factory: pytest.TempPathFactory, rendered: dict[str, str]) -> list[Finding]:
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV} is missing: run `make tools` (`make test` does it)")
    scan = tmp_path_factory.mktemp("checkov")
    targets = []
    for overlay, text in rendered.items():
        (scan / f"{overlay}.yaml").write_text(text)
        targets += ["-f", str(scan / f"{overlay}.yaml")]
    result = subprocess.run(
        [
            str(CHECKOV),
            *targets,
            "-f",
            "deploy/Dockerfile",
            "--framework",
            "kubernetes",
            "dockerfile",
            "--skip-download",
            "--output",
            "json",
            "--quiet",
            "--compact",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode not in (0, 1):  # 1: there are findings, judged below
        pytest.fail(f"checkov failed ({result.returncode}):\n{result.stderr[-3000:]}")
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    assert {r["check_type"] for r in reports} == {"kubernetes", "dockerfile"}, "a target was not scanned"
    assert all(r["summary"]["parsing_errors"] == 0 for r in reports)
    return [
        Finding(c["check_id"], c["resource"], c["file_path"], c["check_name"])
        for r in reports
        for c in r["results"]["failed_checks"]
    ]


def _excused(finding: Finding, exception: dict[str, Any]) -> bool:
    return exception["check"] == finding.check and any(
        fnmatch.fnmatchcase(finding.resource, pattern) for pattern in exception["resources"]
    )


def test_every_finding_is_a_listed_exception(findings: list[Finding]) -> None:
    unexcused = sorted(
        f"{f.check} {f.resource} ({f.name}) in {f.file}"
        for f in findings
        if not any(_excused(f, e) for e in _exceptions())
    )
    assert unexcused == []


def test_every_exception_still_matches_a_finding(findings: list[Finding]) -> None:
    stale = [f"{e['check']} {e['resources']}" for e in _exceptions() if not any(_excused(f, e) for f in findings)]
    assert stale == []


def test_every_exception_is_justified() -> None:
    for exception in _exceptions():
        assert set(exception) == {"check", "title", "resources", "why"}, exception
        assert len(exception["why"].split()) >= 20, f"{exception['check']}: say why, in a sentence or two"
