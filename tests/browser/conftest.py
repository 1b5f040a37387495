"""Browser tier: Waypoint served on a real port and driven in headless Chromium through Playwright.

One browser for the whole session; a fresh database, server and browser context for every test.
Playwright never downloads a browser here: Debian's Chromium is used.

axe-core is injected by axe_playwright_python with `page.evaluate(<axe.min.js>)`. That runs through the
DevTools protocol, which the page's Content-Security-Policy (script-src 'self') does not govern, so the
pages are checked with their real CSP in force: contexts are never made with bypass_csp.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, Request, sync_playwright
from werkzeug.serving import BaseWSGIServer, make_server

from app import create_app
from tests import factories
from tests.conftest import DatabaseFactory

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Schemes that never reach the network (Bootstrap's CSS has data: SVG icons).
LOCAL_SCHEMES = frozenset({"data", "blob", "about"})

_axe = Axe()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = config.rootpath / "tests" / "browser"
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.browser)


# --- the live server ------------------------------------------------------------------------------------


@dataclass
class LiveServer:
    url: str
    users: dict[str, factories.UserInfo]
    units: dict[str, int]
    app: Flask

    @property
    def host(self) -> str:
        """host:port, as it appears in the URLs the browser asks for."""
        return urlsplit(self.url).netloc


@pytest.fixture
def live_server(databases: DatabaseFactory) -> Iterator[LiveServer]:
    """Waypoint on 127.0.0.1 (a free port) over a fresh database with units A and B and one user per role."""
    db_url = databases.fresh_url()
    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url})
    units = factories.make_units(app)
    users = factories.make_role_users(app)
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="waypoint-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", users, units, app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        app.extensions["waypoint_engine"].dispose()
        databases.drop(db_url)


# --- the browser ------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class RequestLog:
    """Every request the test's pages made, in order."""

    urls: list[str] = field(default_factory=list)

    def record(self, request: Request) -> None:
        self.urls.append(request.url)


@pytest.fixture
def request_log() -> RequestLog:
    return RequestLog()


@pytest.fixture
def context(browser: Browser, live_server: LiveServer, request_log: RequestLog) -> Iterator[BrowserContext]:
    """A new, empty browser profile (no cookies) per test; relative URLs go to the live server."""
    ctx = browser.new_context(base_url=live_server.url, bypass_csp=False, service_workers="block")
    ctx.set_default_timeout(10_000)
    ctx.on("request", request_log.record)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


# --- checks -----------------------------------------------------------------------------------------------


def axe_check(page: Page) -> None:
    """Run axe-core on the page as it is now; fail the test on any violation, with axe's report."""
    results = _axe.run(page)
    assert results.violations_count == 0, f"axe-core on {page.url}:\n{results.generate_report()}"


def foreign_requests(log: RequestLog, server: LiveServer) -> list[str]:
    """The requests that went anywhere but the live server (a CDN, a font host, an analytics beacon...)."""
    foreign = []
    for url in log.urls:
        parts = urlsplit(url)
        if parts.scheme in LOCAL_SCHEMES:
            continue
        if parts.scheme not in ("http", "https") or parts.netloc != server.host:
            foreign.append(url)
    return foreign


def assert_requests_stayed_on_live_server(log: RequestLog, server: LiveServer) -> None:
    assert log.urls, "no request was recorded at all"
    assert foreign_requests(log, server) == [], f"requests left {server.host}"


@pytest.fixture
def no_foreign_requests(live_server: LiveServer, request_log: RequestLog) -> Iterator[RequestLog]:
    """Use in a test that needs its pages to load nothing from other hosts; checked again at the end.

    The test should also call assert_requests_stayed_on_live_server itself, so that a breach is a test
    failure rather than a teardown error; the teardown check catches requests made after its last step.
    """
    yield request_log
    assert foreign_requests(request_log, live_server) == [], f"requests left {live_server.host}"
