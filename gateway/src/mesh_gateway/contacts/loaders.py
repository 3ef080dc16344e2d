"""Per-request DataLoaders of the contacts service: one batch call per kind of lookup per request."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from mesh.contacts.v1 import contacts_pb2 as pb
from mesh.contacts.v1 import contacts_pb2_grpc
from mesh_gateway.errors import call

T = TypeVar("T")
LIST_PAGE = 500
"""The service's largest page for pairings, visits and problems."""


def _by_id(items: Sequence[T], ids: list[str]) -> list[T | None]:
    found = {getattr(i, "id"): i for i in items}  # noqa: B009 - every message here has an id
    return [found.get(i) for i in ids]


def _grouped(items: Sequence[T], key: str, ids: list[str]) -> list[list[T]]:
    groups: dict[str, list[T]] = defaultdict(list)
    for item in items:
        groups[getattr(item, key)].append(item)
    return [groups.get(i, []) for i in ids]


async def _every_page(fetch: Callable[[str], Awaitable[Any]], field: str) -> list[Any]:
    """All items of a list RPC, following its page tokens."""
    out: list[Any] = []
    token = ""
    while True:
        reply = await call(fetch(token))
        out.extend(getattr(reply, field))
        token = reply.next_page_token
        if not token:
            return out


class ContactsLoaders:
    """By id: enterprises, projects, leaders, pairings, visits, problems; by leader or target: lists."""

    def __init__(self, stub: contacts_pb2_grpc.ContactsServiceStub) -> None:
        self._stub = stub
        self.enterprises: DataLoader[str, pb.Enterprise | None] = DataLoader(load_fn=self._enterprises)
        self.projects: DataLoader[str, pb.Project | None] = DataLoader(load_fn=self._projects)
        self.leaders: DataLoader[str, pb.Leader | None] = DataLoader(load_fn=self._leaders)
        self.pairings: DataLoader[str, pb.Pairing | None] = DataLoader(load_fn=self._pairings)
        self.visits: DataLoader[str, pb.Visit | None] = DataLoader(load_fn=self._visits)
        self.problems: DataLoader[str, pb.Problem | None] = DataLoader(load_fn=self._problems)
        self.pairings_of_leader: DataLoader[str, list[pb.Pairing]] = DataLoader(load_fn=self._pairings_of_leaders)
        self.pairings_of_target: DataLoader[str, list[pb.Pairing]] = DataLoader(load_fn=self._pairings_of_targets)
        self.visits_of_leader: DataLoader[str, list[pb.Visit]] = DataLoader(load_fn=self._visits_of_leaders)
        self.open_problems_of_leader: DataLoader[str, list[pb.Problem]] = DataLoader(
            load_fn=self._open_problems_of_leaders)

    async def _enterprises(self, ids: list[str]) -> list[pb.Enterprise | None]:
        reply = await call(self._stub.BatchGetEnterprises(pb.BatchGetEnterprisesRequest(ids=ids)))
        return _by_id(reply.enterprises, ids)

    async def _projects(self, ids: list[str]) -> list[pb.Project | None]:
        reply = await call(self._stub.BatchGetProjects(pb.BatchGetProjectsRequest(ids=ids)))
        return _by_id(reply.projects, ids)

    async def _leaders(self, ids: list[str]) -> list[pb.Leader | None]:
        reply = await call(self._stub.BatchGetLeaders(pb.BatchGetLeadersRequest(ids=ids)))
        return _by_id(reply.leaders, ids)

    async def _pairings(self, ids: list[str]) -> list[pb.Pairing | None]:
        reply = await call(self._stub.BatchGetPairings(pb.BatchGetPairingsRequest(ids=ids)))
        return _by_id(reply.pairings, ids)

    async def _visits(self, ids: list[str]) -> list[pb.Visit | None]:
        reply = await call(self._stub.BatchGetVisits(pb.BatchGetVisitsRequest(ids=ids)))
        return _by_id(reply.visits, ids)

    async def _problems(self, ids: list[str]) -> list[pb.Problem | None]:
        reply = await call(self._stub.BatchGetProblems(pb.BatchGetProblemsRequest(ids=ids)))
        return _by_id(reply.problems, ids)

    async def _pairings_of_leaders(self, ids: list[str]) -> list[list[pb.Pairing]]:
        flt = pb.PairingFilter(leader_ids=ids)
        items = await _every_page(lambda t: self._stub.ListPairings(
            pb.ListPairingsRequest(filter=flt, page_size=LIST_PAGE, page_token=t)), "pairings")
        return _grouped(items, "leader_id", ids)

    async def _pairings_of_targets(self, ids: list[str]) -> list[list[pb.Pairing]]:
        flt = pb.PairingFilter(target_ids=ids)
        items = await _every_page(lambda t: self._stub.ListPairings(
            pb.ListPairingsRequest(filter=flt, page_size=LIST_PAGE, page_token=t)), "pairings")
        return _grouped(items, "target_id", ids)

    async def _visits_of_leaders(self, ids: list[str]) -> list[list[pb.Visit]]:
        flt = pb.VisitFilter(leader_ids=ids)
        items = await _every_page(lambda t: self._stub.ListVisits(
            pb.ListVisitsRequest(filter=flt, page_size=LIST_PAGE, page_token=t)), "visits")
        return _grouped(items, "leader_id", ids)

    async def _open_problems_of_leaders(self, ids: list[str]) -> list[list[pb.Problem]]:
        flt = pb.ProblemFilter(leader_ids=ids, statuses=[pb.OPEN, pb.COORDINATING])
        items = await _every_page(lambda t: self._stub.ListProblems(
            pb.ListProblemsRequest(filter=flt, page_size=LIST_PAGE, page_token=t)), "problems")
        return _grouped(items, "leader_id", ids)
