"""The approval verbs by clicks, as the issue's walk: the chair delegates to a vice-chair (何丽) for a week; a
hardship case reaches the chair's step and goes to her; she adds finance as a signer before her (加签), finance
checks the amount and agrees, and she approves; the applicant sends a reminder (催办) once, and a second one within
the window is refused with the time left; she copies (抄送) a representative, who reads it from 抄送我的; on a
375 px phone the action bar stays in reach. The stage PDF of the approval says who acted for whom."""
from __future__ import annotations

import io
import sqlite3
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from ui import apply_for_aid, open_from_todo, review_and_visit, take, user_page

pytestmark = [pytest.mark.browser, pytest.mark.long]


def test_delegate_add_a_signer_remind_copy_and_the_phones_action_bar(page: Page, new_context, login, shot,
                                                                      live_server, browser):
    chair = user_page(new_context, login, "chair_huang")
    chair.goto("/me/delegation/")
    chair.locator("#delegation-to").fill("ucom_he")
    today = date.fromisoformat(chair.locator("#delegation-from").input_value())  # the server's today, prefilled
    chair.locator("#delegation-until").fill((today + timedelta(days=6)).isoformat())
    chair.get_by_role("button", name="保存委托").click()
    expect(chair.locator(".alert-success")).to_be_visible()

    login(page, "member_li")
    number = apply_for_aid(page)
    officer = user_page(new_context, login, "grassroots_cj1")
    review_and_visit(officer, number, "1800")
    with sqlite3.connect(live_server.instance / "unionflow.db") as db:  # the 公示's five working days pass
        db.execute("UPDATE timers SET due_at = '2000-01-01 00:00:00' WHERE done_at IS NULL AND case_id = "
                   "(SELECT id FROM cases WHERE number = ?)", (number,))
    assert "执行 1" in live_server.flask("timers", "run").stdout

    # The chair's step went to the delegate: the chain says so.
    vice = user_page(new_context, login, "ucom_he")
    open_from_todo(vice, number)
    expect(vice.locator("details.action[data-trigger='approve']")).to_have_count(1)  # the chair's step, hers

    # 催办 once; the second time within the window is refused with the time left.
    page.reload()
    page.get_by_test_id("remind").click()
    expect(page.locator(".alert-success")).to_contain_text("已催办")
    page.get_by_test_id("remind").click()
    expect(page.locator(".alert")).to_contain_text("小时")
    expect(page.locator(".alert")).to_contain_text("后再试")

    # 加签 before me: finance checks the amount.
    vice.reload()
    signing = vice.get_by_test_id("add-sign")
    signing.locator("summary").click()
    signing.locator("input[name=users]").fill("finance_xu")
    signing.locator("select[name=position]").select_option(value="before")
    signing.locator("textarea[name=comment]").fill("请核对帮扶金额是否符合标准")
    with vice.expect_navigation():
        signing.get_by_role("button", name="确认加签").click()
    expect(vice.get_by_test_id("waiting-signers")).to_contain_text("徐慧")
    expect(vice.locator("details.action[data-trigger='approve']")).to_have_count(0)  # waits for finance

    finance = user_page(new_context, login, "finance_xu")
    open_from_todo(finance, number)
    opinion = finance.get_by_test_id("sign-off")
    opinion.get_by_label("同意", exact=True).check()
    opinion.locator("textarea[name=comment]").fill("金额符合标准")
    with finance.expect_navigation():
        opinion.get_by_role("button", name="提交意见").click()
    expect(finance.locator(".alert-success")).to_contain_text("已提交加签意见")

    # 抄送 a representative, then approve.
    vice.reload()
    copy = vice.get_by_test_id("cc")
    copy.locator("summary").click()
    copy.locator("input[name=users]").fill("rep_zhang")
    with vice.expect_navigation():
        copy.get_by_role("button", name="确认抄送").click()
    take(vice, "approve", "批准", lambda form: form.locator("input[name=amount_approved]").fill("1800"),
         comment="同意，金额经财务核对。")
    chain = vice.get_by_test_id("chain")
    expect(chain).to_contain_text("加签意见")
    expect(chain).to_contain_text("黄建国（何丽代）")  # the step taken as the chair's delegate
    shot(vice, "approval/01-chain")

    representative = user_page(new_context, login, "rep_zhang")
    representative.goto("/cc/")
    entry = representative.get_by_test_id("cc-list").locator(f"[data-case='{number}']")
    expect(entry).to_have_count(1)
    expect(representative.get_by_test_id("cc-unread")).to_be_visible()
    entry.click()
    expect(representative.get_by_test_id("case-number")).to_have_text(number)

    # The approval form (审批表) names who acted for whom.
    link = vice.get_by_test_id("timeline").get_by_role("link", name="困难职工帮扶审批表").first
    pdf = vice.request.get(link.get_attribute("href"))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    (shot(vice, "approval/03-after-approval").parent / "03-approval-form.pdf").write_bytes(pdf.body())
    assert "黄建国（何丽代）" in text.replace(" ", "").replace("\n", ""), text

    # On a phone the action bar stays in reach on a case with a step to take.
    phone = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 740}, is_mobile=True,
                                has_touch=True)
    mobile = login(phone.new_page(), "finance_xu")
    mobile.goto(vice.url)  # the case, now finance's to pay
    bar = mobile.get_by_test_id("action-bar")
    expect(bar).to_be_visible()
    box = bar.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 740 + 1, box
    shot(mobile, "approval/02-phone")
    bar.get_by_role("link").first.click()
    expect(mobile.locator("details.action[open] form")).to_be_visible()
    phone.close()
