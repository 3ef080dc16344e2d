"""Through the gateway: leaders' contacts (items 19, 20) with the contacts service running in-process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from mesh.contacts.v1 import contacts_pb2 as pb
from mesh_contacts import demo
from mesh_contacts.domain.calendar import city_today
from mesh_contacts.testing import RunningContacts, enterprise, territory
from mesh_gateway.testing import RunningGateway

LEADER = """
query Leader($id: ID!) {
  leader(id: $id) {
    name level post
    pairings {
      startedOn
      target {
        __typename
        ... on Enterprise { name isKey keyLists territory { countyName townshipName } }
        ... on Project { name investmentYuan isKey owner { name } }
      }
    }
    visits { visitedOn unpaired learned target { ... on Enterprise { name } } problems { description status } }
    openProblems { description category department dueOn status overdue trail { action actor } }
  }
}"""


async def test_a_leaders_pairings_with_enterprises_visits_and_open_problems(
    with_contacts: tuple[RunningGateway, RunningContacts], span_exporter: Any
) -> None:
    gateway, contacts = with_contacts
    stub = contacts.stub
    mayor = await stub.RegisterLeader(pb.RegisterLeaderRequest(
        leader=pb.LeaderInput(name="王建国", level=pb.CITY, post="副市长"), actor="t"))
    bearing = await stub.RegisterEnterprise(pb.RegisterEnterpriseRequest(
        enterprise=enterprise(1, "河洛精密轴承", pb.CITY_KEY_ENTERPRISE, pb.LEADING_ENTERPRISE), actor="t"))
    robots = await stub.RegisterEnterprise(pb.RegisterEnterpriseRequest(
        enterprise=enterprise(2, "牡丹机器人", pb.LITTLE_GIANT), actor="t"))
    park = await stub.RegisterProject(pb.RegisterProjectRequest(project=pb.ProjectInput(
        name="机器人产业园", owner_enterprise_id=robots.id, sector=pb.INDUSTRIAL, investment_fen=65_000_000_050,
        territory=territory(), stage=pb.PRELIMINARY, key_lists=[pb.PROVINCIAL_KEY_PROJECT]), actor="t"))
    start = "2025-01-06"
    for kind, target in ((pb.ENTERPRISE, bearing.id), (pb.ENTERPRISE, robots.id), (pb.PROJECT, park.id)):
        await stub.Pair(pb.PairRequest(leader_id=mayor.id, target_kind=kind, target_id=target, started_on=start,
                                       actor="t"))
    today = city_today(datetime.now(UTC))
    due = (today + timedelta(days=14)).isoformat()
    visit = await stub.RecordVisit(pb.RecordVisitRequest(
        leader_id=mayor.id, target_kind=pb.ENTERPRISE, target_id=bearing.id, learned="订单增长", actor="mayor",
        problems=[pb.ProblemInput(category=pb.FACTOR_POWER, description="增容报装慢", department="供电公司",
                                  due_on=due),
                  pb.ProblemInput(category=pb.FACTOR_LABOUR, description="技工短缺", department="人社局",
                                  due_on=due)]))
    done = visit.problems[1].id
    await stub.CoordinateProblem(pb.CoordinateProblemRequest(problem_id=done, actor="office"))
    await stub.ResolveProblem(pb.ResolveProblemRequest(problem_id=done, resolution="校企合作招工", actor="office"))

    reply = await gateway.query(LEADER, {"id": mayor.id})

    assert "errors" not in reply, reply
    leader = reply["data"]["leader"]
    assert (leader["name"], leader["level"], leader["post"]) == ("王建国", "CITY", "副市长")
    by_name = {p["target"]["name"]: p for p in leader["pairings"]}
    assert by_name == {
        "河洛精密轴承": {"startedOn": start, "target": {
            "__typename": "Enterprise", "name": "河洛精密轴承", "isKey": True,
            "keyLists": ["CITY_KEY_ENTERPRISE", "LEADING_ENTERPRISE"],
            "territory": {"countyName": "洛龙区", "townshipName": "开元路街道"}}},
        "机器人产业园": {"startedOn": start, "target": {
            "__typename": "Project", "name": "机器人产业园", "investmentYuan": "650000000.50", "isKey": True,
            "owner": {"name": "牡丹机器人"}}},
        "牡丹机器人": {"startedOn": start, "target": {
            "__typename": "Enterprise", "name": "牡丹机器人", "isKey": True, "keyLists": ["LITTLE_GIANT"],
            "territory": {"countyName": "洛龙区", "townshipName": "开元路街道"}}},
    }
    assert leader["visits"] == [{
        "visitedOn": today.isoformat(), "unpaired": False, "learned": "订单增长",
        "target": {"name": "河洛精密轴承"},
        "problems": [{"description": "增容报装慢", "status": "OPEN"},
                     {"description": "技工短缺", "status": "RESOLVED"}],
    }]
    assert leader["openProblems"] == [{
        "description": "增容报装慢", "category": "FACTOR_POWER", "department": "供电公司", "dueOn": due,
        "status": "OPEN", "overdue": False, "trail": [{"action": "raised", "actor": "mayor"}],
    }]

    # DataLoaders: the targets of all pairings (and the project's owner, also a target) are fetched in one
    # batch call per kind, not one call per row.
    span_exporter.clear()
    targets = await gateway.query("""query($id: ID!) { leader(id: $id) { pairings { target {
        ... on Enterprise { name } ... on Project { name owner { name } } } } } }""", {"id": mayor.id})
    assert len(targets["data"]["leader"]["pairings"]) == 3
    calls = [s.name.rsplit("/", 1)[-1] for s in span_exporter.get_finished_spans()
             if s.name.startswith("/mesh.contacts.v1.ContactsService/") and s.kind.name == "CLIENT"]
    assert sorted(calls) == ["BatchGetEnterprises", "BatchGetLeaders", "BatchGetProjects", "ListPairings"], calls


async def test_mutations_and_their_refusals(with_contacts: tuple[RunningGateway, RunningContacts]) -> None:
    gateway, _ = with_contacts
    registered = await gateway.query("""
      mutation { registerEnterprise(input: {name: "普通企业", creditCode: "91350100M000100Y43", sector: "食品",
        territory: {countyCode: "410311", countyName: "洛龙区", townshipCode: "410311010",
                    townshipName: "开元路街道"}}) { id isKey }
        registerLeader(input: {name: "李红梅", level: CITY, post: "常务副市长"}) { id } }""")
    assert "errors" not in registered, registered
    ent, leader = registered["data"]["registerEnterprise"], registered["data"]["registerLeader"]
    assert ent["isKey"] is False

    refused = await gateway.query(
        "mutation($l: ID!, $t: ID!) { pairLeader(leaderId: $l, targetKind: ENTERPRISE, targetId: $t) { id } }",
        {"l": leader["id"], "t": ent["id"]})
    (error,) = refused["errors"]
    assert error["extensions"] == {"code": "FAILED_PRECONDITION", "rule": "pair-key-only", "policyItem": "Item 20",
                                   "field": "targetId"}
    assert "key lists" in error["message"]

    bad_code = await gateway.query("""
      mutation { registerEnterprise(input: {name: "x", creditCode: "91350100M000100Y44", sector: "食品",
        territory: {countyCode: "410311", countyName: "洛龙区", townshipCode: "410311010",
                    townshipName: "开元路街道"}}) { id } }""")
    assert bad_code["errors"][0]["extensions"]["rule"] == "credit-code-check-digit"

    fraction = await gateway.query(
        """mutation($o: ID!) { registerProject(input: {name: "p", ownerEnterpriseId: $o, sector: SERVICE,
             investmentYuan: "100.005", stage: PRELIMINARY, territory: {countyCode: "410311", countyName: "洛龙区",
             townshipCode: "410311010", townshipName: "开元路街道"}}) { id } }""", {"o": ent["id"]})
    assert fraction["errors"][0]["extensions"]["field"] == "input.investmentYuan"


async def test_the_public_pairing_list_and_its_changes(with_contacts: tuple[RunningGateway, RunningContacts]) -> None:
    gateway, contacts = with_contacts
    await demo.load(contacts.contacts)
    reply = await gateway.query("""{
      pairingListEdition { number trigger entryCount entries { leaderName leaderLevel targetName targetKind } }
      pairingListEditions { edges { node { number entryCount } } }
      pairingListChanges { fromNumber toNumber added { pairingId targetName } ended { pairingId leaderName } }
    }""")
    assert "errors" not in reply, reply
    data = reply["data"]
    latest = data["pairingListEdition"]
    assert (latest["number"], latest["trigger"], latest["entryCount"]) == (2, "scheduled", len(demo.PAIRINGS))
    assert latest["entries"][0]["leaderLevel"] == "CITY"
    assert [e["node"]["number"] for e in data["pairingListEditions"]["edges"]] == [2, 1]
    changes = data["pairingListChanges"]
    assert (changes["fromNumber"], changes["toNumber"]) == (1, 2)
    assert [a["pairingId"] for a in changes["added"]] == [demo.ADDED_LAST_MONTH[0]]
    assert [(e["pairingId"], e["leaderName"]) for e in changes["ended"]] == [(demo.ENDED_LAST_MONTH, "陈志强")]

    published = await gateway.query("mutation { publishPairingList { number entryCount } }")
    assert published["data"]["publishPairingList"] == {"number": 3, "entryCount": len(demo.PAIRINGS)}


async def test_filtered_pages_over_the_demo_city(with_contacts: tuple[RunningGateway, RunningContacts]) -> None:
    gateway, contacts = with_contacts
    await demo.load(contacts.contacts)
    query = """query($after: String) {
      enterprises(filter: {countyCode: "410311", keyList: LITTLE_GIANT}, first: 2, after: $after) {
        edges { node { name territory { townshipName } } } pageInfo { hasNextPage endCursor } }
      problems(filter: {overdue: true}) { edges { node { id overdue status target { __typename } } } }
    }"""
    first = (await gateway.query(query))["data"]
    assert [e["node"]["name"] for e in first["enterprises"]["edges"]] == ["洛阳伊滨新材料科技有限公司",
                                                                          "洛阳牡丹智能机器人有限公司"]
    assert first["enterprises"]["pageInfo"]["hasNextPage"] is True
    rest = (await gateway.query(query, {"after": first["enterprises"]["pageInfo"]["endCursor"]}))["data"]
    assert [e["node"]["name"] for e in rest["enterprises"]["edges"]] == ["洛阳白马生物医药有限公司"]
    assert rest["enterprises"]["pageInfo"] == {"hasNextPage": False, "endCursor": None}
    # A cursor the graph did not hand out is refused naming the argument the query sent, not the service's.
    (forged,) = (await gateway.query(query, {"after": "not-a-cursor"}))["errors"]
    assert {k: forged["extensions"][k] for k in ("code", "rule", "field")} == {
        "code": "INVALID_ARGUMENT", "rule": "page-token", "field": "after"}
    assert "first page" in forged["message"]
    # Demo problems prb-005 (a project's grid connection) and prb-003 (land) are past due and unconcluded.
    assert [e["node"] for e in first["problems"]["edges"]] == [
        {"id": "prb-005", "overdue": True, "status": "OPEN", "target": {"__typename": "Project"}},
        {"id": "prb-003", "overdue": True, "status": "COORDINATING", "target": {"__typename": "Project"}},
    ]
