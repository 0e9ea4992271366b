"""加签 and 减签 on the board (docs/architecture.md § Tasks): the holder of a task names signers before, alongside or
after them; a signer gives an opinion; the holder takes back one who has not acted. `Signing` is a part of
`Board` (workflow/core/tasks.py): it works on the board's tasks with the board's own helpers."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from workflow.core.actor import Actor
from workflow.core.definition import Definition, Label
from workflow.core.engine import Forbidden, InvalidData, NotOpen
from workflow.core.roles import SYSTEM
from workflow.core.seats import (
    CLOSED,
    DONE,
    OPEN,
    PENDING,
    Changes,
    Offered,
    Seat,
    Taken,
    Task,
    shared,
)

ADD_SIGN, REMOVE_SIGN, SIGN_OFF = "add_sign", "remove_sign", "sign_off"
BEFORE, AFTER, PARALLEL = "before", "after", "parallel"
POSITIONS: Mapping[str, Label] = {BEFORE: Label("在我之前", "before me"), AFTER: Label("在我之后", "after me"),
                                  PARALLEL: Label("与我并行", "alongside me")}
OPINIONS: Mapping[str, Label] = {"agree": Label("同意", "Agree"), "disagree": Label("不同意", "Disagree")}
MAX_SIGNERS = 10  # added to one task at once


class Signing:
    """The board's 加签 (Board mixes it in: `tasks`, `open`, `_open_task`, `_may_take`, `_finish`, `_number`)."""

    tasks: list[Task]

    def add_sign(self, number: int, actor: Actor, signers: Iterable[str], position: str,
                 submitter: str | None, definition: Definition, offered: Offered) -> Changes:
        """加签: named people give their opinion on my task — before me (my step waits for them), alongside me (my
        step waits for them too, they need not wait for me) or after me (once I have taken my step, before anyone
        of the state it leads to). A pool's task that I take this way becomes mine, as if claimed; a step everyone
        of a pool takes (附议) gets no signers."""
        task = self._open_task(number)
        if task.signer:
            raise NotOpen("加签人不能再加签", "A signer does not add signers")
        if not self._may_take(task, actor, offered) or SYSTEM in actor.roles:
            raise (Taken if task.assignee and task.of_pool(actor) else Forbidden)(
                "只能为自己的待办任务加签", "You may add signers to a task of your own only")
        if task.assignee is None and shared(definition, task):
            raise NotOpen("此步骤由多人各自办理，不能加签", "Everyone of the pool takes this step: it gets no signers")
        if position not in POSITIONS:
            raise InvalidData("加签方式应为之前、之后或并行", "The position must be before, after or parallel",
                              fields={"position": "请选择加签方式"})
        names = list(dict.fromkeys(signers))
        if not names or len(names) > MAX_SIGNERS:
            raise InvalidData(f"请指定 1 至 {MAX_SIGNERS} 位加签人", f"Name 1 to {MAX_SIGNERS} signers",
                              fields={"users": f"1 至 {MAX_SIGNERS} 人"})
        for name in names:
            refusal = self._not_signer(task, actor, name, submitter)
            if refusal:
                raise InvalidData(refusal[0], refusal[1], fields={"users": refusal[0]})
        changes = Changes()
        if task.assignee is None:
            task.assignee = actor.username
            changes.changed.append(task)
        for name in names:
            signer = Task(self._number(), task.state, task.visit, Seat(person=name), frozenset({SIGN_OFF}), name,
                          status=PENDING if position == AFTER else OPEN, sign_for=task.number,
                          sign_position=position)
            self.tasks.append(signer)
            changes.opened.append(signer)
        return changes

    def remove_sign(self, number: int, actor: Actor, signers: Iterable[str], seq: int, offered: Offered) -> Changes:
        """减签: take back signers I added to my task who have not given their opinion yet."""
        task = self._open_task(number)
        if not self._may_take(task, actor, offered):
            raise (Taken if task.assignee and task.of_pool(actor) else Forbidden)(
                "只能为自己的待办任务减签", "You may remove signers from a task of your own only")
        names = list(dict.fromkeys(signers))
        if not names or len(names) > MAX_SIGNERS:
            raise InvalidData(f"请指定 1 至 {MAX_SIGNERS} 位加签人", f"Name 1 to {MAX_SIGNERS} signers",
                              fields={"users": f"1 至 {MAX_SIGNERS} 人"})
        changes = Changes()
        for name in names:
            found = [t for t in self.tasks if t.sign_for == number and t.assignee == name
                     and t.status in (OPEN, PENDING)]
            if not found:
                raise InvalidData(f"{name} 不是此任务尚未办理的加签人", f"{name} is not a signer who has yet to act",
                                  fields={"users": f"{name} 已办理或不是加签人"})
            for signer in found:
                self._finish(signer, CLOSED, None, seq, changes)
        return changes

    def sign_off(self, number: int, actor: Actor, seq: int) -> Changes:
        """An added signer gives their opinion: their task is done, and what waited on it may go on."""
        task = self._open_task(number)
        if not task.signer or task.assignee != actor.username:
            raise Forbidden("此加签任务不是您的", "This signer's task is not yours")
        changes = Changes()
        self._finish(task, DONE, actor.username, seq, changes)
        return changes

    def waiting_on(self, task: Task) -> list[Task]:
        """The signers a task waits on: added before or alongside it, or after the step that led to its state."""
        if task.signer:
            return []
        return [t for t in self.open() if t.signer and (
            (t.sign_for == task.number and t.sign_position in (BEFORE, PARALLEL))
            or (t.sign_position == AFTER and t.sign_for is None and t.visit == task.visit))]

    def _unless_waiting(self, task: Task) -> Task:
        waiting = self.waiting_on(task)
        if waiting:
            who = "、".join(t.assignee or "" for t in waiting)
            raise NotOpen(f"须待加签人 {who} 办理后才能办理", f"Waiting for the signers: {who}")
        return task

    def _not_signer(self, task: Task, actor: Actor, name: str, submitter: str | None) -> tuple[str, str] | None:
        if name == submitter:
            return "申请人本人不能作为加签人", "Not the applicant"
        if name in (actor.username, task.assignee, task.seat.person):
            return "不能为自己加签", "Not yourself"
        if any(t.sign_for == task.number and t.assignee == name and t.status in (OPEN, PENDING) for t in self.tasks):
            return f"{name} 已是此任务的加签人", f"{name} signs this task already"
        return None
