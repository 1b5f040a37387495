"""The bare-Flask baseline of bench/web.py: for each measured page, the same main query as Waypoint runs,
with nothing else (no sign-in, session, policy, audit event, template or commit), its rows returned as JSON.

    DATABASE_URL=postgresql://... gunicorn -w 2 bench.bare_app:app

`?user=ID` says whose page it is (Waypoint knows that from the session).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from flask import Flask, request
from sqlalchemy import create_engine, text

from app.db import normalise_url

app = Flask(__name__)
engine = create_engine(normalise_url(os.environ["DATABASE_URL"]), pool_size=5, pool_pre_ping=False)

# The main query of each page, as Waypoint's query functions issue it (see app/subjects/queries.py and
# app/audit/review.py), with its parameters.
QUERIES = {
    # Home: the case worker's overdue reviews (queries.dashboard).
    "dashboard": text(
        "SELECT s.* FROM subjects s WHERE s.case_owner_id = :user AND s.next_review_due < :today "
        "ORDER BY s.next_review_due LIMIT 50"),
    # My caseload (queries.caseload).
    "caseload": text(
        "SELECT s.* FROM subjects s WHERE s.case_owner_id = :user "
        "ORDER BY s.next_review_due IS NULL, s.next_review_due, s.family_name"),
    # The record of one person (load_subject).
    "subject": text("SELECT s.* FROM subjects s WHERE s.id = :subject"),
    # A supervisor's audit review: the newest events about the people of their units or naming them in a list,
    # walked person by person (policy.audit_events_visible_newest).
    "audit": text(
        "SELECT e.* FROM audit_events e WHERE e.id IN (SELECT found.id FROM ("
        " SELECT about.id FROM subjects s JOIN user_units uu ON uu.unit_id = s.unit_id"
        "  JOIN LATERAL (SELECT a.id FROM audit_events a WHERE a.subject_id = s.id ORDER BY a.id DESC LIMIT 51)"
        "  AS about ON true WHERE uu.user_id = :user"
        " UNION"
        " SELECT named.id FROM subjects s JOIN user_units uu ON uu.unit_id = s.unit_id"
        "  JOIN LATERAL (SELECT p.event_id AS id FROM audit_event_people p WHERE p.subject_id = s.id"
        "   ORDER BY p.event_id DESC LIMIT 51) AS named ON true WHERE uu.user_id = :user"
        ") AS found ORDER BY found.id DESC LIMIT 51) ORDER BY e.id DESC"),
}
if engine.dialect.name == "sqlite":  # no LATERAL: the rule as a WHERE clause, as Waypoint asks it there
    QUERIES["audit"] = text(
        "SELECT e.* FROM audit_events e WHERE e.subject_id IN (SELECT s.id FROM subjects s JOIN user_units uu"
        " ON uu.unit_id = s.unit_id WHERE uu.user_id = :user) OR EXISTS (SELECT 1 FROM audit_event_people p"
        " JOIN subjects s ON s.id = p.subject_id JOIN user_units uu ON uu.unit_id = s.unit_id"
        " WHERE p.event_id = e.id AND uu.user_id = :user) ORDER BY e.id DESC LIMIT 51")


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


@app.route("/<page>")
def page(page: str) -> tuple[dict[str, Any], int]:
    query = QUERIES.get(page)
    if query is None:
        return {"error": "no such page"}, 404
    params = {"user": request.args.get("user", type=int), "subject": request.args.get("subject", type=int),
              "today": datetime.now(UTC).date()}
    with engine.connect() as conn:
        # The statement's own bind names.
        wanted = {k: v for k, v in params.items() if k in query.compile().binds}
        rows = conn.execute(query, wanted).mappings().all()
    return {"rows": [{k: _jsonable(v) for k, v in row.items()} for row in rows]}, 200
