"""批量同意 through the service, on SQLite and PostgreSQL: one opinion on many tasks of one step, each its own step of
its own case; a stale task is reported by its case and the rest go through; a step that asks for a form, tasks of
different steps and malformed requests are refused as a whole; a task of a case I may not read names no case."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from support.memo_desk import file_memo

from workflow.audit.verify import verify
from workflow.cases import batch
from workflow.core.engine import InvalidData
from workflow.store.models import Case, HistoryEntry, Task


def _task_of(service, case_id: int) -> int:
    with service.db.read() as session:
        return session.scalar(select(Task.id).where(Task.case_id == case_id, Task.status == "open"))


def test_a_batch_of_fifty_with_one_stale_task_takes_forty_nine_and_reports_the_one(memo):
    service, users = memo
    cases = [file_memo(service, users, colleague="") for _ in range(50)]
    tasks = [_task_of(service, case_id) for case_id in cases]
    stale = cases[17]
    service.perform(stale, "ack", users["wang"], 2, None, "已阅")  # the other chair took it first

    outcomes = batch.approve(service, users["huang"], tasks, "ack", "同意，已阅")

    assert [o.task_id for o in outcomes] == tasks
    assert sum(o.done for o in outcomes) == 49
    refused = [o for o in outcomes if not o.done]
    assert [(o.case_id, o.refused.status) for o in refused] == [(stale, 409)]
    with service.db.read() as session:
        assert refused[0].case_number == session.get(Case, stale).number
        states = dict(session.execute(select(Case.id, Case.state)).all())
        assert all(states[c] == "read" for c in cases)
        by = dict(session.execute(select(HistoryEntry.case_id, HistoryEntry.actor_username)
                                  .where(HistoryEntry.trigger == "ack")).all())
        assert by[stale] == "wang" and all(by[c] == "huang" for c in cases if c != stale)
        comments = session.scalars(select(HistoryEntry.comment).where(HistoryEntry.actor_username == "huang")).all()
        assert comments == ["同意，已阅"] * 49  # each its own step, each with the one opinion
        assert verify(session, service.store, service.workflows, None).ok


def test_a_step_with_a_form_or_tasks_of_different_steps_are_refused_as_a_whole(memo):
    service, users = memo
    filed = file_memo(service, users)
    draft = service.create_case(users["li"], "memo", {}).id
    with pytest.raises(InvalidData) as refused:  # 提交 asks for a title: case by case
        batch.approve(service, users["li"], [_task_of(service, draft)], "submit", "")
    assert "逐件" in refused.value.message
    with pytest.raises(InvalidData) as refused:
        batch.approve(service, users["li"], [_task_of(service, draft), _task_of(service, filed)], "submit", "")
    assert "同一步骤" in refused.value.message
    with service.db.read() as session:
        assert session.scalar(select(func.count()).select_from(HistoryEntry)) == 3  # nothing was taken


@pytest.mark.parametrize("task_ids, trigger, comment, field", [
    ([], "ack", "", "task_ids"),
    ("1,2", "ack", "", "task_ids"),
    ([1, "2"], "ack", "", "task_ids"),
    ([True], "ack", "", "task_ids"),
    ([2**40], "ack", "", "task_ids"),
    (list(range(1, 102)), "ack", "", "task_ids"),
    ([1], None, "", "trigger"),
    ([1], "ack", "长" * 2001, "comment"),
    ([1], "ack", {"x": 1}, "comment"),
])
def test_a_malformed_batch_is_refused_with_the_field_named(memo, task_ids, trigger, comment, field):
    service, users = memo
    with pytest.raises(InvalidData) as refused:
        batch.approve(service, users["huang"], task_ids, trigger, comment)
    assert field in refused.value.fields


def test_a_task_on_a_case_i_may_not_read_names_no_case_and_a_refused_one_leaves_its_case_as_it_is(memo):
    service, users = memo
    case_id = file_memo(service, users, colleague="")
    task = _task_of(service, case_id)
    unseen = batch.approve(service, users["zhou"], [task, 999_999], "ack", "")
    assert [(o.task_id, o.case_id, o.case_number, o.refused.status) for o in unseen] == [
        (task, None, None, 404), (999_999, None, None, 404)]
    wrong = batch.approve(service, users["qian"], [task], "ack", "")  # finance is copied, not a chair
    assert wrong[0].refused.status == 403 and wrong[0].case_id == case_id
    with service.db.read() as session:
        assert session.get(Case, case_id).state == "filed" and session.get(Case, case_id).version == 2
