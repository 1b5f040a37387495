"""Browser tier: Waypoint served on a real port and driven in headless Chromium through Playwright.

One browser for the whole session; a fresh database, server and browser context for every test.
Playwright never downloads a browser here: Debian's Chromium is used.

Every page a test visits is checked with axe-core, without the test asking (see AxeWatch): a test fails
when a page it showed has a violation, or when a page was left before it could be checked. `axe_check(page)`
is still there for a state that a page reaches after it has loaded (a message written by its script).

axe-core (the copy axe_playwright_python ships) is injected with `page.evaluate(<axe.min.js>)`. That runs
through the DevTools protocol, which the page's Content-Security-Policy (script-src 'self') does not govern,
so the pages are checked with their real CSP in force: contexts are never made with bypass_csp.
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.base import AXE_SCRIPT, AxeResults
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Error, Page, Request, expect, sync_playwright
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

# axe-core runs before the action or assertion that follows a page load (see AxeWatch), and that time counts
# against the assertion's timeout: 5 s by default, which a long form on a loaded CI machine can come close to.
expect.set_options(timeout=10_000)


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
    db_url = databases.fresh_url(peopled=True)
    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url})
    units, users = databases.people_of()
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
def page(context: BrowserContext, live_server: LiveServer) -> Page:
    """The test's tab. Every page it shows is checked with axe-core (AxeWatch); the test fails on a violation.
    A tab the test opens itself is not watched: start an AxeWatch on it, and call its verify() at the end."""
    page = context.new_page()
    AxeWatch(page, live_server).start()
    return page


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """After the test's last step: check the page it ended on, and fail the test (not its teardown) if any
    page it visited had a violation or went unchecked."""
    page = getattr(item, "funcargs", {}).get("page")
    watch = page.axe_watch if isinstance(page, WatchedPage) else None
    try:
        result = yield
    except BaseException as failure:
        if watch is not None and watch.problems:
            failure.add_note("axe-core, on pages visited before this failure:\n" + "\n".join(watch.problems))
        raise
    if watch is not None:
        watch.verify()
    return result


# --- axe-core on every page -------------------------------------------------------------------------------

# Set on the <html> element of a document once axe-core has checked it.
AXE_CHECKED = "data-axe-checked"

# Runs first in every document: gives it a token and reports the token once the document is parsed, so that
# a document the test left before it could be checked is known. Waypoint has no frames; only the top counts.
_DOCUMENT_TOKEN_SCRIPT = """
if (window === window.top) {
  const token = String(Date.now()) + "-" + String(Math.random()).slice(2);
  Object.defineProperty(window, "__waypointDocument", {value: token});
  document.addEventListener("DOMContentLoaded", () => window.__waypointDocumentLoaded(token));
}
"""

_AXE_RUN = """async (checkedAttribute) => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  document.documentElement.setAttribute(checkedAttribute, "");
  return {document: window.__waypointDocument ?? null, violations: results.violations};
}"""


class AccessibilityViolation(AssertionError):
    """axe-core found a violation on a page the test visited, or a visited page was left unchecked."""


def run_axe(page: Page) -> tuple[str | None, AxeResults]:
    """axe-core on the document as it is now; returns the document's token and the results. Marks the
    document as checked."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    outcome: dict[str, Any] = page.evaluate(_AXE_RUN, AXE_CHECKED)
    return outcome["document"], AxeResults({"violations": outcome["violations"]})


class WatchedPage(Page):
    """The test's Page (the very object Playwright made, given this class by AxeWatch.start): the navigations
    it starts itself first check the document they leave."""

    axe_watch: AxeWatch

    def goto(self, *args: Any, **kwargs: Any) -> Any:
        self.axe_watch.check_current_document()
        return super().goto(*args, **kwargs)

    def reload(self, *args: Any, **kwargs: Any) -> Any:
        self.axe_watch.check_current_document()
        return super().reload(*args, **kwargs)

    def go_back(self, *args: Any, **kwargs: Any) -> Any:
        self.axe_watch.check_current_document()
        return super().go_back(*args, **kwargs)

    def go_forward(self, *args: Any, **kwargs: Any) -> Any:
        self.axe_watch.check_current_document()
        return super().go_forward(*args, **kwargs)


@dataclass
class AxeWatch:
    """Checks every document a page shows with axe-core, each once, as it was when the test first acted on it.

    The check runs in the test's own flow, never in an event listener: Playwright calls the locator handler
    registered here before every action and every auto-waiting assertion while the document is unchecked, and
    the page's own goto/reload/go_back/go_forward check the document they leave. What is left is checked when
    the test ends. Violations are collected and fail the test when it ends (a locator handler cannot fail a
    test). Each document reports a token when parsed: one the test left before it was checked fails the test
    too, so a page can never go unchecked in silence.
    """

    page: Page
    server: LiveServer
    loaded: dict[str, str] = field(default_factory=dict)  # token of each document shown → its URL
    checked: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    def start(self) -> None:
        self.page.expose_binding("__waypointDocumentLoaded", self._document_loaded)
        self.page.add_init_script(_DOCUMENT_TOKEN_SCRIPT)
        self.page.add_locator_handler(self.page.locator(f"html:not([{AXE_CHECKED}])"),
                                      self.check_current_document, no_wait_after=True)
        self.page.__class__ = WatchedPage
        self.page.axe_watch = self  # type: ignore[attr-defined]

    def _document_loaded(self, source: dict[str, Any], token: str) -> None:
        # An event listener: it only takes note (no Playwright call may run here).
        url = source["frame"].url
        if self._on_live_server(url):
            self.loaded[token] = url

    def _on_live_server(self, url: str) -> bool:
        return urlsplit(url).netloc == self.server.host

    def check_current_document(self) -> None:
        """Check the page's document unless it was checked already; record any violation. Never raises (it
        runs as a locator handler, whose exceptions Playwright only logs)."""
        if not self._on_live_server(self.page.url):
            return
        try:
            self.page.wait_for_load_state("load")
            if self.page.evaluate(f"() => document.documentElement.hasAttribute('{AXE_CHECKED}')"):
                return
            url = self.page.url
            token, results = run_axe(self.page)
        except Error:
            return  # the document went away while being checked; left unchecked, it fails the test at its end
        self.record(token, url, results)

    def record(self, token: str | None, url: str, results: AxeResults) -> None:
        if token is not None:
            self.checked.add(token)
            self.loaded.setdefault(token, url)
        if results.violations_count:
            self.problems.append(f"{url}: {results.generate_report()}")

    def verify(self) -> None:
        """Check the current document, then fail on every violation found and every page left unchecked.
        Each problem is reported once."""
        self.check_current_document()
        unchecked = [url for token, url in self.loaded.items() if token not in self.checked]
        problems = self.problems + [f"{url}: left before axe-core could check it" for url in unchecked]
        self.problems = []
        self.checked.update(self.loaded)
        if problems:
            raise AccessibilityViolation(
                f"axe-core: {len(problems)} page(s) not clean:\n" + "\n\n".join(problems))


def axe_check(page: Page) -> None:
    """Run axe-core on the page as it is now, and fail at once on any violation, with axe's report. For a
    state the page reaches after loading; the page as loaded is checked without asking."""
    url = page.url
    token, results = run_axe(page)
    if isinstance(page, WatchedPage):
        page.axe_watch.record(token, url, AxeResults({"violations": []}))
    assert results.violations_count == 0, f"axe-core on {url}:\n{results.generate_report()}"


# --- other checks -----------------------------------------------------------------------------------------


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
