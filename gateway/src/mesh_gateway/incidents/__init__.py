"""Incidents from the rapid-response service (policy item 9) in the graph."""
