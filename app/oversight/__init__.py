"""Supervisor oversight: audit review and verification, alerts, session management, consistency."""
