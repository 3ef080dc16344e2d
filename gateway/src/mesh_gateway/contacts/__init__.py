"""Leaders' contacts (policy items 19 and 20) in the graph: registry, pairings, visits, problems, the public list."""
