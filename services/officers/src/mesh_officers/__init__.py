"""Chief service officers (policy items 6, 7, 8, 13, 14)."""
