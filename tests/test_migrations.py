"""Migrations match the models and go both ways, with data in place."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

import app.models  # noqa: F401 - registers every table
from app.db import Base, make_engine
from tests.conftest import ROOT, alembic_config


def test_head_schema_equals_the_models(databases):
    url = databases.empty_url()
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []


def test_every_revision_goes_down_and_up(databases):
    url = databases.empty_url()
    cfg = alembic_config(url)
    script = ScriptDirectory.from_config(cfg)
    revisions = list(reversed(list(script.walk_revisions())))
    for revision in revisions:
        command.upgrade(cfg, revision.revision)
        command.downgrade(cfg, revision.down_revision or "base")
        command.upgrade(cfg, revision.revision)
    command.downgrade(cfg, "base")
    engine = make_engine(url)
    tables = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert tables == set()


def test_running_the_upgrade_again_on_a_database_with_data_keeps_it_intact(databases):
    """`make run` upgrades on every start: with users and audit events in place nothing may change."""
    from app import create_app

    url = databases.empty_url()
    command.upgrade(alembic_config(url), "head")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    app.test_cli_runner().invoke(args=["demo", "seed"])
    command.upgrade(alembic_config(url), "head")
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "events verified" in result.output
    app.extensions["waypoint_engine"].dispose()


def test_the_audit_table_rebuilt_without_its_hash_index_keeps_its_events_and_stays_append_only(databases):
    """Revision 4f7a2c91d5e3 rebuilds audit_events on SQLite: the events stay, chained, and the triggers that
    refuse changes are there again, going down and up."""
    from app import create_app

    url = databases.empty_url()
    cfg = alembic_config(url)
    command.upgrade(cfg, "9d1c4b7e2a31")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    app.test_cli_runner().invoke(args=["demo", "seed"])
    for target in ("4f7a2c91d5e3", "9d1c4b7e2a31", "head"):
        if target == "9d1c4b7e2a31":
            command.downgrade(cfg, target)
        else:
            command.upgrade(cfg, target)
        result = app.test_cli_runner().invoke(args=["audit", "verify"])
        assert result.exit_code == 0 and "events verified" in result.output, target
        engine = make_engine(url)
        with engine.connect() as conn:
            for statement in ("UPDATE audit_events SET action = 'forged' WHERE id = 1",
                              "DELETE FROM audit_events WHERE id = 1"):
                try:
                    with conn.begin():
                        conn.execute(sa.text(statement))
                except sa.exc.DBAPIError as refused:
                    assert "append-only" in str(refused), target
                else:  # pragma: no cover - the failure this test exists for
                    raise AssertionError(f"{statement!r} was allowed after migrating to {target}")
        engine.dispose()
    app.extensions["waypoint_engine"].dispose()


def test_revision_files_are_date_prefixed():
    names = [p.name for p in (ROOT / "migrations" / "versions").glob("*.py")]
    assert names
    for name in names:
        assert name[:8].isdigit() and name[8] == "_" and name[9:13].isdigit(), name
