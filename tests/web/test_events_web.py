"""The events pages: the calendar and the list with one's own sign-ups marked, signing up with the event's questions,
the waitlist moving up on a cancellation, refusals with their reasons, the organiser's list and check-in."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from support.clocks import TEST_NOW
from support.event_desk import EventOffice
from support.people import Browser
from pypdf import PdfReader

SOON = TEST_NOW.date() + timedelta(days=20)  # the event lies ahead of the app's clock
PLAN = {"event_date": SOON.isoformat(), "signup_deadline": (SOON - timedelta(days=5)).isoformat(), "capacity": 2,
        "signup_questions": "T恤尺码：S/M/L/XL\n家属人数"}


@pytest.fixture
def office(app, database_url, tmp_path):
    office = EventOffice(database_url, tmp_path)
    yield office
    office.db.dispose()


@pytest.fixture
def event(office):
    return office.published(**PLAN)


def test_signing_up_with_the_questions_the_waitlist_and_a_cancellation(app, office, event):
    first, second, third = Browser(app, "m01"), Browser(app, "m02"), Browser(app, "m03")
    month = first.get(f"/events?month={SOON:%Y-%m}").get_data(as_text=True)
    assert "第一车间职工趣味运动会" in month and 'data-testid="calendar"' in month
    page = first.get(f"/events/{event}").get_data(as_text=True)
    assert "T恤尺码" in page and "共 2 人，已报名 0 人" in page
    missing = first.post(f"/events/{event}/signup", {"q0": "XXL"})
    assert missing.status_code == 422 and "请从选项中选择" in missing.get_data(as_text=True)
    assert first.post(f"/events/{event}/signup", {"q0": "M", "q1": "1"}).status_code == 302
    assert "报名成功" in first.get(f"/events/{event}").get_data(as_text=True)
    assert second.post(f"/events/{event}/signup", {"q0": "L", "q1": "0"}).status_code == 302
    assert third.post(f"/events/{event}/signup", {"q0": "S", "q1": "2"}).status_code == 302
    assert "候补名单第 1 位" in third.get(f"/events/{event}").get_data(as_text=True)
    twice = first.post(f"/events/{event}/signup", {"q0": "M", "q1": "1"})
    assert twice.status_code == 409 and "您已报名此活动" in twice.get_data(as_text=True)
    listed = third.get("/events?view=list").get_data(as_text=True)
    assert "候补中" in listed
    assert first.post(f"/events/{event}/cancel").status_code == 302
    assert "您已获得名额" in third.get(f"/events/{event}").get_data(as_text=True)  # moved up


def test_refusals_say_why(app, office, event):
    other = Browser(app, "other")  # 第二车间: not in the audience
    assert "第一车间职工趣味运动会" not in other.get(f"/events?month={SOON:%Y-%m}").get_data(as_text=True)
    refused = other.post(f"/events/{event}/signup", {"q0": "M", "q1": "1"})
    assert refused.status_code == 403 and "您所在单位不在参加范围内" in refused.get_data(as_text=True)
    assert Browser(app, "m01").get(f"/events/{event + 1}").status_code == 404
    draft = office.plan(**PLAN)  # filed, not published: no event page yet
    assert Browser(app, "m01").get(f"/events/{draft}").status_code == 404
    assert Browser(app, "m01").get(f"/events/{event}/list").status_code == 403


def test_the_organisers_list_and_check_in(app, office, event):
    for who in ["m01", "m02", "m03"]:
        office.sign_up(event, who, q0="M", q1="0")
    organiser = Browser(app, "zuzhi")
    listing = organiser.get(f"/events/{event}/list").get_data(as_text=True)
    assert re.findall(r'data-user="(\w+)"', listing) == ["m01", "m02", "m03"] and "候补" in listing
    office.act("zuzhi", event, "start")
    listing = organiser.get(f"/events/{event}/list").get_data(as_text=True)
    code = re.search(r'data-testid="checkin-code">(\d{6})<', listing).group(1)
    assert organiser.post(f"/events/{event}/list/m02", {"present": "1"}).status_code == 302
    member = Browser(app, "m01")
    wrong = member.post(f"/events/{event}/checkin", {"code": "x"})
    assert wrong.status_code == 422 and "签到码不正确" in wrong.get_data(as_text=True)
    assert member.post(f"/events/{event}/checkin", {"code": code}).status_code == 302
    assert 'data-testid="checked-in"' in member.get(f"/events/{event}").get_data(as_text=True)
    counts = organiser.get(f"/events/{event}/list").get_data(as_text=True)
    assert "已签到 2 人，未到 0 人" in counts
    assert Browser(app, "m03").post(f"/events/{event}/list/m03", {"present": "1"}).status_code == 302  # refused
    assert "已签到 2 人" in organiser.get(f"/events/{event}/list").get_data(as_text=True)
    sheet = organiser.get(f"/events/{event}/sheet.pdf")
    assert sheet.status_code == 200 and sheet.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(sheet.data)).pages)
    assert "签到表" in text and "王芳" in text and "张丽" not in text  # the places only: 张丽 (m03) waits
    listed = organiser.get(f"/events/{event}/list.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(listed.data)).pages)
    assert "报名名单" in text and "张丽" in text and "候补" in text and "T恤尺码" in text
    assert Browser(app, "m01").get(f"/events/{event}/sheet.pdf").status_code == 403


def test_the_years_plan_sets_spending_against_the_budget(app, office, event):
    office.act("zuzhi", event, "start")
    office.act("zuzhi", event, "finish")
    office.act("zuzhi", event, "submit_summary", {"outcome": "三个项目顺利完成，一班组获得拔河第一名。",
                                                  "spending_lines": "场地费, 800\n奖品, 2000\n饮用水及水果, 300"})
    office.plan(**{**PLAN, "title": "女职工健康讲座", "budget_lines": "讲课费, 1000"})
    rejected = office.plan(**{**PLAN, "title": "未批准的活动", "budget_lines": "其他, 9000"})
    office.act("chair", rejected, "reject", comment="预算过高")
    page = Browser(app, "chair").get(f"/events/plan?year={SOON.year}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "女职工健康讲座" in text and "未批准的活动" in text
    assert 'data-testid="budget-total">3,600.00<' in text and 'data-testid="spent-total">3,100.00<' in text
    assert "超支" in text  # 3,100 of 2,600: more than 10 % over
    assert Browser(app, "m01").get("/events/plan").status_code == 403


def test_every_member_reads_the_published_notice(app, database_url, tmp_path):
    office = EventOffice(database_url, tmp_path, issuing=True)  # the app reads the same storage
    try:
        event = office.published(**PLAN)
        draft = office.plan(**PLAN)
    finally:
        office.db.dispose()
    notice = Browser(app, "other").get(f"/events/{event}/notice.pdf")  # not in the audience: may still read it
    assert notice.status_code == 200 and notice.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(notice.data)).pages)
    assert "关于举办“第一车间职工趣味运动会”的通知" in text and "公司体育馆" in text
    assert Browser(app, "m01").get(f"/events/{draft}/notice.pdf").status_code == 404  # not published yet


def test_the_event_page_in_english(app, office, event):
    member = Browser(app, "m01")
    member.post("/lang", {"lang": "en", "next": "/"})
    page = member.get(f"/events/{event}").get_data(as_text=True)
    assert "Sports and culture" in page and "A grassroots union" in page and "2 in all, 0 taken" in page
    assert "文体活动" not in page  # the choices in the reader's language; what the organiser typed stays as typed
