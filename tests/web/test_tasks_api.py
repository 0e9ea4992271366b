"""Tasks over HTTP: GET /api/v1/tasks (open and done), 签收 and 转交 through the API and their refusals in the error
format, the tasks of a case's JSON, and the page routes of a case page's claim and transfer forms."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from workflow.accounts.users import create_user, issue_token
from workflow.store.models import HistoryEntry

APPLICATION = {
    "category": "serious_illness", "family_size": 4, "monthly_income": "4800", "amount_requested": "3000",
    "description": "妻子患尿毒症需长期透析，每月自付医疗费用约三千元，孩子正在读高中。",
    "bank_account": "6222021234567890123",
}
ELIGIBLE = {"eligibility": "eligible", "review_opinion": "符合困难职工帮扶条件"}
VISIT = {"visit_date": "2026-11-20", "visitors": "刘建华、赵敏", "recommended_amount": "1800",
         "findings": "入户核实：家庭四口人，妻子透析治疗，家庭收入主要靠申请人工资，情况属实。"}
EXTRA = {  # username: (name, unit, roles), beside tests/support/people.py's cast
    "zhangxm": ("张晓明", "CJ1", ["member"]),
    "ganshi": ("刘建华", "CJ1", ["grassroots_union"]),
    "ganshi2": ("陈晓燕", "CJ1", ["grassroots_union"]),
    "hq_ganshi": ("周建", "HQ", ["grassroots_union"]),
}
TASK_KEYS = {"id", "case_id", "case_number", "workflow", "state", "triggers", "assignee", "pool", "delegated_from",
             "created_at", "due_at"}


@pytest.fixture
def desk(api, service):
    """The API client with a unit's 干事 and a hardship applicant in the cast; no stage PDFs (not under test)."""
    service.issuer = None
    with service.db.transaction() as session:
        for username, (name, unit, roles) in EXTRA.items():
            api.tokens[username] = issue_token(session, create_user(session, username, "password-123", roles, unit, name))
    return api


def apply(api) -> dict:
    """A hardship application of 第一车间, submitted: its first review is a claimable pool task of the unit's 干事."""
    case = api.post("zhangxm", "/cases", {"workflow": "hardship_aid", "data": {}})
    assert case.status_code == 201, case.json
    return api.act("zhangxm", case.json, "submit", APPLICATION)


def open_task(api, case: dict, state: str) -> dict:
    found = [t for t in api.get("song", f"/cases/{case['id']}").json["tasks"] if t["state"] == state]
    assert len(found) == 1, found
    return found[0]


def tasks_of(api, who: str, query: str = "") -> list[dict]:
    response = api.get(who, f"/tasks{query}")
    assert response.status_code == 200, response.json
    assert response.headers["X-Total-Count"] == str(len(response.json))
    return response.json


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.json
    body = response.json["error"]
    assert body["code"] == code and re.search(r"[\u4e00-\u9fff]", body["message"]), body  # Chinese first
    assert set(body) >= {"code", "message", "message_en", "fields"}, body
    return body


def history(service, case_id: int) -> list[tuple[str, str]]:
    with service.db.read() as session:
        return [(e.actor_username, e.trigger) for e in session.scalars(
            select(HistoryEntry).where(HistoryEntry.case_id == case_id).order_by(HistoryEntry.seq))]


# -- GET /api/v1/tasks -----------------------------------------------------------------------------------------------

def test_my_open_tasks_and_their_shape(desk):
    case = apply(desk)
    [task] = tasks_of(desk, "ganshi")
    assert set(task) >= TASK_KEYS
    assert (task["case_id"], task["case_number"], task["workflow"], task["state"]) == (
        case["id"], case["number"], "hardship_aid", "submitted")
    assert sorted(task["triggers"]) == ["return", "review"]
    assert task["assignee"] is None and task["pool"] == {"role": "grassroots_union", "unit": "CJ1"}
    assert task["delegated_from"] is None and task["due_at"] is None and task["claimable"] is True
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+Z", task["created_at"])
    assert [t["id"] for t in tasks_of(desk, "ganshi2")] == [task["id"]]
    assert tasks_of(desk, "hq_ganshi") == [] and tasks_of(desk, "zhang") == []
    draft = desk.post("zhangxm", "/cases", {"workflow": "hardship_aid", "data": {}}).json
    [own] = tasks_of(desk, "zhangxm")  # the draft's own step: a named task, no pool
    assert (own["case_id"], own["state"], own["assignee"], own["pool"], own["triggers"]) == (
        draft["id"], "draft", "zhangxm", None, ["submit"])


def test_done_lists_the_tasks_i_completed(desk):
    case = apply(desk)
    first = open_task(desk, case, "submitted")
    assert tasks_of(desk, "ganshi", "?status=done") == []
    desk.act("ganshi", case, "review", ELIGIBLE)
    [done] = tasks_of(desk, "ganshi", "?status=done")
    assert (done["id"], done["status"], done["done_by"], done["triggers"], done["state"]) == (
        first["id"], "done", "ganshi", [], "submitted")
    assert done["closed_at"].endswith("Z")
    assert [t["state"] for t in tasks_of(desk, "ganshi")] == ["visiting"]
    assert tasks_of(desk, "ganshi2", "?status=done") == []  # a pool's task another took is not theirs
    assert [t["state"] for t in tasks_of(desk, "zhangxm", "?status=done")] == ["draft"]


def test_an_unknown_status_is_422_in_chinese(desk):
    body = error(desk.get("ganshi", "/tasks?status=bogus"), 422, "invalid")
    assert "status" in body["fields"] and body["message_en"]


# -- 签收 -------------------------------------------------------------------------------------------------------------

def test_claim_then_claim_again_is_409(desk, service):
    case = apply(desk)
    task = open_task(desk, case, "submitted")
    response = desk.post("ganshi", f"/tasks/{task['id']}/claim")
    assert response.status_code == 200, response.json
    assert (response.json["id"], response.json["assignee"], response.json["claimable"]) == (task["id"], "ganshi", False)
    assert sorted(response.json["triggers"]) == ["return", "review"]
    body = error(desk.post("ganshi", f"/tasks/{task['id']}/claim"), 409, "conflict")
    assert "ganshi" in body["message"]
    assert [t for _, t in history(service, case["id"])] == ["create", "submit", "claim"]
    assert tasks_of(desk, "ganshi2") == [] and [t["id"] for t in tasks_of(desk, "ganshi")] == [task["id"]]


def test_a_colleague_who_took_part_claiming_after_a_claim_gets_409(desk, service):
    """ganshi2 did the first review (and so still reads the case); ganshi claims the home visit first."""
    case = apply(desk)
    case = desk.act("ganshi2", case, "review", ELIGIBLE)
    visit = open_task(desk, case, "visiting")
    assert desk.post("ganshi", f"/tasks/{visit['id']}/claim").status_code == 200
    body = error(desk.post("ganshi2", f"/tasks/{visit['id']}/claim"), 409, "conflict")
    assert "ganshi" in body["message"]
    error(desk.post("ganshi2", f"/cases/{case['id']}/actions/visit",
                    {"version": case["version"] + 1, "data": VISIT}), 409, "conflict")
    assert [t for _, t in history(service, case["id"])][-1] == "claim"


def test_claiming_a_task_that_is_not_claimed_is_409(desk):
    case = desk.walk_to("committee_review")
    task = open_task(desk, case, "committee_review")
    assert task["pool"] == {"role": "proposal_committee", "unit": None} and task["claimable"] is False
    body = error(desk.post("zhao", f"/tasks/{task['id']}/claim"), 409, "conflict")
    assert "无需签收" in body["message"]
    assert open_task(desk, case, "committee_review")["assignee"] is None


def test_claim_by_someone_it_is_not_for_is_403(desk):
    case = apply(desk)
    task = open_task(desk, case, "submitted")
    for outsider in ("hq_ganshi", "li", "zhangxm"):
        error(desk.post(outsider, f"/tasks/{task['id']}/claim"), 403, "forbidden")
    error(desk.post("ganshi", "/tasks/999999/claim"), 404, "not_found")
    assert open_task(desk, case, "submitted")["assignee"] is None


# -- 转交 -------------------------------------------------------------------------------------------------------------

def test_transfer_hands_the_task_to_the_target(desk, service):
    case = apply(desk)
    task = open_task(desk, case, "submitted")
    desk.post("ganshi", f"/tasks/{task['id']}/claim")
    response = desk.post("ganshi", f"/tasks/{task['id']}/transfer", {"to": "ganshi2", "comment": "出差，请代为初审"})
    assert response.status_code == 200, response.json
    assert (response.json["assignee"], response.json["triggers"]) == ("ganshi2", [])  # no longer the caller's
    [theirs] = tasks_of(desk, "ganshi2")
    assert (theirs["id"], theirs["assignee"], sorted(theirs["triggers"])) == (task["id"], "ganshi2", ["return", "review"])
    assert tasks_of(desk, "ganshi") == []
    got = desk.get("song", f"/cases/{case['id']}").json
    transfer = got["history"][-1]
    assert transfer["trigger"] == "transfer" and transfer["comment"] == "出差，请代为初审"
    desk.act("ganshi2", got, "review", ELIGIBLE)
    assert history(service, case["id"])[-3:] == [("ganshi", "claim"), ("ganshi", "transfer"), ("ganshi2", "review")]


@pytest.mark.parametrize("to, reason", [
    ("nobody", "没有此用户或账号已停用"),
    ("zhangxm", "不能转交给申请人本人"),
    ("hq_ganshi", "对方不能办理此步骤（角色、单位或条件不符）"),
    ("li", "对方不能办理此步骤（角色、单位或条件不符）"),
    ("", "此项为必填项"),
])
def test_a_transfer_to_someone_who_may_not_take_it_is_422_on_the_to_field(desk, to, reason):
    case = apply(desk)
    task = open_task(desk, case, "submitted")
    body = error(desk.post("ganshi", f"/tasks/{task['id']}/transfer", {"to": to}), 422, "invalid")
    assert body["fields"]["to"] == reason
    after = desk.get("song", f"/cases/{case['id']}").json
    assert after["version"] == case["version"] and open_task(desk, case, "submitted")["assignee"] is None


def test_a_transfer_comment_over_2000_characters_is_422_on_the_comment_field(desk):
    case = apply(desk)
    task = open_task(desk, case, "submitted")
    body = error(desk.post("ganshi", f"/tasks/{task['id']}/transfer", {"to": "ganshi2", "comment": "好" * 2001}),
                 422, "invalid")
    assert set(body["fields"]) == {"comment"}
    assert open_task(desk, case, "submitted")["assignee"] is None


def test_transfer_by_someone_it_is_not_for_is_403(desk):
    case = apply(desk)
    task = open_task(desk, case, "submitted")
    for outsider in ("hq_ganshi", "zhangxm"):  # another unit's 干事; the applicant, who reads the case
        error(desk.post(outsider, f"/tasks/{task['id']}/transfer", {"to": "ganshi2"}), 403, "forbidden")
    assert open_task(desk, case, "submitted")["assignee"] is None


# -- the case JSON ----------------------------------------------------------------------------------------------------

def test_the_case_json_has_its_open_tasks_with_my_steps_through_them(desk):
    case = apply(desk)
    [mine] = desk.get("ganshi", f"/cases/{case['id']}").json["tasks"]
    assert set(mine) >= TASK_KEYS and mine["state"] == "submitted" and sorted(mine["triggers"]) == ["return", "review"]
    [theirs] = desk.get("song", f"/cases/{case['id']}").json["tasks"]
    assert theirs["id"] == mine["id"] and theirs["triggers"] == []  # the auditor reads, never acts
    applicant = desk.get("zhangxm", f"/cases/{case['id']}").json
    assert applicant["tasks"][0]["triggers"] == [] and [a["trigger"] for a in applicant["actions"]] == ["withdraw"]


# -- the page routes ---------------------------------------------------------------------------------------------------

def test_a_refused_transfer_shows_the_case_page_again_with_what_was_typed(desk, web):
    case = apply(desk)
    task = open_task(desk, case, "submitted")
    browser = web("ganshi")
    response = browser.post(f"/tasks/{task['id']}/transfer", {"to": "hq_ganshi", "comment": "请协助办理"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert case["number"] in page and "对方不能办理此步骤" in page
    field = re.search(rf'<input[^>]*id="transfer-{task["id"]}-to"[^>]*>', page, re.S).group(0)
    assert 'value="hq_ganshi"' in field and "is-invalid" in field
    assert re.search(rf'id="transfer-{task["id"]}-comment"[^>]*>请协助办理</textarea>', page)
    assert open_task(desk, case, "submitted")["assignee"] is None


def test_a_transfer_from_the_page_goes_to_the_case_with_a_flash(desk, web):
    case = apply(desk)
    task = open_task(desk, case, "submitted")
    browser = web("ganshi")
    response = browser.post(f"/tasks/{task['id']}/transfer", {"to": "ganshi2", "comment": ""})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{case['id']}")
    assert "已转交" in browser.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert open_task(desk, case, "submitted")["assignee"] == "ganshi2"


def test_a_claim_from_the_page_after_someone_else_claimed_redirects_with_a_flash(desk, web):
    case = apply(desk)
    case = desk.act("ganshi2", case, "review", ELIGIBLE)  # ganshi2 took part: still reads the case
    visit = open_task(desk, case, "visiting")
    colleague = web("ganshi2")
    page = colleague.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert f'action="/tasks/{visit["id"]}/claim"' in page  # the form the colleague is about to use
    assert desk.post("ganshi", f"/tasks/{visit['id']}/claim").status_code == 200  # someone else is quicker
    response = colleague.post(f"/tasks/{visit['id']}/claim")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{case['id']}")
    page = colleague.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "未能执行" in page and "此任务已由 ganshi 签收" in page
    assert f'action="/tasks/{visit["id"]}/claim"' not in page  # nothing left to claim
    assert open_task(desk, case, "visiting")["assignee"] == "ganshi"


def test_a_claim_from_the_page_goes_to_the_case_with_a_flash(desk, web):
    case = apply(desk)
    task = open_task(desk, case, "submitted")
    browser = web("ganshi")
    response = browser.post(f"/tasks/{task['id']}/claim")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{case['id']}")
    page = browser.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "已签收" in page and f'action="/tasks/{task["id"]}/claim"' not in page
    assert open_task(desk, case, "submitted")["assignee"] == "ganshi"


# -- 加签 and 减签 -------------------------------------------------------------------------------------------------------

def test_add_sign_then_the_signers_opinion_through_the_api(desk):
    case = apply(desk)
    task = open_task(desk, case, "submitted")
    added = desk.post("ganshi", f"/tasks/{task['id']}/add_sign",
                      {"users": ["li"], "position": "before", "comment": "请核实收入"})
    assert added.status_code == 200, added.json
    assert added.json["assignee"] == "ganshi" and added.json["triggers"] == []  # waits for li
    [signer] = [t for t in tasks_of(desk, "li") if t["case_id"] == case["id"]]
    assert (signer["sign_position"], signer["sign_for"], signer["triggers"]) == ("before", task["number"], ["sign_off"])
    desk.act("ganshi", case, "review", ELIGIBLE, expect=409)
    refused = desk.post("li", f"/tasks/{signer['id']}/sign_off", {"opinion": "perhaps"})
    assert refused.status_code == 422 and "opinion" in refused.json["error"]["fields"]
    assert desk.post("song", f"/tasks/{signer['id']}/sign_off", {"opinion": "agree"}).status_code == 403
    signed = desk.post("li", f"/tasks/{signer['id']}/sign_off", {"opinion": "agree", "comment": "属实"})
    assert signed.status_code == 200 and signed.json["status"] == "done"
    desk.act("ganshi", case, "review", ELIGIBLE)
    history = desk.get("song", f"/cases/{case['id']}").json["history"]
    assert [h["trigger"] for h in history][-3:] == ["add_sign", "sign_off", "review"]


@pytest.mark.parametrize("body, status, field", [
    ({"users": ["zhangxm"], "position": "before"}, 422, "users"),
    ({"users": "li", "position": "before"}, 422, "users"),
    ({"users": ["li"], "position": "later"}, 422, "position"),
    ({"users": ["li"], "position": "before", "comment": "长" * 2001}, 422, "comment"),
])
def test_a_refused_add_sign_is_in_the_error_format(desk, body, status, field):
    case = apply(desk)
    task = open_task(desk, case, "submitted")
    response = desk.post("ganshi", f"/tasks/{task['id']}/add_sign", body)
    assert response.status_code == status and field in response.json["error"]["fields"]
    assert desk.post("hq_ganshi", f"/tasks/{task['id']}/add_sign",
                     {"users": ["li"], "position": "before"}).status_code == 403


def test_remove_sign_through_the_api(desk):
    case = apply(desk)
    task = open_task(desk, case, "submitted")
    desk.post("ganshi", f"/tasks/{task['id']}/add_sign", {"users": ["li", "song"], "position": "parallel"})
    assert desk.post("ganshi2", f"/tasks/{task['id']}/remove_sign", {"users": ["li"]}).status_code == 409  # ganshi's
    assert desk.post("ganshi", f"/tasks/{task['id']}/remove_sign", {"users": ["li", "song"]}).status_code == 200
    desk.act("ganshi", case, "review", ELIGIBLE)


def test_the_case_page_adds_a_signer_shows_whom_the_task_waits_for_and_takes_the_opinion(desk, web):
    case = apply(desk)
    task = open_task(desk, case, "submitted")
    officer = web("ganshi")
    refused = officer.post(f"/tasks/{task['id']}/add_sign", {"users": "zhangxm", "position": "before",
                                                             "comment": "请核实"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    field = re.search(rf'<input[^>]*id="add-sign-{task["id"]}-users"[^>]*>', page, re.S).group(0)
    assert 'value="zhangxm"' in field and "is-invalid" in field and "申请人本人不能作为加签人" in page
    done = officer.post(f"/tasks/{task['id']}/add_sign", {"users": "li", "position": "before", "comment": ""})
    assert done.status_code == 302
    page = officer.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "已加签" in page and 'data-testid="waiting-signers"' in page and "李娜" in page
    signer = web("li")
    page = signer.get(f"/cases/{case['id']}").get_data(as_text=True)
    [signer_task] = re.findall(r'action="/tasks/(\d+)/sign_off"', page)
    assert signer.post(f"/tasks/{signer_task}/sign_off", {"opinion": "", "comment": "x"}).status_code == 422
    assert signer.post(f"/tasks/{signer_task}/sign_off", {"opinion": "agree", "comment": "情况属实"}).status_code == 302
    page = officer.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "加签 李娜（在我之前）" in page and 'data-testid="waiting-signers"' not in page
