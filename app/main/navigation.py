"""Navigation by role: what each role is offered in the header."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, g, request, url_for
from flask_babel.speaklater import LazyString

from app import policy
from app.db import utcnow
from app.i18n import lazy_gettext as _l


@dataclass(frozen=True)
class NavItem:
    label: str  # in the request's language
    endpoint: str
    url: str
    active: bool


# (label, endpoint), the label lazy (in each request's language); an item is shown only when the policy lets
# the user use its endpoint.
NAVIGATION: tuple[tuple[LazyString, str], ...] = (
    (_l("Home"), "main.home"),
    (_l("People"), "subjects.index"),
    (_l("My caseload"), "subjects.caseload"),
    (_l("Observations"), "interventions.unit_observations"),
    (_l("Groups"), "connections.groups_index"),
    (_l("Nexus"), "connections.nexus_picture"),
    (_l("Conferences"), "conferences.index"),
    (_l("Alerts"), "alerts.index"),
    (_l("Disclosures"), "sharing.register"),
    (_l("Audit trail"), "audit.events"),
    (_l("Audit extract"), "exports.audit_extract"),
    (_l("Users"), "admin.users"),
    (_l("Units"), "admin.units"),
    (_l("Accreditations"), "admin.accreditations"),
    (_l("My account"), "auth.account"),
)


def nav_items() -> list[NavItem]:
    user = g.get("user")
    if user is None:
        return []
    items = []
    for label, endpoint in NAVIGATION:
        rule = policy.rule_for(current_app, endpoint)
        if rule is not None and rule(user):
            items.append(NavItem(str(label), endpoint, url_for(endpoint), request.endpoint == endpoint))
    return items


def register(app: Flask) -> None:
    app.context_processor(lambda: {"nav_items": nav_items, "now": utcnow, "today": lambda: utcnow().date()})
