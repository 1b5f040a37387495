"""Waypoint: case management for prisons and probation services."""

from __future__ import annotations

from typing import Any

from flask import Flask
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket

from config import config_for


class _CompiledTemplates(BytecodeCache):
    """Templates compiled once per process and shared by every app it builds (each worker's one app; the test
    suite's thousands): Jinja checks each template's source against its checksum, so an edited template is
    compiled again."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = _CompiledTemplates()


def create_app(config: str | dict[str, Any] | None = None) -> Flask:
    """Build the application. `config` names a config class, or is a dict over the testing config."""
    from app.ids import IdConverter
    from app.web import WaypointFlask, register_request_hooks

    app = WaypointFlask(__name__, instance_relative_config=True)
    app.jinja_options = {**app.jinja_options, "bytecode_cache": COMPILED_TEMPLATES}
    # Before any route is added: every <int:...> in a path is an id a BIGINT holds, or the route is a 404.
    app.url_map.converters["int"] = IdConverter
    if isinstance(config, dict):
        app.config.from_mapping(config_for("testing").settings())
        app.config.from_mapping(config)
    else:
        app.config.from_mapping(config_for(config).settings())
    if app.config["PROXY_HOPS"]:
        # Behind the reverse proxy, the client's address (throttling, audit) comes from X-Forwarded-For,
        # when the request comes from the proxy (TRUSTED_PROXIES) and not from a client that went round it.
        from app.proxies import TrustedProxies

        app.wsgi_app = TrustedProxies(  # type: ignore[method-assign]
            app.wsgi_app, app.config["TRUSTED_PROXIES"], app.config["PROXY_HOPS"])
    register_extensions(app)
    register_blueprints(app)
    register_features(app)
    register_request_hooks(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from app import i18n
    from app.assessments import catalogue
    from app.conferences import decisions
    from app.extensions import bootstrap, csrf, db

    db.init_app(app)
    csrf.init_app(app)
    bootstrap.init_app(app)
    i18n.init_app(app)
    catalogue.init_app(app)  # an invalid or changed instrument file stops start-up here
    decisions.init_app(app)  # so does an invalid list of conference decisions


def register_blueprints(app: Flask) -> None:
    from app.admin.routes import bp as admin_bp
    from app.assessments.routes import bp as assessments_bp
    from app.audit.routes import bp as audit_bp
    from app.auth.routes import bp as auth_bp
    from app.conferences.routes import bp as conferences_bp
    from app.connections.apart_routes import bp as keep_apart_bp
    from app.connections.link_routes import bp as links_bp
    from app.connections.routes import bp as connections_bp
    from app.exports.routes import bp as exports_bp
    from app.interventions.routes import bp as interventions_bp
    from app.main import navigation
    from app.main.routes import bp as main_bp
    from app.oversight.routes import bp as alerts_bp
    from app.retention.routes import bp as retention_bp
    from app.sharing.routes import bp as sharing_bp
    from app.subjects.handover_routes import bp as handover_bp
    from app.subjects.routes import bp as subjects_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(subjects_bp)
    app.register_blueprint(handover_bp)
    app.register_blueprint(assessments_bp)
    app.register_blueprint(interventions_bp)
    app.register_blueprint(conferences_bp)
    app.register_blueprint(links_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(alerts_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(retention_bp)
    app.register_blueprint(keep_apart_bp)
    app.register_blueprint(connections_bp)
    app.register_blueprint(sharing_bp)
    navigation.register(app)


def register_features(app: Flask) -> None:
    """What each feature holds about a person (erasure, subject access, timeline, panels, texts) and what it
    wants to hear (app/signals.py). The order is the order of the panels on the pages; erasure takes the
    holdings in reverse, so a feature whose rows point at an earlier one's (an intervention at the assessment
    it addresses) goes before it."""
    from app import registry
    from app.assessments import holdings as assessments
    from app.conferences import holdings as conferences
    from app.connections import holdings as connections
    from app.interventions import holdings as interventions
    from app.oversight import holdings as oversight
    from app.retention import holdings as retention
    from app.sharing import holdings as sharing
    from app.sharing import legal_bases
    from app.subjects import handover_holdings as handovers
    from app.subjects import holdings as subjects

    found = registry.init_app(app)
    subjects.register(app, found)
    handovers.register(app, found)
    assessments.register(found)
    oversight.register(app, found)
    interventions.register(found)
    connections.register(found)
    conferences.register(found)
    retention.register(found)
    legal_bases.init_app(app)  # an invalid legal bases file stops start-up here
    sharing.register(found)


def register_errorhandlers(app: Flask) -> None:
    from app.web import register_error_pages

    register_error_pages(app)


def register_commands(app: Flask) -> None:
    from app.admin.cli import units_cli, users_cli
    from app.assessments.cli import instruments_cli
    from app.audit.cli import audit_cli
    from app.main.cli import db_cli, demo_cli, explain_missing_database
    from app.retention.cli import retention_cli
    from app.sharing.cli import packages_cli
    from app.subjects.cli import subjects_cli

    for group in (units_cli, users_cli, audit_cli, db_cli, demo_cli, subjects_cli, instruments_cli,
                  retention_cli, packages_cli):
        app.cli.add_command(group)
    explain_missing_database(app.cli)  # a fresh checkout: one line saying to run `flask db upgrade`
