"""How the chief service officers service plugs into the shared runtime."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime, timedelta

from mesh.officers.v1 import officers_pb2, officers_pb2_grpc
from mesh_officers.contacts import Contacts
from mesh_officers.events import (
    DOMAIN,
    ENTERPRISE_EVENTS,
    ENTERPRISES_DURABLE,
    PROBLEM_RAISED,
    PROBLEMS_DURABLE,
    PROBLEMS_STREAM,
    STREAMS,
    DeadlineEffects,
    EnterpriseFollower,
    ProblemIntake,
)
from mesh_officers.repository import INDEXES, SOURCE, Repository
from mesh_officers.servicer import OfficersServicer
from mesh_officers.settings import OfficersSettings
from mesh_officers.territory import Territories
from mesh_officers.workflows.agency import AgencyDesk
from mesh_officers.workflows.nonapprovals import NonApprovalDesk
from mesh_officers.workflows.officers import OfficerDesk
from mesh_officers.workflows.projects import ProjectDesk
from mesh_officers.workflows.requests import RequestDesk
from meshlib.deadlines import DeadlineScanner, utcnow
from meshlib.service import Runtime, ServiceSpec

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def wiring(clock: Clock) -> Callable[[Runtime[OfficersSettings]], AbstractAsyncContextManager[None]]:
    """The ``wire`` hook, reading time from ``clock`` (tests pass a clock they can move)."""

    @asynccontextmanager
    async def wire(rt: Runtime[OfficersSettings]) -> AsyncIterator[None]:
        s = rt.settings
        repo = Repository(rt.db, rt.bus, clock)
        contacts = Contacts(s.contacts_target)
        request_desk = RequestDesk(
            repo, contacts, s.request_limits, s.warn_fraction, timedelta(hours=s.handover_accept_hours)
        )
        non_approval_desk = NonApprovalDesk(repo, s.level_limits, s.warn_fraction)
        officers_pb2_grpc.add_OfficersServiceServicer_to_server(
            OfficersServicer(
                repo,
                OfficerDesk(repo),
                request_desk,
                AgencyDesk(repo, s.report_due_days),
                ProjectDesk(repo, contacts),
                non_approval_desk,
            ),
            rt.server,
        )
        scanner = DeadlineScanner(
            repo.deadlines,
            rt.bus,
            domain=DOMAIN,
            source=SOURCE,
            interval=s.scan_interval,
            clock=clock,
            on_fire=DeadlineEffects(request_desk, non_approval_desk),
        )
        if s.consume_problems:
            intake = ProblemIntake(request_desk)
            rt.bus.consume(stream=PROBLEMS_STREAM, durable=PROBLEMS_DURABLE, subjects=[PROBLEM_RAISED], handler=intake)
        if s.follow_enterprises:
            rt.bus.consume(stream=PROBLEMS_STREAM, durable=ENTERPRISES_DURABLE, subjects=ENTERPRISE_EVENTS,
                           handler=EnterpriseFollower(Territories(rt.db)))
        await repo.outbox.sweep()
        # Item 9: clocks an older version wrote without their subject's county, placed before the scanner fires them.
        placed = await Territories(rt.db).place_unplaced_clocks()
        log.info("placed %d running clocks written without a county in their subject's county (item 9)", placed)
        repo.outbox.start()
        scanner.start()
        try:
            yield
        finally:
            await scanner.stop()
            await repo.outbox.stop()
            await contacts.close()

    return wire


def build_spec(clock: Clock = utcnow) -> ServiceSpec[OfficersSettings]:
    return ServiceSpec(
        name="officers",
        settings_type=OfficersSettings,
        streams=STREAMS,
        indexes=INDEXES,
        grpc_services=[officers_pb2.DESCRIPTOR.services_by_name["OfficersService"].full_name],
        wire=wiring(clock),
    )


SPEC = build_spec()
