"""A hardship-aid application by clicks, with a certificate attached, from filing to 建档: the member files it, the
grassroots officer reviews it and visits, the 公示 closes by the timers, the chair approves, finance pays, the
member confirms receipt."""
from __future__ import annotations

import sqlite3

import pytest
from support.people import pdf_bytes
from playwright.sync_api import Page, expect
from ui import apply_for_aid, open_from_todo, review_and_visit, state, take, user_page

pytestmark = [pytest.mark.browser, pytest.mark.long]


def test_hardship_aid_with_an_attachment_to_filed(page: Page, new_context, login, shot, live_server, tmp_path):
    certificate = tmp_path / "诊断证明.pdf"
    certificate.write_bytes(pdf_bytes())

    login(page, "member_li")
    number = apply_for_aid(page, str(certificate))
    shot(page, "hardship/01-application")
    expect(page.get_by_role("link", name="诊断证明.pdf")).to_be_visible()

    officer = user_page(new_context, login, "grassroots_cj1")
    review_and_visit(officer, number, "1800")
    expect(state(officer)).to_have_text("公示中")
    shot(officer, "hardship/02-on-notice")

    # The 公示's five working days pass: move its timer (not the demo's others) to the past; `timers run` closes it.
    with sqlite3.connect(live_server.instance / "unionflow.db") as db:
        db.execute("UPDATE timers SET due_at = '2000-01-01 00:00:00' WHERE done_at IS NULL AND case_id = "
                   "(SELECT id FROM cases WHERE number = ?)", (number,))
    assert "执行 1" in live_server.flask("timers", "run").stdout

    chair = user_page(new_context, login, "chair_huang")
    open_from_todo(chair, number)
    take(chair, "approve", "批准", lambda form: form.locator("input[name=amount_approved]").fill("1800"),
         comment="同意按入户调查建议金额给予帮扶。")
    finance = user_page(new_context, login, "finance_xu")
    open_from_todo(finance, number)
    take(finance, "pay", "发放", lambda form: (
        form.locator("input[name=amount_paid]").fill("1800"),
        form.locator("input[name=paid_on]").fill("2026-12-03"),
        form.locator("select[name=pay_method]").select_option(value="bank_transfer"),
        form.locator("input[name=voucher_no]").fill("GH-2026-1203-07")))

    page.reload()
    take(page, "confirm_receipt", "确认签收", lambda form: form.locator("input[name=received_on]").fill("2026-12-04"))
    expect(state(page)).to_have_text("已建档")
    shot(page, "hardship/03-filed")

    chair.goto("/reports/hardship")
    expect(chair.get_by_test_id("report")).to_contain_text("第一车间")
    expect(chair.get_by_test_id("chart")).to_be_visible()
    shot(chair, "hardship/04-report")
