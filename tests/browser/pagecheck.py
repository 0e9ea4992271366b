"""Every page a browser test visits runs clean and is accessible (docs/architecture.md §4 invariant 9, §6).

`PageChecks` watches every browser context a test opens (conftest.py hands it each one):

- **Console and CSP.** Each page's `console` errors and uncaught `pageerror`s are recorded with the page's URL, and
  so is each Content-Security-Policy violation: an init script (injected by DevTools, so `script-src 'self'` does
  not block it) listens for `securitypolicyviolation` and reports each one at once through an exposed binding, so a
  violation just before a navigation is not lost with its page. One console error is the test's own business: the
  browser's "Failed to load resource" for a main-frame document the server answered with a 4xx (a test that opens
  another member's case expects the 403 page); a 5xx, or any sub-resource that fails, is a problem.
- **axe-core.** Each HTML document a test's pages are served (the body exactly as the test got it, after a GET or a
  POST) is recorded; after the test, a separate checker page replays it under the same URL and the same response
  headers (its Content-Security-Policy included: nothing is bypassed) and runs axe-core with the WCAG 2.0/2.1 A and
  AA rules twice: at 1280 px wide, and at 375 px wide with the navbar menu opened by its toggler. Every <details>
  is opened first, so that the action forms are checked too. axe is injected with `page.evaluate`, which runs
  through DevTools and is not blocked by the page's `script-src 'self'` (tests/browser/test_page_checks.py shows
  it). The test's own pages are never resized or touched.

  Cost: a check takes ≈ 0.5-1 s, and the walks load hundreds of documents, many of them the same page again (ten
  voters' ballots, the 工作台 after each sign-in). So a document is checked once per test session (per xdist
  worker) for each distinct (method, URL path with its numbers masked, status, shape): the shape is the set of kinds
  of element in it (see `_Shape`), so a case page in a new state, a form sent back with its errors or a new process's
  page is checked again, and the same page for another voter or another case in the same state is not. With it the
  browser tests check ≈ 150 documents and take ≈ 2 minutes longer (docs/architecture.md §6); checking every
  navigation would take several times that.

`PageChecks.verify()` (run by conftest.py after the test's body) fails the test with every problem: the console and
page errors and CSP violations with their URLs, then each axe violation with its rule id, impact, width, target
selectors and URL.
"""
from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass, field
from functools import cached_property
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from playwright.sync_api import (
    BrowserContext,
    ConsoleMessage,
    Error,
    Page,
    Response,
    Route,
)

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"  # `make axe` (the Makefile pins it)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
BINDING = "__unionflowCspViolation"
# Runs in every document before the page's own scripts. `document` (not `window`): a violation's event bubbles from
# the element or the document to it, and the listener is gone only with the document.
CSP_LISTENER = """(() => {
  document.addEventListener('securitypolicyviolation', (e) => {
    window.BINDING({directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample,
                    source: e.sourceFile ? e.sourceFile + ':' + e.lineNumber : '', url: document.URL});
  });
})();""".replace("BINDING", BINDING)
AXE_RUN = """(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
  .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))})))"""
NODES_SHOWN = 8  # per rule and page in the failure message


def axe_source() -> str:
    if not AXE.exists():
        raise RuntimeError(f"{AXE} is missing: the browser tests check every page with axe-core; "
                           "`make axe` fetches it from npm (`make test` does so itself)")
    return AXE.read_text()


@dataclass
class Document:
    """An HTML document served to a test's page (a main frame's navigation: after a GET or a POST)."""
    url: str
    method: str
    status: int
    headers: dict[str, str]
    body: bytes | None = None
    error: str = ""
    done: bool = False

    @cached_property
    def key(self) -> tuple[str, str, int, str]:
        """What makes two documents the same page for axe: see _Shape."""
        shape = _Shape()
        shape.feed((self.body or b"").decode("utf-8", "replace"))
        return self.method, DIGITS.sub("#", urlparse(self.url).path), self.status, shape.digest()


DIGITS = re.compile(r"\d+")
SHAPE_ATTRIBUTES = ("id", "type", "role", "name", "for")


class _Shape(HTMLParser):
    """The set of the kinds of element of a page: tag, classes, and the id, type, role, name and for (digits
    masked), plus which aria-* attributes it has; never text, never how many of a kind. Two case pages in the same
    state of one process, or ten voters' ballots of one round, have one shape; a new form, field, badge or error
    message makes a new one."""

    def __init__(self) -> None:
        super().__init__()
        self.kinds: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        kind = [tag, ".".join(sorted((values.get("class") or "").split()))]
        kind += [f"{a}={DIGITS.sub('#', values[a] or '')}" for a in SHAPE_ATTRIBUTES if a in values]
        kind += sorted(a for a in values if a.startswith("aria-"))
        self.kinds.add(" ".join(kind))

    def digest(self) -> str:
        return hashlib.sha256("\n".join(sorted(self.kinds)).encode()).hexdigest()[:16]


@dataclass
class Checker:
    """One page per test session (per xdist worker), in a context of its own, that replays documents and runs axe."""
    page: Page
    axe: str
    checked: set[tuple[str, str, int, str]] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)  # console errors while replaying (none expected)
    current: Document | None = None  # being loaded
    replayed: Document | None = None  # loaded, being checked

    @classmethod
    def open(cls, context: BrowserContext) -> Checker:
        checker = cls(context.new_page(), axe_source())
        checker.page.route(lambda url: checker.current is not None and url == checker.current.url, checker._replay)
        checker.page.on("console", checker._on_console)
        checker.page.on("pageerror", lambda e: checker.problems.append(
            f"page error while replaying for axe: {e} at {checker.page.url}"))
        return checker

    def _on_console(self, message: ConsoleMessage) -> None:
        """Errors while replaying: the 4xx of a replayed 4xx document is no news (the test's own check took it)."""
        if message.type != "error":
            return
        doc = self.replayed
        if (doc and 400 <= doc.status < 500 and message.location.get("url") == doc.url
                and message.text.startswith("Failed to load resource")):
            return
        self.problems.append(f"console error while replaying for axe: {message.text} at {self.page.url}")

    def _replay(self, route: Route) -> None:
        doc = self.current
        if doc is None or not route.request.is_navigation_request():
            route.fallback()
            return
        headers = {k: v for k, v in doc.headers.items() if k.lower() not in ("content-length", "set-cookie")}
        route.fulfill(status=doc.status, headers=headers, body=doc.body)

    def check(self, doc: Document) -> list[str]:
        """axe's violations on this document at both widths, one line per rule and width."""
        page = self.page
        self.current = self.replayed = doc
        try:
            page.set_viewport_size(DESKTOP)
            page.goto(doc.url, wait_until="load")
        finally:
            self.current = None
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        page.evaluate(self.axe)  # through DevTools: the page's script-src 'self' does not apply
        found = self._run(doc, DESKTOP["width"])
        page.set_viewport_size(PHONE)
        toggler = page.locator(".navbar-toggler")
        if toggler.count() and toggler.is_visible():
            toggler.click()
            page.wait_for_selector("#nav.show")
        found += self._run(doc, PHONE["width"], "menu open" if toggler.count() else "")
        return found

    def _run(self, doc: Document, width: int, note: str = "") -> list[str]:
        where = f"{width}px{', ' + note if note else ''}"
        lines = []
        for v in self.page.evaluate(AXE_RUN, AXE_TAGS):
            nodes = v["nodes"]
            shown = "; ".join(n["target"] for n in nodes[:NODES_SHOWN])
            more = f" and {len(nodes) - NODES_SHOWN} more" if len(nodes) > NODES_SHOWN else ""
            first = (nodes[0]["summary"] or "").replace("\n", " ") if nodes else ""
            lines.append(f"axe {v['id']} ({v['impact']}), {len(nodes)} node(s) at {where} on {doc.method} {doc.url}: "
                         f"{v['help']}. Targets: {shown}{more}. First: {first}")
        return lines


class PageChecks:
    """What one test's pages did wrong; see the module's docstring."""

    def __init__(self, checker: Checker) -> None:
        self.checker = checker
        self.problems: list[str] = []
        self.documents: list[Document] = []
        self.failed_documents: set[str] = set()  # main-frame documents answered with a 4xx (the test's own business)
        self.console_errors: list[tuple[str, str, str]] = []  # (text, resource url, page url)
        self.contexts: list[BrowserContext] = []

    # -- listening -------------------------------------------------------------------------------------------------

    def watch(self, context: BrowserContext) -> BrowserContext:
        if context in self.contexts:
            return context
        self.contexts.append(context)
        context.expose_binding(BINDING, self._on_csp_violation)
        context.add_init_script(CSP_LISTENER)
        context.on("page", self._watch_page)
        context.on("response", lambda response: self._on_response(context, response))
        for page in context.pages:
            self._watch_page(page)
        return context

    def _watch_page(self, page: Page) -> None:
        page.on("console", lambda message: self._on_console(page, message))
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error} at {page.url}"))

    def _on_console(self, page: Page, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append((message.text, message.location.get("url", ""), page.url))

    def _on_csp_violation(self, source: dict[str, Any], violation: dict[str, str]) -> None:
        what = violation["blocked"] or "?"
        sample = f" ({violation['sample']!r})" if violation.get("sample") else ""
        at = f" from {violation['source']}" if violation.get("source") else ""
        self.problems.append(f"CSP violation: {violation['directive']} blocked {what}{sample}{at} "
                             f"at {violation['url']}")

    def _on_response(self, context: BrowserContext, response: Response) -> None:
        request = response.request
        if not request.is_navigation_request():
            return
        try:
            main = request.frame.parent_frame is None
        except Error:  # a popup's first navigation comes before its frame: it is that page's main frame
            main = True
        if not main:
            return
        if 400 <= response.status < 500:
            self.failed_documents.add(response.url)
        if not response.headers.get("content-type", "").startswith("text/html"):
            return
        if 300 <= response.status < 400:
            return
        doc = Document(response.url, request.method, response.status, dict(response.headers))
        self.documents.append(doc)
        try:
            doc.body = response.body()
        except Error as error:  # evicted: the page left it at once (rare: a test waits on a page before it leaves)
            doc.error = str(error).splitlines()[0]
            if request.method == "GET":  # the same page again, with the same cookies
                try:
                    again = context.request.get(response.url, max_redirects=0)
                    if again.status == response.status:
                        doc.body, doc.error = again.body(), ""
                except Error as later:  # the context closed meanwhile
                    doc.error += f"; again: {str(later).splitlines()[0]}"
        finally:
            doc.done = True

    # -- checking --------------------------------------------------------------------------------------------------

    def page_problems(self) -> list[str]:
        """The console and page errors and CSP violations so far, each with its URL."""
        console = [f"console error: {text}{f' ({resource})' if resource and resource != url else ''} at {url}"
                   for text, resource, url in self.console_errors if not self._expected(text, resource, url)]
        return console + self.problems

    def _expected(self, text: str, resource: str, url: str) -> bool:
        if not text.startswith("Failed to load resource: the server responded with a status of 4"):
            return False
        return resource in self.failed_documents  # the document itself: the test asked for it, and checks the answer

    def forget(self) -> None:
        """Drop what was seen so far, the documents served so far included (a test that provokes a problem on purpose,
        having checked it was seen)."""
        self.problems.clear()
        self.console_errors.clear()
        self.documents.clear()

    def axe_problems(self) -> list[str]:
        """Check each document of this test not yet checked in this session; the violations found."""
        deadline = time.monotonic() + 10
        while any(not doc.done for doc in self.documents) and time.monotonic() < deadline:
            self.checker.page.wait_for_timeout(20)  # lets the listeners fetching bodies finish
        found: list[str] = []
        for doc in self.documents:
            if not doc.done or doc.body is None:  # gone before it could be read (a POST's answer): not checked
                continue
            if doc.key in self.checker.checked:
                continue
            self.checker.checked.add(doc.key)
            found += self.checker.check(doc)
        found += self.checker.problems
        self.checker.problems.clear()
        return found

    def verify(self) -> None:
        """Fail with every problem of the test's pages (console, page errors, CSP) and every axe violation."""
        problems = self.page_problems() + self.axe_problems()
        if problems:
            raise AssertionError(f"{len(problems)} problem(s) on the pages this test visited:\n"
                                 + "\n".join(f"- {p}" for p in problems))
