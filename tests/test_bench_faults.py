"""bench/faults.py still runs: a few seconds, two clients, one worker per host, the database killed and
started again and a worker killed, then its check. It starts its own PostgreSQL server, so it runs on the
PostgreSQL tier only. Nothing here asserts a timing; bench/README.md holds the figures of a real run."""

from __future__ import annotations

import pytest

from app.auth.models import Role
from bench import faults
from tests.factories import PASSWORDS, UNIT_A, make_subject, make_user


def test_faults_benchmark_finds_every_acknowledged_write_after_a_database_restart_and_a_killed_worker(
        request: pytest.FixtureRequest) -> None:
    if request.config.getoption("--db") != "postgresql":
        pytest.skip("starts and kills a PostgreSQL server of its own: runs on the PostgreSQL tier (--db=postgresql)")
    plan = faults.FaultPlan(duration=8, restart_at=0.25, outage=2, kills=1, kill_during_outage=False, seed=17)
    figures = faults.run(clients=2, workers=1, plan=plan)
    done = [line.split(" s  ", 1)[1] for line in figures["faults"] if "gunicorn exited" not in line]
    assert done[0].startswith("database killed") and done[1] == "database started again"
    assert done[2].startswith("SIGKILL to worker")
    # While the database was down the hosts answered with Waypoint's 503 page, and the clients carried on.
    assert figures["outcomes"].get("503 Waypoint's database-unavailable page", 0) > 0
    assert figures["acknowledged_people"] > 0 and figures["acknowledged_observations"] > 0
    assert figures["found_people"] == figures["acknowledged_people"]
    assert figures["found_observations"] == figures["acknowledged_observations"]
    assert figures["partial"] == [] and figures["audit_verify_exit"] == 0
    assert figures["passed"] is True


def test_faults_check_reports_a_lost_acknowledged_write_and_a_partial_record(
        request: pytest.FixtureRequest, app, db_url, units) -> None:
    """The check can fail: an acknowledged person who is not in the database is not counted as found, and a
    person without the alerts sent with them is reported as partial."""
    if request.config.getoption("--db") != "postgresql":
        pytest.skip("the check's queries are PostgreSQL's: runs on the PostgreSQL tier (--db=postgresql)")
    worker = make_user(app, "fault00", Role.ASSESSOR, [UNIT_A], PASSWORDS["assessor"])
    whole = make_subject(app, worker.id, units["A"], "F00X00001", alert_codes=list(faults.ALERTS))
    without_alerts = make_subject(app, worker.id, units["A"], "F00X00002")
    tally = faults.Tally()
    tally.tried_subjects |= {"F00X00001", "F00X00002", "F00X00003"}
    tally.subjects.update({"F00X00001": whole, "F00X00002": without_alerts, "F00X00003": 999_999})
    result = faults.check(db_url, tally)
    assert (result.acknowledged_subjects, result.found_subjects) == (3, 2)
    assert result.partial == ["person F00X00002: 0 alerts of 2"]
    assert result.verify_exit == 0 and result.passed is False
