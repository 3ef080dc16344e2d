"""How the contacts service plugs into the shared runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from mesh.contacts.v1 import contacts_pb2, contacts_pb2_grpc
from mesh_contacts import demo, events
from mesh_contacts.commands import Contacts
from mesh_contacts.repository import INDEXES, RETIRED_INDEXES, WITH_EVENTS, Repository
from mesh_contacts.schedule import EditionSchedule, on_deadline, problem_deadlines
from mesh_contacts.servicer import ContactsServicer
from mesh_contacts.settings import ContactsSettings
from meshlib.deadlines import DeadlineScanner, DeadlineStore
from meshlib.outbox import Outbox
from meshlib.service import Runtime, ServiceSpec


def assemble(rt: Runtime[ContactsSettings]) -> tuple[Contacts, DeadlineStore]:
    """The command layer over the runtime's database and bus (tests build their own the same way)."""
    store = DeadlineStore(rt.db)
    outbox = Outbox(rt.bus, [rt.db[c] for c in WITH_EVENTS], sweep_every=rt.settings.outbox_relay_seconds,
                    before_publish=problem_deadlines(store))
    return Contacts(Repository(rt.client, rt.db), outbox), store


@asynccontextmanager
async def wire(rt: Runtime[ContactsSettings]) -> AsyncIterator[Contacts]:
    settings = rt.settings
    contacts, store = assemble(rt)
    outbox = contacts.outbox
    contacts_pb2_grpc.add_ContactsServiceServicer_to_server(ContactsServicer(contacts, contacts.repo), rt.server)
    await outbox.sweep()  # events a previous run wrote but did not get to publish
    await contacts.backfill_territory()  # pairings stored before they carried their target's territory
    if settings.demo_data:
        await demo.load(contacts)
    scanner = DeadlineScanner(store, rt.bus, domain=events.DEADLINE_DOMAIN, source=events.SOURCE,
                              interval=settings.deadline_scan_seconds, on_fire=on_deadline(contacts))
    schedule = EditionSchedule(contacts, settings.edition_check_seconds)
    scanner.start()
    outbox.start()
    if settings.edition_schedule == "monthly":
        schedule.start()
    try:
        yield contacts
    finally:
        await schedule.stop()
        await outbox.stop()
        await scanner.stop()


SPEC = ServiceSpec(
    name="contacts",
    settings_type=ContactsSettings,
    streams=events.STREAMS,
    indexes=INDEXES,
    retired_indexes=RETIRED_INDEXES,
    grpc_services=[contacts_pb2.DESCRIPTOR.services_by_name["ContactsService"].full_name],
    wire=wire,
)
