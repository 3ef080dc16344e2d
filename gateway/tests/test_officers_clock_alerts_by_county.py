"""Item 9 through the gateway: the warning of an officers clock on something of an enterprise (a pledge of an officer
serving it, item 6; a procedure of its project, item 8) reaches the county-level users of the county it lies in, and
no other county's; so does that of a clock an older version of the officers service wrote without a county, once
the service's start-up has placed it.

The officers service runs on a clock the test moves; its scanner looks every 0.05 s. The clocks warn one at a time,
each only after the one before has been published, and the warning a subscriber must not get comes before the one it
must, so were it delivered it would be the first it got.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import pytest
import websockets
from google.protobuf.timestamp_pb2 import Timestamp

from mesh.officers.v1 import officers_pb2 as opb
from mesh_environment.testing import RunningEnvironment
from mesh_gateway.auth import Principal, Role
from mesh_gateway.testing import SignedIn, next_payload, subscription
from mesh_officers.territory import Territories
from mesh_officers.testing import CITY, RunningOfficers, person
from meshlib import deadlines
from meshlib.testing.poll import eventually

OWN, OTHER = "410311", "410305"
# Demo enterprises (mesh_contacts.demo): ent-001 lies in 410305, ent-002 in 410311.
OWN_SITE, OTHER_SITE = "ent-002", "ent-001"
COUNTY_LEADER = Principal("l2", Role.LEADER, county_code=OWN)
OTHER_COUNTY_LEADER = Principal("l3", Role.LEADER, county_code=OTHER)
DAY = timedelta(days=1)
WARNINGS = "subscription { deadlineWarning { deadlineId subjectType subjectId countyCode clause } }"


@pytest.fixture
def officers_overrides() -> dict[str, str]:
    return {"FOLLOW_ENTERPRISES": "true"}  # the officers service learns where each enterprise lies from the registry


def ts(value: datetime) -> Timestamp:
    t = Timestamp()
    t.FromDatetime(value)
    return t


async def pledge(officers: RunningOfficers, enterprise_id: str, due_at: datetime) -> str:
    """A pledge (item 6) of an officer serving the enterprise, due at ``due_at``."""
    o, now = officers.stub, officers.clock.now
    officer = await o.DispatchOfficer(opb.DispatchOfficerRequest(
        officer=person(f"p-{enterprise_id}", "Officer Sun", "Commerce Bureau", opb.RANK_DEPARTMENT_LEADER),
        target_kind=opb.TARGET_KIND_ENTERPRISE, target_id=enterprise_id, enterprise_id=enterprise_id, office=CITY,
        basis=opb.DispatchBasis(enterprise_ask=opb.EnterpriseAsk(contact="CEO", asked_at=ts(now - DAY))), actor="t"))
    await o.AddGroupMembers(opb.AddGroupMembersRequest(officer_id=officer.id, proposal="land questions", actor="t",
                                                       members=[person(f"q-{enterprise_id}", "Zhao Min", "Land")]))
    filed = await o.FilePledge(opb.FilePledgeRequest(officer_id=officer.id, commitments="answer within 2 days",
                                                     due_at=ts(due_at), actor="t"))
    return str(filed.id)


async def procedure(officers: RunningOfficers, project_id: str, enterprise_id: str, due_at: datetime) -> str:
    """A land procedure (item 8) of the enterprise's lead-handled project, due at ``due_at``."""
    o = officers.stub
    await o.StartLeadHandling(opb.StartLeadHandlingRequest(
        project_id=project_id, enterprise_id=enterprise_id, office=CITY, actor="t",
        facts=opb.ProjectFacts(sector=opb.SECTOR_INDUSTRIAL, investment_fen=100_000_000 * 100,
                               key_level=opb.KEY_LEVEL_NONE, fits_industrial_policy=True)))
    await o.OpenProcedure(opb.OpenProcedureRequest(project_id=project_id, kind=opb.PROCEDURE_KIND_LAND,
                                                   department="Natural Resources Bureau", due_at=ts(due_at)))
    return f"{project_id}/land"


class Clock(NamedTuple):
    deadline_id: str
    subject_type: str
    subject_id: str
    county: str
    clause: str
    warns_on_day: int

    def warning(self) -> dict[str, Any]:
        """What a subscriber of its county gets when it warns."""
        return {"data": {"deadlineWarning": {"deadlineId": self.deadline_id, "subjectType": self.subject_type,
                                             "subjectId": self.subject_id, "countyCode": self.county,
                                             "clause": self.clause}}}


async def next_officers_warning(ws: websockets.ClientConnection) -> dict[str, Any]:
    """The next warning but those of the demo registry's problems (item 20), whose clocks run on the real time: one
    that falls due meanwhile is passed over."""
    while True:
        payload = await next_payload(ws)
        if ((payload.get("data") or {}).get("deadlineWarning") or {}).get("subjectType") != "problem":
            return payload


@pytest.mark.parametrize("written_by", ["this version", "an older version"])
async def test_a_county_user_gets_the_warnings_of_its_countys_officers_clocks_and_not_another_countys(
    demo_city: tuple[SignedIn, RunningOfficers, RunningEnvironment], written_by: str,
) -> None:
    signed_in, officers, _ = demo_city
    territories = Territories(officers.runtime.db)
    await eventually(lambda: territories.of(OWN_SITE), what="where the own county's enterprise lies")
    await eventually(lambda: territories.of(OTHER_SITE), what="where the other county's enterprise lies")
    # Due in 10, 20 and 30 days, so warned of at 8, 16 and 24: another county's pledge, then one of the own county,
    # then another county's procedure.
    start = officers.clock.now
    theirs = await pledge(officers, OTHER_SITE, start + 10 * DAY)
    mine = await pledge(officers, OWN_SITE, start + 20 * DAY)
    their_procedure = await procedure(officers, "prj-001", OTHER_SITE, start + 30 * DAY)
    clocks = [Clock(f"pledge:{theirs}", "pledge", theirs, OTHER, "Item 6", 8),
              Clock(f"pledge:{mine}", "pledge", mine, OWN, "Item 6", 16),
              Clock(f"procedure:{their_procedure}", "procedure", their_procedure, OTHER, "Item 8", 24)]
    their_pledge, my_pledge, their_procedure_clock = clocks
    store = deadlines.DeadlineStore(officers.runtime.db)
    if written_by == "an older version":
        # As an older version wrote them, without a county; the upgraded service's start-up places them.
        await officers.runtime.db[deadlines.COLLECTION].update_many({}, {"$unset": {deadlines.CLOCK_COUNTY: ""}})
        assert await territories.place_unplaced_clocks() == 3
    for clock in clocks:
        doc = await store.get(clock.deadline_id)
        assert doc is not None and doc["data"] == {"county_code": clock.county}

    url = signed_in.gateway.url
    async with AsyncExitStack() as stack:
        own_leader, other_leader = [await stack.enter_async_context(subscription(
            url, WARNINGS, payload=signed_in.auth(principal))) for principal in (COUNTY_LEADER, OTHER_COUNTY_LEADER)]
        await signed_in.gateway.wait_subscribers("officers.deadline.warning", 2)
        for clock in clocks:
            officers.clock.now = start + clock.warns_on_day * DAY

            async def published(deadline_id: str = clock.deadline_id) -> bool:
                doc = await store.get(deadline_id)
                return doc is not None and doc["state"] == deadlines.WARNED and doc["pending_event"] is None

            await eventually(published, what=f"the warning of {clock.deadline_id} published")

        assert await next_officers_warning(own_leader) == my_pledge.warning()
        assert await next_officers_warning(other_leader) == their_pledge.warning()
        assert await next_officers_warning(other_leader) == their_procedure_clock.warning()
