"""Lockout counts are atomic (CONTROLS: Reliability): wrong passwords sent all at once through two app
processes on one PostgreSQL database are each counted, at most the limit of them reach the password check,
and the account locks."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.db import db, utcnow
from tests.factories import UserInfo

ROOT = Path(__file__).resolve().parents[1]
ATTEMPTS = 16
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def two_hosts(app: Flask, db_url: str, dialect: str) -> Iterator[list[str]]:
    """Two gunicorn processes (8 threads each) serving Waypoint's testing configuration on the test's
    database, as two app hosts sharing one PostgreSQL."""
    if dialect != "postgresql":
        pytest.skip("row locks across processes are PostgreSQL's; SQLite serialises every request with "
                    "BEGIN IMMEDIATE")
    env = {**os.environ, "WAYPOINT_ENV": "testing", "DATABASE_URL": db_url}
    bases, servers = [], []
    try:
        for _ in range(2):
            port = _free_port()
            servers.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "8", "--bind",
                 f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
            bases.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 30
        for base, server in zip(bases, servers, strict=True):
            while True:
                assert server.poll() is None, server.stderr.read().decode() if server.stderr else "exited"
                try:
                    with urllib.request.urlopen(f"{base}/health", timeout=2):  # noqa: S310 - loopback
                        break
                except OSError:
                    assert time.monotonic() < deadline, f"{base} did not start"
                    time.sleep(0.1)
        yield bases
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _attempt(base: str, username: str, start: threading.Barrier, statuses: list[int]) -> None:
    """A browser of its own: the sign-in page for a session and its CSRF token, then, with the others at
    once, a wrong password."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(f"{base}/login", timeout=30) as page:
        match = CSRF_RE.search(page.read().decode())
    assert match
    body = urllib.parse.urlencode({"csrf_token": match.group(1), "username": username,
                                   "password": "not-the-password-at-all"}).encode()
    start.wait(timeout=30)
    try:
        with opener.open(f"{base}/login", data=body, timeout=60) as response:
            statuses.append(response.status)
    except urllib.error.HTTPError as refused:
        statuses.append(refused.code)


def test_parallel_wrong_passwords_through_two_hosts_lock_the_account_after_at_most_the_limit(
        app: Flask, users: dict[str, UserInfo], two_hosts: list[str]) -> None:
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    start = threading.Barrier(ATTEMPTS)
    statuses: list[int] = []
    threads = [threading.Thread(target=_attempt, args=(two_hosts[n % 2], "assessor", start, statuses))
               for n in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert len(statuses) == ATTEMPTS and set(statuses) <= {200, 429}
    with app.app_context():
        user = db.session.get(User, users["assessor"].id)
        assert user is not None
        reasons = [str(e.details["reason"]) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "login_failed"))]
        assert user.failed_login_count >= limit
        assert user.locked_until is not None and user.locked_until > utcnow()
    checked = [r for r in reasons if r.startswith("wrong password")]
    refused = [r for r in reasons if r.startswith(("account locked", "too many failed sign-ins"))]
    assert len(reasons) == ATTEMPTS and len(checked) + len(refused) == ATTEMPTS
    assert len(checked) <= limit, reasons
    assert user.failed_login_count == len(checked) == limit  # each check counted, none lost
    assert statuses.count(200) == len(checked)
