"""Per-request DataLoader of the latest incidents of enterprises: one batch call per request."""

from __future__ import annotations

from strawberry.dataloader import DataLoader

from mesh.response.v1 import response_pb2 as pb
from mesh.response.v1 import response_pb2_grpc
from mesh_gateway.errors import call

LatestKey = tuple[str, int]
"""(enterprise id, how many of its newest incidents)."""
MAX_LATEST = 20
"""The response service's largest ``per_enterprise``."""


def latest_incidents_loader(stub: response_pb2_grpc.ResponseServiceStub) -> DataLoader[LatestKey, list[pb.Incident]]:
    """Keys ask for different counts; one call fetches the largest count for every enterprise, then each is cut."""

    async def load(keys: list[LatestKey]) -> list[list[pb.Incident]]:
        per = max(n for _, n in keys)
        reply = await call(stub.IncidentsByEnterprises(pb.IncidentsByEnterprisesRequest(
            enterprise_ids=[e for e, _ in keys], per_enterprise=per)))
        found = {r.enterprise_id: list(r.incidents) for r in reply.results}
        return [found.get(e, [])[:n] for e, n in keys]

    return DataLoader(load_fn=load)
