"""A 工会活动 by clicks, from the plan to the accepted summary.

吴霞 (grassroots_cj1) files the plan of a 第一车间 event with a budget and a sign-up question; 黄建国 approves it
from his 待办 (within his limit); 吴霞 publishes it. Three members find it on the 活动 calendar and sign up, answering
the question; the page shows their places. 吴霞 starts the event: she ticks two off the list on her phone, the third
checks in with the code shown at the venue. She finishes the event and submits the summary with the spending; the
chair accepts it. The sign-in sheet (签到表) PDF is read back, and the calendar and the sheet are kept as screenshots."""
from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pdfplumber
import pytest
from support.clocks import server_today
from playwright.sync_api import Page, expect
from ui import CASE_URL, file_new, open_from_todo, state, take, user_page

pytestmark = [pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
PDFS = ROOT / "test-artifacts" / "pdfs" / "event"
TITLE = "第一车间迎新年拔河比赛"
MEMBERS = {"rep_zhang": "张伟", "rep_wang": "王芳", "member_li": "李娜"}
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}


def sign_up(page: Page, event_id: int, size: str) -> None:
    page.locator("#nav").get_by_role("link", name="活动", exact=True).click()
    page.get_by_role("link", name="近期活动").click()
    page.get_by_test_id("event-list").get_by_role("link", name=TITLE).click()
    page.wait_for_url(f"**/events/{event_id}")
    page.get_by_label("T恤尺码").select_option(size)
    with page.expect_navigation():
        page.get_by_test_id("sign-up").click()
    expect(page.locator(".alert-success")).to_contain_text("报名成功")
    expect(page.get_by_test_id("my-signup")).to_contain_text("已报名")


def test_an_event_from_the_plan_to_the_summary(page: Page, new_context, browser, browser_context_args, login, shot,
                                              live_server):
    day = server_today() + timedelta(days=12)
    wu = login(page, "grassroots_cj1")
    wu.locator("#nav").get_by_role("link", name="发起", exact=True).click()
    wu.get_by_role("link", name="工会活动").click()
    wu.wait_for_url("**/start/event")
    wu.get_by_label("活动名称").fill(TITLE)
    wu.get_by_label("活动类型").select_option(label="文体活动")
    wu.get_by_label("主办").select_option(label="基层工会")
    wu.get_by_label("活动日期").fill(day.isoformat())
    wu.get_by_label("活动时间").fill("15:00—17:00")
    wu.get_by_label("活动地点").fill("厂区篮球场")
    wu.get_by_label("参加范围（单位，不选为全体会员）").select_option(label="第一车间（CJ1）")
    wu.get_by_label("名额（人）").fill("20")
    wu.get_by_label("报名截止日期").fill((day - timedelta(days=3)).isoformat())
    wu.get_by_label("报名时填写", exact=False).fill("T恤尺码：S/M/L/XL")
    wu.get_by_label("预算明细（每行：项目, 金额）").fill("奖品, 1200\n饮用水, 200")
    wu.get_by_label("活动内容").fill("以班组为单位组队，每队八人，三局两胜，前三名颁发奖品。")
    number = file_new(wu, "提交活动方案", "HD-")
    case_id = int(CASE_URL.search(wu.url).group(1))
    expect(state(wu)).to_have_text("待主席审批")
    expect(wu.locator("dl.case-data")).to_contain_text("1,400.00")

    chair = user_page(new_context, login, "chair_huang")
    open_from_todo(chair, number)
    take(chair, "approve", "批准", comment="同意")
    expect(state(chair)).to_have_text("已批准待发布")

    wu.reload()
    take(wu, "publish", "发布活动通知")
    expect(state(wu)).to_have_text("报名中")

    members = {who: user_page(new_context, login, who) for who in MEMBERS}
    for who, size in zip(MEMBERS, ["L", "M", "S"]):
        sign_up(members[who], case_id, size)
    expect(members["member_li"].get_by_test_id("places")).to_contain_text("已报名 3 人")
    members["rep_zhang"].goto(f"{live_server.url}/events?month={day:%Y-%m}")
    calendar = members["rep_zhang"].get_by_test_id("calendar")
    expect(calendar.get_by_role("link", name=TITLE)).to_be_visible()
    expect(calendar.get_by_test_id("mine").first).to_be_visible()
    shot(members["rep_zhang"], "event/01-calendar")

    # The day comes: 吴霞 starts it on her phone and ticks off two; 李娜 checks in with the code on the wall.
    take(wu, "start", "开始活动（签到）")
    phone = browser.new_context(**{**browser_context_args, **PHONE})
    organiser = login(phone.new_page(), "grassroots_cj1")
    organiser.goto(f"{live_server.url}/events/{case_id}/list")
    code = organiser.get_by_test_id("checkin-code").inner_text().strip()
    for who in ("rep_zhang", "rep_wang"):
        with organiser.expect_navigation():
            organiser.locator(f"tr[data-user='{who}']").get_by_test_id("mark").click()
        expect(organiser.locator(f"tr[data-user='{who}']").get_by_test_id("mark")).to_contain_text("已签到")
    li = members["member_li"]
    li.goto(f"{live_server.url}/events/{case_id}")
    li.get_by_label("签到码").fill(code)
    with li.expect_navigation():
        li.get_by_test_id("check-in").click()
    expect(li.get_by_test_id("checked-in")).to_be_visible()
    organiser.reload()
    expect(organiser.get_by_test_id("counts")).to_contain_text("已签到 3 人，未到 0 人")
    shot(organiser, "event/02-check-in-phone")

    sheet = organiser.request.get(f"{live_server.url}/events/{case_id}/sheet.pdf")
    assert sheet.ok and sheet.headers["content-type"] == "application/pdf"
    PDFS.mkdir(parents=True, exist_ok=True)
    (PDFS / "sign-in-sheet.pdf").write_bytes(sheet.body())
    with pdfplumber.open(io.BytesIO(sheet.body())) as pdf:
        text = "".join(p.extract_text() or "" for p in pdf.pages)
    assert "签到表" in text and TITLE in text and all(name in text for name in MEMBERS.values())

    wu.reload()
    take(wu, "finish", "活动结束")
    take(wu, "submit_summary", "提交活动总结", lambda form: (
        form.get_by_label("活动情况及成果（获奖等）").fill("共六支队伍参赛，装配一班获得第一名。"),
        form.get_by_label("实际支出（每行：项目, 金额；项目同预算）").fill("奖品, 1150\n饮用水, 180")))
    expect(state(wu)).to_have_text("总结待主席审核")
    open_from_todo(chair, number)
    take(chair, "accept_summary", "审核通过总结")
    expect(state(chair)).to_have_text("已结项")
    phone.close()
