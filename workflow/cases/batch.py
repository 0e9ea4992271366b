"""批量同意: one opinion on several tasks of the same step, each taken as its own step of its own case (its own
history entry, event, notifications and stage PDF), so one stale or refused task is reported by its case and the
rest go through (docs/architecture.md § Tasks).

Only a step that asks for nothing but an opinion may be taken in a batch: a form (an amount, a unit, a vote) is
filled case by case, so is a step whose facts the process establishes (a tally).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.cases.service import CaseService, Conflict, NotFound
from workflow.cases.task_verbs import checked_comment
from workflow.core.definition import GENERIC_WITHDRAW, Definition, Label, Transition
from workflow.core.engine import ActionRefused, InvalidData
from workflow.core.roles import SYSTEM
from workflow.core.seats import OPEN
from workflow.store.models import Task, User

MAX_BATCH = 100
MOVED_ON = ("该任务已被他人处理或已办结", "The task was taken by someone else or is done")


@dataclass(frozen=True)
class Outcome:
    """What became of one task of a batch: done, or refused with the refusal (its status says which kind)."""

    task_id: int
    case_id: int | None = None
    case_number: str | None = None
    refused: ActionRefused | None = None

    @property
    def done(self) -> bool:
        return self.refused is None


def batchable(definition: Definition, state: str) -> list[tuple[str, Label]]:
    """The steps out of a state that may be taken in a batch: a person's, asking no form field and no fact (every
    transition of the trigger, since the form decides among them)."""
    steps: dict[str, list[Transition]] = {}
    for t in definition.transitions_from(state):
        steps.setdefault(t.trigger, []).append(t)
    return [(trigger, ts[0].label) for trigger, ts in steps.items()
            if trigger != GENERIC_WITHDRAW
            and all(t.roles - {SYSTEM} and not t.public and not t.facts and not any(f.required for f in t.fields) for t in ts)]


def approve(service: CaseService, user: User, task_ids: Any, trigger: Any, comment: Any) -> list[Outcome]:
    """Take `trigger` through each of these tasks of mine with one opinion; one outcome per task, in the order given.
    The whole request is refused (422) only when it is malformed or its tasks are not of one batchable step."""
    ids = _ids(task_ids)
    if not isinstance(trigger, str) or not trigger:
        raise InvalidData("请指定操作", "Name the step to take", fields={"trigger": "此项为必填项"})
    comment = checked_comment(comment)
    with service.db.read() as session:
        found = _visible(service, session, user, ids)
        _one_step(service, session, found.values(), trigger)
        versions = {task.id: task.case.version for task in found.values()}
        cases = {task.id: (task.case_id, task.case.number, task.status == OPEN and trigger in task.triggers)
                 for task in found.values()}
    outcomes = []
    for task_id in ids:
        if task_id not in cases:
            outcomes.append(Outcome(task_id, refused=NotFound("任务不存在", "No such task")))
            continue
        case_id, number, takes = cases[task_id]
        if not takes:
            outcomes.append(Outcome(task_id, case_id, number, Conflict(*MOVED_ON)))
            continue
        try:
            service.perform(case_id, trigger, user, versions[task_id], None, comment)
        except ActionRefused as refused:
            outcomes.append(Outcome(task_id, case_id, number, refused))
        else:
            outcomes.append(Outcome(task_id, case_id, number))
    return outcomes


def _ids(task_ids: Any) -> list[int]:
    if not isinstance(task_ids, list) or not task_ids:
        raise InvalidData("请选择要办理的任务", "Choose the tasks to take", fields={"task_ids": "应为任务编号的列表"})
    if len(task_ids) > MAX_BATCH:
        raise InvalidData(f"一次最多办理 {MAX_BATCH} 件", f"At most {MAX_BATCH} tasks at once",
                          fields={"task_ids": f"最多 {MAX_BATCH} 件"})
    if not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**31 for i in task_ids):
        raise InvalidData("任务编号应为正整数", "Task ids must be positive integers", fields={"task_ids": "应为正整数"})
    return list(dict.fromkeys(task_ids))


def _visible(service: CaseService, session: Session, user: User, ids: Sequence[int]) -> dict[int, Task]:
    """The tasks of these ids that the user may know of: of their seat (a task of their pool that someone else
    took meanwhile is reported by its case) or on a case they may view; any other is reported as not found."""
    unit = user.unit.code if user.unit else None
    tasks = session.scalars(select(Task).where(Task.id.in_(ids))).all()
    return {t.id: t for t in tasks
            if user.username in (t.assignee, t.person, t.delegated_from)
            or (t.pool_role in user.roles and t.pool_unit in (None, unit))
            or service.may_view(session, t.case, user)}


def _one_step(service: CaseService, session: Session, tasks: Any, trigger: str) -> None:
    steps = {(task.case.workflow, task.case.definition_version, task.state) for task in tasks}
    if len({(workflow, state) for workflow, _, state in steps}) > 1:
        raise InvalidData("批量办理的任务须属于同一流程的同一步骤", "The tasks of a batch must be of one step of one process",
                          fields={"task_ids": "不是同一步骤的任务"})
    for _, version, state in steps:
        definition = service.workflows.definition(version, session)
        if trigger not in {t for t, _ in batchable(definition, state)}:
            raise InvalidData("此步骤需逐件办理，不能批量办理", "This step is taken case by case, not in a batch",
                              fields={"trigger": "不能批量办理"})

