"""The policy rules of leaders' contacts (items 19 and 20): pure, no I/O, each citing its item."""
