"""Small helpers the browser tests share: a signed-in page per user, the case page's state and timeline, an action's
<details> form, and the JSON API called from a signed-in page (its session cookie plus the page's CSRF token)."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import APIResponse, BrowserContext, Locator, Page, expect

PROPOSAL = {  # a valid 职代会提案 (definitions/proposal.yaml, the submit fields)
    "category": "labour_protection",
    "reason": "夜班岗位照明不足，巡检时存在安全隐患。",
    "suggestion": "更换车间通道照明灯具，并在夜班巡检路线加装应急照明。",
}
CASE_URL = re.compile(r"/cases/(\d+)$")
TIMEOUT_MS = 10_000  # as conftest.TIMEOUT_MS


def user_page(new_context: Callable[..., BrowserContext], login: Callable[..., Page], username: str) -> Page:
    """A fresh browser context (its own cookies) signed in as `username`, on the 工作台."""
    context = new_context()
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return login(context.new_page(), username)


def state(page: Page) -> Locator:
    """The case page's state badge (expect(state(page)).to_have_text("办理中"))."""
    return page.get_by_test_id("case-state")


def timeline(page: Page) -> Locator:
    return page.get_by_test_id("timeline").locator("> li")


def action(page: Page, trigger: str) -> Locator:
    """The action's <details> form, opened by a click on its summary (unless it is open already: a lone action
    opens by itself, and a click would close it)."""
    details = page.locator(f"details.action[data-trigger='{trigger}']")
    expect(details).to_have_count(1)
    if not details.evaluate("d => d.open"):
        details.locator("summary").click()
    expect(details.locator("form")).to_be_visible()
    return details


def take(page: Page, trigger: str, label: str, fill: Callable[[Locator], None] | None = None,
         comment: str = "") -> None:
    """Open the action, fill its fields, click 确认<label>, wait for the case page again, expect the success flash."""
    details = action(page, trigger)
    if fill:
        fill(details)
    if comment:
        details.locator("textarea[name=comment]").fill(comment)
    with page.expect_navigation():
        details.get_by_role("button", name=f"确认{label}").click()
    expect(page.locator(".alert-success")).to_contain_text(f"已完成「{label}」")


def file_new(page: Page, button: str, prefix: str) -> str:
    """Submit a start form by its button: the case page of the new case, its number (with this prefix)."""
    page.get_by_role("button", name=button).click()
    page.wait_for_url(CASE_URL)
    expect(page.locator(".alert-success")).to_contain_text("已提交")
    number = page.get_by_test_id("case-number").inner_text().strip()
    assert number.startswith(prefix), number
    return number


def open_from_todo(page: Page, number: str) -> None:
    """Through the navbar to 待办, then the case's entry."""
    page.locator("#nav").get_by_role("link", name="待办", exact=True).click()
    page.wait_for_url("**/tasks/")
    entry = page.get_by_test_id("todo-list").locator(f"[data-case='{number}']")
    expect(entry).to_have_count(1)
    entry.click()
    page.wait_for_url(CASE_URL)
    expect(page.get_by_test_id("case-number")).to_have_text(number)


def api(page: Page, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """Call /api/v1 as the page's signed-in user (session cookie; unsafe methods carry the page's CSRF token)."""
    response = api_response(page, method, path, body)
    assert response.ok, f"{method} {path}: {response.status} {response.text()}"
    return response.json()


def file_proposal(page: Page, title: str) -> dict[str, Any]:
    """Create and submit a proposal as the page's user through the API; the case as JSON (state seconding)."""
    case = api(page, "POST", "/cases", {"workflow": "proposal", "data": {**PROPOSAL, "title": title}})
    return api(page, "POST", f"/cases/{case['id']}/actions/submit", {"version": case["version"]})


def second(page: Page, case_id: int) -> dict[str, Any]:
    version = api(page, "GET", f"/cases/{case_id}")["version"]
    return api(page, "POST", f"/cases/{case_id}/actions/second", {"version": version})


def api_response(page: Page, method: str, path: str, body: dict[str, Any] | None = None) -> APIResponse:
    """As api(), but the raw response, refusals included."""
    token = page.locator("input[name=csrf_token]").first.input_value()
    return page.request.fetch(f"/api/v1{path}", method=method, data=body,
                              headers={"X-CSRFToken": token} if method != "GET" else {})


def apply_for_aid(page: Page, certificate: str | None = None) -> str:
    """The signed-in member files a 困难职工帮扶 application through its start page; its number."""
    page.goto("/start/hardship_aid")
    page.get_by_label("困难类别").select_option(value="serious_illness")
    page.locator("input[name=family_size]").fill("3")
    page.locator("input[name=monthly_income]").fill("4800")
    page.locator("textarea[name=description]").fill("丈夫患尿毒症，每周透析三次，家庭负担沉重。")
    page.locator("input[name=amount_requested]").fill("3000")
    page.locator("input[name=bank_account]").fill("6222020200112233445")
    if certificate:
        page.locator("input[name=attachments]").set_input_files(certificate)
    return file_new(page, "提交申请", "KN-")


def review_and_visit(officer: Page, number: str, recommended: str) -> None:
    """The unit's officer reviews the application and visits: the case goes on 公示."""
    open_from_todo(officer, number)
    take(officer, "review", "初审", lambda form: (
        form.locator("select[name=eligibility]").select_option(value="eligible"),
        form.locator("textarea[name=review_opinion]").fill("家庭困难情况属实，符合帮扶条件。")))
    take(officer, "visit", "入户调查", lambda form: (
        form.locator("input[name=visit_date]").fill("2026-11-20"),
        form.locator("input[name=visitors]").fill("吴霞、赵敏"),
        form.locator("textarea[name=findings]").fill("入户核实：丈夫透析治疗，家庭收入主要靠申请人工资，情况属实。"),
        form.locator("input[name=recommended_amount]").fill(recommended)))
