"""Public-security rapid response (policy item 9)."""
