"""Leaders' contacts with key enterprises and key projects (policy items 19 and 20)."""
