"""会签 through the service: the committee frozen from the accounts at entry, votes in the history, the audit replays it."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bootstrap import domains, load_workflows
from workflow.accounts.users import create_user, deactivate_user, ensure_unit
from workflow.audit.verify import verify
from workflow.cases.service import CaseService
from workflow.core.engine import ActionRefused
from workflow.store.db import Database
from workflow.store.models import Case, HistoryEntry, User
from workflow.store.storage import BlobStore

DEFINITIONS = Path(__file__).parent / "definitions"


@pytest.fixture
def grant(database_url, tmp_path):
    folder = tmp_path / "definitions"
    folder.mkdir()
    shutil.copy(DEFINITIONS / "grant.yaml", folder)
    db = Database(database_url)
    db.create_all()
    service = CaseService(db, load_workflows(folder, None), BlobStore(tmp_path / "storage"), domains=domains())
    with db.transaction() as session:
        ensure_unit(session, "GH", "工会办公室")
        create_user(session, "li", "password-123", ["member"], "GH", "李娜")
        for i in range(1, 6):
            create_user(session, f"c{i}", "password-123", ["union_committee"], "GH", f"委员{i}")
        gone = create_user(session, "c9", "password-123", ["union_committee"], "GH", "已离任委员")
        deactivate_user(session, gone)
    with db.read() as session:
        users = {u.username: u for u in session.query(User)}
    yield service, users
    db.dispose()


def test_a_majority_countersign_through_the_service(grant):
    service, users = grant
    case = service.create_case(users["li"], "grant", {})
    service.perform(case.id, "submit", users["li"], 1, {"amount": 3500})
    with service.db.read() as session:
        voters = session.get(Case, case.id).data["countersign"]["voting"]["voters"]
    assert voters == ["c1", "c2", "c3", "c4", "c5"]  # the active holders of the role, not the departed c9
    version = 2
    for voter, decision in (("c1", "approve"), ("c2", "reject"), ("c3", "approve")):
        service.perform(case.id, "vote", users[voter], version, {"decision": decision}, f"{voter} 的意见")
        version += 1
    with pytest.raises(ActionRefused) as again:
        service.perform(case.id, "vote", users["c1"], version, {"decision": "approve"})
    assert again.value.status == 409
    with pytest.raises(ActionRefused) as outsider:
        service.perform(case.id, "vote", users["c9"], version, {"decision": "approve"})
    assert outsider.value.status in (403, 404)
    done = service.perform(case.id, "vote", users["c4"], version, {"decision": "approve"}, "同意")
    assert done.record.dest == "approved"
    with service.db.read() as session:
        votes = session.query(HistoryEntry).filter_by(case_id=case.id, trigger="vote").order_by(HistoryEntry.seq).all()
        assert [(v.actor_username, v.comment) for v in votes] == [("c1", "c1 的意见"), ("c2", "c2 的意见"),
                                                                  ("c3", "c3 的意见"), ("c4", "同意")]
        assert verify(session, service.store, service.workflows, [case.id]).ok


def test_the_vote_waits_in_each_voters_queue_until_they_vote(grant):
    from workflow.cases import worklists
    service, users = grant
    waiting = [service.create_case(users["li"], "grant", {}).id for _ in range(3)]
    for case_id in waiting:
        service.perform(case_id, "submit", users["li"], 1, {"amount": 3500})
    service.perform(waiting[0], "vote", users["c1"], 2, {"decision": "approve"})

    def queue_of(who: str, per_page: int = 20) -> worklists.Page:
        with service.db.read() as session:
            return worklists.queue(service, session, session.merge(users[who]), per_page=per_page)

    assert queue_of("c1").total == 2 and {t.case_id for t in queue_of("c1").items} == set(waiting[1:])
    assert queue_of("c2").total == 3 and len(queue_of("c2", per_page=2).items) == 2  # counted and paged in SQL
    assert queue_of("li").total == 0
