"""Officers queries: officers and their records, requests and their history, projects, non-approvals, reports.

Item 9: a county-level user's lookups by id of another county's officer, request, lead-handled project or
non-approval, and of another county's service centre's monthly report (or the city's), are refused, and the
lists hold their county's rows (see :mod:`mesh_gateway.county`); an officer's county is that of what they
serve, a lead-handled project's that of its project, a non-approval's that of its subject (a request, or a
procedure's project).
"""

from __future__ import annotations

import strawberry

from mesh.officers.v1 import officers_pb2 as pb
from mesh_gateway.contacts.types import contacts_loaders
from mesh_gateway.county import county_scoped, in_county, must_see, of_county, row_county, user_county
from mesh_gateway.errors import call
from mesh_gateway.officers.enums import OfficeLevel
from mesh_gateway.officers.inputs import JurisdictionInput, ProjectFactsInput, RequestFilter
from mesh_gateway.officers.project_types import (
    Eligibility,
    LeadHandledProject,
    NonApproval,
    non_approval_in_county,
)
from mesh_gateway.officers.request_types import AgencyMonthlyReport, EnterpriseRequest
from mesh_gateway.officers.types import Officer, officer_in_county, officers_loaders, officers_of_county
from mesh_gateway.pagination import Connection, check_first


@strawberry.type
class OfficersQuery:
    @strawberry.field(description="Item 6: a chief service officer by id (item 9: a county-level user may look up "
                                  "those serving what lies in their county)")
    async def officer(self, info: strawberry.Info, id: strawberry.ID) -> Officer | None:
        found = await officer_in_county(info, await officers_loaders(info).officers.load(str(id)))
        return None if found is None else Officer.from_proto(found)

    @strawberry.field(description="Item 6: officers serving an enterprise or a project (its own or its projects'; "
                                  "item 9: a county-level user gets those serving what lies in their county)")
    async def officers_serving(self, info: strawberry.Info, target_id: strawberry.ID) -> list[Officer]:
        found = await officers_loaders(info).officers_of_target.load(str(target_id))
        return [Officer.from_proto(o) for o in await officers_of_county(info, found)]

    @strawberry.field(description="Item 13: a request by id, with its hand-over chain and clocks (item 9: a "
                                  "county-level user may look up their county's only)")
    async def enterprise_request(self, info: strawberry.Info, id: strawberry.ID) -> EnterpriseRequest | None:
        found = in_county(info, await officers_loaders(info).requests.load(str(id)), "request")
        return None if found is None else EnterpriseRequest.from_proto(found)

    @strawberry.field(description="Item 13: an enterprise's requests, newest first (item 9: a county-level user gets "
                                  "their county's)")
    async def requests_of_enterprise(
        self, info: strawberry.Info, enterprise_id: strawberry.ID
    ) -> list[EnterpriseRequest]:
        found = await officers_loaders(info).requests_of_enterprise.load(str(enterprise_id))
        return [EnterpriseRequest.from_proto(r) for r in of_county(info, found)]

    @strawberry.field(description="Item 13: requests newest first, filtered (overdue: open past due); pages of ≤ 100; "
                                  "a county-level user sees those of their county's enterprises (item 9)")
    async def enterprise_requests(
        self, info: strawberry.Info, filter: RequestFilter | None = None, first: int = 20, after: str | None = None
    ) -> Connection[EnterpriseRequest]:
        request = pb.ListRequestsRequest(
            filter=county_scoped(info, filter, RequestFilter).to_proto(), page_size=check_first(first),
            page_token=after or "",
        )
        reply = await call(info.context.clients.officers.ListRequests(request))
        nodes = [EnterpriseRequest.from_proto(r) for r in reply.requests]
        return Connection[EnterpriseRequest].from_page(nodes, list(reply.cursors), reply.next_page_token)

    @strawberry.field(description="Item 8: a lead-handled project with its staffing and procedures (item 9: a "
                                  "county-level user may look up their county's only)")
    async def lead_handled_project(self, info: strawberry.Info, project_id: strawberry.ID) -> LeadHandledProject | None:
        found = await officers_loaders(info).projects.load(str(project_id))
        if found is not None and user_county(info) is not None:  # item 9: it is its project's county's
            project = await contacts_loaders(info).projects.load(found.project_id)
            in_county(info, found, "lead-handled project", lambda _: row_county(project))
        return None if found is None else LeadHandledProject.from_proto(found)

    @strawberry.field(description="Item 8: whether a project would be lead-handled, and by which clause")
    async def lead_handling_eligibility(self, info: strawberry.Info, facts: ProjectFactsInput) -> Eligibility:
        reply = await call(
            info.context.clients.officers.CheckLeadHandlingEligibility(
                pb.CheckLeadHandlingEligibilityRequest(facts=facts.to_proto())
            )
        )
        return Eligibility.from_proto(reply)

    @strawberry.field(description="Item 14: a non-approval report and its whole chain (item 9: a county-level user "
                                  "may look up those about their county's requests and projects only)")
    async def non_approval(self, info: strawberry.Info, id: strawberry.ID) -> NonApproval | None:
        found = await non_approval_in_county(info, await officers_loaders(info).non_approvals.load(str(id)))
        return None if found is None else NonApproval.from_proto(found)

    @strawberry.field(description="Item 7: a service centre's report for a finished month (YYYY-MM), reproducible "
                                  "(item 9: a county-level user may read their county's centre's only)")
    async def agency_monthly_report(
        self, info: strawberry.Info, centre: JurisdictionInput, month: str
    ) -> AgencyMonthlyReport:
        must_see(info, (centre.county_code or None) if centre.level is OfficeLevel.COUNTY else None, "service centre")
        reply = await call(
            info.context.clients.officers.GetAgencyMonthlyReport(
                pb.GetAgencyMonthlyReportRequest(centre=centre.to_proto(), month=month)
            )
        )
        return AgencyMonthlyReport.from_proto(reply)
