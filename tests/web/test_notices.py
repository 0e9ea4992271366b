"""公示 in the pages: everyone signed in sees the notice (name masked, the vetted PDF) and may object, which opens
nothing else of the file."""
from __future__ import annotations

import io
import re

import pytest
from support.clocks import TEST_NOW
from support.election_desk import AFTER_NOTICE, CANDIDATES, PLAN, ElectionOffice
from support.people import Browser
from pypdf import PdfReader

from workflow.accounts.users import create_user, ensure_unit
from workflow.cases.timers import run_due
from workflow.store.models import Case, User

APPLICATION = {"category": "serious_illness", "family_size": "3", "monthly_income": "4800",
               "description": "妻子患尿毒症，每周透析三次，家庭负担沉重。", "amount_requested": "3000",
               "bank_account": "6222020200112233445"}


@pytest.fixture
def noticed(app):
    """A hardship case on 公示: applied, reviewed eligible, visited."""
    service = app.extensions["unionflow"]
    with service.db.transaction() as session:
        ensure_unit(session, "CJ1", "第一车间")
        create_user(session, "zhangxm", "password-123", ["member"], "CJ1", "张晓明")
        create_user(session, "ganshi", "password-123", ["grassroots_union"], "CJ1", "吴霞")
        create_user(session, "wangf", "password-123", ["member"], "CJ1", "王芳")
    with service.db.read() as session:
        users = {u.username: u for u in session.query(User)}
    case = service.create_case(users["zhangxm"], "hardship_aid", {})
    steps = [("submit", "zhangxm", APPLICATION, None),
             ("review", "ganshi", {"eligibility": "eligible", "review_opinion": "符合帮扶条件"}, None),
             ("visit", "ganshi", {"visit_date": "2026-11-20", "visitors": "吴霞、赵敏",
                                  "findings": "家中确有重病患者，经济困难属实。", "recommended_amount": "1800"}, None)]
    for version, (trigger, who, data, comment) in enumerate(steps, start=1):
        service.perform(case.id, trigger, users[who], version, data, comment)
    return case.id


def test_the_notice_page_masks_and_the_objection_opens_nothing(app, noticed):
    wang = Browser(app, "wangf")
    page = wang.get("/notices/").get_data(as_text=True)
    assert "张*明" in page and "张晓明" not in page and "尿毒症" not in page and "6222" not in page
    pdf = wang.get(f"/notices/{noticed}/notice.pdf")
    assert pdf.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "张*明" in text and "张晓明" not in text
    assert wang.get(f"/cases/{noticed}").status_code == 403
    version = int(re.search(r'name="version" value="(\d+)"', page).group(1))
    short = wang.post(f"/notices/{noticed}/object", {"objection": "不对", "version": version})
    assert short.status_code == 422 and "至少需要 5 个字符" in short.get_data(as_text=True)
    done = wang.post(f"/notices/{noticed}/object", {"objection": "据了解其家庭另有门面出租收入，请核实", "version": version})
    assert done.status_code == 302
    with app.extensions["unionflow"].db.read() as session:
        assert session.get(Case, noticed).state == "visiting"
    assert wang.get(f"/cases/{noticed}").status_code == 403  # objecting did not open the file
    assert wang.get(f"/notices/{noticed}/notice.pdf").status_code == 404  # no longer on notice


def test_an_objection_through_the_api_tells_an_outsider_nothing_of_the_file(app, noticed):
    """The public step is open to every member, but its answers are not: a refusal does not name the state of a
    case the objector may not read, and a successful objection answers 200 without the file."""
    from workflow.accounts.users import issue_token
    service = app.extensions["unionflow"]
    with service.db.transaction() as session:
        headers = {"Authorization": f"Bearer {issue_token(session, session.query(User).filter_by(username='wangf').one())}"}
        version = session.get(Case, noticed).version
    client = app.test_client()
    objection = {"version": version, "data": {"objection": "据了解其家庭另有门面出租收入，请核实"}}
    done = client.post(f"/api/v1/cases/{noticed}/actions/object", headers=headers, json=objection)
    assert done.status_code == 200, done.get_json()
    assert done.get_json() == {"id": noticed, "number": done.get_json()["number"], "trigger": "object",
                               "seq": version + 1}  # no state, no data, no history
    again = client.post(f"/api/v1/cases/{noticed}/actions/object", headers=headers,
                        json={**objection, "version": version + 1})
    error = again.get_json()["error"]
    assert again.status_code == 409 and error["message"] == "该事项当前不在公示期，不能提出异议"
    assert "入户" not in str(again.get_json())  # the state it went back to (入户调查) stays unnamed


def test_every_reading_of_a_hardship_file_by_staff_is_logged(app, noticed):
    from workflow.store.models import FileView
    service = app.extensions["unionflow"]
    with service.db.transaction() as session:
        create_user(session, "song", "password-123", ["auditor"], "CJ1", "宋洁")
    own = Browser(app, "zhangxm").get(f"/cases/{noticed}").get_data(as_text=True)  # the applicant: not logged
    assert re.search(r"家庭月总收入（元）.*4,800\.00.*家庭人均月收入（元）.*1,600\.00.*困难情况", own, re.S)
    ganshi = Browser(app, "ganshi")
    assert ganshi.get(f"/cases/{noticed}").status_code == 200
    page = ganshi.get(f"/cases/{noticed}").get_data(as_text=True)
    doc = re.search(r'href="(/documents/\d+)"', page).group(1)
    assert ganshi.get(doc).status_code == 200
    song = Browser(app, "song")
    audit_page = song.get(f"/cases/{noticed}").get_data(as_text=True)
    with service.db.read() as session:
        rows = [(v.user.username, v.what.split(" ")[0]) for v in session.query(FileView).order_by(FileView.id)]
    assert rows == [("ganshi", "page"), ("ganshi", "page"), ("ganshi", "document"), ("song", "page")]
    assert 'data-testid="views"' in audit_page and "吴霞（ganshi）" in audit_page
    assert 'data-testid="views"' not in page  # the handler does not see who else looked


def test_the_report_page_and_its_csv(app, noticed):
    service = app.extensions["unionflow"]
    with service.db.transaction() as session:
        create_user(session, "huang", "password-123", ["union_chair"], "CJ1", "黄建国")
    chair = Browser(app, "huang")
    page = chair.get(f"/reports/hardship?year={TEST_NOW.year}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "困难职工帮扶统计" in text and "第一车间" in text and "重病" in text
    assert 'data-testid="chart"' in text and "张晓明" not in text
    csv = chair.get(f"/reports/hardship.csv?year={TEST_NOW.year}")
    assert csv.mimetype == "text/csv" and "第一车间,重病,1,1,0,0,0,0" in csv.get_data(as_text=True)
    assert Browser(app, "wangf").get("/reports/hardship").status_code == 403


def test_an_elections_candidates_and_result_on_notice(app, database_url, tmp_path):
    """An election's 公示 shows its title and its list — candidates, then the elected — by name: they stand for
    office in public. An objection to the result takes it back to the committee, which publishes it again."""
    office = ElectionOffice(database_url, tmp_path, issuing=True)
    case_id = office.to_notice(CANDIDATES)
    member = Browser(app, "v09")
    page = member.get("/notices/").get_data(as_text=True)
    assert f"换届选举 · {PLAN['title']}" in page and "查看公示文书：候选人名单（公示）" in page
    notice = member.get(f"/notices/{case_id}/notice.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(notice.data)).pages).replace(" ", "")
    assert notice.status_code == 200 and all(name in text for name in ("王建国", "李娜", "张伟", "赵敏"))
    office.now = AFTER_NOTICE
    run_due(office.service, now=AFTER_NOTICE)
    office.act("xuan", case_id, "open_voting")
    for voter in ["v01", "v02", "v03", "v04", "v05", "v06", "v07"]:
        office.vote(case_id, voter, yes=["v01", "v02", "v03"])
    for step in ("close_voting", "count", "publish_result"):
        office.act("xuan", case_id, step)
    page = member.get("/notices/").get_data(as_text=True)
    assert "查看公示文书：当选名单公示" in page
    version = office.case(case_id).version
    objected = member.post(f"/notices/{case_id}/object", {"objection": "计票时有一张纸质选票未录入，请核实", "version": version})
    assert objected.status_code == 302 and office.case(case_id).state == "counted"
    office.act("xuan", case_id, "publish_result")
    assert office.case(case_id).state == "result_publicity"
    office.db.dispose()
