"""What each command does: check the rules (domain), change a document with its events and clocks."""
