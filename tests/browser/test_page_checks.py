"""The page checks of every browser test (pagecheck.py) catch what they are for: an inline style="…" on a page under
the app's own Content-Security-Policy is reported, with its URL; axe-core, injected through DevTools, runs under that
same policy, which still refuses the page's own inline script."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from pagecheck import PageChecks, axe_source
from playwright.sync_api import Page, Route, expect

pytestmark = pytest.mark.browser


def seen(page: Page, checks: PageChecks, what: Callable[[list[str]], bool]) -> list[str]:
    """The problems so far, once `what` holds of them (a violation is reported a moment after it happens)."""
    for _ in range(100):
        if what(checks.page_problems()):
            break
        page.wait_for_timeout(20)
    return checks.page_problems()


def test_an_inline_style_is_reported_with_its_url(page: Page, page_checks: PageChecks, live_server):
    def with_inline_style(route: Route) -> None:  # the server's own page and headers, its CSP included
        response = route.fetch()
        route.fulfill(response=response,
                      body=response.text().replace("<main", '<p style="color: red">inline</p><main', 1))

    page.route("**/login", with_inline_style)
    page.goto("/login")
    expect(page.get_by_text("inline")).to_be_visible()
    expect(page.get_by_text("inline")).not_to_have_css("color", "rgb(255, 0, 0)")  # refused

    url = f"{live_server.url}/login"
    problems = seen(page, page_checks, lambda found: any(p.startswith("CSP violation") for p in found))
    assert any(p.startswith("CSP violation: style-src-attr blocked inline") and p.endswith(f"at {url}")
               for p in problems), problems
    assert any(p.startswith("console error: Applying inline style violates") and p.endswith(f"at {url}")
               for p in problems), problems
    page_checks.forget()  # provoked on purpose: the test passes


def test_axe_runs_under_the_pages_own_csp(page: Page, page_checks: PageChecks):
    response = page.goto("/login")
    assert response is not None and "script-src 'self'" in response.headers["content-security-policy"]
    assert "unsafe" not in response.headers["content-security-policy"]

    page.evaluate(axe_source())  # through DevTools: not the page's script, so its policy does not apply
    violations = page.evaluate("axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})"
                               ".then(r => r.violations.map(v => v.id))")
    assert violations == []
    assert not page_checks.page_problems()

    # The policy still holds for the page: an inline script it adds is refused, and reported.
    page.evaluate("""() => { const s = document.createElement('script');
                             s.textContent = 'window.inlineRan = true'; document.head.append(s); }""")
    problems = seen(page, page_checks, lambda found: any(p.startswith("CSP violation") for p in found))
    assert page.evaluate("window.inlineRan") is None
    assert any(p.startswith("CSP violation: script-src-elem blocked inline") for p in problems), problems
    page_checks.forget()
