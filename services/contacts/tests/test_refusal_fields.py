"""A refusal's field is a real field path of the request refused: a field of the nested input message is named
under it (``enterprise.credit_code``, ``problems[1].department``), an element of a list at fault by its place
(``enterprise.key_lists[1]``), a filter's under ``filter``, and an unknown id as the request names it
(``leader_id``, not ``id``)."""

from __future__ import annotations

from mesh.contacts.v1 import contacts_pb2 as pb
from mesh_contacts.testing import RunningContacts, enterprise, territory
from meshlib.testing.refusals import refused


async def test_the_registry_names_fields_under_the_input_message(contacts_service: RunningContacts) -> None:
    stub = contacts_service.stub
    unspecified = enterprise(1, "洛阳开元机械有限公司", pb.CITY_KEY_ENTERPRISE, pb.KEY_LIST_UNSPECIFIED)
    assert await refused(stub.RegisterEnterprise(pb.RegisterEnterpriseRequest(enterprise=unspecified))) == (
        "enum-value", "enterprise.key_lists[1]")  # the key list at fault, by its place
    bad_code = enterprise(1, "洛阳开元机械有限公司")
    bad_code.credit_code = "91410311MA00000010"
    assert await refused(stub.RegisterEnterprise(pb.RegisterEnterpriseRequest(enterprise=bad_code))) == (
        "credit-code-check-digit", "enterprise.credit_code")

    def project(**fields: object) -> pb.ProjectInput:
        given: dict[str, object] = {"name": "开元物流园", "owner_enterprise_id": "ent-404", "sector": pb.SERVICE,
                                    "investment_fen": 100, "territory": territory(), "stage": pb.PRELIMINARY}
        return pb.ProjectInput(**{**given, **fields})  # type: ignore[arg-type]

    assert await refused(stub.RegisterProject(pb.RegisterProjectRequest(project=project(sector=0)))) == (
        "enum-value", "project.sector")
    assert await refused(stub.RegisterProject(pb.RegisterProjectRequest(project=project(stage=0)))) == (
        "enum-value", "project.stage")
    assert await refused(stub.RegisterProject(pb.RegisterProjectRequest(project=project(key_lists=[0])))) == (
        "enum-value", "project.key_lists[0]")
    listed = project(key_lists=[pb.CITY_KEY_PROJECT, 0])
    assert await refused(stub.UpdateProject(pb.UpdateProjectRequest(id="prj-404", project=listed))) == (
        "enum-value", "project.key_lists[1]")
    assert await refused(stub.RegisterProject(pb.RegisterProjectRequest(project=project()))) == (
        "owner-exists", "project.owner_enterprise_id")

    assert await refused(stub.RegisterLeader(pb.RegisterLeaderRequest(leader=pb.LeaderInput(
        name="王建国", post="副市长")))) == ("enum-value", "leader.level")
    assert await refused(stub.UpdateLeader(pb.UpdateLeaderRequest(id="ldr-404", leader=pb.LeaderInput(
        name="张伟", level=pb.COUNTY, post="区长", county_code="4103")))) == ("territory-code", "leader.county_code")
    assert await refused(stub.RegisterLeader(pb.RegisterLeaderRequest(leader=pb.LeaderInput(  # the post, not name
        name="王建国", level=pb.CITY, post="副" * 201)))) == ("too-long", "leader.post")


async def test_visits_and_problems_name_fields_under_their_message_and_ids_as_sent(
    contacts_service: RunningContacts,
) -> None:
    stub = contacts_service.stub
    leader = await stub.RegisterLeader(pb.RegisterLeaderRequest(leader=pb.LeaderInput(
        name="王建国", level=pb.CITY, post="副市长"), actor="t"))
    target = await stub.RegisterEnterprise(pb.RegisterEnterpriseRequest(
        enterprise=enterprise(1, "洛阳开元机械有限公司", pb.CITY_KEY_ENTERPRISE), actor="t"))
    fine = pb.ProblemInput(category=pb.FACTOR_POWER, description="用电增容", department="供电公司", due_on="2099-01-01")
    blank = pb.ProblemInput(category=pb.FACTOR_POWER, description="用电增容", department=" ", due_on="2099-01-01")

    def visit(leader_id: str, *problems: pb.ProblemInput) -> pb.RecordVisitRequest:
        return pb.RecordVisitRequest(leader_id=leader_id, target_kind=pb.ENTERPRISE, target_id=target.id,
                                     problems=problems, actor="t")

    assert await refused(stub.RecordVisit(visit(leader.id, fine, blank))) == ("required", "problems[1].department")
    assert await refused(stub.RecordVisit(visit("ldr-404"))) == ("leader-exists", "leader_id")
    recorded = await stub.RecordVisit(visit(leader.id))
    assert await refused(stub.RaiseProblem(pb.RaiseProblemRequest(visit_id=recorded.visit.id, problem=blank))) == (
        "required", "problem.department")
    assert await refused(stub.RaiseProblem(pb.RaiseProblemRequest(visit_id="vis-404", problem=fine))) == (
        "visit-exists", "visit_id")
    assert await refused(stub.ResolveProblem(pb.ResolveProblemRequest(problem_id="prb-404", resolution="x"))) == (
        "problem-exists", "problem_id")
    assert await refused(stub.Pair(pb.PairRequest(leader_id="ldr-404", target_kind=pb.ENTERPRISE,
                                                  target_id=target.id))) == ("leader-exists", "leader_id")
    assert await refused(stub.EndPairing(pb.EndPairingRequest(pairing_id="pair-404"))) == (
        "pairing-exists", "pairing_id")


async def test_a_pairings_filter_names_its_target_kind_under_filter(contacts_service: RunningContacts) -> None:
    flt = pb.PairingFilter(target_kind=pb.TARGET_KIND_UNSPECIFIED)
    assert await refused(contacts_service.stub.ListPairings(pb.ListPairingsRequest(filter=flt))) == (
        "enum-value", "filter.target_kind")
    assert await refused(contacts_service.stub.Pair(pb.PairRequest(leader_id="ldr-404", target_id="ent-1"))) == (
        "enum-value", "target_kind")  # at the top of the request: as it was


async def test_a_problems_filter_names_the_status_at_fault_by_its_place(contacts_service: RunningContacts) -> None:
    flt = pb.ProblemFilter(statuses=[pb.OPEN, pb.PROBLEM_STATUS_UNSPECIFIED])
    assert await refused(contacts_service.stub.ListProblems(pb.ListProblemsRequest(filter=flt))) == (
        "enum-value", "filter.statuses[1]")
