"""Connections: groups, people's affiliations and links, skills of concern, recruitment and keep-apart."""
