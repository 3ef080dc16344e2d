"""The officers enums, and their conversion to and from the protobuf API (whose values carry a prefix)."""

from __future__ import annotations

from enum import Enum

import strawberry

from mesh_gateway.proto_enums import from_proto, maybe_from_proto, to_proto

__all__ = ["from_proto", "maybe_from_proto", "to_proto"]



@strawberry.enum(description="The city level, or a county/district")
class OfficeLevel(Enum):
    CITY = "city"
    COUNTY = "county"


@strawberry.enum(description="Ranks the policy's staffing rules name (items 6, 8)")
class CadreRank(Enum):
    STAFF = "staff"
    MIDDLE_MANAGER = "middle_manager"
    SECTION_HEAD = "section_head"
    DEPARTMENT_LEADER = "department_leader"
    DEPUTY_COUNTY_OR_ABOVE = "deputy_county_or_above"
    UTILITY_DEPUTY_HEAD = "utility_deputy_head"


@strawberry.enum(description="What a chief service officer is dispatched to")
class ServiceTargetKind(Enum):
    ENTERPRISE = "enterprise"
    PROJECT = "project"


@strawberry.enum
class PledgeStatus(Enum):
    OPEN = "open"
    KEPT = "kept"
    BROKEN = "broken"


@strawberry.enum
class SupervisionStatus(Enum):
    OPEN = "open"
    CLOSED = "closed"


@strawberry.enum
class SupervisionFinding(Enum):
    SATISFACTORY = "satisfactory"
    UNSATISFACTORY = "unsatisfactory"


@strawberry.enum(description="Item 6: commendation (通报表彰), merit citation (记功), or penalty")
class RewardKind(Enum):
    COMMENDATION = "commendation"
    MERIT_CITATION = "merit_citation"
    PENALTY = "penalty"


@strawberry.enum
class RewardAuthority(Enum):
    PARTY_COMMITTEE_GOVERNMENT = "party_committee_government"
    LEADING_GROUP = "leading_group"
    OPTIMISATION_OFFICE = "optimisation_office"


@strawberry.enum
class EvidenceKind(Enum):
    PLEDGE = "pledge"
    REQUEST = "request"
    SUPERVISION = "supervision"
    RATING = "rating"


@strawberry.enum
class RequestCategory(Enum):
    CONSULTATION = "consultation"
    PERMIT = "permit"
    COORDINATION = "coordination"
    FACTOR_SUPPLY = "factor_supply"
    COMPLAINT = "complaint"
    OTHER = "other"


@strawberry.enum
class RequestSource(Enum):
    ENTERPRISE = "enterprise"
    OFFICER = "officer"
    LEADER_PROBLEM = "leader_problem"


@strawberry.enum
class RequestState(Enum):
    OPEN = "open"
    HANDOVER_PENDING = "handover_pending"
    COMPLETED = "completed"


@strawberry.enum
class HandOverState(Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


@strawberry.enum
class RequestOutcome(Enum):
    RESOLVED = "resolved"
    ANSWERED = "answered"
    NOT_APPROVED = "not_approved"
    WITHDRAWN = "withdrawn"


@strawberry.enum(description="Item 7: full-process (全程代理) or single-item (专项代理) agency")
class AgencyMode(Enum):
    FULL_PROCESS = "full_process"
    SINGLE_ITEM = "single_item"


@strawberry.enum(description="Item 7: jointly with the enterprise, or by the centre alone")
class AgencyMethod(Enum):
    JOINT = "joint"
    CENTRE_ALONE = "centre_alone"


@strawberry.enum
class AgencyStepStatus(Enum):
    PENDING = "pending"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REFUSED = "refused"


@strawberry.enum(description="Item 8: the sectors the lead-handling thresholds name")
class LeadHandlingSector(Enum):
    INDUSTRIAL = "industrial"
    SERVICE = "service"
    AGRICULTURE = "agriculture"
    ENVIRONMENTAL_PROTECTION = "environmental_protection"
    INFRASTRUCTURE = "infrastructure"
    PUBLIC_WELFARE = "public_welfare"
    OTHER = "other"


@strawberry.enum
class KeyProjectLevel(Enum):
    NONE = "none"
    CITY = "city"
    PROVINCIAL = "provincial"


@strawberry.enum
class EligibilityBasis(Enum):
    KEY_PROJECT = "key_project"
    INDUSTRY_SERVICE_INVESTMENT = "industry_service_investment"
    AGRI_ENV_INFRA_WELFARE_INVESTMENT = "agri_env_infra_welfare_investment"
    DESIGNATED = "designated"


@strawberry.enum
class StaffingUnitKind(Enum):
    APPROVAL_DEPARTMENT = "approval_department"
    COORDINATION_DEPARTMENT = "coordination_department"
    PUBLIC_UTILITY = "public_utility"


@strawberry.enum(description="Item 8: pre-construction procedures and utility hook-ups")
class ProcedureKind(Enum):
    PROJECT_APPROVAL = "project_approval"
    PLANNING = "planning"
    LAND = "land"
    ENVIRONMENTAL_ASSESSMENT = "environmental_assessment"
    CONSTRUCTION_PERMIT = "construction_permit"
    CULTURAL_RELICS = "cultural_relics"
    CIVIL_AIR_DEFENCE = "civil_air_defence"
    FIRE_SAFETY = "fire_safety"
    TEMPORARY_WATER = "temporary_water"
    TEMPORARY_POWER = "temporary_power"
    PERMANENT_WATER = "permanent_water"
    PERMANENT_POWER = "permanent_power"
    HEAT = "heat"
    GAS = "gas"
    TELECOM = "telecom"
    CABLE = "cable"


@strawberry.enum
class ProcedureStatus(Enum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    NOT_APPROVED = "not_approved"


@strawberry.enum(description="Item 14: section → deputy head → head → supervising leader → principal leaders")
class ApprovalLevel(Enum):
    SECTION = "section"
    DEPUTY_HEAD = "deputy_head"
    HEAD = "head"
    SUPERVISING_LEADER = "supervising_leader"
    PRINCIPAL_LEADERS = "principal_leaders"


@strawberry.enum
class NonApprovalKind(Enum):
    NOT_APPROVED = "not_approved"
    NOT_IN_TIME = "not_in_time"


@strawberry.enum
class NonApprovalState(Enum):
    PENDING = "pending"
    APPROVED = "approved"
    CONFIRMED = "confirmed"


@strawberry.enum
class NonApprovalSubjectKind(Enum):
    REQUEST = "request"
    PROCEDURE = "procedure"


@strawberry.enum
class NonApprovalDecision(Enum):
    REPORTED = "reported"
    APPROVED = "approved"
    CONFIRMED = "confirmed"
    AUTO_ESCALATED = "auto_escalated"
