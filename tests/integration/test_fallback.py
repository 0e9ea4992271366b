"""A case never waits silently, on SQLite and PostgreSQL: when nobody but the applicant holds the role a step's pool
needs, its task goes to the definition's fallback, or else the first administrator, who takes it with the seat's
authority; every administrator is told; the audit replays it."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select
from support.memo_desk import ROOT, file_memo

from bootstrap import domains, load_workflows
from workflow.accounts.users import create_user, deactivate_user
from workflow.audit.verify import verify
from workflow.cases.service import CaseService
from workflow.store.models import Case, HistoryEntry, Notification, Task, User


def _chairs_gone(service) -> None:
    with service.db.transaction() as session:
        for name in ("huang", "wang"):
            deactivate_user(session, session.scalar(select(User).where(User.username == name)))


def _open(service, case_id: int) -> Task:
    with service.db.read() as session:
        return session.scalars(select(Task).where(Task.case_id == case_id, Task.status == "open")).one()


def test_a_pool_nobody_holds_goes_to_the_first_administrator_and_every_administrator_is_told(memo):
    service, users = memo
    with service.db.transaction() as session:
        for name in ("admin1", "admin2"):
            create_user(session, name, "password-123", ["admin"], "GH", name)
    _chairs_gone(service)
    case_id = file_memo(service, users, colleague="")
    task = _open(service, case_id)
    assert (task.pool_role, task.assignee) == ("union_chair", "admin1")
    with service.db.read() as session:
        admin1, admin2 = (session.scalar(select(User).where(User.username == n)) for n in ("admin1", "admin2"))
        told = {n.user_id: n.subject for n in session.scalars(select(Notification))}
        entry = session.scalars(select(HistoryEntry).where(HistoryEntry.case_id == case_id)
                                .order_by(HistoryEntry.seq.desc())).first()
    assert entry.fallback == {"union_chair@": "admin1"}
    assert "无人在任，交您办理" in told[admin1.id] or "无人可办" in told[admin1.id]
    assert "无人可办" in told[admin2.id]
    service.perform(case_id, "ack", admin1, 2, None, "已阅（代）")  # with the chair's authority
    with service.db.read() as session:
        assert session.get(Case, case_id).state == "read"
        assert verify(session, service.store, service.workflows, [case_id]).ok


def test_the_definitions_fallback_comes_first(memo, tmp_path):
    service, users = memo
    folder = tmp_path / "with_fallback"
    folder.mkdir()
    shutil.copytree(ROOT / "definitions" / "calendar", folder / "calendar")
    text = (Path(ROOT) / "tests" / "integration" / "definitions" / "memo.yaml").read_text()
    (folder / "memo.yaml").write_text(text.replace("initial: draft\n", "initial: draft\nfallback: qian\n"))
    with_fallback = CaseService(service.db, load_workflows(folder, None), service.store, domains=domains())
    _chairs_gone(service)
    case_id = file_memo(with_fallback, users, colleague="")
    assert _open(service, case_id).assignee == "qian"


def test_nobody_to_fall_back_to_leaves_the_pool_as_it_is(memo):
    service, users = memo
    _chairs_gone(service)
    case_id = file_memo(service, users, colleague="")
    assert _open(service, case_id).assignee is None


def test_the_validator_checks_a_fallback():
    from workflow.core.definition import DefinitionError
    from workflow.core.definition_load import parse
    text = (ROOT / "tests" / "integration" / "definitions" / "memo.yaml").read_text()
    with pytest.raises(DefinitionError):
        parse(text.replace("initial: draft\n", "initial: draft\nfallback: ''\n"), "memo.yaml", None)
