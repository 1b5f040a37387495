"""The start page and the health check."""

from __future__ import annotations

from flask import Blueprint, g, render_template
from sqlalchemy import text

from app import policy
from app.audit import trail
from app.db import db
from app.forms import ConfirmForm
from app.registry import registry
from app.subjects import queries

bp = Blueprint("main", __name__)


@bp.route("/")
@policy.requires(policy.authenticated)
def home() -> str:
    works_cases = policy.works_cases(g.user)
    board = queries.dashboard(g.user) if works_cases else None
    panels = registry().panels_for_dashboard(g.user, tallies=[board.caseload]) if board is not None else []
    if board is not None:
        shown = [s.id for s in board.overdue + board.due_soon] + [a.subject_id for a in board.break_glass_to_review]
        trail.record_view([*shown, *(i for panel in panels for i in panel.subject_ids)], object_type="dashboard")
    return render_template("main/home.html", user=g.user, board=board, panels=panels, review_form=ConfirmForm(),
                           supervises_cases=policy.supervises_cases(g.user))


@bp.route("/health")
def health() -> tuple[dict[str, str], int]:
    """For the load balancer: the database answers. Says nothing else."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}, 200
