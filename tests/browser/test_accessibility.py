"""What axe cannot see for itself (WCAG 2.1 AA, docs/architecture.md §4 invariant 9): the skip link is the first
stop of the keyboard and lands in the main content; every control shows a focus ring; a form sent back with errors
marks its fields (aria-invalid, the message named by aria-describedby) and puts the focus on the first; a case page's
title says what it shows. The pages no walk opens (系统管理, 审计 with a bad date, 消息, the 404 page) are visited
here too, so that the page checks of conftest.py (console, CSP, axe) cover them."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from ui import user_page

pytestmark = pytest.mark.browser

DEMO_ARCHIVED = "关于改善职工食堂就餐环境的提案"  # web/demo.py


def focused(page: Page) -> dict:
    return page.evaluate("""() => { const e = document.activeElement;
      const style = getComputedStyle(e);
      return {tag: e.tagName.toLowerCase(), id: e.id, text: e.textContent.trim(), name: e.name || '',
              outline: style.outlineStyle + ' ' + style.outlineWidth}; }""")


def test_the_skip_link_comes_first_and_every_control_shows_its_focus(page: Page, login):
    login(page, "rep_zhang")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到主要内容")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # hidden until the keyboard reaches it
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    assert focused(page)["id"] == "main"

    page.goto("/start/proposal")
    for _ in range(40):  # through the navbar, the form and its buttons: each stop shows a 3 px ring
        page.keyboard.press("Tab")
        now = focused(page)
        if now["tag"] == "body":
            break
        assert now["outline"] == "solid 3px", now
        if now["text"] == "提交提案":
            break
    else:
        pytest.fail("the keyboard never reached 提交提案")
    assert now["text"] == "提交提案", now


def test_a_form_with_errors_marks_its_fields_and_focuses_the_first(page: Page, login):
    login(page, "rep_zhang")
    page.goto("/start/proposal")
    page.get_by_label("建议").fill("只填了建议")
    with page.expect_navigation():
        page.get_by_role("button", name="提交提案").click()

    invalid = page.locator("main [aria-invalid='true']")
    expect(invalid.first).to_be_focused()
    assert invalid.count() >= 2  # 标题 and 类别 at least
    for i in range(invalid.count()):
        field = invalid.nth(i)
        message = page.locator(f"#{field.get_attribute('aria-describedby')}")
        expect(message).to_be_visible()
        expect(message).not_to_be_empty()
        expect(field).to_have_accessible_description(message.inner_text())
    expect(page.get_by_label("建议")).not_to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("建议")).to_have_value("只填了建议")  # kept


def test_a_case_page_title_names_the_case(page: Page, login):
    login(page, "rep_zhang")
    page.goto("/requests")
    page.locator("a.case-item", has_text=DEMO_ARCHIVED).first.click()
    number = page.get_by_test_id("case-number").inner_text().strip()
    expect(page).to_have_title(re.compile(f"^{DEMO_ARCHIVED} · 职代会提案 {number} · "))


def test_the_pages_no_walk_opens(page: Page, new_context, login):
    login(page, "admin")
    for path in ("/admin/users", "/admin/units", "/admin/tokens", "/admin/definitions", "/inbox"):
        assert page.goto(path).ok, path
    page.goto("/admin/users/new")
    page.get_by_role("button", name=re.compile("创建")).click()
    expect(page.locator("main [aria-invalid='true']").first).to_be_focused()
    page.goto("/admin/units")
    page.get_by_role("button", name="创建", exact=True).click()
    expect(page.locator("main [aria-invalid='true']").first).to_be_focused()
    page.goto("/admin/tokens")
    page.get_by_placeholder("用户名").fill("nobody-such")
    page.get_by_role("button", name="签发").click()
    expect(page.locator("#token-username")).to_be_focused()

    page = user_page(new_context, login, "auditor_song")
    page.goto("/audit/?since=2026-12-01&until=2026-01-01")
    expect(page.locator("#until")).to_be_focused()
    expect(page.locator("#until")).to_have_attribute("aria-invalid", "true")
    assert page.goto("/audit/verify").ok
    assert page.goto("/reports/hardship").ok
    assert page.goto("/no/such/page").status == 404
