"""The start page and the health check."""

from __future__ import annotations

from flask import Blueprint, g, render_template
from sqlalchemy import text

from app import policy
from app.db import db

bp = Blueprint("main", __name__)


@bp.route("/")
@policy.requires(policy.authenticated)
def home() -> str:
    return render_template("main/home.html", user=g.user)


@bp.route("/health")
def health() -> tuple[dict[str, str], int]:
    """For the load balancer: the database answers. Says nothing else."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}, 200
