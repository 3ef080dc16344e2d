"""Fixtures of the contacts service's tests: the service running in-process against the test servers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mesh_contacts.settings import ContactsSettings
from mesh_contacts.testing import RunningContacts, run_contacts
from meshlib.testing.plugin import settings_for


@pytest.fixture
async def contacts_service(mesh_env: dict[str, str]) -> AsyncIterator[RunningContacts]:
    settings = settings_for(ContactsSettings, mesh_env, EDITION_SCHEDULE="off", DEADLINE_SCAN_SECONDS=0.1,
                            OUTBOX_RELAY_SECONDS=1)
    async with run_contacts(settings) as svc:
        yield svc
