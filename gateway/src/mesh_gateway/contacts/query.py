"""Contacts queries: one of each by id (batched), filtered cursor pages, and the public pairing list.

A county-level user (item 9) gets their county's rows: a lookup by id of another county's row is refused,
the lists are narrowed (see :mod:`mesh_gateway.county`); a city leader may be looked up by everyone.
"""

from __future__ import annotations

from collections.abc import Awaitable

import strawberry

from mesh.contacts.v1 import contacts_pb2 as pb
from mesh_gateway.contacts.inputs import (
    EnterpriseFilter,
    LeaderFilter,
    PairingFilter,
    ProblemFilter,
    ProjectFilter,
    VisitFilter,
)
from mesh_gateway.contacts.types import (
    Edition,
    EditionDiff,
    Enterprise,
    Leader,
    Pairing,
    Problem,
    Project,
    Visit,
    contacts_loaders,
    own_project,
)
from mesh_gateway.county import county_scoped, in_county, leader_county
from mesh_gateway.errors import UserError, call
from mesh_gateway.pagination import Connection, check_first


@strawberry.type
class ContactsQuery:
    @strawberry.field(description="One enterprise by id (item 9: a county-level user may look up their county's only)")
    async def enterprise(self, info: strawberry.Info, id: strawberry.ID) -> Enterprise | None:
        found = in_county(info, await contacts_loaders(info).enterprises.load(str(id)), "enterprise")
        return None if found is None else Enterprise.from_proto(found)

    @strawberry.field(description="Enterprises by name, filtered by territory, key list, sector; pages of at most 100")
    async def enterprises(self, info: strawberry.Info, filter: EnterpriseFilter | None = None, first: int = 20,
                          after: str | None = None) -> Connection[Enterprise]:
        reply = await call(info.context.clients.contacts.ListEnterprises(pb.ListEnterprisesRequest(
            filter=county_scoped(info, filter, EnterpriseFilter).to_proto(), page_size=check_first(first),
            page_token=after or "")))
        return Connection[Enterprise].from_page([Enterprise.from_proto(e) for e in reply.enterprises],
                                                list(reply.cursors), reply.next_page_token)

    @strawberry.field(description="One project by id (item 9: a county-level user may look up their county's only)")
    async def project(self, info: strawberry.Info, id: strawberry.ID) -> Project | None:
        found = own_project(info, in_county(info, await contacts_loaders(info).projects.load(str(id)), "project"),
                            "Query.project")
        return None if found is None else Project.from_proto(found)

    @strawberry.field(description="Projects by name, filtered; pages of at most 100")
    async def projects(self, info: strawberry.Info, filter: ProjectFilter | None = None, first: int = 20,
                       after: str | None = None) -> Connection[Project]:
        reply = await call(info.context.clients.contacts.ListProjects(pb.ListProjectsRequest(
            filter=county_scoped(info, filter, ProjectFilter).to_proto(), page_size=check_first(first),
            page_token=after or "")))
        return Connection[Project].from_page([Project.from_proto(p) for p in reply.projects], list(reply.cursors),
                                             reply.next_page_token)

    @strawberry.field(description="One leader by id (item 9: a county-level user may look up a city leader or one of "
                                  "their county)")
    async def leader(self, info: strawberry.Info, id: strawberry.ID) -> Leader | None:
        found = in_county(info, await contacts_loaders(info).leaders.load(str(id)), "leader", leader_county)
        return None if found is None else Leader.from_proto(found)

    @strawberry.field(description="City leaders first, then county leaders, by name; pages of at most 100")
    async def leaders(self, info: strawberry.Info, filter: LeaderFilter | None = None, first: int = 20,
                      after: str | None = None) -> Connection[Leader]:
        reply = await call(info.context.clients.contacts.ListLeaders(pb.ListLeadersRequest(
            filter=county_scoped(info, filter, LeaderFilter).to_proto(), page_size=check_first(first),
            page_token=after or "")))
        return Connection[Leader].from_page([Leader.from_proto(x) for x in reply.leaders], list(reply.cursors),
                                            reply.next_page_token)

    @strawberry.field(description="Pairings, newest start first, current and ended (item 20)")
    async def pairings(self, info: strawberry.Info, filter: PairingFilter | None = None, first: int = 20,
                       after: str | None = None) -> Connection[Pairing]:
        reply = await call(info.context.clients.contacts.ListPairings(pb.ListPairingsRequest(
            filter=county_scoped(info, filter, PairingFilter).to_proto(), page_size=check_first(first),
            page_token=after or "")))
        return Connection[Pairing].from_page([Pairing.from_proto(p) for p in reply.pairings], list(reply.cursors),
                                             reply.next_page_token)

    @strawberry.field(description="One visit by id (item 9: a county-level user may look up their county's only)")
    async def visit(self, info: strawberry.Info, id: strawberry.ID) -> Visit | None:
        found = in_county(info, await contacts_loaders(info).visits.load(str(id)), "visit")
        return None if found is None else Visit.from_proto(found)

    @strawberry.field(description="Visits, newest first (item 19)")
    async def visits(self, info: strawberry.Info, filter: VisitFilter | None = None, first: int = 20,
                     after: str | None = None) -> Connection[Visit]:
        reply = await call(info.context.clients.contacts.ListVisits(pb.ListVisitsRequest(
            filter=county_scoped(info, filter, VisitFilter).to_proto(), page_size=check_first(first),
            page_token=after or "")))
        return Connection[Visit].from_page([Visit.from_proto(v) for v in reply.visits], list(reply.cursors),
                                           reply.next_page_token)

    @strawberry.field(description="One problem by id, with its trail (item 9: a county-level user may look up their "
                                  "county's only)")
    async def problem(self, info: strawberry.Info, id: strawberry.ID) -> Problem | None:
        found = in_county(info, await contacts_loaders(info).problems.load(str(id)), "problem")
        return None if found is None else Problem.from_proto(found)

    @strawberry.field(description="Problems, soonest due first, filtered (e.g. overdue: true)")
    async def problems(self, info: strawberry.Info, filter: ProblemFilter | None = None, first: int = 20,
                       after: str | None = None) -> Connection[Problem]:
        reply = await call(info.context.clients.contacts.ListProblems(pb.ListProblemsRequest(
            filter=county_scoped(info, filter, ProblemFilter).to_proto(), page_size=check_first(first),
            page_token=after or "")))
        return Connection[Problem].from_page([Problem.from_proto(p) for p in reply.problems], list(reply.cursors),
                                             reply.next_page_token)

    # -- public: item 20 says the pairings are published; these three need no login -------------------

    @strawberry.field(description="Public (no login). An edition of the published pairing list; the latest "
                                  "when number is omitted")
    async def pairing_list_edition(self, info: strawberry.Info, number: int | None = None) -> Edition | None:
        """Public: readable without logging in (item 20, "published regularly")."""
        edition = await _optional(call(info.context.clients.contacts.GetEdition(
            pb.GetEditionRequest(number=number or 0))))
        return None if edition is None else Edition.from_proto(edition)

    @strawberry.field(description="Public (no login). Published editions, newest first")
    async def pairing_list_editions(self, info: strawberry.Info, first: int = 20,
                                    after: str | None = None) -> Connection[Edition]:
        """Public: readable without logging in."""
        reply = await call(info.context.clients.contacts.ListEditions(pb.ListEditionsRequest(
            page_size=check_first(first), page_token=after or "")))
        return Connection[Edition].from_page([Edition.from_proto(e) for e in reply.editions], list(reply.cursors),
                                             reply.next_page_token)

    @strawberry.field(description="Public (no login). Pairings added and ended between two editions; by default "
                                  "the latest against the one before it")
    async def pairing_list_changes(self, info: strawberry.Info, from_number: int | None = None,
                                   to_number: int | None = None) -> EditionDiff:
        """Public: readable without logging in."""
        reply = await call(info.context.clients.contacts.DiffEditions(pb.DiffEditionsRequest(
            from_number=from_number or 0, to_number=to_number or 0)))
        return EditionDiff.from_proto(reply)


async def _optional(rpc: Awaitable[pb.Edition]) -> pb.Edition | None:
    """The edition, or None when the service says there is none (NOT_FOUND)."""
    try:
        return await rpc
    except UserError as err:
        if (err.extensions or {}).get("code") == "NOT_FOUND":
            return None
        raise
