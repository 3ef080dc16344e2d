"""Every environment mutation no other test ran through the gateway works there: run over HTTP, signed in as a
role the gateway allows, against the real contacts (demo city) and environment services (real NATS and
MongoDB-protocol server), and read back through the graph.

The life-cycles walked: a governance case (item 9) opened by a complaint of extortion, acknowledged, moved to
the right township (whose leader in charge was named), given a plan, closed, rechecked (not confirmed, then
confirmed) and closed; key protection (item 9) added to a site and removed; an inspection group (item 15)
assigned key sites, a finding registered, resolved, rechecked (not confirmed, then confirmed); a large fine
(item 11) filed, approved and imposed after its hearing. One refusal per family shows the gateway's role rule
or the service's policy rule coming back with its code, rule, policy item and field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mesh_environment.testing import RunningEnvironment
from mesh_gateway.auth import Principal, Role
from mesh_gateway.testing import SignedIn, codes, refusal
from mesh_officers.testing import RunningOfficers

CITY_LEADER = Principal("l1", Role.LEADER)
OFFICE = Principal("x1", Role.OPTIMISATION_OFFICE)
DEPARTMENT = Principal("d1", Role.DEPARTMENT, agency="city-market-supervision")
ENTERPRISE = Principal("e8", Role.ENTERPRISE, enterprise_id="ent-008")
# Demo city (mesh_contacts.demo): ent-008 is on no key list and lies in 商城街道 (410307001) of 偃师区 (410307);
# ent-001 is a city key enterprise in 410305; ent-010 is on no key list.
COUNTY = "410307"
COUNTY_LEADER = Principal("l7", Role.LEADER, county_code=COUNTY)
SITE, KEY_SITE, PLAIN_SITE = "ent-008", "ent-001", "ent-010"


@dataclass
class Mesh(SignedIn):
    officers: RunningOfficers
    environment: RunningEnvironment


@pytest.fixture
def mesh(demo_city: tuple[SignedIn, RunningOfficers, RunningEnvironment]) -> Mesh:
    signed_in, officers, environment = demo_city
    return Mesh(signed_in.gateway, signed_in.secret, officers, environment)


def ok(reply: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in reply, reply["errors"]
    data: dict[str, Any] = reply["data"]
    return data


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value)


# ---- governance cases (item 9) ----------------------------------------------------------------------------

CASE_FRAGMENT = """fragment Case on GovernanceCase {
  id state major level recheckRequired responsibleUnit outcome resolvedAt closedAt acknowledgedAt acknowledgedBy
  territory { countyCode countyName townshipCode townshipName countyLeader townshipLeader }
  reassignments { fromTerritory { townshipCode } toTerritory { townshipCode } reason actor }
  plan { measures responsibleUnits dueAt filedBy }
  rechecks { confirmed note actor }
  clocks { kind state }
}"""
OPEN = "mutation($input: OpenCaseInput!) { openGovernanceCase(input: $input) { ...Case } }" + CASE_FRAGMENT
ACKNOWLEDGE = "mutation($c: ID!) { acknowledgeCase(caseId: $c) { ...Case } }" + CASE_FRAGMENT
NAME_LEADER = """mutation($l: ResponsibilityLevel!, $code: String!, $who: String!) {
  nameLeaderInCharge(level: $l, code: $code, leader: $who) { level code leader namedAt } }"""
LEADERS = "query($c: [String!]) { leadersInCharge(codes: $c) { level code leader } }"
ASSIGN = """mutation($c: ID!, $t: String!, $tn: String!, $r: String!) {
  assignCaseTerritory(caseId: $c, countyCode: "410307", countyName: "偃师区", townshipCode: $t, townshipName: $tn,
                      reason: $r) { ...Case } }""" + CASE_FRAGMENT
PLAN = """mutation($c: ID!, $plan: GovernancePlanInput!) {
  fileGovernancePlan(caseId: $c, plan: $plan) { ...Case } }""" + CASE_FRAGMENT
CLOSE = "mutation($c: ID!, $o: String!) { closeGovernanceCase(caseId: $c, outcome: $o) { ...Case } }" + CASE_FRAGMENT
RECHECK = """mutation($c: ID!, $ok: Boolean!, $n: String!) {
  recheckGovernanceCase(caseId: $c, confirmed: $ok, note: $n) { ...Case } }""" + CASE_FRAGMENT
CASE = "query($c: ID!) { governanceCase(id: $c) { ...Case } }" + CASE_FRAGMENT


def clocks(case: dict[str, Any]) -> dict[str, str]:
    return {c["kind"]: c["state"] for c in case["clocks"]}


async def test_a_governance_case_is_acknowledged_moved_planned_closed_and_rechecked_through_the_gateway(
    mesh: Mesh,
) -> None:
    opened = ok(await mesh.query(OPEN, CITY_LEADER, {"input": {
        "source": "COMPLAINT", "enterpriseId": SITE, "offence": "EXTORTION", "major": True,
        "description": "a gang demands protection money for each delivery"}}))["openGovernanceCase"]
    case_id = opened["id"]
    assert (opened["state"], opened["major"], opened["level"], opened["recheckRequired"]) == (
        "OPEN", True, "TOWNSHIP", True)
    assert opened["territory"]["townshipCode"] == "410307001"
    assert opened["acknowledgedAt"] is None and clocks(opened)["case-ack"] == "pending"

    # A major case is acknowledged by the responsible level (here its county's leader): the clock stops.
    acknowledged = ok(await mesh.query(ACKNOWLEDGE, COUNTY_LEADER, {"c": case_id}))["acknowledgeCase"]
    assert acknowledged["id"] == case_id and acknowledged["acknowledgedBy"] == COUNTY_LEADER.subject
    assert acknowledged["acknowledgedAt"] is not None and clocks(acknowledged)["case-ack"] == "met"
    assert acknowledged["state"] == "OPEN"

    # The county and the township 顾县镇 name their leaders in charge; the case, filed under the wrong township,
    # moves there and names them.
    for level, code, leader in (("COUNTY", COUNTY, "Li Na"), ("TOWNSHIP", "410307103", "Gao Ming")):
        named = ok(await mesh.query(NAME_LEADER, COUNTY_LEADER, {"l": level, "code": code,
                                                                 "who": leader}))["nameLeaderInCharge"]
        assert (named["level"], named["code"], named["leader"]) == (level, code, leader)
        assert named["namedAt"] is not None
    leaders = ok(await mesh.query(LEADERS, CITY_LEADER, {"c": [COUNTY, "410307103"]}))["leadersInCharge"]
    assert sorted((x["level"], x["code"], x["leader"]) for x in leaders) == [
        ("COUNTY", COUNTY, "Li Na"), ("TOWNSHIP", "410307103", "Gao Ming")]

    moved = ok(await mesh.query(ASSIGN, COUNTY_LEADER, {"c": case_id, "t": "410307103", "tn": "顾县镇",
                                                        "r": "the depot lies in 顾县镇"}))["assignCaseTerritory"]
    assert moved["territory"] == {"countyCode": "410307", "countyName": "偃师区", "townshipCode": "410307103",
                                  "townshipName": "顾县镇", "countyLeader": "Li Na", "townshipLeader": "Gao Ming"}
    assert moved["reassignments"] == [{"fromTerritory": {"townshipCode": "410307001"},
                                       "toTerritory": {"townshipCode": "410307103"},
                                       "reason": "the depot lies in 顾县镇", "actor": COUNTY_LEADER.subject}]
    assert moved["responsibleUnit"] == "township:410307103"

    # The governance plan: its due date becomes the case's deadline.
    due = (datetime.now(UTC) + timedelta(days=5)).replace(microsecond=0)
    planned = ok(await mesh.query(PLAN, COUNTY_LEADER, {"c": case_id, "plan": {
        "measures": ["patrols at the depot", "prosecute the gang"], "responsibleUnits": ["偃师区公安分局"],
        "dueAt": due.isoformat()}}))["fileGovernancePlan"]
    assert planned["state"] == "PLANNED"
    plan = planned["plan"]
    assert (plan["measures"], plan["responsibleUnits"], plan["filedBy"]) == (
        ["patrols at the depot", "prosecute the gang"], ["偃师区公安分局"], COUNTY_LEADER.subject)
    assert instant(plan["dueAt"]) == due
    assert clocks(planned)["case-plan"] == "met"

    # A complaint's case closes only once a recheck confirms the outcome; a recheck that does not sends it back.
    closed = ok(await mesh.query(CLOSE, CITY_LEADER, {"c": case_id, "o": "gang detained"}))["closeGovernanceCase"]
    assert (closed["state"], closed["outcome"]) == ("AWAITING_RECHECK", "gang detained")
    assert closed["resolvedAt"] is not None and closed["closedAt"] is None
    reopened = ok(await mesh.query(RECHECK, CITY_LEADER, {"c": case_id, "ok": False,
                                                          "n": "drivers still pay"}))["recheckGovernanceCase"]
    assert (reopened["state"], reopened["outcome"], reopened["resolvedAt"]) == ("PLANNED", "", None)
    assert reopened["rechecks"] == [{"confirmed": False, "note": "drivers still pay", "actor": CITY_LEADER.subject}]

    again = ok(await mesh.query(CLOSE, COUNTY_LEADER, {"c": case_id, "o": "gang convicted"}))["closeGovernanceCase"]
    assert again["state"] == "AWAITING_RECHECK"
    confirmed = ok(await mesh.query(RECHECK, CITY_LEADER, {"c": case_id, "ok": True,
                                                           "n": "no more payments"}))["recheckGovernanceCase"]
    assert (confirmed["state"], confirmed["outcome"]) == ("CLOSED", "gang convicted")
    assert confirmed["closedAt"] is not None
    assert [r["confirmed"] for r in confirmed["rechecks"]] == [False, True]

    # Read back: the graph holds every change.
    read = ok(await mesh.query(CASE, CITY_LEADER, {"c": case_id}))["governanceCase"]
    assert read == confirmed
    assert read["acknowledgedBy"] == COUNTY_LEADER.subject and read["territory"]["townshipCode"] == "410307103"
    assert read["plan"]["measures"] == ["patrols at the depot", "prosecute the gang"]

    # Refused by the service's state machine (item 9): a closed case is not rechecked again.
    refused = refusal(await mesh.query(RECHECK, CITY_LEADER, {"c": case_id, "ok": True, "n": "again"}))
    assert refused == {"code": "FAILED_PRECONDITION", "rule": "case-state", "policyItem": "Item 9", "field": None}
    # Refused by the gateway: an enterprise does not work cases.
    assert codes(await mesh.query(ACKNOWLEDGE, ENTERPRISE, {"c": case_id})) == ["FORBIDDEN"]


# ---- key protection (item 9), inspection groups and findings (item 15) --------------------------------------

ADD_KEY = """mutation($k: SiteKind!, $s: ID!, $r: String!) {
  addKeyProtection(siteKind: $k, siteId: $s, reason: $r) { siteKind siteId reason actor addedAt active } }"""
REMOVE_KEY = """mutation($k: SiteKind!, $s: ID!, $r: String!) {
  removeKeyProtection(siteKind: $k, siteId: $s, reason: $r) {
    siteKind siteId reason actor active removedAt removalReason removedBy } }"""
KEYS = "query { keyProtection { siteKind siteId reason active removedAt } }"
ASSIGN_GROUP = """mutation($g: ID!, $n: String!, $sites: [SiteRefInput!]!) {
  assignInspectionGroup(groupId: $g, name: $n, sites: $sites) { id name sites { kind id } updatedAt } }"""
GROUPS = "query { inspectionGroups { id name sites { kind id } } }"
FINDING_FRAGMENT = """fragment Finding on InspectionFinding {
  id channel inspectionGroup kind description responsibleUnit responsibleLeader enterpriseId keyProtection state
  outcome resolvedAt closedAt countyCode rechecks { confirmed note actor }
}"""
REGISTER = "mutation($input: FindingInput!) { registerFinding(input: $input) { ...Finding } }" + FINDING_FRAGMENT
RESOLVE = """mutation($f: ID!, $o: String!) {
  resolveFinding(findingId: $f, outcome: $o) { ...Finding } }""" + FINDING_FRAGMENT
RECHECK_FINDING = """mutation($f: ID!, $ok: Boolean!, $n: String!) {
  recheckFinding(findingId: $f, confirmed: $ok, note: $n) { ...Finding } }""" + FINDING_FRAGMENT
FINDING = "query($f: ID!) { inspectionFinding(id: $f) { ...Finding } }" + FINDING_FRAGMENT


async def test_key_protection_an_inspection_group_and_a_finding_go_through_the_gateway(mesh: Mesh) -> None:
    # A site on no key list is put under key protection by hand, with the reason.
    added = ok(await mesh.query(ADD_KEY, OFFICE, {"k": "ENTERPRISE", "s": SITE,
                                                  "r": "threatened by a gang"}))["addKeyProtection"]
    assert {k: v for k, v in added.items() if k != "addedAt"} == {
        "siteKind": "ENTERPRISE", "siteId": SITE, "reason": "threatened by a gang", "actor": OFFICE.subject,
        "active": True}
    assert added["addedAt"] is not None
    assert ok(await mesh.query(KEYS, CITY_LEADER))["keyProtection"] == [
        {"siteKind": "ENTERPRISE", "siteId": SITE, "reason": "threatened by a gang", "active": True,
         "removedAt": None}]

    # Inspection groups are assigned key sites: a city key enterprise, and the one now under key protection.
    sites = [{"kind": "ENTERPRISE", "id": KEY_SITE}, {"kind": "ENTERPRISE", "id": SITE}]
    group = ok(await mesh.query(ASSIGN_GROUP, OFFICE, {"g": "grp-1", "n": "第一督查组",
                                                       "sites": sites}))["assignInspectionGroup"]
    assert (group["id"], group["name"], group["sites"]) == ("grp-1", "第一督查组", sites)
    assert group["updatedAt"] is not None
    assert ok(await mesh.query(GROUPS, CITY_LEADER))["inspectionGroups"] == [
        {"id": "grp-1", "name": "第一督查组", "sites": sites}]
    not_key = refusal(await mesh.query(ASSIGN_GROUP, OFFICE, {"g": "grp-2", "n": "第二督查组",
                                                              "sites": [{"kind": "ENTERPRISE", "id": PLAIN_SITE}]}))
    assert not_key == {"code": "FAILED_PRECONDITION", "rule": "inspection-key-sites", "policyItem": "Item 15",
                       "field": "sites[0].id"}

    # The group's finding at the protected site is registered as a supervised case.
    registered = ok(await mesh.query(REGISTER, OFFICE, {"input": {
        "channel": "INSPECTION_GROUP", "inspectionGroup": "grp-1", "kind": "TAKING_AND_OBSTRUCTING",
        "description": "an inspector asked for a 'fee' to sign off", "responsibleUnit": "偃师区市场监管局",
        "responsibleLeader": "Deputy director Sun", "enterpriseId": SITE}}))["registerFinding"]
    finding_id = registered["id"]
    assert {k: registered[k] for k in ("channel", "inspectionGroup", "kind", "responsibleUnit", "enterpriseId",
                                       "keyProtection", "state", "countyCode")} == {
        "channel": "INSPECTION_GROUP", "inspectionGroup": "grp-1", "kind": "TAKING_AND_OBSTRUCTING",
        "responsibleUnit": "偃师区市场监管局", "enterpriseId": SITE, "keyProtection": True, "state": "OPEN",
        "countyCode": COUNTY}

    # The threat is over: the protection ends, and the list no longer holds the site.
    # Ending it gives the reason, as adding it does; who ended it, when and why are kept with the entry.
    blank = refusal(await mesh.query(REMOVE_KEY, OFFICE, {"k": "ENTERPRISE", "s": SITE, "r": "  "}))
    assert blank == {"code": "INVALID_ARGUMENT", "rule": "key-reason", "policyItem": "Item 9", "field": "reason"}
    removed = ok(await mesh.query(REMOVE_KEY, OFFICE, {"k": "ENTERPRISE", "s": SITE,
                                                       "r": "the gang was convicted"}))["removeKeyProtection"]
    assert (removed["siteKind"], removed["siteId"], removed["active"]) == ("ENTERPRISE", SITE, False)
    assert (removed["reason"], removed["actor"]) == ("threatened by a gang", OFFICE.subject)  # as it was added
    assert (removed["removalReason"], removed["removedBy"]) == ("the gang was convicted", OFFICE.subject)
    assert instant(removed["removedAt"]) >= instant(added["addedAt"])
    assert ok(await mesh.query(KEYS, CITY_LEADER))["keyProtection"] == []
    twice = refusal(await mesh.query(REMOVE_KEY, OFFICE, {"k": "ENTERPRISE", "s": SITE, "r": "again"}))
    assert twice == {"code": "NOT_FOUND", "rule": "key-listed", "policyItem": "Item 9", "field": "siteId"}

    # The responsible unit reports it resolved; the first recheck does not confirm, the second does.
    resolved = ok(await mesh.query(RESOLVE, DEPARTMENT, {"f": finding_id, "o": "the inspector was suspended"}))
    assert (resolved["resolveFinding"]["state"], resolved["resolveFinding"]["outcome"]) == (
        "AWAITING_RECHECK", "the inspector was suspended")
    assert resolved["resolveFinding"]["resolvedAt"] is not None
    reopened = ok(await mesh.query(RECHECK_FINDING, OFFICE, {"f": finding_id, "ok": False,
                                                             "n": "the fee was not refunded"}))["recheckFinding"]
    assert (reopened["state"], reopened["outcome"], reopened["resolvedAt"]) == ("OPEN", "", None)
    ok(await mesh.query(RESOLVE, DEPARTMENT, {"f": finding_id, "o": "suspended, and the fee refunded"}))
    closed = ok(await mesh.query(RECHECK_FINDING, DEPARTMENT, {"f": finding_id, "ok": True,
                                                               "n": "the enterprise confirms"}))["recheckFinding"]
    assert (closed["state"], closed["outcome"]) == ("CLOSED", "suspended, and the fee refunded")
    assert closed["closedAt"] is not None
    assert closed["rechecks"] == [
        {"confirmed": False, "note": "the fee was not refunded", "actor": OFFICE.subject},
        {"confirmed": True, "note": "the enterprise confirms", "actor": DEPARTMENT.subject}]

    read = ok(await mesh.query(FINDING, CITY_LEADER, {"f": finding_id}))["inspectionFinding"]
    assert read == closed
    # Refused by the service (item 15): a closed finding is not resolved again; by the gateway: leaders do not.
    again = refusal(await mesh.query(RESOLVE, DEPARTMENT, {"f": finding_id, "o": "again"}))
    assert again == {"code": "FAILED_PRECONDITION", "rule": "finding-state", "policyItem": "Item 15", "field": None}
    assert codes(await mesh.query(RESOLVE, CITY_LEADER, {"f": finding_id, "o": "again"})) == ["FORBIDDEN"]


# ---- fines (item 11) ------------------------------------------------------------------------------------

FILE_FINE = """mutation($e: ID!) { fileFine(input: {enterpriseId: $e, agency: "city-market-supervision",
  amountYuan: "60000", matter: "food safety", legalBasis: "Food Safety Law art. 124"}) {
  id body hearingRequired state } }"""
DECIDE = """mutation($f: ID!) { decideFine(fineId: $f, body: CITY_COMMITTEE_AND_GOVERNMENT, approve: true,
  reason: "lawful and proportionate") { state } }"""
FINE_FRAGMENT = "fragment Fine on FineFiling { id amountYuan state hearingHeld imposedAt decidedBy }"
IMPOSE = "mutation($f: ID!, $h: Boolean!) { imposeFine(fineId: $f, hearingHeld: $h) { ...Fine } }" + FINE_FRAGMENT
FINE = "query($f: ID!) { fineFiling(id: $f) { ...Fine } }" + FINE_FRAGMENT


async def test_an_approved_large_fine_is_imposed_after_its_hearing_through_the_gateway(mesh: Mesh) -> None:
    filed = ok(await mesh.query(FILE_FINE, DEPARTMENT, {"e": SITE}))["fileFine"]
    fine_id = filed["id"]
    assert (filed["body"], filed["hearingRequired"], filed["state"]) == (
        "CITY_COMMITTEE_AND_GOVERNMENT", True, "PENDING")
    # Not approved yet: not imposed (item 11).
    early = refusal(await mesh.query(IMPOSE, DEPARTMENT, {"f": fine_id, "h": True}))
    assert early == {"code": "FAILED_PRECONDITION", "rule": "fine-filed-before-imposed", "policyItem": "Item 11",
                     "field": None}
    assert ok(await mesh.query(DECIDE, CITY_LEADER, {"f": fine_id}))["decideFine"] == {"state": "APPROVED"}

    # A large fine needs its hearing first; the office does not impose fines at all.
    unheard = refusal(await mesh.query(IMPOSE, DEPARTMENT, {"f": fine_id, "h": False}))
    assert unheard == {"code": "FAILED_PRECONDITION", "rule": "hearing-before-large-fine", "policyItem": "Item 11",
                       "field": "hearingHeld"}
    assert codes(await mesh.query(IMPOSE, OFFICE, {"f": fine_id, "h": True})) == ["FORBIDDEN"]

    imposed = ok(await mesh.query(IMPOSE, DEPARTMENT, {"f": fine_id, "h": True}))["imposeFine"]
    assert {k: v for k, v in imposed.items() if k != "imposedAt"} == {
        "id": fine_id, "amountYuan": "60000.00", "state": "IMPOSED", "hearingHeld": True,
        "decidedBy": CITY_LEADER.subject}
    assert imposed["imposedAt"] is not None
    assert ok(await mesh.query(FINE, OFFICE, {"f": fine_id}))["fineFiling"] == imposed

