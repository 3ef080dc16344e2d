"""Who may use what: every root field of the graph names the roles that may use it.

The table is checked once per operation, before anything executes, by walking the
operation's document (:mod:`mesh_gateway.authorization`); nothing runs per resolved
field. A root field missing from the table is refused for everyone (fail closed), and a
test fails until it is listed. Rows an allowed role may see are narrowed further where
the policy says so (an enterprise sees its own; police see their agency's incidents).

Defaults from the issue: the public reads only the published pairing list (item 20); an
enterprise sees its own requests, cases and incidents; police see and act on incidents
of their agency; the optimisation office sees everything and decides filings routed to
it (item 11); ops read health and statistics.
"""

from __future__ import annotations

from dataclasses import dataclass

from mesh_gateway.auth import Role

R = Role
EVERYONE = frozenset(Role)
SIGNED_IN = EVERYONE - {R.PUBLIC}
GOVERNMENT = frozenset({R.OFFICER, R.LEADER, R.DEPARTMENT, R.POLICE, R.OPTIMISATION_OFFICE})
OFFICE = frozenset({R.OPTIMISATION_OFFICE})


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    own_enterprise: str | None = None
    """For the enterprise role: the argument that must name the user's own enterprise."""


def rule(*roles: Role | frozenset[Role], own_enterprise: str | None = None) -> Rule:
    flat: set[Role] = set()
    for r in roles:
        flat |= r if isinstance(r, frozenset) else {r}
    return Rule(frozenset(flat), own_enterprise)


QUERY: dict[str, Rule] = {
    # Federation. The provincial supergraph's router reads the schema with a service account of its own role,
    # and resolves entities by key either with it (city-wide) or with the user's own token, which it forwards:
    # then each representation is checked as its type's lookup by id (ENTITY_LOOKUPS; see authorization), so
    # a user reaches through the supergraph exactly what they reach here. Ops read health and statistics only.
    "_service": rule(R.ROUTER, R.OPS, OFFICE),
    "_entities": rule(SIGNED_IN),
    # The public list (item 20: pairings published regularly).
    "pairingListEdition": rule(EVERYONE),
    "pairingListEditions": rule(EVERYONE),
    "pairingListChanges": rule(EVERYONE),
    # Registry (contacts).
    "enterprise": rule(GOVERNMENT, R.ENTERPRISE, own_enterprise="id"),
    "enterprises": rule(GOVERNMENT),
    "project": rule(GOVERNMENT, R.ENTERPRISE),  # an enterprise: its own projects only (checked in the resolver)
    "projects": rule(GOVERNMENT),
    "leader": rule(GOVERNMENT),
    "leaders": rule(GOVERNMENT),
    "pairings": rule(GOVERNMENT),
    "visit": rule(R.LEADER, R.OFFICER, R.DEPARTMENT, OFFICE),
    "visits": rule(R.LEADER, R.OFFICER, R.DEPARTMENT, OFFICE),
    "problem": rule(R.LEADER, R.OFFICER, R.DEPARTMENT, OFFICE),
    "problems": rule(R.LEADER, R.OFFICER, R.DEPARTMENT, OFFICE),
    # Chief service officers and requests (items 6, 7, 8, 13, 14).
    "officer": rule(R.OFFICER, R.LEADER, R.DEPARTMENT, OFFICE),
    "officersServing": rule(R.OFFICER, R.LEADER, R.DEPARTMENT, OFFICE, R.ENTERPRISE, own_enterprise="targetId"),
    "enterpriseRequest": rule(R.OFFICER, R.LEADER, R.DEPARTMENT, OFFICE),
    "enterpriseRequests": rule(R.OFFICER, R.LEADER, R.DEPARTMENT, OFFICE),
    "requestsOfEnterprise": rule(R.OFFICER, R.LEADER, R.DEPARTMENT, OFFICE, R.ENTERPRISE,
                                 own_enterprise="enterpriseId"),
    "agencyMonthlyReport": rule(R.DEPARTMENT, R.LEADER, OFFICE),
    "leadHandledProject": rule(R.OFFICER, R.LEADER, R.DEPARTMENT, OFFICE),
    "leadHandlingEligibility": rule(R.OFFICER, R.LEADER, R.DEPARTMENT, OFFICE),
    "nonApproval": rule(R.OFFICER, R.LEADER, R.DEPARTMENT, OFFICE),
    # Incidents (item 9): police see their agency's (narrowed in the resolvers).
    "incident": rule(R.POLICE, R.DEPARTMENT, R.LEADER, OFFICE, R.ENTERPRISE),
    "incidents": rule(R.POLICE, R.DEPARTMENT, R.LEADER, OFFICE, R.ENTERPRISE),
    "incidentStatistics": rule(R.OPS, R.POLICE, R.LEADER, OFFICE),
    "respondingUnits": rule(R.POLICE, R.DEPARTMENT, R.LEADER, OFFICE, R.OPS),
    # Surroundings of enterprises (items 9, 10, 11, 15, 18).
    "governanceCase": rule(R.LEADER, R.DEPARTMENT, R.POLICE, OFFICE),
    "governanceCases": rule(R.LEADER, R.DEPARTMENT, R.POLICE, OFFICE),
    "enterpriseCases": rule(R.LEADER, R.DEPARTMENT, R.POLICE, OFFICE, R.ENTERPRISE, own_enterprise="enterpriseId"),
    "projectCases": rule(R.LEADER, R.DEPARTMENT, R.POLICE, OFFICE),
    "incidentCase": rule(R.LEADER, R.DEPARTMENT, R.POLICE, OFFICE),
    "keyProtection": rule(R.LEADER, R.DEPARTMENT, R.POLICE, OFFICE),
    "leadersInCharge": rule(R.LEADER, R.DEPARTMENT, R.POLICE, OFFICE),
    "quietProductionDays": rule(GOVERNMENT, R.ENTERPRISE, own_enterprise="enterpriseId"),
    "enforcementChecks": rule(R.DEPARTMENT, R.POLICE, R.LEADER, OFFICE),
    "enforcementStats": rule(R.DEPARTMENT, R.LEADER, OFFICE, R.OPS),
    "fineFiling": rule(R.DEPARTMENT, R.LEADER, OFFICE),
    "fineFilings": rule(R.DEPARTMENT, R.LEADER, OFFICE),
    "inspectionFinding": rule(R.DEPARTMENT, R.LEADER, OFFICE),
    "inspectionFindings": rule(R.DEPARTMENT, R.LEADER, OFFICE),
    "inspectionGroups": rule(R.DEPARTMENT, R.LEADER, OFFICE),
    "accountabilityRecords": rule(R.LEADER, OFFICE),
    "accountabilityCounts": rule(R.LEADER, OFFICE, R.OPS),
}

_REGISTRY = rule(OFFICE)
_CASEWORK = rule(R.LEADER, R.DEPARTMENT, R.POLICE, OFFICE)
_REQUESTS = rule(R.OFFICER, R.DEPARTMENT, OFFICE)
_RESPONSE = rule(R.POLICE, R.DEPARTMENT, OFFICE)

MUTATION: dict[str, Rule] = {
    # Registry and pairings (items 19, 20): kept by the optimisation office.
    "registerEnterprise": _REGISTRY, "updateEnterprise": _REGISTRY, "registerProject": _REGISTRY,
    "updateProject": _REGISTRY, "registerLeader": _REGISTRY, "updateLeader": _REGISTRY,
    "pairLeader": _REGISTRY, "endPairing": _REGISTRY, "publishPairingList": _REGISTRY,
    "recordVisit": rule(R.LEADER, OFFICE),
    "raiseProblem": rule(R.LEADER, OFFICE),
    "coordinateProblem": rule(R.LEADER, R.DEPARTMENT, OFFICE),
    "resolveProblem": rule(R.LEADER, R.DEPARTMENT, OFFICE),
    "closeProblemUnresolved": rule(R.LEADER, R.DEPARTMENT, OFFICE),
    # Officers (item 6): dispatched by the optimisation office, on a leader's instruction.
    "dispatchOfficer": rule(R.LEADER, OFFICE),
    "addGroupMembers": rule(R.OFFICER, OFFICE), "releaseGroupMember": rule(R.OFFICER, OFFICE),
    "filePledge": rule(R.OFFICER), "assessPledge": rule(OFFICE),
    "openSupervision": rule(OFFICE), "closeSupervision": rule(OFFICE), "recordReward": rule(R.LEADER, OFFICE),
    # Requests (item 13): an enterprise opens its own; departments answer and hand over.
    "openRequest": rule(R.ENTERPRISE, R.OFFICER, R.DEPARTMENT, OFFICE, own_enterprise="enterpriseId"),
    "openRequestFromProblem": rule(R.OFFICER, R.LEADER, OFFICE),
    "agreeAnswerDeadline": _REQUESTS, "handOverRequest": _REQUESTS, "acceptHandOver": _REQUESTS,
    "declineHandOver": _REQUESTS, "completeRequest": _REQUESTS,
    "rateRequest": rule(R.ENTERPRISE),  # item 17: the enterprise that was served rates it (own only, checked)
    # Agency services (item 7) and lead-handling (item 8).
    "takeAsAgent": rule(R.DEPARTMENT, OFFICE), "recordAgencyStep": rule(R.DEPARTMENT, OFFICE),
    "proposeLeaderTakeCharge": rule(R.DEPARTMENT, OFFICE), "fileAgencyMonthlyReport": rule(R.DEPARTMENT, OFFICE),
    "startLeadHandling": rule(R.OFFICER, R.DEPARTMENT, OFFICE), "setStaffing": rule(R.OFFICER, R.DEPARTMENT, OFFICE),
    "openProcedure": rule(R.OFFICER, R.DEPARTMENT, OFFICE), "updateProcedure": rule(R.OFFICER, R.DEPARTMENT, OFFICE),
    # Non-approval (item 14): the handler reports, each level decides.
    "reportNonApproval": rule(R.DEPARTMENT, OFFICE), "decideNonApproval": rule(R.DEPARTMENT, R.LEADER, OFFICE),
    # Surroundings (item 9), enforcement (item 10), fines (item 11), inspections (item 15).
    "openGovernanceCase": _CASEWORK, "assignCaseTerritory": _CASEWORK, "nameLeaderInCharge": _CASEWORK,
    "fileGovernancePlan": _CASEWORK, "addCaseProgress": _CASEWORK, "acknowledgeCase": _CASEWORK,
    "closeGovernanceCase": _CASEWORK, "recheckGovernanceCase": _CASEWORK,
    "addKeyProtection": rule(OFFICE), "removeKeyProtection": rule(OFFICE),
    "checkEnforcement": rule(R.DEPARTMENT, R.POLICE),
    "recordRoughEnforcement": rule(R.ENTERPRISE, OFFICE),
    "declareQuietProductionDays": rule(R.ENTERPRISE, OFFICE, own_enterprise="enterpriseId"),
    "fileFine": rule(R.DEPARTMENT), "imposeFine": rule(R.DEPARTMENT),
    "decideFine": rule(R.LEADER, OFFICE),
    "registerFinding": rule(R.DEPARTMENT, OFFICE), "recheckFinding": rule(R.DEPARTMENT, OFFICE),
    "resolveFinding": rule(R.DEPARTMENT, OFFICE), "assignInspectionGroup": rule(OFFICE),
    # Rapid response (item 9): the responsible unit acts; the office can re-dispatch.
    "dispatchIncident": _RESPONSE, "acknowledgeIncident": _RESPONSE, "arriveOnScene": _RESPONSE,
    "resolveIncident": _RESPONSE, "transferIncident": _RESPONSE, "closeIncidentUnfounded": _RESPONSE,
    "registerRespondingUnit": rule(OFFICE, R.OPS),
}

SUBSCRIPTION: dict[str, Rule] = {
    "incidentReported": rule(R.POLICE, R.DEPARTMENT, R.LEADER, OFFICE),
    "incidentEscalated": rule(R.POLICE, R.DEPARTMENT, R.LEADER, OFFICE),
    "incidentResolved": rule(R.POLICE, R.DEPARTMENT, R.LEADER, OFFICE),
    "deadlineWarning": rule(GOVERNMENT),
    "deadlineBreached": rule(GOVERNMENT),
    "caseOpened": rule(R.POLICE, R.DEPARTMENT, R.LEADER, OFFICE),
    "caseEscalated": rule(R.POLICE, R.DEPARTMENT, R.LEADER, OFFICE),
}

ROOTS = {"Query": QUERY, "Mutation": MUTATION, "Subscription": SUBSCRIPTION}

ENTITY_LOOKUPS: dict[str, str] = {
    "Incident": "incident", "Enterprise": "enterprise", "Project": "project", "Leader": "leader",
    "Officer": "officer", "EnterpriseRequest": "enterpriseRequest", "NonApproval": "nonApproval",
    "GovernanceCase": "governanceCase",
}
"""Each federation key's type, and the root lookup by id whose rule (and row checks) resolving it by key follows."""

ENTITY_READERS = frozenset({R.ROUTER})
"""Roles that resolve any type by key (city-wide), whatever its lookup's rule."""

NESTED: dict[tuple[str, str], frozenset[Role]] = {
    # Who called the police is for the police and the office, whatever led to the incident.
    ("Incident", "reporterContact"): frozenset({R.POLICE, R.OPTIMISATION_OFFICE}),
    # A link to a list does not widen who may read the list. In particular an enterprise reaches the leaders
    # paired with it (its own pairings) but not their other pairings, visits and problems: through them it
    # would reach other enterprises' rows (their requests, cases, incidents).
    ("Leader", "pairings"): QUERY["pairings"].roles,
    ("Leader", "visits"): QUERY["visits"].roles,
    ("Leader", "openProblems"): QUERY["problems"].roles,
    ("Pairing", "visits"): QUERY["visits"].roles,
    ("GovernanceCase", "accountabilityRecords"): QUERY["accountabilityRecords"].roles,
    # An enterprise's rows from other services, as their root lists allow: police do not read an enterprise's
    # officers and requests, nor a chief service officer its cases and incidents, by way of the enterprise.
    ("Enterprise", "officers"): QUERY["officersServing"].roles,
    ("Enterprise", "requests"): QUERY["requestsOfEnterprise"].roles,
    ("Enterprise", "cases"): QUERY["enterpriseCases"].roles,
    ("Enterprise", "incidents"): QUERY["incidents"].roles,
    ("Enterprise", "latestIncident"): QUERY["incidents"].roles,
    # A project's: its owner (an enterprise reads only its own projects) reads them too, as it reads its cases.
    ("Project", "cases"): QUERY["projectCases"].roles | {R.ENTERPRISE},
    ("Project", "leadHandling"): QUERY["leadHandledProject"].roles | {R.ENTERPRISE},
    ("Project", "leadHandlingProcedures"): QUERY["leadHandledProject"].roles | {R.ENTERPRISE},
    # Item 6: the working group's pledge is made to the optimisation office, and supervision, rewards and
    # penalties are the government's own business: an enterprise sees who serves it, not how they are judged.
    ("Officer", "pledges"): QUERY["officer"].roles,
    ("Officer", "supervision"): QUERY["officer"].roles,
    ("Officer", "rewards"): QUERY["officer"].roles,
    ("Officer", "record"): QUERY["officer"].roles,
}

FILING_BODIES: dict[Role, frozenset[str]] = {
    # Item 11: a filing is decided by the body its amount routed it to. City leaders are the City Party
    # Committee and City Government; the optimisation office decides what is routed to it, and (no role of
    # its own in the graph) to the burden-reduction office. Values are FilingBody's.
    R.LEADER: frozenset({"city_committee_and_government"}),
    R.OPTIMISATION_OFFICE: frozenset({"city_optimisation_office", "city_burden_reduction_office"}),
}
