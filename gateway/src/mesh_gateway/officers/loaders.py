"""Per-request DataLoaders of the officers service: one batch call per kind of lookup per request."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from mesh.officers.v1 import officers_pb2 as pb
from mesh.officers.v1 import officers_pb2_grpc
from mesh_gateway.errors import call

T = TypeVar("T")


def _by(items: Sequence[T], key: str, ids: list[str]) -> list[T | None]:
    found = {getattr(i, key): i for i in items}
    return [found.get(i) for i in ids]


def _grouped(items: Sequence[T], keys: Sequence[str], ids: list[str]) -> list[list[T]]:
    """Items under each id any of ``keys`` names (an officer of a project serves its enterprise too)."""
    groups: dict[str, list[T]] = defaultdict(list)
    for item in items:
        for value in dict.fromkeys(getattr(item, k) for k in keys):
            if value:
                groups[value].append(item)
    return [groups.get(i, []) for i in ids]


class OfficersLoaders:
    """By id: officers, dossiers, pledges, supervision items, requests, lead-handled projects, non-approvals; by
    target, enterprise, subject."""

    def __init__(self, stub: officers_pb2_grpc.OfficersServiceStub) -> None:
        self._stub = stub
        self.officers: DataLoader[str, pb.Officer | None] = DataLoader(load_fn=self._officers)
        self.officers_of_target: DataLoader[str, list[pb.Officer]] = DataLoader(load_fn=self._officers_of_targets)
        self.dossiers: DataLoader[str, pb.OfficerDossier | None] = DataLoader(load_fn=self._dossiers)
        self.pledges: DataLoader[str, pb.Pledge | None] = DataLoader(load_fn=self._pledges)
        self.supervision_items: DataLoader[str, pb.SupervisionItem | None] = DataLoader(
            load_fn=self._supervision_items
        )
        self.requests: DataLoader[str, pb.EnterpriseRequest | None] = DataLoader(load_fn=self._requests)
        self.requests_of_enterprise: DataLoader[str, list[pb.EnterpriseRequest]] = DataLoader(
            load_fn=self._requests_of_enterprises
        )
        self.projects: DataLoader[str, pb.LeadHandledProject | None] = DataLoader(load_fn=self._projects)
        self.non_approvals: DataLoader[str, pb.NonApproval | None] = DataLoader(load_fn=self._non_approvals)
        self.non_approvals_of_subject: DataLoader[str, list[pb.NonApproval]] = DataLoader(
            load_fn=self._non_approvals_of_subjects
        )

    async def _officers(self, ids: list[str]) -> list[pb.Officer | None]:
        reply: Any = await call(self._stub.BatchGetOfficers(pb.BatchGetOfficersRequest(ids=ids)))
        return _by(reply.officers, "id", ids)

    async def _officers_of_targets(self, ids: list[str]) -> list[list[pb.Officer]]:
        reply: Any = await call(self._stub.OfficersByTargets(pb.OfficersByTargetsRequest(target_ids=ids)))
        return _grouped(reply.officers, ("target_id", "enterprise_id"), ids)

    async def _dossiers(self, ids: list[str]) -> list[pb.OfficerDossier | None]:
        reply: Any = await call(self._stub.BatchGetOfficerDossiers(pb.BatchGetOfficerDossiersRequest(officer_ids=ids)))
        return _by(reply.dossiers, "officer_id", ids)

    async def _pledges(self, ids: list[str]) -> list[pb.Pledge | None]:
        reply: Any = await call(self._stub.BatchGetPledges(pb.BatchGetPledgesRequest(ids=ids)))
        return _by(reply.pledges, "id", ids)

    async def _supervision_items(self, ids: list[str]) -> list[pb.SupervisionItem | None]:
        reply: Any = await call(self._stub.BatchGetSupervisionItems(pb.BatchGetSupervisionItemsRequest(ids=ids)))
        return _by(reply.items, "id", ids)

    async def _requests(self, ids: list[str]) -> list[pb.EnterpriseRequest | None]:
        reply: Any = await call(self._stub.BatchGetRequests(pb.BatchGetRequestsRequest(ids=ids)))
        return _by(reply.requests, "id", ids)

    async def _requests_of_enterprises(self, ids: list[str]) -> list[list[pb.EnterpriseRequest]]:
        reply: Any = await call(self._stub.RequestsByEnterprises(pb.RequestsByEnterprisesRequest(enterprise_ids=ids)))
        return _grouped(reply.requests, ("enterprise_id",), ids)

    async def _projects(self, ids: list[str]) -> list[pb.LeadHandledProject | None]:
        reply: Any = await call(
            self._stub.BatchGetLeadHandledProjects(pb.BatchGetLeadHandledProjectsRequest(project_ids=ids))
        )
        return _by(reply.projects, "project_id", ids)

    async def _non_approvals(self, ids: list[str]) -> list[pb.NonApproval | None]:
        reply: Any = await call(self._stub.BatchGetNonApprovals(pb.BatchGetNonApprovalsRequest(ids=ids)))
        return _by(reply.non_approvals, "id", ids)

    async def _non_approvals_of_subjects(self, ids: list[str]) -> list[list[pb.NonApproval]]:
        reply: Any = await call(self._stub.NonApprovalsBySubjects(pb.NonApprovalsBySubjectsRequest(subject_ids=ids)))
        return _grouped(reply.non_approvals, ("subject_id",), ids)
