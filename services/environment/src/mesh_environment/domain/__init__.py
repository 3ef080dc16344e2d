"""The policy rules of peripheral-environment governance: pure functions and small classes, no I/O.

One module per noun: ``calendar`` (the city's days, quiet production days), ``guard`` (the six
prohibitions, item 10), ``fines`` (filing by amount, item 11), ``cases`` (governance cases, item 9),
``findings`` (supervised inspection findings, item 15), ``accountability`` (items 9, 18).
"""
