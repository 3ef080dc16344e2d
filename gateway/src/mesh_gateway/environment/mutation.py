"""Environment mutations: the guard (item 10), fine filing (item 11), governance cases (item 9), findings (item 15).

Refusals by policy come back as errors naming the rule and the item (``mesh_gateway.errors``);
the guard's own answer is data: refused actions are kept, and each reason says what to change.
"""

from __future__ import annotations

import strawberry

from mesh.environment.v1 import environment_pb2 as pb
from mesh_gateway.auth import Role
from mesh_gateway.authorization import forbidden
from mesh_gateway.context import actor
from mesh_gateway.environment.enums import FilingBody, Level, SiteKind, to_proto
from mesh_gateway.environment.inputs import (
    EnforcementActionInput,
    FindingInput,
    FineFilingInput,
    GovernancePlanInput,
    OpenCaseInput,
    QuietDateRangeInput,
    SiteRefInput,
)
from mesh_gateway.environment.types import (
    EnforcementCheck,
    FineFiling,
    GovernanceCase,
    InspectionFinding,
    InspectionGroup,
    KeyProtectionEntry,
    LeaderInCharge,
    QuietProductionDays,
)
from mesh_gateway.errors import call, inside
from mesh_gateway.policy import FILING_BODIES
from mesh_gateway.proto_time import instant

# Where the user typed what a refusal names: inputs the gateway flattens into the request, and the plan.
ACTION = inside("action", pb.CheckEnforcementRequest)
FINE = inside("input", pb.FileFineRequest)
CASE = inside("input", pb.OpenCaseRequest)
FINDING = inside("input", pb.RegisterFindingRequest)
PLAN = {"measures": "plan.measures", "responsible_units": "plan.responsibleUnits", "due_at": "plan.dueAt"}


def _case(reply: pb.Case) -> GovernanceCase:
    return GovernanceCase.from_proto(reply)


def _may_decide_as(info: strawberry.Info, body: FilingBody) -> None:
    """Item 11: a user decides a filing only as the body their role is (the service then checks that the filing
    was routed to that body). Every filing body is a city body, so a county-level user decides none. With
    sign-in off no one is identified, so nothing is checked."""
    if info.context.verifier is None:
        return
    principal = info.context.principal
    role = principal.role
    if principal.county_code:
        raise forbidden(f"filings are decided by city bodies (item 11), and this user acts for county "
                        f"{principal.county_code}", "body")
    if body.value not in FILING_BODIES.get(role, frozenset()):
        bodies = sorted(b.name for b in FilingBody if b.value in FILING_BODIES.get(role, frozenset()))
        raise forbidden(f"the role {role.value} does not decide as {body.name}: it decides filings routed to "
                        f"{', '.join(bodies) or 'no filing body'} (item 11)", "body")


@strawberry.type
class EnvironmentMutation:
    # ---- the guard (item 10) ----

    @strawberry.mutation(description="Item 10: declare an enterprise's quiet production days (replaces the last)")
    async def declare_quiet_production_days(
        self, info: strawberry.Info, enterprise_id: strawberry.ID, weekdays: list[int],
        ranges: list[QuietDateRangeInput] | None = None,
    ) -> QuietProductionDays:
        reply = await call(info.context.clients.environment.DeclareQuietDays(pb.DeclareQuietDaysRequest(
            enterprise_id=str(enterprise_id), weekdays=weekdays,
            ranges=[pb.DateRange(first=r.first.isoformat(), last=r.last.isoformat()) for r in ranges or []],
            actor=actor(info))))
        return QuietProductionDays.from_proto(reply)

    @strawberry.mutation(description="Item 10: ask the guard before an enforcement action; refused actions say why")
    async def check_enforcement(self, info: strawberry.Info, action: EnforcementActionInput) -> EnforcementCheck:
        reply = await call(info.context.clients.environment.CheckEnforcement(action.to_proto(actor(info))),
                           fields=ACTION)
        return EnforcementCheck.from_proto(reply)

    @strawberry.mutation(description="Item 10: record a complaint of rough enforcement against a checked action")
    async def record_rough_enforcement(self, info: strawberry.Info, check_id: strawberry.ID,
                                       complaint: str) -> EnforcementCheck:
        principal = info.context.principal
        # An enterprise complains about checks at itself only (the service answers another's as not found).
        own = principal.enterprise_id if principal.role is Role.ENTERPRISE else None
        reply = await call(info.context.clients.environment.RecordRoughEnforcement(pb.RecordRoughEnforcementRequest(
            check_id=str(check_id), complaint=complaint, actor=actor(info), enterprise_id=own)))
        return EnforcementCheck.from_proto(reply)

    # ---- fine and fee filing (item 11) ----

    @strawberry.mutation(description="Item 11: file a proposed fine or fee; it is routed by amount")
    async def file_fine(self, info: strawberry.Info, input: FineFilingInput) -> FineFiling:
        reply = await call(info.context.clients.environment.FileFine(input.to_proto(actor(info))), fields=FINE)
        return FineFiling.from_proto(reply)

    @strawberry.mutation(description="Item 11: the filing body approves or rejects, with a reason (city leaders "
                                     "decide as the City Party Committee and Government, the optimisation office "
                                     "as itself or the burden-reduction office)")
    async def decide_fine(self, info: strawberry.Info, fine_id: strawberry.ID, body: FilingBody, approve: bool,
                          reason: str) -> FineFiling:
        _may_decide_as(info, body)
        reply = await call(info.context.clients.environment.DecideFine(pb.DecideFineRequest(
            fine_id=str(fine_id), body=to_proto(pb.FilingBody, body), approve=approve, reason=reason,
            actor=actor(info))))
        return FineFiling.from_proto(reply)

    @strawberry.mutation(description="Item 11: impose an approved fine (a large one after its hearing)")
    async def impose_fine(self, info: strawberry.Info, fine_id: strawberry.ID,
                          hearing_held: bool = False) -> FineFiling:
        reply = await call(info.context.clients.environment.ImposeFine(pb.ImposeFineRequest(
            fine_id=str(fine_id), hearing_held=hearing_held, actor=actor(info))))
        return FineFiling.from_proto(reply)

    # ---- governance cases (item 9) ----

    @strawberry.mutation(description="Item 9: open a case from an inspection, a complaint or an enterprise")
    async def open_governance_case(self, info: strawberry.Info, input: OpenCaseInput) -> GovernanceCase:
        return _case(await call(info.context.clients.environment.OpenCase(input.to_proto(actor(info))),
                                fields=CASE))

    @strawberry.mutation(description="Item 9: correct a case's territory, saying why")
    async def assign_case_territory(
        self, info: strawberry.Info, case_id: strawberry.ID, county_code: str, county_name: str, township_code: str,
        township_name: str, reason: str,
    ) -> GovernanceCase:
        return _case(await call(info.context.clients.environment.AssignTerritory(pb.AssignTerritoryRequest(
            case_id=str(case_id), county_code=county_code, county_name=county_name, township_code=township_code,
            township_name=township_name, reason=reason, actor=actor(info)))))

    @strawberry.mutation(description="Item 9: acknowledge a major case (its escalation clock stops)")
    async def acknowledge_case(self, info: strawberry.Info, case_id: strawberry.ID) -> GovernanceCase:
        return _case(await call(info.context.clients.environment.AcknowledgeCase(pb.AcknowledgeCaseRequest(
            case_id=str(case_id), actor=actor(info)))))

    @strawberry.mutation(description="Item 9: file or revise the governance plan")
    async def file_governance_plan(self, info: strawberry.Info, case_id: strawberry.ID,
                                   plan: GovernancePlanInput) -> GovernanceCase:
        return _case(await call(info.context.clients.environment.FilePlan(pb.FilePlanRequest(
            case_id=str(case_id), measures=plan.measures, responsible_units=plan.responsible_units,
            due_at=instant(plan.due_at, "plan.dueAt"), actor=actor(info))), fields=PLAN))

    @strawberry.mutation(description="Item 9: note progress on a case")
    async def add_case_progress(self, info: strawberry.Info, case_id: strawberry.ID, note: str) -> GovernanceCase:
        return _case(await call(info.context.clients.environment.AddProgress(pb.AddProgressRequest(
            case_id=str(case_id), note=note, actor=actor(info)))))

    @strawberry.mutation(description="Item 9: close with the outcome (inspection and complaint cases await a recheck)")
    async def close_governance_case(self, info: strawberry.Info, case_id: strawberry.ID,
                                    outcome: str) -> GovernanceCase:
        return _case(await call(info.context.clients.environment.CloseCase(pb.CloseCaseRequest(
            case_id=str(case_id), outcome=outcome, actor=actor(info)))))

    @strawberry.mutation(description="Item 9: the recheck confirms the outcome (closed) or not (work resumes)")
    async def recheck_governance_case(self, info: strawberry.Info, case_id: strawberry.ID, confirmed: bool,
                                      note: str = "") -> GovernanceCase:
        return _case(await call(info.context.clients.environment.RecheckCase(pb.RecheckCaseRequest(
            case_id=str(case_id), confirmed=confirmed, note=note, actor=actor(info)))))

    @strawberry.mutation(description="Item 9: a county or township names its leader in charge")
    async def name_leader_in_charge(self, info: strawberry.Info, level: Level, code: str,
                                    leader: str) -> LeaderInCharge:
        reply = await call(info.context.clients.environment.NameLeaderInCharge(pb.NameLeaderInChargeRequest(
            level=to_proto(pb.Level, level), code=code, leader=leader, actor=actor(info))))
        return LeaderInCharge.from_proto(reply)

    @strawberry.mutation(description="Item 9: put an enterprise or project under key protection, with the reason")
    async def add_key_protection(self, info: strawberry.Info, site_kind: SiteKind, site_id: strawberry.ID,
                                 reason: str) -> KeyProtectionEntry:
        reply = await call(info.context.clients.environment.AddKeyProtection(pb.AddKeyProtectionRequest(
            site_kind=to_proto(pb.SiteKind, site_kind), site_id=str(site_id), reason=reason, actor=actor(info))))
        return KeyProtectionEntry.from_proto(reply)

    @strawberry.mutation(description="Item 9: end a manual key protection")
    async def remove_key_protection(self, info: strawberry.Info, site_kind: SiteKind, site_id: strawberry.ID,
                                    reason: str) -> KeyProtectionEntry:
        reply = await call(info.context.clients.environment.RemoveKeyProtection(pb.RemoveKeyProtectionRequest(
            site_kind=to_proto(pb.SiteKind, site_kind), site_id=str(site_id), reason=reason, actor=actor(info))))
        return KeyProtectionEntry.from_proto(reply)

    # ---- findings (item 15) ----

    @strawberry.mutation(description="Item 15: assign key enterprises and projects to an inspection group")
    async def assign_inspection_group(self, info: strawberry.Info, group_id: strawberry.ID, name: str,
                                      sites: list[SiteRefInput]) -> InspectionGroup:
        reply = await call(info.context.clients.environment.AssignInspectionGroup(pb.AssignInspectionGroupRequest(
            group_id=str(group_id), name=name, sites=[s.to_proto() for s in sites], actor=actor(info))))
        return InspectionGroup.from_proto(reply)

    @strawberry.mutation(description="Item 15: register a finding as a supervised case with a deadline")
    async def register_finding(self, info: strawberry.Info, input: FindingInput) -> InspectionFinding:
        reply = await call(info.context.clients.environment.RegisterFinding(input.to_proto(actor(info))),
                           fields=FINDING)
        return InspectionFinding.from_proto(reply)

    @strawberry.mutation(description="Item 15: the responsible unit reports the finding resolved")
    async def resolve_finding(self, info: strawberry.Info, finding_id: strawberry.ID,
                              outcome: str) -> InspectionFinding:
        reply = await call(info.context.clients.environment.ResolveFinding(pb.ResolveFindingRequest(
            finding_id=str(finding_id), outcome=outcome, actor=actor(info))))
        return InspectionFinding.from_proto(reply)

    @strawberry.mutation(description="Item 15: the recheck confirms the resolution (closed) or not (reopened)")
    async def recheck_finding(self, info: strawberry.Info, finding_id: strawberry.ID, confirmed: bool,
                              note: str = "") -> InspectionFinding:
        reply = await call(info.context.clients.environment.RecheckFinding(pb.RecheckFindingRequest(
            finding_id=str(finding_id), confirmed=confirmed, note=note, actor=actor(info))))
        return InspectionFinding.from_proto(reply)
