"""Settings of the chief service officers service."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from mesh_officers.domain import nonapproval, requests
from meshlib.config import env
from meshlib.settings import ServiceSettings


def _request_limits(raw: str) -> str:
    requests.parse_limits(raw)  # malformed overrides fail at start-up, naming the variable
    return raw


def _level_limits(raw: str) -> str:
    nonapproval.parse_level_limits(raw)
    return raw


def _fraction(raw: str) -> float:
    value = float(raw)
    if not 0 <= value < 1:
        raise ValueError("expected a fraction from 0 up to (not including) 1")
    return value


@dataclass(frozen=True, kw_only=True)
class OfficersSettings(ServiceSettings):
    grpc_port: int = env("GRPC_PORT", 50052, doc="gRPC port; 0 picks a free one")
    mongodb_database: str = env("MONGODB_DATABASE", "officers", doc="database owned by this service")
    contacts_target: str = env(
        "CONTACTS_GRPC_TARGET", "127.0.0.1:50051", doc="host:port of the contacts service (project facts, problems)"
    )
    request_time_limits: str = env(
        "REQUEST_TIME_LIMITS",
        "",
        parse=_request_limits,
        doc="item 13: overrides of the completion limits as normal/urgent, e.g. permit=20d/7d,consultation=72h/24h",
    )
    warn_fraction: float = env(
        "DEADLINE_WARN_FRACTION",
        requests.DEFAULT_WARN_FRACTION,
        parse=_fraction,
        doc="share of a time limit left when the due-soon warning is published",
    )
    handover_accept_hours: float = env(
        "HANDOVER_ACCEPT_HOURS", 24.0, doc="item 13: hours a receiving department has to accept a hand-over"
    )
    non_approval_level_limits: str = env(
        "NON_APPROVAL_LEVEL_LIMITS",
        "",
        parse=_level_limits,
        doc="item 14: overrides of the time each level has to act, e.g. deputy_head=3d,head=72h",
    )
    report_due_days: int = env(
        "AGENCY_REPORT_DUE_DAYS", 5, doc="item 7: days into the next month by which a centre files its monthly report"
    )
    scan_interval: float = env("DEADLINE_SCAN_SECONDS", 1.0, doc="how often the deadline scanner looks")
    consume_problems: bool = env(
        "CONSUME_PROBLEMS", True, doc="turn each contacts.problem.raised into a request (items 13, 19, 20)"
    )
    follow_enterprises: bool = env(
        "FOLLOW_ENTERPRISES", True, doc="item 9: follow where enterprises lie (contacts.enterprise.*) onto requests"
    )

    @property
    def request_limits(self) -> Mapping[requests.Category, requests.Limit]:
        """Item 13: the default limits with ``REQUEST_TIME_LIMITS`` applied."""
        return requests.parse_limits(self.request_time_limits)

    @property
    def level_limits(self) -> Mapping[nonapproval.Level, timedelta]:
        """Item 14: the default level limits with ``NON_APPROVAL_LEVEL_LIMITS`` applied."""
        return nonapproval.parse_level_limits(self.non_approval_level_limits)
