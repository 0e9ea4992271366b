"""The person picker without a mouse: in the demo's election (第一车间, taking nominations) 王芳 types 孙 into 被提名人,
picks 孙强 from the list with the keyboard, submits by the keyboard, and the nomination is recorded under the user
name. While the list is open the page passes axe too (the page checks replay only the documents as served)."""
from __future__ import annotations

import pytest
from pagecheck import AXE_RUN, AXE_TAGS, axe_source
from playwright.sync_api import Page, expect
from ui import CASE_URL, action

pytestmark = pytest.mark.browser

ELECTION = "第一车间工会委员会换届选举"  # the demo's (processes/election/demo.py)


def test_a_nominee_is_typed_by_name_and_picked_with_the_keyboard(page: Page, login, shot):
    login(page, "rep_wang")
    page.locator("#nav").get_by_role("link", name="待办", exact=True).click()
    entries = page.get_by_test_id("todo-list").locator("[data-case]").filter(has_text=ELECTION)
    entries.first.click()  # one entry per pool of hers (member, representative)
    page.wait_for_url(CASE_URL)
    form = action(page, "nominate")
    picker = form.get_by_role("combobox", name="被提名人")
    expect(picker).to_have_attribute("aria-expanded", "false")
    expect(form.locator("input[type=hidden][name=nominee]")).to_have_count(1)  # the user name goes there

    picker.focus()
    picker.press_sequentially("孙")
    options = form.get_by_role("listbox", name="可选人员").get_by_role("option")
    expect(options).to_have_text(["孙强（head_cj1，第一车间）"])  # 第一车间's voters only
    expect(picker).to_have_attribute("aria-expanded", "true")
    expect(form.get_by_role("status")).to_contain_text("找到 1 人")
    picker.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(picker).to_have_attribute("aria-activedescendant", options.first.get_attribute("id"))
    page.evaluate(axe_source())  # the open list, as a screen reader meets it
    assert page.evaluate(AXE_RUN, AXE_TAGS) == []
    shot(page, "picker/01-nominee-list")
    picker.press("Enter")  # chooses; does not submit the form
    expect(picker).to_have_value("孙强（head_cj1，第一车间）")
    expect(picker).to_have_attribute("aria-expanded", "false")
    expect(form.locator("input[name=nominee]")).to_have_value("head_cj1")
    expect(form.get_by_role("status")).to_contain_text("已选择 孙强（head_cj1，第一车间）")

    picker.press("Tab")  # on to the reason, then to the button, by the keyboard alone
    expect(form.get_by_label("提名理由")).to_be_focused()
    page.keyboard.insert_text("熟悉车间生产和职工情况。")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(form.get_by_role("button", name="确认提名候选人")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".alert-success")).to_contain_text("已完成「提名候选人」")
    nominee = page.locator("[data-nominee='head_cj1']")
    expect(nominee).to_contain_text("孙强")
    expect(nominee).to_contain_text("王芳")
