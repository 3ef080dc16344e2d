"""Peripheral-environment governance (items 9, 10, 11, 15, 18) in the graph: cases, the guard, fines, findings."""
