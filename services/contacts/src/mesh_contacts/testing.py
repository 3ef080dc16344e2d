"""Helpers for tests of the contacts service (used here, by the gateway's tests and by tests/)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import grpc

from mesh.contacts.v1 import contacts_pb2 as pb
from mesh.contacts.v1 import contacts_pb2_grpc
from mesh_contacts.commands import Contacts
from mesh_contacts.demo import demo_credit_code
from mesh_contacts.service import SPEC, assemble
from mesh_contacts.settings import ContactsSettings
from meshlib.bus import Bus
from meshlib.channels import channel
from meshlib.envelope import Envelope
from meshlib.service import Runtime, running


@dataclass
class RunningContacts:
    runtime: Runtime[ContactsSettings]
    stub: contacts_pb2_grpc.ContactsServiceStub
    bus: Bus
    """A separate connection in the same namespace, as another service would have."""
    contacts: Contacts
    """The command layer on the service's database and bus, for steps a test dates in the past."""

    def at(self, moment: datetime) -> Contacts:
        return self.contacts.at(lambda: moment)


@asynccontextmanager
async def run_contacts(settings: ContactsSettings) -> AsyncIterator[RunningContacts]:
    """The service in-process, a channel to it, and a peer NATS connection."""
    async with running(SPEC, settings) as rt:
        ch: grpc.aio.Channel = channel(f"127.0.0.1:{rt.port}")
        other = await Bus.connect(settings, name="test-peer")
        contacts, _ = assemble(rt)
        try:
            yield RunningContacts(rt, contacts_pb2_grpc.ContactsServiceStub(ch), other, contacts)
        finally:
            await other.close()
            await ch.close()


def subjects(seen: list[tuple[str, Envelope]]) -> list[str]:
    return [s for s, _ in seen]


def has(*wanted: str) -> Callable[[list[tuple[str, Envelope]]], bool]:
    """For ``read_stream(..., decode=with_subject, until=has(...))``: each wanted subject seen as often as listed."""

    def check(seen: list[tuple[str, Envelope]]) -> bool:
        got = subjects(seen)
        return all(got.count(w) >= wanted.count(w) for w in set(wanted))

    return check


def territory(township: str = "410311010", county_name: str = "洛龙区", township_name: str = "开元路街道") -> Any:
    return pb.Territory(county_code=township[:6], county_name=county_name, township_code=township,
                        township_name=township_name)


def enterprise(n: int, name: str, *lists: Any, township: str = "410311010") -> pb.EnterpriseInput:
    """A valid enterprise input; ``n`` makes its credit code unique."""
    return pb.EnterpriseInput(name=name, credit_code=demo_credit_code(township[:6], n), sector="装备制造",
                              territory=territory(township), address="开元大道1号",
                              contact=pb.Contact(name="办公室", phone="0379-1"), key_lists=list(lists))
