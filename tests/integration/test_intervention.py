"""流程干预 through the service on the shipped 困难职工帮扶, SQLite and PostgreSQL: the administrator gives the chair's
open task to someone outside the chair's role, who then takes it with the seat's authority, and ends a case with a
reason; nobody else may; both are history steps the audit replays, and a forged intervention is named."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from support.task_office import forge

from workflow.accounts.users import create_user
from workflow.cases import task_verbs
from workflow.core.engine import ActionRefused
from workflow.store.models import Notification, Task


@pytest.fixture
def admin(office):
    with office.db.transaction() as session:
        create_user(session, "admin", "password-123", ["admin"], "GH", "管理员")
    office.users = office.load_users()
    return office.users["admin"]


def _chair_task(office, case_id: int) -> Task:
    with office.db.read() as session:
        return session.scalars(select(Task).where(Task.case_id == case_id, Task.status == "open")).one()


def _at_the_chair(office) -> int:
    case_id = office.to_publicity()
    office.close_publicity(case_id)
    return case_id


def test_the_administrator_gives_the_chairs_task_to_someone_who_takes_it_with_the_seats_authority(office, admin):
    case_id = _at_the_chair(office)
    task = _chair_task(office, case_id)
    assert task.pool_role == "union_chair"
    with pytest.raises(ActionRefused) as refused:
        task_verbs.reassign(office.service, task.id, admin, "cw", "")
    assert refused.value.fields == {"comment": "此项为必填项"}
    with pytest.raises(ActionRefused) as refused:
        task_verbs.reassign(office.service, task.id, office.users["chair"], "cw", "主席出差")
    assert refused.value.status == 403
    with pytest.raises(ActionRefused) as refused:
        task_verbs.reassign(office.service, task.id, admin, "zhangxm", "主席出差")
    assert refused.value.status == 422
    task_verbs.reassign(office.service, task.id, admin, "cw", "主席出差一周，由钱会计代为审批")
    assert office.refusal("chair", case_id, "approve", {"amount_approved": "1800"}).status == 409  # held by cw
    office.act("cw", case_id, "approve", {"amount_approved": "1800"}, "同意")
    assert office.case(case_id).state == "approved"
    with office.db.read() as session:
        told = session.scalars(select(Notification.subject).where(
            Notification.user_id == office.users["cw"].id)).all()
    assert any("流程干预" in s for s in told)
    assert office.verified(case_id)


def test_the_administrator_ends_a_case_with_a_reason_and_nobody_else_may(office, admin):
    case_id = office.apply()
    assert office.refusal("chair", case_id, "terminate", {"to": "rejected"}, "重复申请").status == 403
    assert office.refusal("admin", case_id, "terminate", {"to": "submitted"}, "重复申请").status == 422
    office.act("admin", case_id, "terminate", {"to": "rejected"}, "与 2026 年第 3 号申请重复")
    assert office.case(case_id).state == "rejected"
    with office.db.read() as session:
        assert session.scalars(select(Task).where(Task.case_id == case_id, Task.status == "open")).all() == []
    assert office.refusal("admin", case_id, "terminate", {"to": "rejected"}, "again").status == 409
    assert office.verified(case_id)


def test_a_forged_reassignment_by_someone_not_the_administrator_fails_the_replay(office, admin):
    case_id = office.apply()
    task = _chair_task(office, case_id)
    seq = forge(office, case_id, "ganshi", "reassign", {"task": task.number, "to": "hq_ganshi", "from": None})
    with office.db.read() as session:
        from workflow.audit.verify import verify
        report = verify(session, office.service.store, office.service.workflows, [case_id])
    [problem] = [p for c in report.cases for p in c.problems]
    assert problem.startswith(f"第 {seq} 步「reassign」按流程定义不被允许：只有系统管理员"), problem


def test_the_case_page_gives_the_administrator_the_intervention_forms(office, admin, app):
    from support.people import Browser
    case_id = _at_the_chair(office)
    task = _chair_task(office, case_id)
    browser = Browser(app, "admin")
    page = browser.get(f"/cases/{case_id}").get_data(as_text=True)
    assert f'action="/tasks/{task.id}/reassign"' in page and f'action="/cases/{case_id}/actions/terminate"' in page
    refused = browser.post(f"/tasks/{task.id}/reassign", {"to": "cw", "comment": ""})
    assert refused.status_code == 422
    field = refused.get_data(as_text=True)
    assert 'id="reassign-%d-to" name="to" value="cw"' % task.id in field
    assert browser.post(f"/tasks/{task.id}/reassign", {"to": "cw", "comment": "主席出差"}).status_code == 302
    page = browser.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "改派给 钱会计" in page
    chair = Browser(app, "chair")
    assert f'action="/tasks/{task.id}/reassign"' not in chair.get(f"/cases/{case_id}").get_data(as_text=True)


def test_the_applicant_may_not_approve_their_own_money_step(office):
    with office.db.transaction() as session:
        create_user(session, "chair2", "password-123", ["member", "union_chair"], "CJ1", "主席本人")
    office.users = office.load_users()
    case = office.service.create_case(office.users["chair2"], "hardship_aid", {})
    from support.hardship_desk import APPLICATION
    office.act("chair2", case.id, "submit", APPLICATION)
    office.act("ganshi", case.id, "review", {"eligibility": "eligible", "review_opinion": "符合条件"})
    from support.hardship_desk import VISIT
    office.act("ganshi", case.id, "visit", {**VISIT, "recommended_amount": "1800"})
    office.close_publicity(case.id)
    refused = office.refusal("chair2", case.id, "approve", {"amount_approved": "1800"})
    assert refused.status == 403 and "本人提交" in refused.message
    office.act("chair", case.id, "approve", {"amount_approved": "1800"})  # another chair may
