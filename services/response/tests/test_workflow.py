"""Unit: the response workflow's rules (item 9) at their boundaries."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta

import pytest

from mesh_response.domain import Rejection
from mesh_response.workflow import (
    TRANSITIONS,
    ClockPolicy,
    DispatchChoice,
    Status,
    StatusUpdate,
    Territory,
    Unit,
    check_transition,
    choose_unit,
    clocks_for,
    clocks_met_by,
    escalation_levels,
    parse_status_update,
    percentile,
)
from meshlib.errors import Refused

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
LUOLONG, KAIYUAN = "410311", "410311003"
UNITS = [
    Unit("luolong-police", "Luolong District Public Security Bureau", "police", LUOLONG),
    Unit("kaiyuan-station", "Kaiyuan Road Police Station", "police", LUOLONG, KAIYUAN),
    Unit("luolong-urban", "Luolong Urban Management", "department", LUOLONG,
         categories=frozenset({"obstruction_of_construction"})),
    Unit("xigong-police", "Xigong District Public Security Bureau", "police", "410303"),
]


def test_the_happy_path_and_every_alternative_are_legal() -> None:
    path = [Status.REPORTED, Status.DISPATCHED, Status.ACKNOWLEDGED, Status.ON_SCENE, Status.RESOLVED]
    for current, target in itertools.pairwise(path):
        check_transition(current, target)
    for current in (Status.DISPATCHED, Status.ACKNOWLEDGED, Status.ON_SCENE):
        check_transition(current, Status.TRANSFERRED)
        check_transition(current, Status.CLOSED_UNFOUNDED)
    check_transition(Status.TRANSFERRED, Status.ACKNOWLEDGED)


@pytest.mark.parametrize(("current", "target"), [
    (Status.REPORTED, Status.ACKNOWLEDGED), (Status.REPORTED, Status.RESOLVED),
    (Status.DISPATCHED, Status.ON_SCENE), (Status.DISPATCHED, Status.RESOLVED),
    (Status.ACKNOWLEDGED, Status.RESOLVED), (Status.ON_SCENE, Status.ACKNOWLEDGED),
    (Status.RESOLVED, Status.DISPATCHED), (Status.CLOSED_UNFOUNDED, Status.ACKNOWLEDGED),
    (Status.RESOLVED, Status.RESOLVED),
])
def test_illegal_transitions_are_refused_with_the_rule(current: Status, target: Status) -> None:
    with pytest.raises(Refused) as err:
        check_transition(current, target)
    assert err.value.rule == "incident-status-transition" and err.value.item == "Item 9"


def test_closed_incidents_go_nowhere() -> None:
    assert TRANSITIONS[Status.RESOLVED] == TRANSITIONS[Status.CLOSED_UNFOUNDED] == frozenset()


def test_the_township_unit_goes_first_then_the_county_then_the_reporting_agency() -> None:
    assert choose_unit(UNITS, Territory(LUOLONG, KAIYUAN), "extortion", "luolong-police") == \
        DispatchChoice("kaiyuan-station", "township-unit")
    assert choose_unit(UNITS, Territory(LUOLONG, "410311999"), "extortion", "x") == \
        DispatchChoice("luolong-police", "county-unit")
    assert choose_unit(UNITS, Territory("410399"), "extortion", "yichuan-police") == \
        DispatchChoice("yichuan-police", "reporting-agency")
    assert choose_unit(UNITS, Territory(), "extortion", "yichuan-police") == \
        DispatchChoice("yichuan-police", "reporting-agency")


def test_a_unit_that_names_the_category_goes_before_one_that_takes_everything() -> None:
    choice = choose_unit(UNITS, Territory(LUOLONG), "obstruction_of_construction", "luolong-police")
    assert choice == DispatchChoice("luolong-urban", "county-unit")
    # ... but a specialist department never takes categories it does not name.
    assert choose_unit(UNITS, Territory(LUOLONG), "market_bullying", "x").unit_id == "luolong-police"


NORMAL = ClockPolicy(timedelta(minutes=10), timedelta(minutes=30), timedelta(hours=24))
URGENT = ClockPolicy(timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=8))


def test_clocks_run_from_receipt_and_warn_at_eighty_percent() -> None:
    ack, arrive, resolve = clocks_for(T0, tight=False, normal=NORMAL, urgent=URGENT)
    assert (ack.kind, ack.due_at, ack.warn_at) == ("acknowledge", T0 + timedelta(minutes=10), T0 + timedelta(minutes=8))
    assert arrive.due_at == T0 + timedelta(minutes=30)
    assert resolve.due_at == T0 + timedelta(hours=24)


def test_major_incidents_and_key_protection_sites_get_the_tighter_clocks() -> None:
    ack, arrive, resolve = clocks_for(T0, tight=True, normal=NORMAL, urgent=URGENT)
    assert [ack.due_at, arrive.due_at, resolve.due_at] == [T0 + timedelta(minutes=5), T0 + timedelta(minutes=15),
                                                          T0 + timedelta(hours=8)]


def test_arriving_answers_the_acknowledgement_too() -> None:
    assert clocks_met_by(Status.ON_SCENE) == ("acknowledge", "arrive")
    assert clocks_met_by(Status.RESOLVED) == ("acknowledge", "arrive", "resolve")
    assert clocks_met_by(Status.TRANSFERRED) == ()


def test_only_major_incidents_escalate_at_once_to_county_and_city() -> None:
    assert escalation_levels("major") == ("county", "city")
    assert escalation_levels("serious") == ()


def update(**over: object) -> bytes:
    body: dict[str, object] = {"update_id": "u1", "incident_id": "luolong-police:INC-1", "unit": "kaiyuan-station",
                               "status": "acknowledged", "at": (T0 - timedelta(minutes=1)).isoformat()}
    body.update(over)
    return json.dumps(body).encode()


def parse(raw: bytes, agency: str = "kaiyuan-station") -> StatusUpdate | Rejection:
    return parse_status_update(raw, subject_agency=agency, now=T0, max_bytes=65536, clock_skew=timedelta(minutes=5))


def test_a_status_update_parses() -> None:
    assert isinstance(parse(update()), StatusUpdate)
    assert isinstance(parse(update(status="transferred", to_unit="luolong-urban", note="site dispute")), StatusUpdate)


@pytest.mark.parametrize(("over", "code"), [
    ({"status": "resolved"}, "invalid_value"),                           # no outcome
    ({"status": "closed_unfounded"}, "invalid_value"),                   # no reason
    ({"status": "transferred", "note": "x"}, "invalid_value"),           # no unit to transfer to
    ({"to_unit": "luolong-urban"}, "invalid_value"),                     # to_unit without transferring
    ({"status": "dispatched"}, "invalid_value"),                         # units cannot dispatch themselves
    ({"unit": "xigong-police"}, "agency_mismatch"),
    ({"at": (T0 + timedelta(minutes=6)).isoformat()}, "future_timestamp"),
    ({"update_id": None}, "wrong_type"),
])
def test_bad_status_updates_are_refused_with_a_reason(over: dict[str, object], code: str) -> None:
    result = parse(update(**over))
    assert isinstance(result, Rejection)
    assert result.code == code


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 11)]
    assert percentile(values, 0.9) == 9.0
    assert percentile(values, 0.5) == 5.0
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([*values, 11.0], 0.9) == 10.0
    with pytest.raises(ValueError):
        percentile([], 0.9)
