"""The garbage collector, tuned once a server has started.

Start-up leaves a large heap that lives as long as the process: modules, the GraphQL schema,
protobuf descriptors, clients. CPython's full (generation 2) collections walk all of it, and a
request path that allocates many small objects (protobuf conversions, GraphQL execution) triggers
them often. Measured in the gateway serving 100-item pages (`make bench`, case c), collections
took 42% of its CPU, most of it in generation-2 passes of about 155 ms each. Freezing what
start-up allocated takes it out of every later collection (30%); collecting the youngest
generation less often brings it to 24%, and the gateway's CPU per page from about 60 to 42 ms.
Collections still run, over what requests allocate (strawberry's DataLoader futures form cycles).
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000
"""Allocations between collections of the youngest generation (CPython's default is 700): a request
that builds a few thousand objects is then collected once, not several times, while it is running."""


def settle() -> None:
    """Call once, when the server is up: collect, freeze the survivors, collect the young less often.

    Not for processes that start many servers (a test run): frozen objects are never collected.
    """
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
