"""抄送 through the service, on SQLite and PostgreSQL: a step's `cc` copies the holders of its roles and the people
its fields name; one who handles a case copies named people; whoever has a copy may read the case; 抄送我的 lists
mine, unread first, and marks them read; the audit replays the copies."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from support.memo_desk import file_memo

from workflow.audit.verify import verify
from workflow.cases import copies, task_verbs
from workflow.core.engine import ActionRefused, InvalidData
from workflow.store.models import Case, HistoryEntry


def test_a_steps_cc_copies_its_roles_and_the_people_its_field_names(memo):
    service, users = memo
    case_id = file_memo(service, users)
    with service.db.read() as session:
        case = session.get(Case, case_id)
        assert service.may_view(session, case, users["wu"]) and service.may_view(session, case, users["qian"])
        assert not service.may_view(session, case, users["zhou"])
        listed = copies.mine(session, users["wu"])
        assert listed.total == 1 and listed.extra["unread"] == 1 and listed.items[0].by == "li"
    assert copies.mark_read(service.db, users["wu"], service.clock()) == 1
    with service.db.read() as session:
        assert copies.mine(session, users["wu"]).extra["unread"] == 0
        assert verify(session, service.store, service.workflows, [case_id]).ok


def test_one_who_handles_the_case_copies_named_people_once(memo):
    service, users = memo
    case_id = file_memo(service, users, colleague="")
    done = task_verbs.copy(service, case_id, users["huang"], ["zhou"], "请周知")
    assert len(done.notified) == 1
    with service.db.read() as session:
        assert service.may_view(session, session.get(Case, case_id), users["zhou"])
        entry = session.scalar(select(HistoryEntry).where(HistoryEntry.case_id == case_id, HistoryEntry.trigger == "cc"))
        assert entry.changes == {"users": ["zhou"]} and entry.comment == "请周知"
    with pytest.raises(InvalidData) as again:
        task_verbs.copy(service, case_id, users["huang"], ["zhou"], "")
    assert "users" in again.value.fields  # copied already
    with pytest.raises(InvalidData):
        task_verbs.copy(service, case_id, users["huang"], ["nobody"], "")
    with pytest.raises(InvalidData):
        task_verbs.copy(service, case_id, users["huang"], [], "")
    with pytest.raises(ActionRefused) as refused:  # zhou reads it now, but does not handle it
        task_verbs.copy(service, case_id, users["zhou"], ["wu"], "")
    assert refused.value.status == 403
    with service.db.read() as session:
        assert verify(session, service.store, service.workflows, [case_id]).ok
