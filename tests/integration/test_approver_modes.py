"""Approver modes through the service, on SQLite and PostgreSQL (tests/integration/definitions/chain.yaml): reviewers
named in a field of the case approve one after another (依次) — each in turn is the one task, a refusal ends it — and
a ratio of the union committee decides; the audit replays both."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from bootstrap import domains, load_workflows
from workflow.accounts.users import create_user, ensure_unit
from workflow.audit.verify import verify
from workflow.cases.service import CaseService
from workflow.core.engine import ActionRefused
from workflow.store.db import Database
from workflow.store.models import Case, Notification, Task, User
from workflow.store.storage import BlobStore

DEFINITIONS = Path(__file__).parent / "definitions"


@pytest.fixture
def chain(database_url, tmp_path):
    folder = tmp_path / "definitions"
    folder.mkdir()
    shutil.copy(DEFINITIONS / "chain.yaml", folder)
    db = Database(database_url)
    db.create_all()
    service = CaseService(db, load_workflows(folder, None), BlobStore(tmp_path / "storage"), domains=domains())
    with db.transaction() as session:
        ensure_unit(session, "GH", "工会办公室")
        for name in ("li", "wang", "zhao", "sun"):
            create_user(session, name, "password-123", ["member"], "GH", name)
        for i in range(1, 6):
            create_user(session, f"c{i}", "password-123", ["union_committee"], "GH", f"委员{i}")
    with db.read() as session:
        users = {u.username: u for u in session.scalars(select(User))}
    yield service, users
    db.dispose()


def _open(service, case_id: int) -> list[str]:
    with service.db.read() as session:
        return sorted(t.person for t in session.scalars(select(Task).where(Task.case_id == case_id,
                                                                            Task.status == "open")))


def _file(service, users, trigger: str, reviewers: str) -> int:
    case = service.create_case(users["li"], "chain", {})
    service.perform(case.id, trigger, users["li"], 1, {"title": "年度慰问方案", "reviewers": reviewers})
    return case.id


def _vote(service, users, case_id: int, who: str, decision: str = "approve"):
    with service.db.read() as session:
        version = session.get(Case, case_id).version
    return service.perform(case_id, "vote", users[who], version, {"decision": decision}, f"{who} 审核")


def test_reviewers_named_in_the_case_approve_one_after_another(chain):
    service, users = chain
    case_id = _file(service, users, "submit", "zhao, wang，sun")
    with service.db.read() as session:
        assert session.get(Case, case_id).data["countersign"]["review"]["voters"] == ["zhao", "wang", "sun"]
    assert _open(service, case_id) == ["zhao"]  # one task at a time, in the order given
    with pytest.raises(ActionRefused) as early:
        _vote(service, users, case_id, "wang")
    assert "尚未轮到您" in early.value.message
    _vote(service, users, case_id, "zhao")
    assert _open(service, case_id) == ["wang"]
    with service.db.read() as session:  # told it is their turn now
        told = session.scalars(select(Notification.subject).where(Notification.user_id == users["wang"].id)).all()
    assert any("轮到您审批" in subject for subject in told), told
    _vote(service, users, case_id, "wang")
    assert _vote(service, users, case_id, "sun").record.dest == "approved"
    with service.db.read() as session:
        assert verify(session, service.store, service.workflows, [case_id]).ok


def test_one_refusal_in_a_sequence_ends_it(chain):
    service, users = chain
    case_id = _file(service, users, "submit", "zhao wang")
    assert _vote(service, users, case_id, "zhao", "reject").record.dest == "rejected"
    assert _open(service, case_id) == []


def test_a_ratio_of_the_committee_decides(chain):
    service, users = chain
    passed = _file(service, users, "to_panel", "")
    assert _open(service, passed) == ["c1", "c2", "c3", "c4", "c5"]
    for who in ("c1", "c2"):
        assert _vote(service, users, passed, who).record.dest == "panel"
    assert _vote(service, users, passed, "c3").record.dest == "approved"  # 3 of 5 = 0.6
    assert _open(service, passed) == []
    failed = _file(service, users, "to_panel", "")
    for who in ("c1", "c2"):
        _vote(service, users, failed, who, "reject")
    assert _vote(service, users, failed, "c3", "reject").record.dest == "rejected"  # 3 can no longer be reached
    with service.db.read() as session:
        assert verify(session, service.store, service.workflows, [passed, failed]).ok
