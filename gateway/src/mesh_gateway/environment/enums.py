"""The environment enums; their members are the protobuf value names without the enum's prefix."""

from __future__ import annotations

from enum import Enum

import strawberry

from mesh_gateway.proto_enums import from_proto, maybe_from_proto, to_proto

__all__ = ["from_proto", "maybe_from_proto", "to_proto"]



@strawberry.enum(description="Item 9: the offences around enterprises and projects, plus other")
class Offence(Enum):
    MARKET_BULLYING = "market_bullying"
    PROVOKING_TROUBLE = "provoking_trouble"
    EXTORTION = "extortion"
    FORCED_LOADING_UNLOADING = "forced_loading_unloading"
    OBSTRUCTION_OF_CONSTRUCTION = "obstruction_of_construction"
    OTHER = "other"


@strawberry.enum(description="Who reported what opened a governance case")
class CaseSource(Enum):
    POLICE_INCIDENT = "police_incident"
    INSPECTION = "inspection"
    COMPLAINT = "complaint"
    ENTERPRISE = "enterprise"


@strawberry.enum(description="OPEN: no plan yet; PLANNED: plan filed; AWAITING_RECHECK: outcome to confirm")
class CaseState(Enum):
    OPEN = "open"
    PLANNED = "planned"
    AWAITING_RECHECK = "awaiting_recheck"
    CLOSED = "closed"


@strawberry.enum(name="ResponsibilityLevel", description="Item 9: graded responsibility, township up to city")
class Level(Enum):
    TOWNSHIP = "township"
    COUNTY = "county"
    CITY = "city"


@strawberry.enum(description="Item 10: why the enforcement guard refuses an action")
class Prohibition(Enum):
    QUIET_PRODUCTION_DAY = "quiet_production_day"
    REPEATED_ENFORCEMENT = "repeated_enforcement"
    NO_PRIOR_FILING = "no_prior_filing"
    FINE_NOT_REVIEWED = "fine_not_reviewed"
    NO_VALID_CREDENTIALS = "no_valid_credentials"
    MINOR_VIOLATION_FINE = "minor_violation_fine"


@strawberry.enum(description="Item 11: where a proposed fine or fee is filed, by amount")
class FilingBody(Enum):
    CITY_COMMITTEE_AND_GOVERNMENT = "city_committee_and_government"
    CITY_OPTIMISATION_OFFICE = "city_optimisation_office"
    CITY_BURDEN_REDUCTION_OFFICE = "city_burden_reduction_office"


@strawberry.enum
class ChargeKind(Enum):
    FINE = "fine"
    FEE = "fee"


@strawberry.enum(name="FineFilingState")
class FilingState(Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    IMPOSED = "imposed"


@strawberry.enum(description="Items 15, 18: what inspections and the other channels find")
class FindingKind(Enum):
    INACTION = "inaction"
    SLOW_ACTION = "slow_action"
    WRONG_ACTION = "wrong_action"
    FOUR_ARBITRARIES = "four_arbitraries"
    FOUR_DIFFICULTIES = "four_difficulties"
    TAKING_AND_OBSTRUCTING = "taking_and_obstructing"


@strawberry.enum(name="FindingChannel", description="Item 15: where a finding came in")
class Channel(Enum):
    INSPECTION_GROUP = "inspection_group"
    POLICE_110 = "police_110"
    SERVICE_CENTRE = "service_centre"
    ONLINE_PETITION = "online_petition"
    COMPLAINT_REPORT = "complaint_report"
    MAJOR_CAMPAIGN_OFFICE = "major_campaign_office"


@strawberry.enum
class FindingState(Enum):
    OPEN = "open"
    AWAITING_RECHECK = "awaiting_recheck"
    CLOSED = "closed"


@strawberry.enum(description="Items 9, 18: why a unit is held accountable")
class AccountabilityKind(Enum):
    CASE_CLOSED_LATE = "case_closed_late"
    PLAN_MISSING = "plan_missing"
    FINDING_CLOSED_LATE = "finding_closed_late"


@strawberry.enum
class SiteKind(Enum):
    ENTERPRISE = "enterprise"
    PROJECT = "project"
