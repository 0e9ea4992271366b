"""At 375 px (a phone held upright, touch): no page scrolls sideways, the navbar folds into its toggler and opens
on a tap; the stage PDFs open in the browser (inline), with a separate download link."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from ui import CASE_URL, action, state

WIDTH = 375
pytestmark = [pytest.mark.browser,
              pytest.mark.browser_context_args(viewport={"width": WIDTH, "height": 812}, is_mobile=True,
                                               has_touch=True)]
DEMO_ARCHIVED = "关于改善职工食堂就餐环境的提案"  # web/demo.py: every stage, six PDFs, long texts
DEMO_SECONDING = "关于增加职工体检项目的提案"  # rep_zhang's, one seconder: 撤回 is open to him
DEMO_REVIEW = "关于增设夜班职工休息室的提案"  # two seconders: the committee's 立案 form

# Elements sticking out of the viewport on the right: named in the failure message.
OVERFLOW_JS = """(width) => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > width + 1 && getComputedStyle(e).position !== 'fixed')
  .slice(0, 8).map(e => e.tagName.toLowerCase()
    + (e.className ? '.' + String(e.className).trim().replace(/\\s+/g, '.') : '')
    + ' right=' + Math.round(e.getBoundingClientRect().right))"""


def fits(page: Page, name: str, shot) -> None:
    """No sideways scroll on this page; its phone screenshot saved as phone/<name>."""
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH + 1, \
        f"{name}: scrollWidth {width} > {WIDTH}; sticking out: {page.evaluate(OVERFLOW_JS, WIDTH)}"
    assert page.evaluate("window.innerWidth") == WIDTH  # not zoomed out to fit something wide
    shot(page, f"phone/{name}")


def navbar_folds_and_opens(page: Page) -> None:
    menu = page.locator("#nav")
    toggler = page.locator(".navbar-toggler")
    expect(toggler).to_be_visible()
    expect(menu).to_be_hidden()
    expect(menu.get_by_role("link", name="待办", exact=True)).to_be_hidden()
    toggler.tap()
    expect(menu).to_have_class(re.compile(r"\bshow\b"))  # Bootstrap's collapse: the opening transition is over
    expect(menu).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("link", name="待办", exact=True)).to_be_visible()
    expect(menu.get_by_test_id("logout")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH + 1  # the open menu fits too


def open_mine(page: Page, title: str) -> None:
    """From 我的申请, the entry with this title (a tap)."""
    page.goto("/requests")
    page.locator("a.case-item", has_text=title).first.tap()
    page.wait_for_url(CASE_URL)


def test_login_page_fits(page, shot):
    page.goto("/login")
    expect(page.get_by_label("用户名")).to_be_visible()
    expect(page.locator(".navbar-toggler")).to_have_count(0)  # no menu before signing in
    fits(page, "01-login", shot)
    box = page.get_by_role("button", name="登录").bounding_box()
    assert box and box["width"] > WIDTH * 0.8  # a full-width button for a thumb


def test_representative_pages_fit_and_the_menu_opens_on_tap(page, login, shot):
    login(page, "rep_zhang")
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
    fits(page, "02-home", shot)
    navbar_folds_and_opens(page)
    shot(page, "phone/02-home-menu-open", full_page=False)
    page.locator("#nav").get_by_role("link", name="待办", exact=True).tap()
    page.wait_for_url("**/tasks/")
    expect(page.locator("#nav")).to_be_hidden()  # a new page: folded again
    fits(page, "03-todo", shot)
    navbar_folds_and_opens(page)

    page.goto("/start")
    page.get_by_role("link", name="职代会提案").tap()
    page.wait_for_url("**/start/proposal")
    page.get_by_label("提案类别").select_option("welfare")
    fits(page, "04-start-form", shot)
    navbar_folds_and_opens(page)

    page.goto("/requests")
    expect(page.get_by_role("heading", name="我的申请")).to_be_visible()
    fits(page, "05-my-requests", shot)
    navbar_folds_and_opens(page)

    open_mine(page, DEMO_ARCHIVED)
    expect(state(page)).to_have_text("已归档")
    expect(page.get_by_test_id("documents").locator("> li")).to_have_count(6)
    fits(page, "06-case-archived", shot)
    navbar_folds_and_opens(page)

    open_mine(page, DEMO_SECONDING)
    expect(state(page)).to_have_text("征集附议")
    expect(action(page, "withdraw").get_by_role("button", name="确认撤回")).to_be_visible()
    fits(page, "07-case-with-action", shot)


def test_committee_action_form_fits(page, login, shot):
    login(page, "committee_zhao")
    page.goto("/tasks/")
    entry = page.get_by_test_id("todo-list").locator("a.case-item", has_text=DEMO_REVIEW)
    expect(entry).to_have_count(1)
    fits(page, "08-todo-committee", shot)
    entry.tap()
    page.wait_for_url(CASE_URL)
    expect(state(page)).to_have_text("提案审查")
    form = action(page, "accept")
    expect(form.get_by_label("主办单位")).to_be_visible()
    expect(form.get_by_label("协办单位")).to_be_visible()
    fits(page, "09-case-accept-form", shot)
    navbar_folds_and_opens(page)


def test_auditor_search_fits(page, login, shot):
    login(page, "auditor_song")
    page.locator(".navbar-toggler").tap()
    page.locator("#nav").get_by_role("link", name="审计", exact=True).tap()
    page.wait_for_url("**/audit/")
    page.get_by_placeholder("人员（账号或姓名）").fill("rep_zhang")
    page.get_by_role("button", name="检索").tap()
    page.wait_for_url("**/audit/?*person=rep_zhang*")
    expect(page.get_by_test_id("audit-results").locator("> .list-group-item").first).to_be_visible()
    fits(page, "10-audit-search", shot)
    navbar_folds_and_opens(page)


def test_stage_pdf_opens_in_the_browser(page, login):
    login(page, "rep_zhang")
    open_mine(page, DEMO_ARCHIVED)
    documents = page.get_by_test_id("documents").locator("> li")
    expect(documents).to_have_count(6)

    # A tap on a document's title: a new tab with chromium's PDF viewer, not a download.
    view = documents.first.locator("a").first
    expect(view).to_have_attribute("target", "_blank")
    href = view.get_attribute("href")
    assert href and href.startswith("/documents/") and "download" not in href
    downloads = []
    page.context.on("page", lambda tab: tab.on("download", lambda d: downloads.append(d)))
    with page.context.expect_event("response", predicate=lambda r: r.url.endswith(href)) as answer, \
            page.expect_popup() as tab_info:
        view.tap()
    tab = tab_info.value
    tab.wait_for_load_state()
    assert tab.url.endswith(href)
    response = answer.value
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")
    assert not downloads  # (headless chromium's viewer draws nothing in a screenshot: none taken)

    for item in (documents.first, documents.last):  # the first stage's PDF and the last one's
        href = item.locator("a").first.get_attribute("href")
        inline = page.request.get(href)
        assert inline.status == 200
        assert inline.headers["content-type"] == "application/pdf"
        assert inline.headers["content-disposition"].startswith("inline")
        assert inline.body().startswith(b"%PDF")

        download = page.request.get(item.get_by_role("link", name="下载").get_attribute("href"))
        assert download.status == 200 and download.headers["content-type"] == "application/pdf"
        assert download.headers["content-disposition"].startswith("attachment")
        assert download.body() == inline.body()
