"""Migrations match the models and go both ways, with data in place."""

from __future__ import annotations

import re
from enum import StrEnum

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

import app.models  # noqa: F401 - registers every table
from app.auth.models import Role
from app.db import NAMING_CONVENTION, Base, enum_check, make_engine
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


# --- enums and their CHECK constraints (autogenerate does not compare CHECKs) ---------------------------

QUOTED = re.compile(r"'((?:[^']|'')*)'")
SQLITE_CHECK = re.compile(r'CONSTRAINT\s+"?(\w+)"?\s+CHECK\s*\(', re.IGNORECASE)


def enum_checks(metadata: sa.MetaData) -> list[sa.CheckConstraint]:
    """Every CHECK the models built with app.db.enum_check (it keeps the enum and column in `info`)."""
    return [c for table in metadata.sorted_tables for c in table.constraints
            if isinstance(c, sa.CheckConstraint) and "enum" in c.info]


def _balanced(sql: str, start: int) -> str:
    """The text inside the parenthesis opened at sql[start - 1], quotes respected."""
    depth, i, quoted = 1, start, False
    while depth:
        char = sql[i]
        if char == "'":
            quoted = not quoted
        elif not quoted and char in "()":
            depth += 1 if char == "(" else -1
        i += 1
    return sql[start:i - 1]


def check_constraints_in_database(url: str) -> dict[tuple[str, str], str]:
    """(table, constraint name) -> the CHECK's text as the database holds it."""
    engine = make_engine(url)
    found: dict[tuple[str, str], str] = {}
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL"))
            for table, sql in rows:
                for match in SQLITE_CHECK.finditer(sql):
                    found[(table, match.group(1))] = _balanced(sql, match.end())
        else:
            rows = conn.execute(sa.text(
                "SELECT rel.relname, con.conname, pg_get_constraintdef(con.oid) FROM pg_constraint con "
                "JOIN pg_class rel ON rel.oid = con.conrelid JOIN pg_namespace ns ON ns.oid = rel.relnamespace "
                "WHERE con.contype = 'c' AND ns.nspname = current_schema()"))
            found = {(table, name): definition for table, name, definition in rows}
    engine.dispose()
    return found


def enum_check_drift(metadata: sa.MetaData, in_database: dict[tuple[str, str], str]) -> list[str]:
    """What differs between each enum_check of the models and the same CHECK in the database: values
    compared as sets (SQLite keeps the text as written, PostgreSQL rewrites it as `= ANY (ARRAY[...])`),
    and whether NULL is allowed."""
    problems = []
    for constraint in enum_checks(metadata):
        table = constraint.table.name
        enum: type[StrEnum] = constraint.info["enum"]
        text = in_database.get((table, str(constraint.name)))
        if text is None:
            problems.append(f"{table}.{constraint.name}: no such CHECK in the database")
            continue
        values = {value.replace("''", "'") for value in QUOTED.findall(text)}
        expected = {member.value for member in enum}
        if values != expected:
            problems.append(f"{table}.{constraint.name} ({enum.__name__}): only in the enum "
                            f"{sorted(expected - values)}, only in the database {sorted(values - expected)}")
        if ("IS NULL" in text.upper()) != constraint.info["or_null"]:
            problems.append(f"{table}.{constraint.name}: NULL allowed differs from the model")
    return problems


def test_every_in_list_check_of_the_models_is_built_from_an_enum():
    """A CHECK written as a literal IN-list would escape the comparison below."""
    in_lists = {f"{c.table.name}.{c.name}" for table in Base.metadata.sorted_tables for c in table.constraints
                if isinstance(c, sa.CheckConstraint) and " IN (" in str(c.sqltext).upper()}
    assert in_lists == {f"{c.table.name}.{c.name}" for c in enum_checks(Base.metadata)}


def test_enum_values_equal_their_check_constraints_in_the_migrated_database(db_url):
    # db_url is a copy of the session's template, which `alembic upgrade head` built (not create_all)
    checks = enum_checks(Base.metadata)
    assert {c.table.name for c in checks} >= {"users", "subjects", "assessments", "interventions"}
    assert enum_check_drift(Base.metadata, check_constraints_in_database(db_url)) == []


def test_an_enum_value_missing_from_its_check_constraint_is_reported(db_url):
    """The comparison is not vacuous: a model whose enum has one member more than the migrated CHECK
    (here a role added to Role without a migration) is reported, as is one with a member fewer."""
    grown: type[StrEnum] = StrEnum("GrownRole", [*((m.name, m.value) for m in Role), ("AUDITOR", "auditor")])
    shrunk: type[StrEnum] = StrEnum("ShrunkRole", [(m.name, m.value) for m in Role if m is not Role.ADMIN])
    in_database = check_constraints_in_database(db_url)
    for enum, only_in_enum, only_in_database in ((grown, ["auditor"], []), (shrunk, [], ["admin"])):
        metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
        sa.Table("users", metadata, sa.Column("role", sa.String(32)), enum_check("role", enum, "role"))
        assert enum_check_drift(metadata, in_database) == [
            f"users.ck_users_role ({enum.__name__}): only in the enum {only_in_enum}, "
            f"only in the database {only_in_database}"]


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
    # The demo is seeded by today's code, on today's schema; then the database goes back to the revision
    # before the rebuild, its events with it.
    command.upgrade(cfg, "head")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    seeded = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert seeded.exit_code == 0, seeded.output
    app.extensions["waypoint_engine"].dispose()
    command.downgrade(cfg, "9d1c4b7e2a31")
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
