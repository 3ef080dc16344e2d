"""Through the signed-in gateway, against the contacts service running for real (NATS, the MongoDB-protocol
server): the contacts mutations no other test runs — updateEnterprise, updateProject, updateLeader, endPairing,
raiseProblem, resolveProblem and closeProblemUnresolved — each works for a role the gateway allows it, answers
with the change made, and the change reads back through the graph's queries. Along natural life-cycles: the
office keeps the registry (an enterprise moves township and key lists, a project starts construction, a leader
changes post); a leader pairs with an enterprise, visits it, raises a further problem, which a department
resolves while another is closed unresolved; a pairing is ended, and a visit after its end is unpaired. One
refusal per family: by the gateway's role rule, and by the service's policy rule; and a county-level leader
(item 9) concludes the problems of their county only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mesh_contacts.demo import demo_credit_code
from mesh_contacts.domain.calendar import city_today
from mesh_contacts.settings import ContactsSettings
from mesh_contacts.testing import run_contacts
from mesh_gateway.auth import Principal, Role
from mesh_gateway.testing import SignedIn, codes, signed_in_gateway
from mesh_response.events import STREAMS as RESPONSE_STREAMS
from meshlib.bus import Bus
from meshlib.testing.plugin import settings_for

OFFICE = Principal("x1", Role.OPTIMISATION_OFFICE, name="市营商环境优化办")
LEADER = Principal("l1", Role.LEADER, name="王建国")
DEPARTMENT = Principal("d1", Role.DEPARTMENT, name="供电公司", agency="city-power")
POLICE = Principal("p1", Role.POLICE, agency="luolong-police")
COUNTY_LEADER = Principal("l2", Role.LEADER, name="张伟", county_code="410311")

LUOLONG = {"countyCode": "410311", "countyName": "洛龙区", "townshipCode": "410311010", "townshipName": "开元路街道"}
LILOU = {"countyCode": "410311", "countyName": "洛龙区", "townshipCode": "410311101", "townshipName": "李楼镇"}
JIANXI = {"countyCode": "410305", "countyName": "涧西区", "townshipCode": "410305005", "townshipName": "长春路街道"}


@pytest.fixture
async def registry(mesh_env: dict[str, str], bus: Bus, tmp_path: Path) -> AsyncIterator[SignedIn]:
    """The contacts service (no demo data) behind a signed-in gateway."""
    await bus.ensure_streams(RESPONSE_STREAMS)  # the gateway follows incidents.accepted from start-up
    async with run_contacts(settings_for(ContactsSettings, mesh_env, EDITION_SCHEDULE="off")) as contacts, \
            signed_in_gateway(mesh_env, tmp_path,
                              CONTACTS_GRPC_TARGET=f"127.0.0.1:{contacts.runtime.port}") as signed_in:
        yield signed_in


def enterprise_input(n: int, name: str, territory: dict[str, str], *key_lists: str, **more: Any) -> dict[str, Any]:
    return {"name": name, "creditCode": demo_credit_code(territory["countyCode"], n), "sector": "装备制造",
            "territory": territory, "address": "开元大道1号", "contactName": "办公室", "contactPhone": "0379-1",
            "keyLists": list(key_lists), **more}


ENTERPRISE_FIELDS = """id name creditCode sector territory { countyCode townshipCode townshipName } address
  contactName contactPhone keyLists isKey version"""
PROJECT_FIELDS = """id name ownerEnterpriseId sector investmentYuan territory { townshipCode } stage keyLists isKey
  version"""
LEADER_FIELDS = "id name level post countyCode countyName"
PAIRING_FIELDS = "id leaderId targetKind targetId startedOn endedOn endReason current createdBy countyCode"
PROBLEM_FIELDS = """id visitId leaderId targetId category description department dueOn status resolution
  closeReason overdue trail { actor action fromStatus toStatus note }"""

REGISTER_ENTERPRISE = f"mutation($i: EnterpriseInput!) {{ registerEnterprise(input: $i) {{ {ENTERPRISE_FIELDS} }} }}"
REGISTER_PROJECT = f"mutation($i: ProjectInput!) {{ registerProject(input: $i) {{ {PROJECT_FIELDS} }} }}"
REGISTER_LEADER = f"mutation($i: LeaderInput!) {{ registerLeader(input: $i) {{ {LEADER_FIELDS} }} }}"
UPDATE_ENTERPRISE = (f"mutation($id: ID!, $i: EnterpriseInput!) {{ updateEnterprise(id: $id, input: $i) "
                     f"{{ {ENTERPRISE_FIELDS} }} }}")
UPDATE_PROJECT = f"mutation($id: ID!, $i: ProjectInput!) {{ updateProject(id: $id, input: $i) {{ {PROJECT_FIELDS} }} }}"
UPDATE_LEADER = f"mutation($id: ID!, $i: LeaderInput!) {{ updateLeader(id: $id, input: $i) {{ {LEADER_FIELDS} }} }}"
PAIR = f"""mutation($l: ID!, $k: TargetKind!, $t: ID!, $on: Date) {{
  pairLeader(leaderId: $l, targetKind: $k, targetId: $t, startedOn: $on) {{ {PAIRING_FIELDS} }} }}"""
END_PAIRING = f"""mutation($p: ID!, $reason: String!, $on: Date) {{
  endPairing(pairingId: $p, reason: $reason, endedOn: $on) {{ {PAIRING_FIELDS} }} }}"""
END_PAIRING_WITH_ROWS = f"""mutation($p: ID!, $reason: String!, $on: Date) {{
  endPairing(pairingId: $p, reason: $reason, endedOn: $on) {{ {PAIRING_FIELDS} leader {{ name }}
    target {{ ... on Enterprise {{ name }} }} }} }}"""
RECORD_VISIT = f"""mutation($i: VisitInput!) {{
  recordVisit(input: $i) {{ visit {{ id unpaired pairingId }} problems {{ {PROBLEM_FIELDS} }} }} }}"""
RAISE_PROBLEM = f"""mutation($v: ID!, $i: ProblemInput!) {{
  raiseProblem(visitId: $v, input: $i) {{ {PROBLEM_FIELDS} visit {{ id }} leader {{ name }}
    target {{ ... on Enterprise {{ name }} }} }} }}"""
COORDINATE = "mutation($p: ID!) { coordinateProblem(problemId: $p, note: \"已转办\") { status } }"
RESOLVE = f"""mutation($p: ID!, $r: String!) {{
  resolveProblem(problemId: $p, resolution: $r) {{ {PROBLEM_FIELDS} }} }}"""
CLOSE_UNRESOLVED = f"""mutation($p: ID!, $r: String!) {{
  closeProblemUnresolved(problemId: $p, reason: $r) {{ {PROBLEM_FIELDS} }} }}"""


def today() -> date:
    return city_today(datetime.now(UTC))


async def key_enterprise(mesh: SignedIn, n: int, name: str) -> dict[str, Any]:
    data = await mesh.data(REGISTER_ENTERPRISE, OFFICE, {"i": enterprise_input(n, name, LUOLONG,
                                                                               "CITY_KEY_ENTERPRISE")})
    registered: dict[str, Any] = data["registerEnterprise"]
    return registered


async def city_leader(mesh: SignedIn, name: str = "王建国", post: str = "副市长") -> dict[str, Any]:
    data = await mesh.data(REGISTER_LEADER, OFFICE, {"i": {"name": name, "level": "CITY", "post": post}})
    registered: dict[str, Any] = data["registerLeader"]
    return registered


async def test_the_office_updates_an_enterprise_and_the_change_reads_back(registry: SignedIn) -> None:
    mesh = registry
    registered = await key_enterprise(mesh, 1, "洛阳河洛精密轴承")
    assert (registered["version"], registered["keyLists"]) == (1, ["CITY_KEY_ENTERPRISE"])
    leader = await city_leader(mesh)
    pairing = (await mesh.data(PAIR, OFFICE, {"l": leader["id"], "k": "ENTERPRISE", "t": registered["id"]}))[
        "pairLeader"]
    assert pairing["countyCode"] == "410311"

    # It moves to another district and is now on two key lists, with a new contact.
    changed = enterprise_input(1, "洛阳河洛精密轴承集团", JIANXI, "LITTLE_GIANT", "LEADING_ENTERPRISE",
                               address="长春路8号", contactName="李经理", contactPhone="0379-6")
    changed["creditCode"] = registered["creditCode"]  # the same enterprise keeps its code
    updated = (await mesh.data(UPDATE_ENTERPRISE, OFFICE, {"id": registered["id"], "i": changed}))["updateEnterprise"]

    expected = {
        "id": registered["id"], "name": "洛阳河洛精密轴承集团", "creditCode": registered["creditCode"],
        "sector": "装备制造", "territory": {"countyCode": "410305", "townshipCode": "410305005",
                                          "townshipName": "长春路街道"},
        "address": "长春路8号", "contactName": "李经理", "contactPhone": "0379-6",
        "keyLists": ["LITTLE_GIANT", "LEADING_ENTERPRISE"], "isKey": True, "version": 2,
    }
    assert updated == expected
    read = await mesh.data(f"""query($id: ID!, $l: ID!) {{ enterprise(id: $id) {{ {ENTERPRISE_FIELDS} }}
      pairings(filter: {{leaderIds: [$l]}}) {{ edges {{ node {{ id countyCode target {{ ... on Enterprise {{ name }} }}
      }} }} }} }}""", OFFICE, {"id": registered["id"], "l": leader["id"]})
    assert read["enterprise"] == expected
    # The pairing follows its enterprise into the new district (item 9).
    assert [e["node"] for e in read["pairings"]["edges"]] == [
        {"id": pairing["id"], "countyCode": "410305", "target": {"name": "洛阳河洛精密轴承集团"}}]

    # Off every key list it is no longer a key enterprise.
    plain = {**changed, "keyLists": []}
    again = (await mesh.data(UPDATE_ENTERPRISE, OFFICE, {"id": registered["id"], "i": plain}))["updateEnterprise"]
    assert (again["isKey"], again["keyLists"], again["version"]) == (False, [], 3)

    # The gateway keeps the registry to the office; the service checks the credit code.
    refused = await mesh.query(UPDATE_ENTERPRISE, LEADER, {"id": registered["id"], "i": changed})
    assert codes(refused) == ["FORBIDDEN"]
    assert refused["errors"][0]["extensions"]["field"] == "Mutation.updateEnterprise"
    (bad,) = (await mesh.query(UPDATE_ENTERPRISE, OFFICE, {"id": registered["id"], "i": {
        **changed, "creditCode": registered["creditCode"][:-1] + ("0" if registered["creditCode"][-1] != "0"
                                                                  else "1")}}))["errors"]
    assert {k: bad["extensions"][k] for k in ("code", "rule", "field")} == {
        "code": "INVALID_ARGUMENT", "rule": "credit-code-check-digit", "field": "input.creditCode"}


async def test_the_office_updates_a_project_and_the_change_reads_back(registry: SignedIn) -> None:
    mesh = registry
    owner = await key_enterprise(mesh, 2, "牡丹机器人")
    project_input = {"name": "机器人产业园", "ownerEnterpriseId": owner["id"], "sector": "INDUSTRIAL",
                     "investmentYuan": "650000000.50", "territory": LUOLONG, "stage": "PRELIMINARY", "keyLists": []}
    registered = (await mesh.data(REGISTER_PROJECT, OFFICE, {"i": project_input}))["registerProject"]
    assert (registered["isKey"], registered["stage"], registered["version"]) == (False, "PRELIMINARY", 1)

    # Construction starts: more investment, a new site, and it becomes a provincial key project.
    changed = {**project_input, "name": "牡丹智能机器人产业园", "investmentYuan": "720000000.05",
               "territory": LILOU, "stage": "UNDER_CONSTRUCTION", "keyLists": ["PROVINCIAL_KEY_PROJECT"]}
    updated = (await mesh.data(UPDATE_PROJECT, OFFICE, {"id": registered["id"], "i": changed}))["updateProject"]
    expected = {
        "id": registered["id"], "name": "牡丹智能机器人产业园", "ownerEnterpriseId": owner["id"],
        "sector": "INDUSTRIAL", "investmentYuan": "720000000.05", "territory": {"townshipCode": "410311101"},
        "stage": "UNDER_CONSTRUCTION", "keyLists": ["PROVINCIAL_KEY_PROJECT"], "isKey": True, "version": 2,
    }
    assert updated == expected
    read = await mesh.data(f"query($id: ID!) {{ project(id: $id) {{ {PROJECT_FIELDS} owner {{ name }} }} }}",
                           OFFICE, {"id": registered["id"]})
    assert read["project"] == {**expected, "owner": {"name": "牡丹机器人"}}

    # Now a key project, a leader may take charge of it (it could not before).
    leader = await city_leader(mesh)
    pairing = (await mesh.data(PAIR, OFFICE, {"l": leader["id"], "k": "PROJECT", "t": registered["id"]}))[
        "pairLeader"]
    assert (pairing["targetKind"], pairing["current"]) == ("PROJECT", True)

    refused = await mesh.query(UPDATE_PROJECT, DEPARTMENT, {"id": registered["id"], "i": changed})
    assert codes(refused) == ["FORBIDDEN"]
    assert refused["errors"][0]["extensions"]["field"] == "Mutation.updateProject"
    (orphan,) = (await mesh.query(UPDATE_PROJECT, OFFICE, {"id": registered["id"], "i": {
        **changed, "ownerEnterpriseId": "ent-missing"}}))["errors"]
    assert {k: orphan["extensions"][k] for k in ("code", "rule", "field")} == {
        "code": "NOT_FOUND", "rule": "owner-exists", "field": "input.ownerEnterpriseId"}
    unchanged = await mesh.data(f"query($id: ID!) {{ project(id: $id) {{ {PROJECT_FIELDS} }} }}", OFFICE,
                                {"id": registered["id"]})
    assert unchanged["project"] == expected


async def test_the_office_updates_a_leader_and_the_change_reads_back(registry: SignedIn) -> None:
    mesh = registry
    registered = await city_leader(mesh, "李红梅", "副市长")
    assert registered == {"id": registered["id"], "name": "李红梅", "level": "CITY", "post": "副市长",
                          "countyCode": "", "countyName": ""}

    promoted = (await mesh.data(UPDATE_LEADER, OFFICE, {"id": registered["id"], "i": {
        "name": "李红梅", "level": "CITY", "post": "常务副市长"}}))["updateLeader"]
    assert promoted == {**registered, "post": "常务副市长"}
    # Posted to a district as its party secretary: a county leader of 洛龙区 from now on.
    posted = (await mesh.data(UPDATE_LEADER, OFFICE, {"id": registered["id"], "i": {
        "name": "李红梅", "level": "COUNTY", "post": "区委书记", "countyCode": "410311",
        "countyName": "洛龙区"}}))["updateLeader"]
    expected = {"id": registered["id"], "name": "李红梅", "level": "COUNTY", "post": "区委书记",
                "countyCode": "410311", "countyName": "洛龙区"}
    assert posted == expected
    read = await mesh.data(f"""query($id: ID!) {{ leader(id: $id) {{ {LEADER_FIELDS} }}
      leaders(filter: {{level: COUNTY, countyCode: "410311"}}) {{ edges {{ node {{ id post }} }} }} }}""",
                           LEADER, {"id": registered["id"]})
    assert read["leader"] == expected
    assert [e["node"] for e in read["leaders"]["edges"]] == [{"id": registered["id"], "post": "区委书记"}]

    refused = await mesh.query(UPDATE_LEADER, LEADER, {"id": registered["id"], "i": {
        "name": "李红梅", "level": "CITY", "post": "市长"}})
    assert codes(refused) == ["FORBIDDEN"]
    assert refused["errors"][0]["extensions"]["field"] == "Mutation.updateLeader"
    (no_county,) = (await mesh.query(UPDATE_LEADER, OFFICE, {"id": registered["id"], "i": {
        "name": "李红梅", "level": "COUNTY", "post": "区长"}}))["errors"]
    assert {k: no_county["extensions"][k] for k in ("code", "rule", "field")} == {
        "code": "INVALID_ARGUMENT", "rule": "territory-code", "field": "input.countyCode"}


async def test_a_leader_visits_raises_a_problem_one_is_resolved_another_closed_unresolved(
    registry: SignedIn,
) -> None:
    mesh = registry
    bearing = await key_enterprise(mesh, 3, "河洛精密轴承")
    leader = await city_leader(mesh)
    await mesh.data(PAIR, OFFICE, {"l": leader["id"], "k": "ENTERPRISE", "t": bearing["id"]})
    due = (today() + timedelta(days=14)).isoformat()
    recorded = (await mesh.data(RECORD_VISIT, LEADER, {"i": {
        "leaderId": leader["id"], "targetKind": "ENTERPRISE", "targetId": bearing["id"], "learned": "订单增长",
        "problems": [{"category": "FACTOR_POWER", "description": "增容报装慢", "department": "供电公司",
                      "dueOn": due}]}}))["recordVisit"]
    visit_id = recorded["visit"]["id"]
    (power,) = recorded["problems"]

    # On the same visit the leader raises a further problem.
    raised = (await mesh.data(RAISE_PROBLEM, LEADER, {"v": visit_id, "i": {
        "category": "FACTOR_LABOUR", "description": "技工短缺", "department": "人社局", "dueOn": due}}))[
        "raiseProblem"]
    assert (raised.pop("visit"), raised.pop("leader"), raised.pop("target")) == (
        {"id": visit_id}, {"name": "王建国"}, {"name": "河洛精密轴承"})
    assert raised == {
        "id": raised["id"], "visitId": visit_id, "leaderId": leader["id"], "targetId": bearing["id"],
        "category": "FACTOR_LABOUR", "description": "技工短缺", "department": "人社局", "dueOn": due,
        "status": "OPEN", "resolution": "", "closeReason": "", "overdue": False,
        "trail": [{"actor": "l1", "action": "raised", "fromStatus": None, "toStatus": "OPEN", "note": ""}],
    }
    assert raised["id"] != power["id"]
    on_visit = await mesh.data("query($v: ID!) { visit(id: $v) { problems { id description status } } }", LEADER,
                               {"v": visit_id})
    assert on_visit["visit"]["problems"] == [
        {"id": power["id"], "description": "增容报装慢", "status": "OPEN"},
        {"id": raised["id"], "description": "技工短缺", "status": "OPEN"}]

    # Both are coordinated; the department resolves the labour shortage, the power one is closed unresolved.
    for problem in (power, raised):
        assert (await mesh.data(COORDINATE, DEPARTMENT, {"p": problem["id"]}))["coordinateProblem"] == {
            "status": "COORDINATING"}
    resolved = (await mesh.data(RESOLVE, DEPARTMENT, {"p": raised["id"], "r": "校企合作招工"}))["resolveProblem"]
    assert (resolved["id"], resolved["status"], resolved["resolution"], resolved["overdue"]) == (
        raised["id"], "RESOLVED", "校企合作招工", False)
    assert resolved["trail"][-1] == {"actor": "d1", "action": "resolved", "fromStatus": "COORDINATING",
                                     "toStatus": "RESOLVED", "note": "校企合作招工"}
    closed = (await mesh.data(CLOSE_UNRESOLVED, LEADER, {"p": power["id"], "r": "电网改造明年实施"}))[
        "closeProblemUnresolved"]
    assert (closed["id"], closed["status"], closed["closeReason"], closed["resolution"]) == (
        power["id"], "CLOSED_UNRESOLVED", "电网改造明年实施", "")
    assert closed["trail"][-1] == {"actor": "l1", "action": "closed_unresolved", "fromStatus": "COORDINATING",
                                   "toStatus": "CLOSED_UNRESOLVED", "note": "电网改造明年实施"}

    read = await mesh.data(f"""query($r: ID!, $c: ID!, $l: ID!) {{
      resolved: problem(id: $r) {{ {PROBLEM_FIELDS} }}
      closed: problem(id: $c) {{ {PROBLEM_FIELDS} }}
      concluded: problems(filter: {{leaderIds: [$l], statuses: [RESOLVED, CLOSED_UNRESOLVED]}}) {{
        edges {{ node {{ id status }} }} }}
      leader(id: $l) {{ openProblems {{ id }} }} }}""", OFFICE, {"r": raised["id"], "c": power["id"],
                                                                "l": leader["id"]})
    assert read["resolved"] == resolved
    assert read["closed"] == closed
    assert sorted((e["node"]["id"], e["node"]["status"]) for e in read["concluded"]["edges"]) == sorted(
        [(raised["id"], "RESOLVED"), (power["id"], "CLOSED_UNRESOLVED")])
    assert read["leader"]["openProblems"] == []

    # Police raise no problems (the gateway); a concluded problem stays concluded (the service, item 20).
    refused = await mesh.query(RAISE_PROBLEM, POLICE, {"v": visit_id, "i": {
        "category": "FACTOR_LAND", "description": "用地", "department": "自然资源局", "dueOn": due}})
    assert codes(refused) == ["FORBIDDEN"]
    assert refused["errors"][0]["extensions"]["field"] == "Mutation.raiseProblem"
    (again,) = (await mesh.query(CLOSE_UNRESOLVED, DEPARTMENT, {"p": raised["id"], "r": "重复"}))["errors"]
    assert again["extensions"] == {"code": "FAILED_PRECONDITION", "rule": "problem-transition",
                                   "policyItem": "Item 20", "field": "problemId"}
    (open_one,) = (await mesh.query(RAISE_PROBLEM, LEADER, {"v": visit_id, "i": {
        "category": "SAFETY", "description": "安全生产", "department": "应急管理局", "dueOn": due}}))["errors"]
    assert {k: open_one["extensions"][k] for k in ("code", "rule", "field")} == {
        "code": "INVALID_ARGUMENT", "rule": "problem-category", "field": "input.category"}


async def test_the_office_ends_a_pairing_and_a_later_visit_is_unpaired(registry: SignedIn) -> None:
    mesh = registry
    bearing = await key_enterprise(mesh, 4, "河洛精密轴承")
    leader = await city_leader(mesh)
    started = (today() - timedelta(days=60)).isoformat()
    ended_on = (today() - timedelta(days=1)).isoformat()
    pairing = (await mesh.data(PAIR, OFFICE, {"l": leader["id"], "k": "ENTERPRISE", "t": bearing["id"],
                                              "on": started}))["pairLeader"]
    assert (pairing["current"], pairing["endedOn"]) == (True, None)

    ended = (await mesh.data(END_PAIRING_WITH_ROWS, OFFICE, {"p": pairing["id"], "reason": "工作调整",
                                                             "on": ended_on}))["endPairing"]
    assert (ended.pop("leader"), ended.pop("target")) == ({"name": "王建国"}, {"name": "河洛精密轴承"})
    expected = {**pairing, "current": False, "endedOn": ended_on, "endReason": "工作调整"}
    assert ended == expected

    read = await mesh.data(f"""query($l: ID!, $e: ID!) {{
      leader(id: $l) {{ current: pairings {{ id }} all: pairings(includeEnded: true) {{ {PAIRING_FIELDS} }} }}
      pairings(filter: {{leaderIds: [$l], current: false}}) {{ edges {{ node {{ id endedOn endReason }} }} }}
      enterprise(id: $e) {{ pairings {{ id }} }} }}""", OFFICE, {"l": leader["id"], "e": bearing["id"]})
    assert read["leader"] == {"current": [], "all": [expected]}
    assert [e["node"] for e in read["pairings"]["edges"]] == [
        {"id": pairing["id"], "endedOn": ended_on, "endReason": "工作调整"}]
    assert read["enterprise"]["pairings"] == []

    # A visit after the pairing ended is recorded and flagged unpaired (item 19).
    visit = (await mesh.data(RECORD_VISIT, LEADER, {"i": {
        "leaderId": leader["id"], "targetKind": "ENTERPRISE", "targetId": bearing["id"]}}))["recordVisit"]["visit"]
    assert (visit["unpaired"], visit["pairingId"]) == (True, None)

    refused = await mesh.query(END_PAIRING, LEADER, {"p": pairing["id"], "reason": "x"})
    assert codes(refused) == ["FORBIDDEN"]
    assert refused["errors"][0]["extensions"]["field"] == "Mutation.endPairing"
    (twice,) = (await mesh.query(END_PAIRING, OFFICE, {"p": pairing["id"], "reason": "x"}))["errors"]
    assert twice["extensions"] == {"code": "FAILED_PRECONDITION", "rule": "pairing-ended", "policyItem": "Item 20",
                                   "field": "pairingId"}


async def test_a_county_level_leader_concludes_only_the_problems_of_their_county(registry: SignedIn) -> None:
    mesh = registry
    leader = await city_leader(mesh)
    due = (today() + timedelta(days=7)).isoformat()
    problems = {}
    for n, territory in ((5, LUOLONG), (6, JIANXI)):
        target = (await mesh.data(REGISTER_ENTERPRISE, OFFICE, {"i": enterprise_input(
            n, f"企业{n}", territory, "LITTLE_GIANT")}))["registerEnterprise"]
        visit = (await mesh.data(RECORD_VISIT, LEADER, {"i": {
            "leaderId": leader["id"], "targetKind": "ENTERPRISE", "targetId": target["id"]}}))["recordVisit"]["visit"]
        assert visit["unpaired"] is True
        problem = (await mesh.data(RAISE_PROBLEM, LEADER, {"v": visit["id"], "i": {
            "category": "FACTOR_FINANCE", "description": "融资难", "department": "金融局", "dueOn": due}}))[
            "raiseProblem"]
        await mesh.data(COORDINATE, OFFICE, {"p": problem["id"]})
        problems[territory["countyCode"]] = problem["id"]

    own = (await mesh.data(RESOLVE, COUNTY_LEADER, {"p": problems["410311"], "r": "银企对接会"}))["resolveProblem"]
    assert (own["status"], own["resolution"], own["trail"][-1]["actor"]) == ("RESOLVED", "银企对接会", "l2")
    other = await mesh.query(CLOSE_UNRESOLVED, COUNTY_LEADER, {"p": problems["410305"], "r": "不归我管"})
    assert codes(other) == ["FORBIDDEN"]
    assert other["errors"][0]["extensions"]["field"] == "Mutation.closeProblemUnresolved"
    untouched = await mesh.data("query($p: ID!) { problem(id: $p) { status closeReason } }", OFFICE,
                                {"p": problems["410305"]})
    assert untouched["problem"] == {"status": "COORDINATING", "closeReason": ""}
