"""How the response service plugs into the shared runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta

from mesh.contacts.v1 import contacts_pb2_grpc
from mesh.response.v1 import response_pb2, response_pb2_grpc
from mesh_response import demo
from mesh_response.desk import Desk, TerritoryLookup
from mesh_response.events import ACCEPTED, REPORTS, SOURCE, STATUS_UPDATES, STREAMS, Dispatcher, Intake, StatusIntake
from mesh_response.repository import INCIDENTS, INDEXES, IncidentRepository, UnitRepository
from mesh_response.servicer import ResponseServicer
from mesh_response.settings import ResponseSettings
from meshlib import deadlines
from meshlib.channels import channel
from meshlib.deadlines import DeadlineScanner, DeadlineStore
from meshlib.outbox import Outbox
from meshlib.service import Runtime, ServiceSpec

INTAKE_DURABLE = "response-intake"
STATUS_DURABLE = "response-status"
DISPATCH_DURABLE = "response-dispatch"


@asynccontextmanager
async def wire(rt: Runtime[ResponseSettings]) -> AsyncIterator[Desk]:
    s = rt.settings
    async with AsyncExitStack() as stack:
        repo = IncidentRepository(rt.db)
        units = UnitRepository(rt.db)
        clocks = DeadlineStore(rt.db)
        box = Outbox(rt.bus, [repo.collection])
        contacts = None
        if s.contacts_target:
            ch = channel(s.contacts_target)
            stack.push_async_callback(ch.close)
            contacts = contacts_pb2_grpc.ContactsServiceStub(ch)
        if s.demo_data:
            await demo.load(units)
        normal, urgent = s.clock_policies()
        desk = Desk(repo, units, clocks, box, TerritoryLookup(units, contacts), normal=normal, urgent=urgent)
        response_pb2_grpc.add_ResponseServiceServicer_to_server(ResponseServicer(repo, units, desk, clocks), rt.server)
        skew = timedelta(seconds=s.clock_skew_seconds)
        rt.bus.consume(stream="INCIDENTS", durable=INTAKE_DURABLE, subjects=[REPORTS],
                       handler=Intake(repo, rt.bus, max_bytes=s.max_report_bytes, clock_skew=skew),
                       concurrency=s.intake_concurrency)
        # Status updates in order, one at a time: a unit's "on scene" must not overtake its "acknowledged".
        rt.bus.consume(stream="INCIDENTS", durable=STATUS_DURABLE, subjects=[STATUS_UPDATES],
                       handler=StatusIntake(desk, rt.bus, max_bytes=s.max_report_bytes, clock_skew=skew))
        rt.bus.consume(stream="INCIDENTS", durable=DISPATCH_DURABLE, subjects=[ACCEPTED], handler=Dispatcher(desk),
                       concurrency=8)
        scanner = DeadlineScanner(clocks, rt.bus, domain="incidents", source=SOURCE, interval=s.scan_interval)
        scanner.start()
        stack.push_async_callback(scanner.stop)
        box.start()
        stack.push_async_callback(box.stop)
        yield desk


SPEC = ServiceSpec(
    name="response",
    settings_type=ResponseSettings,
    streams=STREAMS,
    indexes={**INDEXES, **deadlines.INDEXES},
    grpc_services=[response_pb2.DESCRIPTOR.services_by_name["ResponseService"].full_name],
    wire=wire,
    # Partial indexes no read could use, replaced by enterprise_newest_first and project_newest_first.
    retired_indexes={INCIDENTS: ["by_enterprise", "by_project"]},
)
