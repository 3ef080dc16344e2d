"""Chief service officers (items 6, 7, 8, 13, 14) in the graph."""
