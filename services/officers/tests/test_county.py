"""Integration with the contacts registry: a county's requests are those of the enterprises that lie in it (item 9),
and their clocks' warnings say so, as do those of its officers' pledges and supervision items, its projects'
procedures and the non-approval reports on its requests and procedures."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from mesh.contacts.v1 import contacts_pb2 as cpb
from mesh.officers.v1 import officers_pb2 as pb
from mesh_officers.territory import Territories, clock_data
from mesh_officers.testing import CITY, MovableClock, RunningOfficers, officers_service, person
from mesh_officers.workflows.requests import answer_clock_id, completion_clock_id, handover_clock_id
from meshlib import deadlines
from meshlib.bus import Bus
from meshlib.testing.plugin import settings_for
from meshlib.testing.poll import eventually
from meshlib.testing.streams import read_stream

contacts_testing = pytest.importorskip("mesh_contacts.testing")
contacts_settings = pytest.importorskip("mesh_contacts.settings")
contacts_messages = pytest.importorskip("mesh_contacts.messages")

LUOLONG, JIANXI = "410311", "410305"
Linked = tuple[Any, RunningOfficers]


@pytest.fixture
async def linked(mesh_env: dict[str, str], clock: MovableClock) -> AsyncIterator[Linked]:
    """The contacts registry, and this service following where its enterprises lie (``FOLLOW_ENTERPRISES``)."""
    settings = settings_for(contacts_settings.ContactsSettings, mesh_env, EDITION_SCHEDULE="off",
                            OUTBOX_RELAY_SECONDS=1)
    async with (
        contacts_testing.run_contacts(settings) as contacts,
        officers_service(mesh_env, clock, FOLLOW_ENTERPRISES="true",
                         CONTACTS_GRPC_TARGET=f"127.0.0.1:{contacts.runtime.port}") as officers,
    ):
        yield contacts, officers


def ask(enterprise_id: str, subject: str) -> pb.OpenRequestRequest:
    return pb.OpenRequestRequest(enterprise_id=enterprise_id, source=pb.REQUEST_SOURCE_ENTERPRISE, subject=subject,
                                 category=pb.REQUEST_CATEGORY_PERMIT, department="Housing Bureau", actor="t")


async def test_requests_follow_where_their_enterprise_lies_and_filter_by_county(linked: Linked) -> None:
    contacts, officers = linked
    c, o = contacts.stub, officers.stub
    bearings = await c.RegisterEnterprise(cpb.RegisterEnterpriseRequest(
        enterprise=contacts_testing.enterprise(1, "Heluo Bearings", township="410311010"), actor="t"))
    mining_input = contacts_testing.enterprise(2, "Zhongyuan Mining", township="410305008")
    mining = await c.RegisterEnterprise(cpb.RegisterEnterpriseRequest(enterprise=mining_input, actor="t"))
    # Opened as the registry's events arrive: before or after, each ends up in its enterprise's county.
    first = await o.OpenRequest(ask(bearings.id, "site office permit"))
    other = await o.OpenRequest(ask(mining.id, "power hook-up"))

    async def in_county(county: str) -> set[str]:  # the test's clock stands still: opened at the same time
        reply = await o.ListRequests(pb.ListRequestsRequest(filter=pb.RequestFilter(county_code=county)))
        return {r.id for r in reply.requests}

    async def settled() -> bool:
        return await in_county(LUOLONG) == {first.id} and await in_county(JIANXI) == {other.id}

    await eventually(settled)
    # Once the service has heard of the enterprise, a new request is its county's at once.
    second = await o.OpenRequest(ask(bearings.id, "fire safety check"))
    assert await in_county(LUOLONG) == {second.id, first.id}
    assert await in_county("410323") == set()
    assert len((await o.ListRequests(pb.ListRequestsRequest())).requests) == 3  # no county: every request
    both = pb.RequestFilter(county_code=LUOLONG, enterprise_id=bearings.id)
    assert {r.id for r in (await o.ListRequests(pb.ListRequestsRequest(filter=both))).requests} == {
        second.id, first.id}

    # The registry moves the mining company to Luolong: its request moves with it.
    mining_input.territory.CopyFrom(contacts_testing.territory("410311011"))
    await c.UpdateEnterprise(cpb.UpdateEnterpriseRequest(id=mining.id, enterprise=mining_input, actor="t"))

    async def moved_over() -> bool:
        return await in_county(LUOLONG) == {first.id, second.id, other.id} and await in_county(JIANXI) == set()

    await eventually(moved_over)


async def test_a_requests_clocks_carry_its_county_into_their_warnings_and_move_with_it(
    linked: Linked, clock: MovableClock, bus: Bus
) -> None:
    contacts, officers = linked
    c, o = contacts.stub, officers.stub
    clocks = officers.runtime.db[deadlines.COLLECTION]

    async def counties(request_id: str) -> dict[str, Any]:
        """Clock kind -> the county its data carries (None: none)."""
        return {d["kind"]: d["data"].get("county_code") async for d in clocks.find({"subject_id": request_id})}

    bearings_input = contacts_testing.enterprise(1, "Heluo Bearings", township="410311010")
    bearings = await c.RegisterEnterprise(cpb.RegisterEnterpriseRequest(enterprise=bearings_input, actor="t"))
    request = await o.OpenRequest(ask(bearings.id, "site office permit"))
    answer_by = Timestamp()
    answer_by.FromDatetime(clock.now + timedelta(days=2))
    await o.AgreeAnswerDeadline(pb.AgreeAnswerDeadlineRequest(
        request_id=request.id, department="Housing Bureau", answer_by=answer_by, actor="t"))
    both = {"request-completion", "first-inquiry-answer"}

    async def placed_in(county: str) -> bool:  # opened before or after the service heard where it lies
        return await counties(request.id) == dict.fromkeys(both, county)

    await eventually(lambda: placed_in(LUOLONG))
    # The warning a county's users subscribe to names the county.
    clock.now = answer_by.ToDatetime(tzinfo=clock.now.tzinfo) - timedelta(minutes=1)
    warned = await read_stream(bus, "officers.deadline.warning",
                               until=lambda seen: any(e.data["kind"] == "first-inquiry-answer" for e in seen))
    assert warned and {e.data["data"]["county_code"] for e in warned} == {LUOLONG}

    # The registry moves the enterprise: the request's clocks move with it.
    bearings_input.territory.CopyFrom(contacts_testing.territory("410305008"))
    await c.UpdateEnterprise(cpb.UpdateEnterpriseRequest(id=bearings.id, enterprise=bearings_input, actor="t"))
    await eventually(lambda: placed_in(JIANXI))
    # A request of an enterprise the service has not heard of: its clock has no county (city-wide users only).
    unknown = await o.OpenRequest(ask("ent-unknown", "a permit"))
    assert await counties(unknown.id) == {"request-completion": None}


DAY, SECOND = timedelta(days=1), timedelta(seconds=1)
Subjects = list[tuple[str, str]]
"""(subject type, subject id) of clocks' subjects."""


def ts(value: datetime) -> Timestamp:
    t = Timestamp()
    t.FromDatetime(value)
    return t


async def clocks_of_every_kind(o: Any, clock: MovableClock, enterprise_id: str, project_id: str) -> Subjects:
    """Something of the enterprise on each clock kind that is not a request's: an officer serving it with a pledge
    and a supervision item (item 6), its lead-handled project with a procedure (item 8), and a non-approval report
    on one of its requests and one on the procedure (item 14)."""
    due = ts(clock.now + 30 * DAY)
    officer = await o.DispatchOfficer(pb.DispatchOfficerRequest(
        officer=person("p-wang", "Wang Lei", "Commerce Bureau", pb.RANK_DEPARTMENT_LEADER),
        target_kind=pb.TARGET_KIND_ENTERPRISE, target_id=enterprise_id, enterprise_id=enterprise_id, office=CITY,
        basis=pb.DispatchBasis(enterprise_ask=pb.EnterpriseAsk(contact="CEO", asked_at=ts(clock.now - DAY))),
        actor="t"))
    await o.AddGroupMembers(pb.AddGroupMembersRequest(officer_id=officer.id, proposal="land questions",
                                                      members=[person("p-zhao", "Zhao Min", "Land Bureau")], actor="t"))
    pledge = await o.FilePledge(pb.FilePledgeRequest(officer_id=officer.id, commitments="answer within 2 days",
                                                     due_at=due, actor="t"))
    item = await o.OpenSupervision(pb.OpenSupervisionRequest(officer_id=officer.id, task="land questions", due_at=due,
                                                             actor="t"))
    await o.StartLeadHandling(pb.StartLeadHandlingRequest(
        project_id=project_id, enterprise_id=enterprise_id, office=CITY, actor="t",
        facts=pb.ProjectFacts(sector=pb.SECTOR_INDUSTRIAL, investment_fen=100_000_000 * 100,
                              key_level=pb.KEY_LEVEL_NONE, fits_industrial_policy=True)))
    await o.OpenProcedure(pb.OpenProcedureRequest(project_id=project_id, kind=pb.PROCEDURE_KIND_LAND,
                                                  department="Natural Resources Bureau", due_at=due))
    procedure = f"{project_id}/land"
    request = await o.OpenRequest(ask(enterprise_id, "construction permit for plant 2"))
    reports = [await o.ReportNonApproval(pb.ReportNonApprovalRequest(
        subject_kind=kind, subject_id=subject, agency="Natural Resources Bureau",
        kind=pb.NON_APPROVAL_KIND_NOT_APPROVED, handler="clerk", reasons="quota exhausted", suggestion="next batch",
        actor="t"))
        for kind, subject in ((pb.SUBJECT_KIND_REQUEST, request.id), (pb.SUBJECT_KIND_PROCEDURE, procedure))]
    return [("pledge", pledge.id), ("supervision", item.id), ("procedure", procedure),
            *(("non_approval", r.id) for r in reports)]


async def counties(officers: RunningOfficers, subjects: Subjects) -> dict[str, str | None]:
    """Clock id -> the county its data carries (None: none), for every clock of the subjects."""
    clocks = officers.runtime.db[deadlines.COLLECTION]
    return {d["_id"]: d["data"].get("county_code")
            for subject_type, subject_id in subjects
            async for d in clocks.find({"subject_type": subject_type, "subject_id": subject_id})}


def kinds(placed: dict[str, str | None]) -> list[str]:
    return sorted(clock_id.split(":")[0] for clock_id in placed)


FIRST_CLOCKS = ["non-approval", "non-approval", "pledge", "procedure", "supervision"]


async def test_officers_projects_and_non_approvals_clocks_carry_their_enterprises_county_and_move_with_it(
    linked: Linked, clock: MovableClock
) -> None:
    contacts, officers = linked
    c, o = contacts.stub, officers.stub
    bearings_input = contacts_testing.enterprise(1, "Heluo Bearings", township="410311010")
    bearings = await c.RegisterEnterprise(cpb.RegisterEnterpriseRequest(enterprise=bearings_input, actor="t"))
    await eventually(lambda: Territories(officers.runtime.db).of(bearings.id), what="the registry's event")
    subjects = await clocks_of_every_kind(o, clock, bearings.id, "prj-bearings")
    # The service knows where the enterprise lies: each clock is written in its county.
    placed = await counties(officers, subjects)
    assert kinds(placed) == FIRST_CLOCKS and set(placed.values()) == {LUOLONG}
    # The deputy head confirms the report on the request: the head's clock is the county's too.
    on_request = subjects[3][1]
    await o.DecideNonApproval(pb.DecideNonApprovalRequest(
        non_approval_id=on_request, level=pb.APPROVAL_LEVEL_DEPUTY_HEAD, approve=False, decided_by="deputy Zhou",
        reasons="a legal minimum", suggestion="redesign", actor="t"))
    placed = await counties(officers, subjects)
    assert f"non-approval:{on_request}:head" in placed and set(placed.values()) == {LUOLONG}

    # The registry moves the enterprise: every clock on something of it moves with it.
    bearings_input.territory.CopyFrom(contacts_testing.territory("410305008"))
    await c.UpdateEnterprise(cpb.UpdateEnterpriseRequest(id=bearings.id, enterprise=bearings_input, actor="t"))

    async def all_in(county: str, count: int) -> bool:
        now = await counties(officers, subjects)
        return len(now) == count and set(now.values()) == {county}

    await eventually(lambda: all_in(JIANXI, 6), what="the six clocks in Jianxi")
    # Both reports' deadlines pass: each goes up a level by itself, on a clock in the county it lies in now.
    clock.now += 3 * DAY + SECOND
    await eventually(lambda: all_in(JIANXI, 8), what="the eight clocks in Jianxi")
    assert kinds(await counties(officers, subjects)) == sorted([*FIRST_CLOCKS, "non-approval", "non-approval",
                                                                 "non-approval"])


async def test_clocks_of_an_enterprise_not_heard_of_yet_are_placed_by_the_registrys_event(
    linked: Linked, clock: MovableClock
) -> None:
    contacts, officers = linked
    subjects = await clocks_of_every_kind(officers.stub, clock, "ent-later", "prj-later")
    # No county yet: city-wide users only.
    placed = await counties(officers, subjects)
    assert kinds(placed) == FIRST_CLOCKS and set(placed.values()) == {None}

    mining = contacts_testing.enterprise(2, "Zhongyuan Mining", township="410305008")
    await contacts.contacts.register_enterprise(contacts_messages.enterprise_in(mining), "t", id="ent-later")

    async def placed_in_jianxi() -> bool:
        now = await counties(officers, subjects)
        return len(now) == len(FIRST_CLOCKS) and set(now.values()) == {JIANXI}

    await eventually(placed_in_jianxi)


async def test_a_clock_written_from_a_territory_read_before_a_move_is_placed_again(
    officers: RunningOfficers, clock: MovableClock
) -> None:
    territories = Territories(officers.runtime.db)
    store = deadlines.DeadlineStore(officers.runtime.db)
    await territories.follow("ent-r", {"county_code": LUOLONG}, 1)
    read = await territories.of("ent-r")  # a pledge is filed: the enterprise's territory is read
    await territories.follow("ent-r", {"county_code": JIANXI}, 2)  # the move, before the pledge's clock exists
    await store.set(deadlines.Deadline("pledge:plg-r", "pledge", "pledge", "plg-r", "officer:off-r",
                                       clock.now + DAY, "Item 6", data=clock_data(read)))

    async def county() -> str | None:
        doc = await store.get("pledge:plg-r")
        assert doc is not None
        code: str | None = doc["data"].get("county_code")
        return code

    assert await county() == LUOLONG
    await territories.settle_clocks("pledge", ["plg-r"], read, lambda: territories.of("ent-r"))
    assert await county() == JIANXI


async def test_clocks_an_older_version_wrote_without_a_county_are_placed_at_start_up(
    linked: Linked, clock: MovableClock, mesh_env: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    contacts, officers = linked
    c, o = contacts.stub, officers.stub
    bearings = await c.RegisterEnterprise(cpb.RegisterEnterpriseRequest(
        enterprise=contacts_testing.enterprise(1, "Heluo Bearings", township="410311010"), actor="t"))
    await eventually(lambda: Territories(officers.runtime.db).of(bearings.id), what="the registry's event")
    subjects = await clocks_of_every_kind(o, clock, bearings.id, "prj-bearings")
    # A request whose hand-over was accepted: its completion clock runs on, its hand-over clock is met and the
    # answer deadline the hander agreed is cancelled.
    request = await o.OpenRequest(ask(bearings.id, "site office permit"))
    await o.AgreeAnswerDeadline(pb.AgreeAnswerDeadlineRequest(
        request_id=request.id, department="Housing Bureau", answer_by=ts(clock.now + 2 * DAY), actor="t"))
    handed = await o.HandOver(pb.HandOverRequest(request_id=request.id, from_department="Housing Bureau",
                                                 to_department="Natural Resources Bureau", reason="land", actor="t"))
    await o.AcceptHandOver(pb.AcceptHandOverRequest(request_id=request.id, department="Natural Resources Bureau",
                                                    actor="t"))
    [report] = (await o.BatchGetNonApprovals(pb.BatchGetNonApprovalsRequest(ids=[subjects[3][1]]))).non_approvals
    reported_on = report.subject_id  # the request the first report is on
    subjects += [("request", request.id), ("request", reported_on)]
    # Something of an enterprise the service has not heard of, on each kind of clock.
    unknown = await clocks_of_every_kind(o, clock, "ent-unknown", "prj-unknown")
    # The clocks as an older version wrote them: without a county.
    clocks = officers.runtime.db[deadlines.COLLECTION]
    await clocks.update_many({}, {"$unset": {deadlines.CLOCK_COUNTY: ""}})
    assert set((await counties(officers, subjects + unknown)).values()) == {None}

    # The upgraded service starts (another instance on the same database): before its scanner runs, it places the
    # clocks that can still warn or breach where their subject lies.
    with caplog.at_level(logging.INFO, logger="mesh_officers.service"):
        async with officers_service(mesh_env, clock, CONTACTS_GRPC_TARGET=officers.runtime.settings.contacts_target):
            pass
    placed = await counties(officers, subjects)
    stopped = {handover_clock_id(request.id, handed.hand_overs[0].seq), answer_clock_id(request.id)}
    assert {k: v for k, v in placed.items() if k in stopped} == dict.fromkeys(stopped)  # met, cancelled: left alone
    running = {k: v for k, v in placed.items() if k not in stopped}
    assert kinds(running) == sorted([*FIRST_CLOCKS, "request-completion", "request-completion"])
    assert {completion_clock_id(request.id), completion_clock_id(reported_on)} <= set(running)
    assert set(running.values()) == {LUOLONG}
    assert f"placed {len(running)} running clocks" in caplog.text
    # The enterprise the service has not heard of: its clocks stay without a county, for the registry's event.
    assert set((await counties(officers, unknown)).values()) == {None}
    # A second run (the next start) finds nothing left to place.
    assert await Territories(officers.runtime.db).place_unplaced_clocks() == 0


async def test_the_first_alerts_after_the_upgrade_carry_the_county_of_clocks_an_older_version_wrote(
    linked: Linked, clock: MovableClock, mesh_env: dict[str, str], bus: Bus
) -> None:
    contacts, officers = linked
    bearings = await contacts.stub.RegisterEnterprise(cpb.RegisterEnterpriseRequest(
        enterprise=contacts_testing.enterprise(1, "Heluo Bearings", township="410311010"), actor="t"))
    await eventually(lambda: Territories(officers.runtime.db).of(bearings.id), what="the registry's event")
    await clocks_of_every_kind(officers.stub, clock, bearings.id, "prj-bearings")
    await officers.runtime.db[deadlines.COLLECTION].update_many({}, {"$unset": {deadlines.CLOCK_COUNTY: ""}})

    # The upgraded service starts 25 days on, when the pledge, the supervision item and the procedure (due in 30
    # days) have warned and the reports' first levels and the request have breached: its scanner's first scan fires
    # them, after they were placed. (The running instance's clock stands still: nothing is due for it.)
    later = MovableClock(clock.now + 25 * DAY)
    async with officers_service(mesh_env, later, CONTACTS_GRPC_TARGET=officers.runtime.settings.contacts_target):
        warned = await read_stream(bus, "officers.deadline.warning", until=lambda seen: {
            "pledge", "supervision", "procedure"} <= {e.data["kind"] for e in seen})
        breached = await read_stream(bus, "officers.deadline.breached", until=lambda seen: len(seen) == 3)
    assert sorted(e.data["kind"] for e in breached) == ["non-approval-level", "non-approval-level",
                                                        "request-completion"]
    assert {e.data["data"].get("county_code") for e in warned + breached} == {LUOLONG}
