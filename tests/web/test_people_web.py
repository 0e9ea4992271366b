"""The person picker over the web: GET /people/search (JSON; the people a field of a case admits; 400 for bad input,
401/403/404 as for the case), the picker's field on the case page, person fields posted by name, and a refused step
that shows the case page again with the form as typed (web/people.py, web/cases.py)."""
from __future__ import annotations

import re

import pytest
from support.election_desk import PLAN, ElectionOffice
from support.people import Browser

from workflow.accounts.users import create_user
from workflow.store.models import HistoryEntry


@pytest.fixture
def office(app, database_url, tmp_path):
    """第一车间's election taking nominations on the app's database (v01…v10 its voters), with a second 张伟 in
    第一车间, 孙强 of 工会办公室 (no voter) and an auditor."""
    office = ElectionOffice(database_url, tmp_path)
    with office.db.transaction() as session:
        create_user(session, "zhangwei2", "password-123", ["member"], "CJ1", "张伟")
        create_user(session, "sunqiang", "password-123", ["department_head"], "GH", "孙强")
        create_user(session, "song", "password-123", ["auditor"], "GH", "宋洁")
    office.users = office.load_users()
    case_id = office.service.create_case(office.users["xuan"], "election", {}).id
    office.act("xuan", case_id, "submit_plan", PLAN)
    office.act("chair", case_id, "approve_plan", {"party_consent": "同意", "upper_union_consent": "同意"})
    office.act("xuan", case_id, "open_nominations")
    office.case_id = case_id
    yield office
    office.db.dispose()


@pytest.fixture
def reviewing(office):
    """Nominations closed: 王建国 (v01), 张伟 (v03) and the other 张伟 (zhangwei2) nominated themselves."""
    for who in ("v01", "v03", "zhangwei2"):
        office.act(who, office.case_id, "nominate", {"nominee": who})
    office.act("xuan", office.case_id, "close_nominations")
    return office.case_id


def _search(browser: Browser, case_id: int | str, q: str | None = "张", field: str = "nominee"):
    query = "&".join(f"{k}={v}" for k, v in (("q", q), ("case", case_id), ("field", field)) if v is not None)
    return browser.get(f"/people/search?{query}")


def _version(page: str) -> int:
    return int(re.search(r'name="version" value="(\d+)"', page).group(1))


def _act(browser: Browser, case_id: int, trigger: str, data: dict, comment: str = ""):
    version = _version(browser.get(f"/cases/{case_id}").get_data(as_text=True))
    return browser.post(f"/cases/{case_id}/actions/{trigger}", {**data, "comment": comment, "version": version})


def _entries(office) -> int:
    with office.db.read() as session:
        return session.query(HistoryEntry).filter_by(case_id=office.case_id).count()


def test_the_search_answers_the_people_the_field_admits(app, office):
    v01 = Browser(app, "v01")  # a GET: the session alone, no CSRF token
    found = _search(v01, office.case_id)
    assert found.status_code == 200 and found.mimetype == "application/json"
    assert found.headers["Cache-Control"] == "no-store"
    assert found.json == {"people": [
        {"username": "v03", "name": "张伟", "unit": "第一车间", "label": "张伟（v03，第一车间）"},
        {"username": "zhangwei2", "name": "张伟", "unit": "第一车间", "label": "张伟（zhangwei2，第一车间）"}],
        "more": False}
    assert [p["username"] for p in _search(v01, office.case_id, "孙").json["people"]] == []  # 孙强 is no voter
    assert [p["username"] for p in _search(v01, office.case_id, "黄").json["people"]] == ["v08"]  # not the chair
    assert [p["username"] for p in _search(v01, office.case_id, "V1").json["people"]] == ["v10"]
    office.add_members(25, "hy")
    many = _search(Browser(app, "xuan"), office.case_id, "会员").json
    assert len(many["people"]) == 20 and many["more"] is True


def test_bad_input_is_a_400_in_chinese(app, office):
    v01 = Browser(app, "v01")
    for q, case_id, field, said in ((None, office.case_id, "nominee", "请输入要查找的姓名或用户名"),
                                    ("  ", office.case_id, "nominee", "请输入要查找的姓名或用户名"),
                                    ("张" * 65, office.case_id, "nominee", "不能超过 64 个字符"),
                                    ("%01", office.case_id, "nominee", "无效字符"),
                                    ("%00", office.case_id, "nominee", "无效字符"),
                                    ("张", None, "nominee", "缺少事项编号"),
                                    ("张", "abc", "nominee", "缺少事项编号"),
                                    ("张", office.case_id, None, "缺少字段名"),
                                    ("张", office.case_id, "title", "没有可选择人员的「title」一项"),
                                    ("张", office.case_id, "candidate", "没有可选择人员的「candidate」一项")):
        refused = _search(v01, case_id, q, field)
        error = refused.json["error"]
        assert (refused.status_code, error["code"]) == (400, "bad_request"), (q, case_id, field, refused.json)
        assert said in error["message"] and error["message_en"], (said, error)


def test_only_who_may_read_the_case_and_fill_the_field_may_search(app, office):
    draft = office.service.create_case(office.users["xuan"], "election", {}).id  # the author's own until filed
    refused = _search(Browser(app, "v01"), draft)
    assert refused.status_code == 403 and refused.json["error"]["code"] == "forbidden"
    assert "无权查看此事项" in refused.json["error"]["message"]
    assert _search(Browser(app, "v01"), 999999).status_code == 404
    assert _search(Browser(app, "v01"), 10**12).status_code == 404  # beyond any id: no such case, no overflow
    auditor = _search(Browser(app, "song"), office.case_id)  # reads every case, takes no step
    assert auditor.status_code == 403 and "不能办理" in auditor.json["error"]["message"]
    signed_out = _search(Browser(app, None), office.case_id)
    assert signed_out.status_code == 401 and signed_out.json["error"]["code"] == "unauthorized"


def test_the_case_page_offers_the_picker_and_a_name_nominates(app, office):
    v01 = Browser(app, "v01")
    page = v01.get(f"/cases/{office.case_id}").get_data(as_text=True)
    picker = re.search(r'<input[^>]*id="nominate-nominee"[^>]*>', page).group(0)
    assert f'data-people-search="/people/search?case={office.case_id}&amp;field=nominee"' in picker
    assert 'name="nominee"' in picker and "datalist" not in page  # no list of every member in the page any more
    assert 'src="/static/person-picker.js"' in page
    assert _act(v01, office.case_id, "nominate", {"nominee": "周婷", "nomination_reason": "群众基础好"}).status_code == 302
    assert office.case(office.case_id).data["nominations"][0]["username"] == "v09"
    before = _entries(office)
    again = _act(v01, office.case_id, "nominate", {"nominee": "v09", "nomination_reason": "再提一次"})
    page = again.get_data(as_text=True)
    assert again.status_code == 422 and "周婷 已被提名" in page and "再提一次" in page
    assert 'value="周婷（v09，第一车间）"' in page and 'data-username="v09"' in page  # shown as the picker shows it
    shared = _act(v01, office.case_id, "nominate", {"nominee": "张伟"})
    page = shared.get_data(as_text=True)
    assert shared.status_code == 422 and 'value="张伟"' in page
    assert "有 2 人名为「张伟」，请选择其中一位：张伟（v03，第一车间）、张伟（zhangwei2，第一车间）" in page
    assert _entries(office) == before


def test_a_refused_review_shows_the_form_again_as_typed(app, office, reviewing):
    """The committee's 资格审查 once answered a name with a whole 409 page and lost the form; now every refusal comes
    back on the case page, status kept, the form as typed and the reason at it."""
    xuan = Browser(app, "xuan")
    before = _entries(office)
    typed = {"candidate": "孙强", "qualified": "no", "review_reason": "经审查，不符合候选人条件。", "position": "3"}
    refused = _act(xuan, reviewing, "review_candidates", typed, comment="请复核")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'data-testid="case-number"' in page
    assert re.search(r'data-testid="refusal">[^<]*请从列表中选择人员', page)
    assert "「孙强」不是已接受提名的被提名人" in page and 'aria-invalid="true" aria-describedby="review_candidates-candidate-error"' in page
    assert 'value="孙强"' in page and 'value="no" selected' in page and "经审查，不符合候选人条件。" in page
    assert 'value="3"' in page and ">请复核</textarea>" in page
    shared = _act(xuan, reviewing, "review_candidates", {**typed, "candidate": "张伟"})
    assert shared.status_code == 422 and "张伟（v03，第一车间）、张伟（zhangwei2，第一车间）" in shared.get_data(as_text=True)
    assert _entries(office) == before
    chosen = _act(xuan, reviewing, "review_candidates", {**typed, "candidate": "张伟（zhangwei2，第一车间）"})
    assert chosen.status_code == 302
    assert office.case(reviewing).data["reviews"]["zhangwei2"]["qualified"] is False
    assert _act(xuan, reviewing, "review_candidates", {**typed, "candidate": "王建国", "qualified": "yes"}).status_code == 302
    assert set(office.case(reviewing).data["reviews"]) == {"zhangwei2", "v01"}


def test_a_step_not_offered_is_refused_on_the_case_page_with_its_status(app, office, reviewing):
    v01 = Browser(app, "v01")  # reads the election, is no member of the committee
    version = office.case(reviewing).version
    forged = v01.post(f"/cases/{reviewing}/actions/review_candidates",
                      {"candidate": "v01", "qualified": "yes", "review_reason": "自己审查自己", "version": version})
    page = forged.get_data(as_text=True)
    assert forged.status_code == 403 and 'data-testid="case-number"' in page and "error-page" not in page
    assert "您没有执行「资格审查」的权限" in page
    assert Browser(app, "song").get(f"/cases/{reviewing}").status_code == 200
