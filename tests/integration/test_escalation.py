"""超期上报 through the service and the timers, on SQLite and PostgreSQL (tests/integration/definitions/expense.yaml):
when finance lets a deadline that escalates pass, the pool task goes to the chair's pool, who is told and acts with
finance's authority; finance may no longer; the audit replays the escalation and names a forged one."""
from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bootstrap import domains, load_workflows
from workflow.accounts.users import create_user, ensure_unit
from workflow.audit.verify import verify
from workflow.cases import worklists
from workflow.cases.service import CaseService
from workflow.cases.timers import run_due
from workflow.core.definition import DefinitionError
from workflow.core.definition_load import parse
from workflow.core.engine import ActionRefused
from workflow.store.db import Database
from workflow.store.models import Case, HistoryEntry, Notification, Task, User
from workflow.store.storage import BlobStore

DEFINITIONS = Path(__file__).parent / "definitions"
MONDAY = datetime(2026, 11, 23, 2, 0)


@pytest.fixture
def expense(database_url, tmp_path):
    folder = tmp_path / "definitions"
    folder.mkdir()
    shutil.copy(DEFINITIONS / "expense.yaml", folder)
    db = Database(database_url)
    db.create_all()
    service = CaseService(db, load_workflows(folder, None), BlobStore(tmp_path / "storage"), domains=domains(),
                          clock=lambda: MONDAY)
    with db.transaction() as session:
        ensure_unit(session, "GH", "工会办公室")
        for name, roles in {"li": ["member"], "qian": ["finance"], "huang": ["union_chair"]}.items():
            create_user(session, name, "password-123", roles, "GH", name)
    with db.read() as session:
        users = {u.username: u for u in session.scalars(select(User))}
    yield service, users
    db.dispose()


def test_a_deadline_that_escalates_gives_the_pool_task_to_the_chair_who_acts_for_finance(expense):
    service, users = expense
    case = service.create_case(users["li"], "expense", {})
    service.perform(case.id, "submit", users["li"], 1, {"title": "慰问品采购"})
    assert run_due(service, now=MONDAY + timedelta(days=1)).fired == []  # not yet
    report = run_due(service, now=MONDAY + timedelta(days=4))
    assert len(report.fired) == 1 and report.fired[0].endswith("escalate")
    with service.db.read() as session:
        open_tasks = session.scalars(select(Task).where(Task.case_id == case.id, Task.status == "open")).all()
        told = session.scalars(select(Notification.subject).where(Notification.user_id == users["huang"].id)).all()
    assert [(t.pool_role, t.escalated_from) for t in open_tasks] == [("union_chair", "finance@")]
    assert any("超期上报" in s for s in told)
    with service.db.read() as session:  # in the chair's 待办, no longer in finance's
        assert [t.case_id for t in worklists.queue(service, session, session.merge(users["huang"])).items] == [case.id]
        assert worklists.queue(service, session, session.merge(users["qian"])).total == 0
    with pytest.raises(ActionRefused) as refused:
        service.perform(case.id, "check", users["qian"], 3, None, "")
    assert refused.value.status == 403
    service.perform(case.id, "check", users["huang"], 3, None, "已代为审核")
    with service.db.read() as session:
        assert session.get(Case, case.id).state == "paid"
        assert verify(session, service.store, service.workflows, [case.id]).ok


def test_an_escalation_not_taken_by_the_timers_fails_the_replay(expense):
    service, users = expense
    case = service.create_case(users["li"], "expense", {})
    service.perform(case.id, "submit", users["li"], 1, {"title": "慰问品采购"})
    run_due(service, now=MONDAY + timedelta(days=4))
    with service.db.transaction() as session:  # the entry rewritten as if the chair had escalated it to themself
        entry = session.scalars(select(HistoryEntry).where(HistoryEntry.case_id == case.id,
                                                           HistoryEntry.trigger == "escalate")).one()
        entry.actor_roles = ["union_chair"]
    with service.db.read() as session:
        report = verify(session, service.store, service.workflows, [case.id])
    assert not report.ok


def test_the_validator_checks_the_escalation_role():
    text = (DEFINITIONS / "expense.yaml").read_text()
    with pytest.raises(DefinitionError) as broken:
        parse(text.replace("escalate: union_chair", "escalate: auditor"), "expense.yaml", None)
    assert "role 'auditor' is not declared" in str(broken.value)
