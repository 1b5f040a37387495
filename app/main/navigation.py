"""Navigation by role: what each role is offered in the header."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, g, request, url_for

from app import policy
from app.db import utcnow


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    url: str
    active: bool


# (label, endpoint); an item is shown only when the policy lets the user use its endpoint.
NAVIGATION: tuple[tuple[str, str], ...] = (
    ("Home", "main.home"),
    ("People", "subjects.index"),
    ("My caseload", "subjects.caseload"),
    ("Observations", "interventions.unit_observations"),
    ("Groups", "connections.groups_index"),
    ("Nexus", "connections.nexus_picture"),
    ("Conferences", "conferences.index"),
    ("Alerts", "alerts.index"),
    ("Disclosures", "sharing.register"),
    ("Audit trail", "audit.events"),
    ("Audit extract", "exports.audit_extract"),
    ("Users", "admin.users"),
    ("Units", "admin.units"),
    ("Accreditations", "admin.accreditations"),
    ("My account", "auth.account"),
)


def nav_items() -> list[NavItem]:
    user = g.get("user")
    if user is None:
        return []
    items = []
    for label, endpoint in NAVIGATION:
        rule = policy.rule_for(current_app, endpoint)
        if rule is not None and rule(user):
            items.append(NavItem(label, endpoint, url_for(endpoint), request.endpoint == endpoint))
    return items


def register(app: Flask) -> None:
    app.context_processor(lambda: {"nav_items": nav_items, "now": utcnow, "today": lambda: utcnow().date()})
