"""The benchmark scripts still work: the generator, the web benchmark and the growth benchmark, each run
at a tiny size on the tier's database (SQLite, or PostgreSQL with --db=postgresql). Nothing here asserts
on a timing; bench/README.md holds the figures."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app import create_app
from app.audit import trail
from app.audit.models import AuditEvent
from app.db import db
from app.subjects.models import Subject
from bench import generate, growth, web
from tests.conftest import DatabaseFactory, login

NOW = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def empty_url(databases: DatabaseFactory) -> Iterator[str]:
    url = databases.empty_url()
    yield url
    databases.drop(url)


@pytest.fixture
def generated(empty_url: str) -> str:
    generate.generate(empty_url, 12, now=NOW, quiet=True)
    return empty_url


def test_generator_fills_every_table_and_its_audit_chain_verifies(empty_url):
    counts = generate.generate(empty_url, 12, now=NOW, quiet=True)
    assert counts["subjects"] == 12
    assert counts["audit_events"] == 12 * generate.EVENTS_PER_SUBJECT
    assert all(counts[name] > 0 for name in ("users", "assessments", "assessment_ratings", "interventions",
                                              "intervention_sessions", "screenings", "observations"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_url})
    with app.app_context():
        result = trail.verify(db.session)
        assert result.intact and result.count == counts["audit_events"]
        # The next event chains on from the generated ones.
        trail.record("view", object_type="audit_events")
        db.session.commit()
        assert trail.verify(db.session).count == counts["audit_events"] + 1
    app.extensions["waypoint_engine"].dispose()


def test_generated_users_sign_in_with_the_bench_password(generated):
    app = create_app({"SQLALCHEMY_DATABASE_URI": generated})
    [worker] = web.choose_clients(generated, 1)["workers"]
    client = app.test_client()
    response = login(client, worker.username, generate.BENCH_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get(f"/subjects/{worker.subject_id}").status_code == 200
    app.extensions["waypoint_engine"].dispose()


def test_the_same_seed_gives_the_same_data(databases):
    urls = [databases.empty_url(), databases.empty_url()]
    try:
        heads = []
        for url in urls:
            generate.generate(url, 8, seed=7, now=NOW, quiet=True)
            app = create_app({"SQLALCHEMY_DATABASE_URI": url})
            with app.app_context():
                last = db.session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
                names = db.session.scalars(select(Subject.name_search).order_by(Subject.id)).all()
                heads.append((last, names))
            app.extensions["waypoint_engine"].dispose()
        assert heads[0] == heads[1]
    finally:
        for url in urls:
            databases.drop(url)


def test_generator_refuses_a_database_that_holds_data_unless_told_to_replace_it(generated):
    with pytest.raises(SystemExit, match="--replace"):
        generate.generate(generated, 5, now=NOW, quiet=True)
    generate.generate(generated, 5, now=NOW, quiet=True, replace=True)
    app = create_app({"SQLALCHEMY_DATABASE_URI": generated})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Subject)) == 5
    app.extensions["waypoint_engine"].dispose()


def test_web_benchmark_measures_every_page_of_waypoint_and_of_the_bare_app(generated, capsys):
    tool = "wrk" if shutil.which("wrk") else "python"
    assert web.main(["--database-url", generated, "--duration", "1", "--connections", "4", "--tool", tool,
                     "--json"]) == 0
    out = capsys.readouterr().out
    for page in web.PAGES:
        assert f"\n{page} " in out
    assert '"ratio"' in out


def test_web_benchmark_has_a_python_load_generator_when_wrk_is_missing(generated):
    clients = web.choose_clients(generated, 2)
    [result] = web.run_bare(generated, ["caseload"], clients, 1.0, 2, "python")
    assert result.requests > 0 and result.bad == 0 and result.p95_ms >= result.p50_ms > 0


def test_growth_benchmark_compares_the_p95_of_two_databases(generated, capsys):
    assert growth.main(["--small-url", generated, "--large-url", generated, "--duration", "1",
                        "--connections", "2", "--pages", "caseload,subject", "--tool", "python"]) == 0
    out = capsys.readouterr().out
    assert "caseload" in out and "subject" in out and "growth" in out


def test_cost_benchmark_measures_each_main_page_one_request_at_a_time(generated, capsys):
    from bench import cost

    if not generated.startswith("postgresql"):
        with pytest.raises(SystemExit, match="PostgreSQL"):
            cost.main(["--database-url", generated])
        return
    assert cost.main(["--database-url", generated, "--requests", "2", "--json"]) == 0
    measured = {row["page"]: row for row in json.loads(capsys.readouterr().out)}
    assert set(measured) == set(cost.PAGES)
    assert all(row["statements"] > 0 and row["app_cpu_ms"] > 0 for row in measured.values())
