"""The pages over the engine: a whole proposal by forms alone, form errors, conflicts, need-to-know."""
from __future__ import annotations

import re

from support.people import PROPOSAL

from workflow.store.models import Case, HistoryEntry


def _case_id(response) -> int:
    return int(re.search(r"/cases/(\d+)$", response.headers["Location"]).group(1))


def _version(page: str) -> int:
    return int(re.search(r'name="version" value="(\d+)"', page).group(1))


def _act(browser, case_id: int, trigger: str, data: dict | None = None, comment: str = ""):
    version = _version(browser.get(f"/cases/{case_id}").get_data(as_text=True))
    return browser.post(f"/cases/{case_id}/actions/{trigger}", {**(data or {}), "comment": comment, "version": version})


def test_a_whole_proposal_through_the_pages(web, service):
    zhang, wang, liu, zhao, zhou = (web(n) for n in ("zhang", "wang", "liu", "zhao", "zhou"))
    filed = zhang.post("/start/proposal", {**PROPOSAL, "intent": "submit"})
    assert filed.status_code == 302
    case_id = _case_id(filed)
    page = zhang.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "征集附议" in page and "提案表" in page and "TA-" in page
    assert f"/cases/{case_id}" in wang.get("/tasks/").get_data(as_text=True)  # in the seconders' queue
    for who in (wang, liu):
        assert _act(who, case_id, "second").status_code == 302
    assert f"/cases/{case_id}" in zhao.get("/tasks/").get_data(as_text=True)
    assert _act(zhao, case_id, "accept", {"lead_unit": "HQ"}, "同意立案，请后勤保障部办理").status_code == 302
    assert _act(zhou, case_id, "reply", {"reply": "已增设座位一百二十个。", "measures": "错峰开饭。",
                                         "status": "resolved"}).status_code == 302
    assert _act(zhang, case_id, "evaluate", {"satisfaction": "satisfied"}, "满意").status_code == 302
    assert _act(zhao, case_id, "archive").status_code == 302
    page = zhang.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "已归档" in page and "同意立案，请后勤保障部办理" in page
    for title in ("提案表", "立案通知书", "提案交办单", "提案答复函", "提案人评价表", "提案办理结果"):
        assert title in page
    doc_link = re.search(r'href="(/documents/\d+)"', page).group(1)
    pdf = zhang.get(doc_link)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert "inline" in pdf.headers["Content-Disposition"]
    assert f"/cases/{case_id}" in zhao.get("/tasks/done").get_data(as_text=True)
    diagram = zhang.get(f"/cases/{case_id}/diagram.svg")
    assert diagram.mimetype == "image/svg+xml" and "已归档" in diagram.get_data(as_text=True)


def test_form_errors_are_chinese_and_keep_the_input(web, service):
    zhang = web("zhang")
    response = zhang.post("/start/proposal", {"title": "关于食堂的提案", "category": "welfare", "reason": "x",
                                             "suggestion": "", "intent": "submit"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "至少需要 2 个字符" in page and "此项为必填项" in page
    assert 'value="关于食堂的提案"' in page and 'value="welfare" selected' in page
    with service.db.read() as session:
        assert session.query(Case).count() == 0  # a refused submission leaves no draft behind


def test_draft_is_private_until_submitted(web):
    zhang, wang, song = web("zhang"), web("wang"), web("song")
    saved = zhang.post("/start/proposal", {"title": "草稿中的提案", "intent": "draft"})
    case_id = _case_id(saved)
    assert "草稿" in zhang.get(f"/cases/{case_id}").get_data(as_text=True)
    assert wang.get(f"/cases/{case_id}").status_code == 403
    assert song.get(f"/cases/{case_id}").status_code == 200  # the auditor sees everything, read-only
    submit = _act(zhang, case_id, "submit", {**PROPOSAL})
    assert submit.status_code == 302
    assert wang.get(f"/cases/{case_id}").status_code == 200


def test_a_member_cannot_open_or_act_on_another_members_case(web):
    zhang, li = web("zhang"), web("li")
    case_id = _case_id(zhang.post("/start/proposal", {**PROPOSAL, "intent": "submit"}))
    forbidden = li.get(f"/cases/{case_id}")
    assert forbidden.status_code == 403 and "无权查看" in forbidden.get_data(as_text=True)
    assert li.post(f"/cases/{case_id}/actions/second", {"version": 2}).status_code == 403
    # The proposer may not second their own proposal: the step is not offered, and refused if forged.
    own = zhang.get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'data-trigger="second"' not in own
    refused = zhang.post(f"/cases/{case_id}/actions/second", {"version": 2})
    assert refused.status_code == 403


def test_someone_acting_first_gives_a_reload_with_what_happened(web, service):
    zhang, wang, liu = web("zhang"), web("wang"), web("liu")
    case_id = _case_id(zhang.post("/start/proposal", {**PROPOSAL, "intent": "submit"}))
    assert _act(wang, case_id, "second").status_code == 302
    stale = liu.post(f"/cases/{case_id}/actions/second", {"version": 2})  # the page liu had was version 2
    assert stale.status_code == 302 and stale.headers["Location"].endswith(f"/cases/{case_id}")
    page = liu.get(stale.headers["Location"]).get_data(as_text=True)
    assert "已被他人处理" in page and "王芳" in page
    with service.db.read() as session:
        assert session.query(HistoryEntry).filter_by(case_id=case_id).count() == 3  # create, submit, wang's second


def test_error_pages_are_chinese_in_the_layout(web):
    zhang = web("zhang")
    missing = zhang.get("/cases/999999")
    assert missing.status_code == 404 and "事项不存在" in missing.get_data(as_text=True)
    assert "工会流程平台" in missing.get_data(as_text=True)
    assert zhang.get("/no/such/page").status_code == 404
    assert zhang.post("/cases/abc/actions/x").status_code == 404


def test_a_draft_is_edited_and_saved_again_before_it_is_submitted(web, service):
    from workflow.audit.verify import verify
    zhang, wang = web("zhang"), web("wang")
    case_id = _case_id(zhang.post("/start/proposal", {"title": "初稿标题", "intent": "draft"}))
    page = zhang.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "save_draft" in page and 'value="初稿标题"' in page  # the submit form, prefilled, can save again
    saved = _act(zhang, case_id, "save_draft", {"title": "修改后的标题", "reason": "补充了案由。"})
    assert saved.status_code == 302
    page = zhang.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "修改后的标题" in page and "补充了案由" in page and "保存草稿" in page
    too_long = _act(zhang, case_id, "save_draft", {"title": "长" * 101})
    assert too_long.status_code == 422 and "不能超过 100 个字符" in too_long.get_data(as_text=True)
    version = _version(zhang.get(f"/cases/{case_id}").get_data(as_text=True))
    assert wang.post(f"/cases/{case_id}/actions/save_draft", {"title": "别人改的", "version": version}).status_code == 403
    assert _act(zhang, case_id, "submit", {**PROPOSAL}).status_code == 302
    assert _act(zhang, case_id, "save_draft", {"title": "提交后再改"}).status_code == 302  # refused: shown on reload
    assert "提交后再改" not in zhang.get(f"/cases/{case_id}").get_data(as_text=True)
    with service.db.read() as session:
        assert verify(session, service.store, service.workflows, [case_id]).ok  # the audit replays the edits


def test_an_unexpected_failure_is_a_chinese_500_page_in_the_layout(app, people):
    from support.people import Browser

    def broken():
        raise RuntimeError("boom")

    app.add_url_rule("/broken-for-test", "broken_for_test", broken)
    response = Browser(app, "zhang").get("/broken-for-test")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "服务器内部错误" in page and "工会流程平台" in page and "boom" not in page and "Traceback" not in page


def test_a_step_refused_by_its_guard_is_a_409_page(web):
    zhang, wang = web("zhang"), web("wang")
    case_id = _case_id(zhang.post("/start/proposal", {**PROPOSAL, "intent": "submit"}))
    assert _act(wang, case_id, "second").status_code == 302
    twice = wang.post(f"/cases/{case_id}/actions/second", {"version": 3})  # seconding twice
    assert twice.status_code == 409 and "不能重复" in twice.get_data(as_text=True)
