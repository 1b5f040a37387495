"""bench/audit.py still runs, at a tiny size, on the database of the run (SQLite, or PostgreSQL with
--db=postgresql), and leaves the audit chain intact. Timings are printed by the bench, never asserted here."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
import sqlalchemy as sa
from flask import Flask

from app.audit import trail
from app.auth.models import Role
from app.db import db
from tests import factories
from tests.test_audit_trail import drop_triggers

BENCH = Path(__file__).resolve().parents[1] / "bench" / "audit.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def url(app: Flask, units: dict[str, int]) -> str:
    """The test database with audited changes in it: a supervisor and three subjects of unit A."""
    supervisor = factories.make_user(app, "supervisor", Role.SUPERVISOR, [factories.UNIT_A],
                                     factories.PASSWORDS["supervisor"], totp=False)
    for n in range(3):
        factories.make_subject(app, supervisor.id, units["A"], f"A{n}000AA")
    return str(app.config["SQLALCHEMY_DATABASE_URI"])


def chain(app: Flask) -> trail.Verification:
    with app.app_context():
        return trail.verify(db.session)


def test_verification_covers_every_event_and_records_nothing(bench: ModuleType, app: Flask, url: str) -> None:
    before = chain(app)
    result = bench.measure_verification(url, jobs=2)
    assert result.events == before.count > 0
    assert result.jobs == 2
    assert min(result.verify_rate, result.one_job_rate, result.before_rate, result.floor_rate) > 0
    assert result.floor_rate == pytest.approx(result.events / (result.floor_read_seconds + result.floor_hash_seconds))
    assert result.ratio == pytest.approx(result.verify_rate / result.floor_rate)
    assert result.ten_million_seconds == pytest.approx(10_000_000 / result.verify_rate)
    assert result.floor_last_hash_matches
    after = chain(app)
    assert after.intact and after.count == before.count


def test_verification_limit_stops_after_the_first_events(bench: ModuleType, app: Flask, url: str) -> None:
    assert chain(app).count > 2
    result = bench.measure_verification(url, limit=2)
    assert result.events == 2
    assert result.floor_last_hash_matches


def test_audited_writes_append_events_that_keep_the_chain_intact(bench: ModuleType, app: Flask, url: str) -> None:
    before = chain(app)
    result = bench.measure_writes(url, writes=5)
    assert min(result.audited_median_ms, result.audited_p95_ms, result.unaudited_median_ms,
               result.unaudited_p95_ms) > 0
    assert result.ratio == pytest.approx(result.audited_median_ms / result.unaudited_median_ms)
    # One event per audited save (the warm-up's included), none for the unaudited ones.
    assert result.events_appended == 5 + bench.WARMUP_WRITES
    assert result.appended_chain_intact
    after = chain(app)
    assert after.intact
    assert after.count == before.count + result.events_appended


def test_main_prints_both_results_and_their_json(bench: ModuleType, url: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--database-url", url, "--writes", "2", "--json"]) == 0
    out = capsys.readouterr().out
    assert "verify/floor:" in out and "audited/unaudited (median):" in out
    figures = json.loads(out[out.index("\n{") :])
    assert figures["verification"]["events"] > 0
    assert figures["verification"]["ten_million_seconds"] > 0
    assert figures["writes"]["writes"] == 2
    assert isinstance(figures["writes"]["target_met"], bool)


def test_broken_chain_is_named_and_not_measured(bench: ModuleType, url: str, db_url: str, dialect: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    engine = drop_triggers(db_url, dialect)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_events SET object_id = 'tampered' WHERE id = 2"))
    engine.dispose()
    assert bench.main(["--database-url", url]) == 1
    captured = capsys.readouterr()
    assert "broken at event 2" in captured.err
    assert "events/s" not in captured.out
