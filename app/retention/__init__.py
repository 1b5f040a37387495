"""Retention review and erasure of a person's record (DESIGN §4 Retention, principle 4)."""
