"""The policy rules of the chief service officers service (items 6, 7, 8, 13, 14): pure, no I/O."""
