"""Entry point for gunicorn: `gunicorn wsgi:app` (WAYPOINT_ENV=production in deployment)."""

from app import create_app

app = create_app()
