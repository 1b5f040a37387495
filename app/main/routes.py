"""The start page and the health check."""

from __future__ import annotations

from flask import Blueprint, g, render_template
from sqlalchemy import text

from app import policy
from app.db import db
from app.forms import ConfirmForm
from app.subjects import queries

bp = Blueprint("main", __name__)


@bp.route("/")
@policy.requires(policy.authenticated)
def home() -> str:
    works_cases = policy.works_cases(g.user)
    board = queries.dashboard(g.user) if works_cases else None
    panels = queries.dashboard_panels(g.user) if works_cases else []
    return render_template("main/home.html", user=g.user, board=board, panels=panels, review_form=ConfirmForm(),
                           supervises_cases=policy.supervises_cases(g.user))


@bp.route("/health")
def health() -> tuple[dict[str, str], int]:
    """For the load balancer: the database answers. Says nothing else."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}, 200
