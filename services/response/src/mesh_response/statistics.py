"""Response statistics (item 9 rapid response; item 16 statistical analysis): pure computation."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from mesh_response.workflow import TERMINAL, Status, percentile
from meshlib.mongo import Document

MEASURED = {"acknowledged": "to_acknowledge", "on_scene": "to_arrive", "resolved": "to_resolve"}


@dataclass(frozen=True)
class Durations:
    count: int
    median_seconds: float
    p90_seconds: float

    @classmethod
    def of(cls, seconds: list[float]) -> Durations:
        if not seconds:
            return cls(0, 0.0, 0.0)
        return cls(len(seconds), float(statistics.median(seconds)), percentile(seconds, 0.9))


@dataclass
class Row:
    key: str
    incidents: int = 0
    open: int = 0
    breaches: int = 0
    seconds: dict[str, list[float]] = field(default_factory=lambda: {v: [] for v in MEASURED.values()})

    def durations(self, name: str) -> Durations:
        return Durations.of(self.seconds[name])


def first_times(history: list[Document]) -> dict[str, datetime]:
    """When each measured status was first reached (a later re-acknowledgement does not count)."""
    seen: dict[str, datetime] = {}
    for step in history:
        name = MEASURED.get(step["status"])
        if name is not None and name not in seen:
            seen[name] = step["at"]
    # Arriving on scene also answers the call; resolving on the spot also arrives.
    if "to_arrive" in seen and "to_acknowledge" not in seen:
        seen["to_acknowledge"] = seen["to_arrive"]
    return seen


def compute(incidents: list[Document], breaches: dict[str, int]) -> tuple[list[Row], list[Row]]:
    """Rows per unit and per category: counts, open, durations from receipt, clock breaches."""
    by_unit: dict[str, Row] = {}
    by_category: dict[str, Row] = {}
    for doc in incidents:
        rows = [by_unit.setdefault(doc.get("unit_id") or "(undispatched)", Row(doc.get("unit_id") or "(undispatched)")),
                by_category.setdefault(doc["category"], Row(doc["category"]))]
        times = first_times(doc.get("history", []))
        for row in rows:
            row.incidents += 1
            row.open += Status(doc["status"]) not in TERMINAL
            row.breaches += breaches.get(doc["_id"], 0)
            for name, at in times.items():
                row.seconds[name].append((at - doc["received_at"]).total_seconds())
    return sorted(by_unit.values(), key=lambda r: r.key), sorted(by_category.values(), key=lambda r: r.key)


def count_breaches(clocks: list[Document]) -> dict[str, int]:
    """Clocks breached per incident: still breached, or met after their due time."""
    out: dict[str, int] = defaultdict(int)
    for c in clocks:
        late = c.get("met_at") is not None and c["met_at"] > c["due_at"]
        if c["state"] == "breached" or late:
            out[c["subject_id"]] += 1
    return out
