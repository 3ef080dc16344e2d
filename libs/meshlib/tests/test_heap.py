"""The collector tuning a server applies once it is up (in a process of its own: it changes the whole process)."""

from __future__ import annotations

import subprocess
import sys

from meshlib.heap import YOUNG_THRESHOLD


def test_settle_freezes_what_start_up_made_and_collects_the_young_less_often() -> None:
    probe = ("import gc; from meshlib import heap; before = gc.get_freeze_count(); heap.settle(); "
             "print(before, gc.get_freeze_count(), len(gc.get_objects()), gc.get_threshold()[0])")
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout.split()
    before, frozen, collected_still, young = map(int, out)
    assert before == 0
    assert frozen > 0 and collected_still < frozen / 10, "start-up objects are still in the collected generations"
    assert young == YOUNG_THRESHOLD
