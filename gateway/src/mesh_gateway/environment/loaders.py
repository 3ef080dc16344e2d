"""Per-request DataLoaders of the environment service: one batch call per kind of lookup per request."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

from mesh.environment.v1 import environment_pb2 as pb
from mesh.environment.v1 import environment_pb2_grpc
from mesh_gateway.errors import call

T = TypeVar("T")


def _by_id(items: Sequence[T], ids: list[str]) -> list[T | None]:
    found = {getattr(i, "id"): i for i in items}  # noqa: B009 - every message here has an id
    return [found.get(i) for i in ids]


def _by_key(reply: pb.CasesByKeyResponse, keys: list[str]) -> list[list[pb.Case]]:
    found = {r.key: list(r.cases) for r in reply.results}
    return [found.get(k, []) for k in keys]


class EnvironmentLoaders:
    """Cases by id, by enterprise, by project, by incident; enforcement checks, fine filings and findings by id;
    accountability records by their case or finding."""

    def __init__(self, stub: environment_pb2_grpc.EnvironmentServiceStub) -> None:
        self._stub = stub
        self.cases: DataLoader[str, pb.Case | None] = DataLoader(load_fn=self._cases)
        self.cases_by_enterprise: DataLoader[str, list[pb.Case]] = DataLoader(load_fn=self._by_enterprise)
        self.cases_by_project: DataLoader[str, list[pb.Case]] = DataLoader(load_fn=self._by_project)
        self.cases_by_incident: DataLoader[str, list[pb.Case]] = DataLoader(load_fn=self._by_incident)
        self.enforcement_checks: DataLoader[str, pb.EnforcementCheck | None] = DataLoader(
            load_fn=self._enforcement_checks)
        self.fines: DataLoader[str, pb.FineFiling | None] = DataLoader(load_fn=self._fines)
        self.findings: DataLoader[str, pb.Finding | None] = DataLoader(load_fn=self._findings)
        self.accountability_of_subject: DataLoader[str, list[pb.AccountabilityRecord]] = DataLoader(
            load_fn=self._accountability_of_subjects)

    async def _cases(self, ids: list[str]) -> list[pb.Case | None]:
        reply = await call(self._stub.BatchGetCases(pb.BatchGetCasesRequest(ids=ids)))
        return _by_id(reply.cases, ids)

    async def _by_enterprise(self, ids: list[str]) -> list[list[pb.Case]]:
        reply = await call(self._stub.BatchGetCasesByEnterprise(pb.BatchGetCasesByEnterpriseRequest(
            enterprise_ids=ids)))
        return _by_key(reply, ids)

    async def _by_project(self, ids: list[str]) -> list[list[pb.Case]]:
        reply = await call(self._stub.BatchGetCasesByProject(pb.BatchGetCasesByProjectRequest(project_ids=ids)))
        return _by_key(reply, ids)

    async def _by_incident(self, ids: list[str]) -> list[list[pb.Case]]:
        reply = await call(self._stub.BatchGetCasesByIncident(pb.BatchGetCasesByIncidentRequest(incident_ids=ids)))
        return _by_key(reply, ids)

    async def _enforcement_checks(self, ids: list[str]) -> list[pb.EnforcementCheck | None]:
        reply = await call(self._stub.BatchGetEnforcementChecks(pb.BatchGetEnforcementChecksRequest(ids=ids)))
        return _by_id(reply.checks, ids)

    async def _fines(self, ids: list[str]) -> list[pb.FineFiling | None]:
        reply = await call(self._stub.BatchGetFines(pb.BatchGetFinesRequest(ids=ids)))
        return _by_id(reply.fines, ids)

    async def _findings(self, ids: list[str]) -> list[pb.Finding | None]:
        reply = await call(self._stub.BatchGetFindings(pb.BatchGetFindingsRequest(ids=ids)))
        return _by_id(reply.findings, ids)

    async def _accountability_of_subjects(self, ids: list[str]) -> list[list[pb.AccountabilityRecord]]:
        """Each case's or finding's records, newest first: one call for every subject the request asks about."""
        reply = await call(self._stub.BatchGetAccountabilityBySubject(
            pb.BatchGetAccountabilityBySubjectRequest(subject_ids=ids)))
        found = {r.subject_id: list(r.records) for r in reply.results}
        return [found.get(i, []) for i in ids]
