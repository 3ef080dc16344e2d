"""Integration: the enterprise and project registry over gRPC, with its events."""

from __future__ import annotations

import grpc
import pytest

from mesh.contacts.v1 import contacts_pb2 as pb
from mesh_contacts.testing import RunningContacts, enterprise, has, territory
from meshlib.errors import RULE_KEY
from meshlib.testing.streams import read_stream, with_subject


def rule(err: grpc.aio.AioRpcError) -> str:
    return dict(err.trailing_metadata() or ())[RULE_KEY]


async def test_register_update_and_batch_lookup(contacts_service: RunningContacts) -> None:
    stub = contacts_service.stub
    e = await stub.RegisterEnterprise(pb.RegisterEnterpriseRequest(
        enterprise=enterprise(1, "洛阳河洛精密轴承有限公司", pb.CITY_KEY_ENTERPRISE, pb.LITTLE_GIANT), actor="t"))
    assert e.is_key and e.version == 1
    p = await stub.RegisterProject(pb.RegisterProjectRequest(project=pb.ProjectInput(
        name="智能化改造", owner_enterprise_id=e.id, sector=pb.INDUSTRIAL, investment_fen=32_000_000_050,
        territory=territory(), stage=pb.PRELIMINARY), actor="t"))
    assert not p.is_key and p.investment_fen == 32_000_000_050  # exact to the fen, beyond 2^31

    reply = await stub.BatchGetEnterprises(pb.BatchGetEnterprisesRequest(ids=[e.id, "ent-missing", e.id]))
    assert [x.id for x in reply.enterprises] == [e.id]
    got = reply.enterprises[0]
    assert (got.territory.county_code, got.territory.township_code) == ("410311", "410311010")
    assert list(got.key_lists) == [pb.CITY_KEY_ENTERPRISE, pb.LITTLE_GIANT]

    changed = await stub.UpdateProject(pb.UpdateProjectRequest(id=p.id, project=pb.ProjectInput(
        name="智能化改造", owner_enterprise_id=e.id, sector=pb.INDUSTRIAL, investment_fen=32_000_000_050,
        territory=territory(), stage=pb.UNDER_CONSTRUCTION, key_lists=[pb.CITY_KEY_PROJECT]), actor="t"))
    (batch,) = (await stub.BatchGetProjects(pb.BatchGetProjectsRequest(ids=[p.id]))).projects
    assert batch.is_key and batch.stage == pb.UNDER_CONSTRUCTION and changed.version == 2

    seen = await read_stream(contacts_service.bus, "contacts.>", decode=with_subject,
                             until=has("contacts.enterprise.registered", "contacts.project.registered",
                                       "contacts.project.updated"))
    updated = next(env for s, env in seen if s == "contacts.project.updated")
    assert updated.data["is_key"] is True and updated.data["investment_fen"] == 32_000_000_050
    assert updated.id == f"project-updated:{p.id}:2"


async def test_credit_codes_are_checked_and_unique(contacts_service: RunningContacts) -> None:
    stub = contacts_service.stub
    good = enterprise(2, "甲公司")
    await stub.RegisterEnterprise(pb.RegisterEnterpriseRequest(enterprise=good, actor="t"))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.RegisterEnterprise(pb.RegisterEnterpriseRequest(enterprise=enterprise(2, "乙公司"), actor="t"))
    assert err.value.code() == grpc.StatusCode.ALREADY_EXISTS and rule(err.value) == "credit-code-unique"

    wrong = enterprise(3, "丙公司")
    wrong.credit_code = wrong.credit_code[:17] + ("0" if wrong.credit_code[17] != "0" else "1")
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.RegisterEnterprise(pb.RegisterEnterpriseRequest(enterprise=wrong, actor="t"))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and rule(err.value) == "credit-code-check-digit"

    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.RegisterProject(pb.RegisterProjectRequest(project=pb.ProjectInput(
            name="x", owner_enterprise_id="ent-nobody", sector=pb.SERVICE, investment_fen=1,
            territory=territory(), stage=pb.PRELIMINARY), actor="t"))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND and rule(err.value) == "owner-exists"


async def test_listing_filters_and_cursor_pages(contacts_service: RunningContacts) -> None:
    stub = contacts_service.stub
    names = [f"企业{i:02d}" for i in range(7)]
    for i, name in enumerate(names):
        township = "410311010" if i % 2 == 0 else "410307001"
        lists = [pb.LITTLE_GIANT] if i % 3 == 0 else []
        await stub.RegisterEnterprise(pb.RegisterEnterpriseRequest(
            enterprise=enterprise(10 + i, name, *lists, township=township), actor="t"))

    pages, token = [], ""
    while True:
        reply = await stub.ListEnterprises(pb.ListEnterprisesRequest(page_size=3, page_token=token))
        pages.append([e.name for e in reply.enterprises])
        token = reply.next_page_token
        if not token:
            break
    assert pages == [names[0:3], names[3:6], names[6:7]]

    in_luolong = await stub.ListEnterprises(pb.ListEnterprisesRequest(
        filter=pb.EnterpriseFilter(county_code="410311")))
    assert [e.name for e in in_luolong.enterprises] == names[0::2]
    giants = await stub.ListEnterprises(pb.ListEnterprisesRequest(filter=pb.EnterpriseFilter(
        key_list=pb.LITTLE_GIANT, township_code="410311010")))
    assert [e.name for e in giants.enterprises] == [names[0], names[6]]
    by_name = await stub.ListEnterprises(pb.ListEnterprisesRequest(filter=pb.EnterpriseFilter(name_contains="05")))
    assert [e.name for e in by_name.enterprises] == [names[5]]
    # A cursor of an item continues right after it.
    after = await stub.ListEnterprises(pb.ListEnterprisesRequest(page_size=2, page_token=in_luolong.cursors[1]))
    assert [e.name for e in after.enterprises] == names[3:5]

    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.ListEnterprises(pb.ListEnterprisesRequest(page_token="not-a-token"))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
