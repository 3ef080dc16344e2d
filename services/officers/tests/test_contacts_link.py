"""Integration with the contacts service: a leader's problem becomes a request; project facts for item 8."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mesh.contacts.v1 import contacts_pb2 as cpb
from mesh.officers.v1 import officers_pb2 as pb
from mesh_officers.testing import CITY, MovableClock, officers_service
from meshlib.testing.plugin import settings_for
from meshlib.testing.poll import eventually

contacts_testing = pytest.importorskip("mesh_contacts.testing")
contacts_settings = pytest.importorskip("mesh_contacts.settings")

CNY = 100


async def test_a_leaders_problem_becomes_a_request_and_projects_come_from_the_registry(
    mesh_env: dict[str, str], clock: MovableClock
) -> None:
    settings = settings_for(
        contacts_settings.ContactsSettings,
        mesh_env,
        EDITION_SCHEDULE="off",
        DEADLINE_SCAN_SECONDS=0.1,
        OUTBOX_RELAY_SECONDS=1,
    )
    async with (
        contacts_testing.run_contacts(settings) as contacts,
        officers_service(
            mesh_env, clock, CONSUME_PROBLEMS="true", CONTACTS_GRPC_TARGET=f"127.0.0.1:{contacts.runtime.port}"
        ) as officers,
    ):
        c, o = contacts.stub, officers.stub
        leader = await c.RegisterLeader(
            cpb.RegisterLeaderRequest(
                leader=cpb.LeaderInput(name="Vice Mayor Wang", level=cpb.CITY, post="vice mayor"), actor="t"
            )
        )
        ent = await c.RegisterEnterprise(
            cpb.RegisterEnterpriseRequest(enterprise=contacts_testing.enterprise(1, "Heluo Bearings"), actor="t")
        )
        due = (datetime.now(UTC) + timedelta(days=10)).astimezone().date().isoformat()
        visit = await c.RecordVisit(
            cpb.RecordVisitRequest(
                leader_id=leader.id,
                target_kind=cpb.ENTERPRISE,
                target_id=ent.id,
                learned="orders growing",
                actor="t",
                problems=[
                    cpb.ProblemInput(
                        category=cpb.FACTOR_POWER,
                        description="capacity increase is slow",
                        department="State Grid Luoyang",
                        due_on=due,
                    )
                ],
            )
        )
        (problem,) = visit.problems

        async def opened() -> list[pb.EnterpriseRequest]:
            reply = await o.RequestsByEnterprises(pb.RequestsByEnterprisesRequest(enterprise_ids=[ent.id]))
            return list(reply.requests)

        (request,) = await eventually(opened)
        assert request.id == f"req-problem-{problem.id}" and request.source == pb.REQUEST_SOURCE_LEADER_PROBLEM
        assert request.source_ref == problem.id and request.subject == "capacity increase is slow"
        assert request.first_inquiry_department == "State Grid Luoyang"
        assert request.category == pb.REQUEST_CATEGORY_FACTOR_SUPPLY
        again = await o.OpenRequestFromProblem(pb.OpenRequestFromProblemRequest(problem_id=problem.id, actor="x"))
        assert again.id == request.id  # one step, once

        project = await c.RegisterProject(
            cpb.RegisterProjectRequest(
                project=cpb.ProjectInput(
                    name="Riverside water works",
                    owner_enterprise_id=ent.id,
                    sector=cpb.INFRASTRUCTURE,
                    investment_fen=30_000_000 * CNY,
                    territory=contacts_testing.territory("410311010"),
                    stage=cpb.PRELIMINARY,
                ),
                actor="t",
            )
        )
        led = await o.StartLeadHandling(
            pb.StartLeadHandlingRequest(project_id=project.id, office=CITY, fits_industrial_policy=True, actor="office")
        )
        assert led.enterprise_id == ent.id and led.facts.investment_fen == 30_000_000 * CNY
        assert led.eligibility.basis == pb.ELIGIBILITY_BASIS_AGRI_ENV_INFRA_WELFARE_INVESTMENT
