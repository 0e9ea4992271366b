"""Browser tests: the app under gunicorn as in production, driven by Debian's chromium through Playwright.

Fixtures (pytest-playwright provides `page`, `context`, `new_context`, `browser`; see docs/architecture.md §6):

- `live_server` (session, one per xdist worker): a fresh instance folder with its own SQLite database and storage;
  `flask init-db`, then `gunicorn -w 2 --threads 4 wsgi:app` on a free port, booting while `flask demo` fills in
  the demo data (password demo-2026 for every account); ready when /api/v1/openapi.json answers.
  `.url` ("http://127.0.0.1:PORT"), `.instance` (Path), `.log` (the server's output), `.flask(*args)`.
  Every page starts at `live_server.url` as its base URL, so `page.goto("/login")` works.
- `login(page, username, password="demo-2026", expect_success=True)`: sign in through the login form.
- `shot(page, name)`: save a screenshot to test-artifacts/screenshots/<name>.png and return its path.
- `page_checks` (autouse): every browser context the test opens (through `context`, `new_context` or
  `browser.new_context`) is watched for console errors, page errors and Content-Security-Policy violations, and
  every HTML document its pages are served is checked with axe-core (WCAG 2.0/2.1 A and AA, at 1280 px and at
  375 px with the menu open); after the test's body the test fails with each one and its URL (pagecheck.py).
  A test that provokes one on purpose checks `page_checks.page_problems()` and then calls `page_checks.forget()`.

Chromium keeps the session cookie's Secure flag on http://127.0.0.1 (a secure context): no need to turn it off.
Test ids end in [chromium] (pytest-playwright parametrizes browser_name).

Every test under tests/browser gets the `browser` marker (deselect with -m "not browser") and is skipped when
/usr/bin/chromium is missing. Never run `playwright install`: Playwright launches the Debian binary.
"""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest
from pagecheck import DESKTOP, Checker, PageChecks
from playwright.sync_api import Browser, BrowserContext, Error, Page
from support import served

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the venv's bin: flask and gunicorn live beside python
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
DEMO_PASSWORD = "demo-2026"
HERE = Path(__file__).resolve().parent
TIMEOUT_MS = 10_000  # Playwright's default wait (30 s) is long for a failing test


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "long: a long test, run first (under xdist it then starts at once instead "
                                       "of after the short ones and ending the run alone)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test in this folder `browser`; skip them all when Debian's chromium is not installed.
    Tests marked `long` go first (a stable sort: the order is otherwise pytest's, the same on every worker)."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)
    missing = pytest.mark.skip(reason=f"{CHROMIUM} not found: install Debian's chromium "
                                      "(bash scripts/ensure-debs.sh chromium; never `playwright install`)")
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(missing)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """After the test's body: its pages' console errors, page errors, CSP violations and axe violations fail it.
    When the body failed already, they are added to its report instead (a section) and the failure stands."""
    checks = item.funcargs.get("page_checks") if hasattr(item, "funcargs") else None
    try:
        result = yield
    except BaseException:
        if isinstance(checks, PageChecks):
            try:
                seen = checks.page_problems() + checks.axe_problems()
            except (Error, RuntimeError) as error:  # the browser may be what failed
                seen = [f"(not checked: {error})"]
            if seen:
                item.add_report_section("call", "page checks", "\n".join(seen))
        raise
    if isinstance(checks, PageChecks):
        checks.verify()
    return result


@dataclass
class LiveServer:
    url: str
    instance: Path
    env: dict[str, str]
    process: subprocess.Popen

    @property
    def log(self) -> str:
        """What gunicorn wrote so far (stdout and stderr)."""
        return (self.instance / "gunicorn.log").read_text(errors="replace")

    def flask(self, *args: str) -> subprocess.CompletedProcess:
        """Run `flask --app wsgi ARGS` against this server's database, e.g. live_server.flask("users", "token", "admin")."""
        return _flask(self.env, *args)


def _flask(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    instance = tmp_path_factory.mktemp("instance")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UNIONFLOW_", "DATABASE_URL", "FLASK_"))}
    env.update(DATABASE_URL=f"sqlite:///{instance / 'unionflow.db'}", UNIONFLOW_STORAGE=str(instance / "storage"),
               SECRET_KEY=secrets.token_hex(32), PYTHONUNBUFFERED="1")
    _flask(env, "init-db")

    process, url = served.start(env, instance, "-w", "2", "--threads", "4")
    server = LiveServer(url, instance, env, process)
    try:
        # The demo data goes in while gunicorn boots (it reads no data at startup): saves 2-5 s per worker.
        # Nothing reaches the server before both are done.
        _flask(env, "demo")
        served.wait_until_up(process, url, instance, lambda why: pytest.fail(why, pytrace=False))
        yield server
    finally:
        served.stop(process)


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    """pytest-playwright gives every new context this base URL: page.goto("/login")."""
    return live_server.url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Launch Debian's chromium, headless unless --headed; the flags of docs/architecture.md §6."""
    return {"headless": True, **browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai",
            "viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="session")
def axe_checker(browser: Browser, base_url: str) -> Iterator[Checker]:
    """The page that replays each document a test was served and runs axe on it (pagecheck.py); its own context,
    with reduced motion so that the menu opens at once."""
    context = browser.new_context(base_url=base_url, locale="zh-CN", timezone_id="Asia/Shanghai", viewport=DESKTOP,
                                  reduced_motion="reduce")
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    try:
        yield Checker.open(context)
    finally:
        context.close()


@pytest.fixture(autouse=True)
def page_checks(browser: Browser, axe_checker: Checker, monkeypatch: pytest.MonkeyPatch) -> PageChecks:
    """Every context the test opens is watched, whichever way it is made: pytest-playwright's `new_context` (and
    so `context` and `page`) calls browser.new_context, and so do the tests that open a phone's context."""
    checks = PageChecks(axe_checker)
    original = browser.new_context

    def new_context(*args, **kwargs) -> BrowserContext:
        return checks.watch(original(*args, **kwargs))

    monkeypatch.setattr(browser, "new_context", new_context)
    return checks


@pytest.fixture
def context(new_context: Callable[..., BrowserContext]) -> BrowserContext:
    """pytest-playwright's context with a shorter default wait. For a second user at the same time, request
    `new_context` and call it: same arguments (base URL included), closed after the test."""
    ctx = new_context()
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.set_default_navigation_timeout(TIMEOUT_MS)
    return ctx


def save_screenshot(page: Page, name: str, full_page: bool = True) -> Path:
    """test-artifacts/screenshots/<name>.png (name may contain '/'); give each test its own names under xdist."""
    path = SCREENSHOTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.fixture
def shot() -> Callable[..., Path]:
    """shot(page, "login") -> Path of test-artifacts/screenshots/login.png."""
    return save_screenshot


@pytest.fixture
def login(live_server: LiveServer) -> Callable[..., Page]:
    """login(page, "rep_zhang") signs in through /login with the demo password; returns the page.

    expect_success=False for tests of a refused login: then it only submits and waits for the answer.
    """

    def _login(page: Page, username: str, password: str = DEMO_PASSWORD, expect_success: bool = True) -> Page:
        page.goto(f"{live_server.url}/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        with page.expect_navigation():
            page.click("form:has(input[name=password]) [type=submit]")
        if expect_success and urlparse(page.url).path.rstrip("/") == "/login":
            raise AssertionError(f"login as {username} failed: still on {page.url}\n{page.inner_text('body')[:500]}")
        return page

    return _login
