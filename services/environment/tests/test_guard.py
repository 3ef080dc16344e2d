"""Item 10: the six prohibitions, each alone and several together, and quiet days in the city's calendar."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from mesh_environment.domain.calendar import CITY_TZ, QuietDays, city_date
from mesh_environment.domain.fines import FilingState
from mesh_environment.domain.guard import (
    NO_FINE_NOTICE,
    Action,
    Officer,
    PriorInspection,
    Prohibition,
    ReviewedFine,
    check,
)
from meshlib.errors import InvalidArgument

# 2026-12-01 is a Tuesday.
TUESDAY_10AM = datetime(2026, 12, 1, 10, 0, tzinfo=CITY_TZ)
VALID = Officer("o-1", "Zhang Wei", "HN-ZF-0001", date(2027, 6, 30))
ACTION = Action(
    enterprise_id="ent-001", agency="city-market-supervision", matter="Fire safety", planned_at=TUESDAY_10AM,
    officers=(VALID, Officer("o-2", "Li Na", "HN-ZF-0002", date(2027, 1, 1))), filing_reference="BA-2026-17",
)
APPROVED_FINE = ReviewedFine("FINE-1", "ent-001", FilingState.APPROVED, 500_000)


def reasons(action: Action, *, quiet: QuietDays | None = None, prior: tuple[PriorInspection, ...] = (),
            fine: ReviewedFine | None = None, window: int = 180) -> list[Prohibition]:
    return [r.prohibition for r in check(action, quiet_days=quiet, prior=prior, fine=fine,
                                         repeat_window_days=window).reasons]


def test_a_clean_action_is_allowed() -> None:
    answer = check(ACTION, quiet_days=QuietDays.of([3]), prior=(), fine=None)
    assert answer.allowed and answer.reasons == () and answer.no_fine_notice is None


def test_quiet_production_day_alone() -> None:
    answer = check(ACTION, quiet_days=QuietDays.of([2]), prior=(), fine=None)
    assert not answer.allowed
    (reason,) = answer.reasons
    assert reason.prohibition is Prohibition.QUIET_PRODUCTION_DAY and reason.item == "Item 10"
    assert reason.message == "2026-12-01 is a quiet production day of ent-001 (every Tuesday)"


def test_repeated_enforcement_alone() -> None:
    earlier = PriorInspection("CHK-1", "city-fire-brigade", "fire  SAFETY", date(2026, 9, 1), "BA-2026-01")
    assert reasons(ACTION, prior=(earlier,)) == [Prohibition.REPEATED_ENFORCEMENT]
    # Another matter, or the same action asked about again under its own filing, is no repeat.
    assert reasons(ACTION, prior=(replace(earlier, matter="Tax records"),)) == []
    assert reasons(ACTION, prior=(replace(earlier, filing_reference="BA-2026-17"),)) == []


def test_repeat_window_is_inclusive_and_configurable() -> None:
    on_edge = PriorInspection("CHK-1", "a", "fire safety", date(2026, 12, 1) - timedelta(days=30), "BA-1")
    assert reasons(ACTION, prior=(on_edge,), window=30) == [Prohibition.REPEATED_ENFORCEMENT]
    assert reasons(ACTION, prior=(on_edge,), window=29) == []
    later = replace(on_edge, planned_on=date(2026, 12, 31))
    assert reasons(ACTION, prior=(later,), window=30) == [Prohibition.REPEATED_ENFORCEMENT]


def test_no_prior_filing_alone() -> None:
    assert reasons(replace(ACTION, filing_reference="  ")) == [Prohibition.NO_PRIOR_FILING]


@pytest.mark.parametrize(("fine", "filing_id", "says"), [
    (None, "", "has no fine filing"),
    (None, "FINE-404", "FINE-404 does not exist"),
    (replace(APPROVED_FINE, state=FilingState.PENDING), "FINE-1", "is pending, not approved"),
    (replace(APPROVED_FINE, state=FilingState.REJECTED), "FINE-1", "is rejected, not approved"),
    (replace(APPROVED_FINE, amount_fen=100_000), "FINE-1", "more than the 1000.00 CNY approved"),
    (replace(APPROVED_FINE, enterprise_id="ent-999"), "FINE-1", "concerns ent-999"),
])
def test_fine_not_reviewed_alone(fine: ReviewedFine | None, filing_id: str, says: str) -> None:
    action = replace(ACTION, proposed_fine_fen=300_000, fine_filing_id=filing_id)
    answer = check(action, quiet_days=None, prior=(), fine=fine)
    (reason,) = answer.reasons
    assert reason.prohibition is Prohibition.FINE_NOT_REVIEWED
    assert says in reason.message


def test_an_approved_fine_within_its_amount_passes() -> None:
    action = replace(ACTION, proposed_fine_fen=500_000, fine_filing_id="FINE-1")
    assert reasons(action, fine=APPROVED_FINE) == []


@pytest.mark.parametrize(("officers", "says"), [
    ((), "no enforcement officer is named"),
    ((VALID, Officer("o-3", "Wang Fang")), "Wang Fang has no enforcement credential"),
    ((Officer("o-4", "Zhao Lei", "HN-ZF-0004", date(2026, 11, 30)),), "expired on 2026-11-30"),
])
def test_officer_without_valid_credentials_alone(officers: tuple[Officer, ...], says: str) -> None:
    answer = check(replace(ACTION, officers=officers), quiet_days=None, prior=(), fine=None)
    (reason,) = answer.reasons
    assert reason.prohibition is Prohibition.NO_VALID_CREDENTIALS and says in reason.message


def test_a_credential_is_valid_through_its_expiry_day_in_the_city() -> None:
    expires_today = Officer("o-5", "Sun Li", "HN-ZF-0005", date(2026, 12, 1))
    late_evening = datetime(2026, 12, 1, 23, 59, tzinfo=CITY_TZ)
    assert reasons(replace(ACTION, officers=(expires_today,), planned_at=late_evening)) == []
    # 16:00 UTC on 1 December is already 2 December in Shanghai: expired.
    next_day = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    assert reasons(replace(ACTION, officers=(expires_today,), planned_at=next_day)) == [
        Prohibition.NO_VALID_CREDENTIALS]


def test_minor_violation_means_no_fine() -> None:
    answer = check(replace(ACTION, minor_violation=True), quiet_days=None, prior=(), fine=None)
    assert answer.allowed and answer.no_fine_notice == NO_FINE_NOTICE
    fined = replace(ACTION, minor_violation=True, proposed_fine_fen=50_000, fine_filing_id="FINE-1")
    assert reasons(fined, fine=replace(APPROVED_FINE, amount_fen=50_000)) == [Prohibition.MINOR_VIOLATION_FINE]


def test_every_prohibition_together_each_with_its_reason() -> None:
    action = replace(ACTION, filing_reference="", proposed_fine_fen=1_000_000, fine_filing_id="",
                     officers=(Officer("o-3", "Wang Fang"),), minor_violation=True)
    earlier = PriorInspection("CHK-1", "city-fire-brigade", "fire safety", date(2026, 11, 20), "BA-2026-01")
    answer = check(action, quiet_days=QuietDays.of(ranges=[(date(2026, 11, 28), date(2026, 12, 3))]),
                   prior=(earlier,), fine=None)
    assert [r.prohibition for r in answer.reasons] == [
        Prohibition.QUIET_PRODUCTION_DAY, Prohibition.REPEATED_ENFORCEMENT, Prohibition.NO_PRIOR_FILING,
        Prohibition.FINE_NOT_REVIEWED, Prohibition.NO_VALID_CREDENTIALS, Prohibition.MINOR_VIOLATION_FINE,
    ]
    assert "(2026-11-28 to 2026-12-03)" in answer.reasons[0].message
    assert all(r.message for r in answer.reasons)
    assert not answer.allowed


def test_two_prohibitions_together() -> None:
    assert reasons(replace(ACTION, filing_reference=""), quiet=QuietDays.of([2])) == [
        Prohibition.QUIET_PRODUCTION_DAY, Prohibition.NO_PRIOR_FILING]


# ---- Quiet production days ----

def test_weekly_recurrence() -> None:
    quiet = QuietDays.of([2, 7])
    assert quiet.why_quiet(date(2026, 12, 1)) == "every Tuesday"
    assert quiet.why_quiet(date(2026, 12, 8)) == "every Tuesday"
    assert quiet.why_quiet(date(2026, 12, 6)) == "every Sunday"
    assert quiet.why_quiet(date(2026, 12, 2)) is None


def test_date_ranges_include_both_ends() -> None:
    quiet = QuietDays.of(ranges=[(date(2026, 12, 10), date(2026, 12, 12)), (date(2027, 1, 1), date(2027, 1, 1))])
    assert quiet.why_quiet(date(2026, 12, 9)) is None
    assert quiet.why_quiet(date(2026, 12, 10)) == "2026-12-10 to 2026-12-12"
    assert quiet.why_quiet(date(2026, 12, 12)) == "2026-12-10 to 2026-12-12"
    assert quiet.why_quiet(date(2026, 12, 13)) is None
    assert quiet.why_quiet(date(2027, 1, 1)) == "2027-01-01"


def test_the_day_boundary_is_midnight_in_shanghai_not_utc() -> None:
    quiet = QuietDays.of([2])  # Tuesdays
    monday_last_second = datetime(2026, 11, 30, 15, 59, 59, tzinfo=UTC)  # 23:59:59 Monday in Shanghai
    tuesday_first_second = datetime(2026, 11, 30, 16, 0, 0, tzinfo=UTC)  # 00:00:00 Tuesday in Shanghai
    assert city_date(monday_last_second) == date(2026, 11, 30)
    assert city_date(tuesday_first_second) == date(2026, 12, 1)
    assert reasons(replace(ACTION, planned_at=monday_last_second), quiet=quiet) == []
    assert reasons(replace(ACTION, planned_at=tuesday_first_second), quiet=quiet) == [
        Prohibition.QUIET_PRODUCTION_DAY]
    tuesday_last_second = datetime(2026, 12, 1, 15, 59, 59, tzinfo=UTC)
    wednesday = datetime(2026, 12, 1, 16, 0, 0, tzinfo=UTC)
    assert reasons(replace(ACTION, planned_at=tuesday_last_second), quiet=quiet) == [
        Prohibition.QUIET_PRODUCTION_DAY]
    assert reasons(replace(ACTION, planned_at=wednesday), quiet=quiet) == []


def test_bad_declarations_are_refused() -> None:
    with pytest.raises(InvalidArgument):
        QuietDays.of([0])
    with pytest.raises(InvalidArgument):
        QuietDays.of([8])
    with pytest.raises(InvalidArgument):
        QuietDays.of(ranges=[(date(2026, 12, 2), date(2026, 12, 1))])
    with pytest.raises(ValueError):
        city_date(datetime(2026, 12, 1, 10, 0))
