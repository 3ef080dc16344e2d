"""Peripheral-environment governance (policy items 9, 10, 11, 15, 18)."""
