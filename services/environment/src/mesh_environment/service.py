"""How the environment service plugs into the shared runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from mesh.environment.v1 import environment_pb2, environment_pb2_grpc
from mesh_environment import events
from mesh_environment.casework import Casework
from mesh_environment.domain.cases import Site
from mesh_environment.enforcement import Enforcement
from mesh_environment.oversight import AccountabilityLedger, Findings
from mesh_environment.repository import INDEXES, utcnow
from mesh_environment.repository.cases import CASES, CaseRepository
from mesh_environment.repository.enforcement import EnforcementRepository
from mesh_environment.repository.oversight import OversightRepository
from mesh_environment.servicer import EnvironmentServicer
from mesh_environment.settings import EnvironmentSettings
from mesh_environment.territory import ContactsDirectory, SiteInfo, TerritoryDirectory
from meshlib.deadlines import DeadlineScanner, DeadlineStore
from meshlib.outbox import Outbox
from meshlib.service import Runtime, ServiceSpec

DirectoryFactory = Callable[[EnvironmentSettings], TerritoryDirectory]


def contacts_directory(settings: EnvironmentSettings) -> TerritoryDirectory:
    return ContactsDirectory(settings.contacts_target, timeout=settings.contacts_timeout)


def spec(directory: DirectoryFactory = contacts_directory) -> ServiceSpec[EnvironmentSettings]:
    """The service; ``directory`` says where territory and key status come from (contacts, by default)."""

    def wire(rt: Runtime[EnvironmentSettings]) -> AbstractAsyncContextManager[None]:
        return _wired(rt, directory)

    return ServiceSpec(
        name="environment",
        settings_type=EnvironmentSettings,
        streams=events.STREAMS,
        indexes=INDEXES,
        grpc_services=[environment_pb2.DESCRIPTOR.services_by_name["EnvironmentService"].full_name],
        wire=wire,
        # Partial indexes no read could use, replaced by enterprise_newest_first and project_newest_first.
        retired_indexes={CASES: ["by_enterprise", "by_project"]},
    )


@dataclass(frozen=True)
class Parts:
    """The service's working parts over one runtime (tests build their own, e.g. with another clock)."""

    casework: Casework
    enforcement: Enforcement
    findings: Findings
    servicer: EnvironmentServicer
    clocks: DeadlineStore
    outbox: Outbox


def assemble(rt: Runtime[EnvironmentSettings], directory: TerritoryDirectory, *,
             clock: Callable[[], datetime] = utcnow) -> Parts:
    s = rt.settings
    clocks_store = DeadlineStore(rt.db)
    cases, enf, over = CaseRepository(rt.db), EnforcementRepository(rt.db), OversightRepository(rt.db)
    box = Outbox(rt.bus, [cases.cases, enf.checks, enf.fines, over.findings, over.accountability],
                 sweep_every=s.outbox_sweep_seconds)
    ledger = AccountabilityLedger(over, box)
    casework = Casework(cases, clocks_store, box, directory, ledger, clocks=s.clocks(), merge_window=s.merge_window,
                        clock=clock)

    def county(info: SiteInfo | None) -> str | None:
        """Item 9: the county a site lies in; None if the registry does not know it."""
        return (info.county_code or None) if info else None

    async def key_and_county(site: Site) -> tuple[bool, str | None]:
        info = await casework.site_info(site)
        return (await casework.key_status(site, info)).key, county(info)

    async def county_of(enterprise_id: str) -> str | None:
        return county(await casework.site_info(Site(enterprise_id=enterprise_id)))

    findings = Findings(over, clocks_store, box, ledger, key_and_county, clocks=s.clocks(), clock=clock)
    enforcement = Enforcement(enf, box, repeat_window_days=s.repeat_window_days,
                              hearing_threshold_fen=s.hearing_threshold_fen, clock=clock, county_of=county_of)
    servicer = EnvironmentServicer(casework, enforcement, findings, cases, enf, over, clocks_store)
    return Parts(casework, enforcement, findings, servicer, clocks_store, box)


@asynccontextmanager
async def _wired(rt: Runtime[EnvironmentSettings], directory_factory: DirectoryFactory) -> AsyncIterator[None]:
    directory = directory_factory(rt.settings)
    parts = assemble(rt, directory)
    environment_pb2_grpc.add_EnvironmentServiceServicer_to_server(parts.servicer, rt.server)
    scanner = DeadlineScanner(parts.clocks, rt.bus, domain=events.DOMAIN, source=events.SOURCE,
                              interval=rt.settings.scan_interval, on_fire=parts.casework.on_deadline)
    parts.outbox.start()
    scanner.start()
    # INCIDENTS belongs to the response service: this service holds a durable consumer on it, never declares it.
    rt.bus.consume(stream=events.INCIDENTS_STREAM, durable=events.INCIDENT_DURABLE,
                   subjects=[events.INCIDENT_ACCEPTED],
                   handler=events.incident_consumer(parts.casework.take_incident),
                   concurrency=rt.settings.incident_concurrency)
    try:
        yield
    finally:
        await scanner.stop()
        await parts.outbox.stop()
        await directory.close()


SPEC = spec()
