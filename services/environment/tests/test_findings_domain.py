"""Item 15: supervised findings name the unit responsible and close only after a confirmed recheck."""

from __future__ import annotations

import pytest

from mesh_environment.domain import findings
from mesh_environment.domain.findings import Channel, FindingState
from meshlib.errors import InvalidArgument, Refused


def test_a_finding_names_its_unit_and_an_inspection_finding_its_group() -> None:
    findings.check_registration(channel=Channel.ONLINE_PETITION, inspection_group="", responsible_unit="city tax",
                                description="permit delayed")
    with pytest.raises(InvalidArgument) as err:
        findings.check_registration(channel=Channel.INSPECTION_GROUP, inspection_group=" ",
                                    responsible_unit="city tax", description="permit delayed")
    assert err.value.field == "inspection_group"
    with pytest.raises(InvalidArgument) as err:
        findings.check_registration(channel=Channel.POLICE_110, inspection_group="", responsible_unit="",
                                    description="x")
    assert err.value.field == "responsible_unit"


def test_resolution_then_recheck() -> None:
    state = findings.resolve(FindingState.OPEN, "permit issued")
    assert state is FindingState.AWAITING_RECHECK
    assert findings.recheck(state, confirmed=False) is FindingState.OPEN
    assert findings.recheck(state, confirmed=True) is FindingState.CLOSED
    with pytest.raises(Refused):
        findings.resolve(FindingState.CLOSED, "again")
    with pytest.raises(InvalidArgument):
        findings.resolve(FindingState.OPEN, "")
