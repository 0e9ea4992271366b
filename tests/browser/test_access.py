"""Who may see and do what, as the browser shows it: another member's case is a 403 page, nobody is offered an
action out of turn (nor may take it by hand), and a signed-out session cookie is dead even when copied."""
from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect
from ui import action, api, api_response, file_proposal, second, state, take, user_page

pytestmark = pytest.mark.browser


def _title(what: str) -> str:
    return f"关于{what}的提案 {uuid.uuid4().hex[:6]}"


def test_member_cannot_open_another_members_case(new_context, login, shot):
    zhang = user_page(new_context, login, "rep_zhang")
    case = file_proposal(zhang, _title("增设车间更衣柜"))
    document = case["documents"][0]["id"]  # 提案表

    member = user_page(new_context, login, "member_li")
    response = member.goto(f"/cases/{case['id']}")
    assert response is not None and response.status == 403
    expect(member.locator(".error-page")).to_contain_text("403")
    expect(member.get_by_role("heading", level=1)).to_contain_text("您无权查看此事项")
    expect(member.locator(".error-page")).to_contain_text("You may not view this case")  # English beneath
    expect(member.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(member.get_by_role("link", name="返回工作台")).to_be_visible()
    expect(member.get_by_text(case["title"])).to_have_count(0)  # nothing of the case leaks
    shot(member, "access/403-member_li")

    # Neither its diagram nor its PDFs: the same check guards every way in.
    assert member.request.get(f"/cases/{case['id']}/diagram.svg").status == 403
    pdf = member.request.get(f"/documents/{document}")
    assert pdf.status == 403 and not pdf.body().startswith(b"%PDF")

    # The submitter, of course, reads it.
    assert zhang.goto(f"/cases/{case['id']}").status == 200
    expect(state(zhang)).to_have_text("征集附议")


def test_nobody_is_offered_an_action_out_of_turn(new_context, login):
    zhang = user_page(new_context, login, "rep_zhang")
    case = file_proposal(zhang, _title("调整夜班交接班时间"))
    url = f"/cases/{case['id']}"

    # The submitter may withdraw the proposal, but not second it; by hand the server refuses too.
    zhang.goto(url)
    expect(state(zhang)).to_have_text("征集附议")
    expect(zhang.locator("details.action[data-trigger='withdraw']")).to_have_count(1)
    expect(zhang.locator("details.action[data-trigger='second']")).to_have_count(0)
    refused = api_response(zhang, "POST", f"/cases/{case['id']}/actions/second", {"version": case["version"]})
    assert refused.status == 403, refused.text()

    # Another representative is offered 附议 and takes it by clicks.
    wang = user_page(new_context, login, "rep_wang")
    wang.goto(url)
    take(wang, "second", "附议")
    expect(state(wang)).to_have_text("征集附议")  # one seconder of two

    # With one seconder the committee reads the case, but has nothing to do yet (立案 needs two).
    committee = user_page(new_context, login, "committee_zhao")
    committee.goto(url)
    expect(state(committee)).to_have_text("征集附议")
    expect(committee.get_by_test_id("actions")).to_have_count(0)
    expect(committee.locator("details.action")).to_have_count(0)
    version = api(committee, "GET", f"/cases/{case['id']}")["version"]
    refused = api_response(committee, "POST", f"/cases/{case['id']}/actions/accept",
                           {"version": version, "data": {"lead_unit": "HQ"}})
    assert refused.status == 409, refused.text()  # not open in this state
    assert api(committee, "GET", f"/cases/{case['id']}")["state"] == "seconding"

    # The second seconder moves it on: now, and only now, 立案 is there.
    liu = user_page(new_context, login, "rep_liu")
    liu.goto(url)  # the page first: its CSRF token signs the API call
    assert second(liu, case["id"])["state"] == "committee_review"
    committee.reload()
    expect(state(committee)).to_have_text("提案审查")
    expect(action(committee, "accept")).to_contain_text("主办单位")
    expect(committee.locator("details.action")).to_have_count(3)  # 立案, 不予立案, 退回修改

    # And the representatives have no part in the review.
    wang.reload()
    expect(state(wang)).to_have_text("提案审查")
    expect(wang.locator("details.action")).to_have_count(0)


def test_logout_kills_the_session_cookie(new_context, login):
    signed = user_page(new_context, login, "rep_zhang")
    cookie = next(c for c in signed.context.cookies() if c["name"] == "unionflow_session")
    assert cookie["httpOnly"] and cookie["secure"]

    # The copied cookie is the session: in a fresh context it opens 待办 ...
    thief = new_context()
    thief.add_cookies([cookie])
    page = thief.new_page()
    page.goto("/tasks/")
    expect(page.get_by_role("heading", name="待办")).to_be_visible()
    assert page.url.endswith("/tasks/")

    # ... until its owner signs out: the server forgets it.
    signed.get_by_test_id("logout").click()
    signed.wait_for_url("**/login")
    expect(signed.locator(".alert-info")).to_have_text("您已安全退出")

    for context in (thief, new_context()):
        context.clear_cookies()
        context.add_cookies([cookie])
        page = context.pages[0] if context.pages else context.new_page()
        page.goto("/tasks/")
        assert page.url.startswith(signed.url.split("/login")[0] + "/login"), page.url
        expect(page.get_by_role("heading", name="登录")).to_be_visible()
        expect(page.locator("#nav")).to_have_count(0)  # signed out: no menu
