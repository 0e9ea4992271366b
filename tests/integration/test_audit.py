"""The audit names each kind of tampering: an edited entry, an edited or missing PDF, a deleted last entry, a
reordered entry, and a history whose hashes were recomputed but whose steps the process never allowed."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

from workflow.audit.verify import verify
from workflow.core.history import hash_of_entry
from workflow.store.models import Case, Document, HistoryEntry


@pytest.fixture
def archived(api):
    return api.walk_to("archived")


def problems(service, case_id):
    with service.db.read() as session:
        report = verify(session, service.store, service.workflows)
    return {c.number: c.problems for c in report.cases}, next(c for c in report.cases if c.case_id == case_id)


def test_an_untouched_history_verifies(service, archived):
    _, report = problems(service, archived["id"])
    assert report.ok and report.entries == 8 and report.documents == 6


def test_edited_event_is_named(service, archived):
    with service.db.transaction() as session:
        entry = session.scalar(select(HistoryEntry).where(HistoryEntry.case_id == archived["id"], HistoryEntry.seq == 5))
        entry.changes = {**entry.changes, "lead_unit": "CJ1"}
    _, report = problems(service, archived["id"])
    assert "第 5 条记录（accept）的内容被改动：哈希不符" in report.problems


def test_edited_and_missing_pdfs_are_named(service, archived):
    docs = archived["documents"]
    edited = service.store.path(docs[1]["sha256"])
    edited.write_bytes(edited.read_bytes().replace(b"%%EOF", b"%%EOF\n% tampered"))
    service.store.path(docs[3]["sha256"]).unlink()
    _, report = problems(service, archived["id"])
    assert any("《立案通知书》被改动" in p for p in report.problems), report.problems
    assert any("《提案答复函》缺失" in p for p in report.problems), report.problems


def test_deleted_last_event_is_named(service, archived):
    with service.db.transaction() as session:
        session.execute(delete(Document).where(Document.case_id == archived["id"], Document.event_seq == 8))
        session.execute(delete(HistoryEntry).where(HistoryEntry.case_id == archived["id"], HistoryEntry.seq == 8))
    _, report = problems(service, archived["id"])
    assert any("最后的记录被删除" in p for p in report.problems), report.problems


def test_reordered_events_are_named(service, archived):
    with service.db.transaction() as session:
        session.execute(update(HistoryEntry).where(HistoryEntry.case_id == archived["id"], HistoryEntry.seq == 3)
                        .values(seq=-3))
        session.execute(update(HistoryEntry).where(HistoryEntry.case_id == archived["id"], HistoryEntry.seq == 4)
                        .values(seq=3))
        session.execute(update(HistoryEntry).where(HistoryEntry.case_id == archived["id"], HistoryEntry.seq == -3)
                        .values(seq=4))
    _, report = problems(service, archived["id"])
    assert any("调换了顺序" in p for p in report.problems), report.problems


def test_a_rehashed_forgery_fails_the_replay(service, archived):
    """Rewrite who accepted the proposal and recompute every hash: the chain holds, the replay does not."""
    with service.db.transaction() as session:
        case = session.get(Case, archived["id"])
        entries = list(session.scalars(select(HistoryEntry).where(HistoryEntry.case_id == case.id).order_by(HistoryEntry.seq)))
        entries[4].actor_username, entries[4].actor_roles = "li", ["member"]
        prev = entries[0].prev_hash
        for entry in entries:
            entry.prev_hash = prev
            entry.hash = hash_of_entry(entry, case.number)
            prev = entry.hash
        case.head_hash = prev
    _, report = problems(service, archived["id"])
    assert len(report.problems) == 1 and "第 5 步「accept」按流程定义不被允许" in report.problems[0]


def test_other_cases_stay_clean_and_the_cli_exits_1(app, service, api, archived, tmp_path):
    other = api.walk_to("seconding")
    service.store.path(archived["documents"][0]["sha256"]).unlink()
    by_number, _ = problems(service, archived["id"])
    assert by_number[other["number"]] == [] and by_number[archived["number"]]
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"异常 BROKEN {archived['number']}" in result.output and f"正常 OK   {other['number']}" in result.output
    report = api.get("song", "/audit/verify").json
    assert report["ok"] is False and report["cases_broken"] == 1
