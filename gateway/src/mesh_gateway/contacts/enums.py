"""The contacts enums, named as in the protobuf API, and their conversion both ways."""

from __future__ import annotations

from enum import Enum

import strawberry

from mesh_gateway.proto_enums import from_proto, maybe_from_proto, to_proto

__all__ = ["from_proto", "maybe_from_proto", "to_proto"]



@strawberry.enum(description="Item 20: the lists that make an enterprise a key enterprise")
class KeyList(Enum):
    PROVINCE_TOP_HUNDRED_HIGH_GROWTH = "province_top_hundred_high_growth"
    PROVINCE_TOP_HUNDRED_STRONGEST = "province_top_hundred_strongest"
    CITY_KEY_ENTERPRISE = "city_key_enterprise"
    LEADING_ENTERPRISE = "leading_enterprise"
    LITTLE_GIANT = "little_giant"


@strawberry.enum(description="Item 20: a key project is a provincial or a city key project")
class ProjectKeyList(Enum):
    PROVINCIAL_KEY_PROJECT = "provincial_key_project"
    CITY_KEY_PROJECT = "city_key_project"


@strawberry.enum
class ProjectSector(Enum):
    INDUSTRIAL = "industrial"
    SERVICE = "service"
    AGRICULTURE = "agriculture"
    ENVIRONMENTAL_PROTECTION = "environmental_protection"
    INFRASTRUCTURE = "infrastructure"
    PUBLIC_WELFARE = "public_welfare"
    OTHER_SECTOR = "other_sector"


@strawberry.enum
class ProjectStage(Enum):
    PRELIMINARY = "preliminary"
    UNDER_CONSTRUCTION = "under_construction"
    COMPLETED = "completed"


@strawberry.enum
class LeaderLevel(Enum):
    CITY = "city"
    COUNTY = "county"


@strawberry.enum(description="What a leader is paired with: a key enterprise (联系) or a key project (分包)")
class TargetKind(Enum):
    ENTERPRISE = "enterprise"
    PROJECT = "project"


@strawberry.enum(description="Items 19, 20: what a problem is about; the last four are for projects only")
class ProblemCategory(Enum):
    POLICY_IMPLEMENTATION = "policy_implementation"
    FACTOR_LAND = "factor_land"
    FACTOR_POWER = "factor_power"
    FACTOR_FINANCE = "factor_finance"
    FACTOR_LABOUR = "factor_labour"
    FACTOR_OTHER = "factor_other"
    MARKET_DEVELOPMENT = "market_development"
    RESTRUCTURING = "restructuring"
    PRELIMINARY_PROCEDURES = "preliminary_procedures"
    PROGRESS = "progress"
    SAFETY = "safety"
    QUALITY = "quality"


@strawberry.enum(description="open → coordinating → resolved, or closed unresolved")
class ProblemStatus(Enum):
    OPEN = "open"
    COORDINATING = "coordinating"
    RESOLVED = "resolved"
    CLOSED_UNRESOLVED = "closed_unresolved"
