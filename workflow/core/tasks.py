"""Tasks (任务): who is to act on a case now, derived from its definition and its history alone.

When a case enters a state, each open step becomes a task: for a pool (a role, with the unit rule the step has) or
for a named person (the submitter's own step, a 会签's voters). A task is a *seat*: whoever holds it acts with the
seat's authority. A pool task may be claimed (签收) where the step says so (`claim: true`), and a task handed on
(转交) to someone who may take it; 加签 is workflow/core/signing.py, what a task is and which a state gives
workflow/core/seats.py. The `Board` is pure: the case service applies what it changes to the `tasks`
table in the step's own transaction, and `audit verify` replays it from the history, so a verb that the tasks did
not allow, or a table edited behind the history's back, is caught (docs/architecture.md § Tasks).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from workflow.core.actor import Actor
from workflow.core.definition import Definition, Label
from workflow.core.engine import (
    ActionRefused,
    CaseView,
    Forbidden,
    InvalidData,
    NotOpen,
)
from workflow.core.roles import ADMIN, SYSTEM
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
    pool_key,
    seats,
)
from workflow.core.signing import ADD_SIGN, AFTER, REMOVE_SIGN, SIGN_OFF, Signing

CLAIM, TRANSFER, DELEGATE, UNDELEGATE, REMIND, COPY = "claim", "transfer", "delegate", "undelegate", "remind", "cc"
ESCALATE = "escalate"
REASSIGN = "reassign"  # 流程干预: the administrator gives an open task to someone
VERBS: Mapping[str, Label] = {CLAIM: Label("签收", "Claim"), TRANSFER: Label("转交", "Transfer"),
                              REMIND: Label("催办", "Reminder"), COPY: Label("抄送", "Copy"),
                              DELEGATE: Label("委托代办", "Passed to a delegate"),
                              UNDELEGATE: Label("委托结束收回", "Back from a delegate"),
                              ADD_SIGN: Label("加签", "Added a signer"), REMOVE_SIGN: Label("减签", "Removed a signer"),
                              SIGN_OFF: Label("加签意见", "Signer's opinion"),
                              REASSIGN: Label("流程干预·改派", "Reassigned by the administrator"),
                              ESCALATE: Label("超期上报", "Escalated on the deadline")}


# -- the board ------------------------------------------------------------------------------------------------------

class Board(Signing):
    """The tasks of one case's latest stay in a state (all that a step may change), and its next task number."""

    def __init__(self, tasks: Iterable[Task] = (), next_number: int | None = None):
        self.tasks = sorted(tasks, key=lambda t: t.number)
        self.next_number = next_number or (max((t.number for t in self.tasks), default=0) + 1)

    def open(self) -> list[Task]:
        return [t for t in self.tasks if t.status == OPEN]

    def get(self, number: int) -> Task:
        for task in self.tasks:
            if task.number == number:
                return task
        raise NotOpen("该任务不存在或已办结", "No such open task")

    # -- who acts ----------------------------------------------------------------------------------------------

    def through(self, trigger: str, actor: Actor) -> Task | None:
        """The task this actor takes the step through; None when no open task covers it (a public step, the
        submitter's withdrawal, the system's (the timers), a case without tasks): then the engine alone decides. Refused when
        the step's tasks are someone else's."""
        covering = [t for t in self.open() if trigger in t.triggers]
        if not covering or SYSTEM in actor.roles:  # the timers act on a deadline, whoever holds the tasks
            return None
        mine = [t for t in covering if t.holds(actor)]
        if mine:
            return self._unless_waiting(min(mine, key=lambda t: (t.assignee is None, t.number)))  # mine first
        held = [t for t in covering if t.assignee is not None and t.of_pool(actor)]
        if held:  # only one of the pool hears who holds it
            raise Taken(f"此任务已由 {held[0].assignee} 办理", f"This task is held by {held[0].assignee}")
        raise Forbidden("此步骤不是您的待办任务", "This step is not your task")

    def through_for(self, trigger: str, actor: Actor, principal: Actor | None) -> Task | None:
        """As `through`, for a delegate acting for a principal (委托): a task given to them by that principal, else
        what the principal's own standing allows."""
        if principal is None:
            return self.through(trigger, actor)
        for task in self.open():
            if trigger in task.triggers and task.assignee == actor.username and task.delegated_from == principal.username:
                return self._unless_waiting(task)
        return self.through(trigger, principal)

    def moving(self, actor: Actor) -> Task | None:
        """The task a 退回 or a 撤回 (workflow/core/moves.py) is taken through: the actor's own open task, if any."""
        return next((t for t in self.open() if not t.signer and t.holds(actor)), None)

    def allows(self, trigger: str, actor: Actor) -> bool:
        """Whether the tasks let this actor take the step (the engine decides the rest)."""
        try:
            self.through(trigger, actor)
        except ActionRefused:
            return False
        return True

    @staticmethod
    def acting_as(task: Task | None, actor: Actor, principal: Actor | None = None) -> Actor:
        """The actor the engine decides for: a delegate acts as their principal (委托), with the principal's roles
        and unit; a named seat held by someone else (a 会签 vote handed on) acts in its person's name, with the
        holder's own roles; anything else as the actor themself."""
        if principal is not None:
            return principal
        if task is not None and task.seat.person is not None and task.seat.person != actor.username:
            return replace(actor, username=task.seat.person)
        if task is not None and task.escalated_from and task.holds(actor):
            role, _, unit = task.escalated_from.partition("@")  # an escalated task acts for the pool it came from
            return replace(actor, roles=actor.roles | {role}, unit=unit or actor.unit)
        if task is not None and task.seat.role and task.assignee == actor.username and not task.of_pool(actor):
            # a pool's task given to someone outside the pool (流程干预, a fallback) is taken with the pool's role
            return replace(actor, roles=actor.roles | {task.seat.role}, unit=task.seat.unit or actor.unit)
        return actor

    # -- steps ---------------------------------------------------------------------------------------------------

    def step(self, definition: Definition, source: str, after: CaseView, actor: str, through: Task | None,
             seq: int, restart: bool = False, delegates: Mapping[str, str] | None = None) -> Changes:
        """Apply a step of the definition (taken through `through`, if any) that left the case as `after`.
        `delegates`: principal → delegate for the named tasks this step opens (委托 in force); never the
        applicant's own step, never to the applicant."""
        changes = Changes()
        leaving = source != after.state or restart
        if through is not None:
            if leaving or through.seat.person is not None:  # a named seat (a 会签 vote) is done by its one step
                self._finish(through, DONE, actor, seq, changes)
            else:  # one of a pool's steps that leaves the task open (a 附议): the actor's own share, done
                share = Task(self._number(), through.state, through.visit, through.seat, through.triggers, actor,
                             status=DONE, done_by=actor, closed_seq=seq)
                self.tasks.append(share)
                changes.opened.append(share)
        afters = [t for t in self.tasks if t.status == PENDING and through is not None and t.sign_for == through.number]
        if leaving:
            for task in [*self.open(), *(t for t in self.tasks if t.status == PENDING)]:
                self._finish(task, CLOSED, None, seq, changes)
            self.tasks = []
        visit = [t for t in self.tasks if t.state == after.state]
        at = visit[0].visit if visit else seq
        have = {t.seat for t in visit if not t.signer}
        wanted = seats(definition, after)
        for seat, triggers, claimable in wanted:
            if seat not in have:
                task = Task(self._number(), after.state, at, seat, triggers, seat.person, claimable)
                named = seat.person and seat.person != after.submitter and delegates is not None
                delegate = delegates.get(seat.person) if named else None  # (read only for a named seat)
                if delegate and after.submitter != delegate:
                    task.assignee, task.delegated_from = delegate, seat.person
                self.tasks.append(task)
                changes.opened.append(task)
        for pending in afters:  # 后加签: the added signers act before anyone of the state the step led to
            if not leaving:
                self._finish(pending, CLOSED, None, seq, changes)
            signer = Task(self._number(), after.state, at, pending.seat, pending.triggers, pending.assignee,
                          sign_position=AFTER)
            self.tasks.append(signer)
            changes.opened.append(signer)
        still = {seat for seat, _, _ in wanted}
        for task in self.open():  # a stay that changed who may act (a unit field): the seats it dropped close
            if task.seat not in still and not task.signer and not task.escalated_from:
                self._finish(task, CLOSED, None, seq, changes)
        return changes

    def may_take(self, number: int, actor: Actor, offered: Offered) -> bool:
        """Whether the actor holds the open task, or is of its pool and offered one of its steps."""
        task = self.get(number)
        return task.status == OPEN and self._may_take(task, actor, offered)

    @staticmethod
    def for_delegate(changes: Changes, principal: str, delegate: str) -> None:
        """A verb a delegate took as their principal (委托): a task it made the principal's is the delegate's to hold
        for them (a pool's task taken on by a 签收 or a 加签)."""
        for task in (*changes.opened, *changes.changed):
            if task.assignee == principal and not task.signer and task.status == OPEN:
                task.assignee, task.delegated_from = delegate, principal

    @staticmethod
    def fall_back(changes: Changes, given: Mapping[str, str]) -> None:
        """A step opened pool tasks that nobody holds the role of: each goes to the person `given` names for its
        pool (`pool_key`), who takes it with the seat's authority (acting_as)."""
        for task in changes.opened:
            if task.assignee is None and task.seat.role and pool_key(task.seat) in given:
                task.assignee = given[pool_key(task.seat)]

    def claim(self, number: int, actor: Actor, offered: Offered) -> Changes:
        """签收: the pool's task becomes the actor's. `offered(actor)`: the steps the engine offers someone on the
        case now (a pool's member whom the guards turn away, such as the proposer of a 附议, may not claim it)."""
        task = self._open_task(number)
        if task.assignee is not None:
            raise Taken(f"此任务已由 {task.assignee} 签收", f"{task.assignee} has claimed this task")
        if not self._may_take(task, actor, offered):
            raise Forbidden("此任务不是您可以签收的", "You may not claim this task")
        if not task.claimable:
            raise NotOpen("此步骤无需签收，可直接办理", "This step is not claimed; just take it")
        task.assignee = actor.username
        return Changes(changed=[task])

    def transfer(self, number: int, actor: Actor, target: Actor, submitter: str | None, offered: Offered) -> Changes:
        """转交: hand my task to `target`, who must be able to take its steps (the engine offers them one) and hold
        no open task of the same steps already; never to the applicant, and never the applicant's own step."""
        task = self._open_task(number)
        if not self._may_take(task, actor, offered):
            raise (Taken if task.assignee and task.of_pool(actor) else Forbidden)(
                "只能转交自己的待办任务", "You may only hand on a task of your own")
        if task.assignee is None and not task.claimable:
            raise NotOpen("此步骤由多人各自办理，不能转交", "Everyone of the pool takes this step: it is not handed on")
        if task.seat.person is not None and task.seat.person == submitter:
            raise InvalidData("申请人本人的步骤不能转交", "The applicant's own step cannot be handed on",
                              fields={"to": "申请人本人的步骤不能转交"})
        refusal = self._ineligible(task, actor, target, submitter, offered)
        if refusal:
            raise InvalidData(refusal[0], refusal[1], fields={"to": refusal[0]})
        task.assignee = target.username
        return Changes(changed=[task])

    def escalate(self, role: str, seq: int) -> Changes:
        """超期上报: the deadline passed, so each open pool task of the stay goes to the holders of `role` as their
        pool, who act with the first pool's authority (acting_as); a named seat (a vote, the applicant's) stays."""
        changes = Changes()
        for task in self.open():
            if task.seat.role is None or task.signer or task.escalated_from:
                continue
            self._finish(task, CLOSED, None, seq, changes)
            up = Task(self._number(), task.state, task.visit, Seat(role=role), task.triggers, None, True,
                      escalated_from=pool_key(task.seat))
            self.tasks.append(up)
            changes.opened.append(up)
        if not changes:
            raise NotOpen("没有可上报的待办任务", "No pool task to escalate")
        return changes

    def reassign(self, number: int, actor: Actor, target: str, submitter: str | None) -> Changes:
        """流程干预: the administrator gives an open task to a named person, who then takes it with its seat's
        authority (never the applicant, unless it is their own step)."""
        task = self._open_task(number)
        if ADMIN not in actor.roles:
            raise Forbidden("只有系统管理员可以进行流程干预", "Only the administrator intervenes")
        if task.signer:
            raise NotOpen("加签人的任务不能改派，可由持有人减签", "A signer's task is not reassigned")
        if target == submitter and task.seat.person != submitter:
            raise InvalidData("不能把审批任务改派给申请人本人", "Not to the applicant", fields={"to": "不能是申请人"})
        if target == task.assignee:
            raise InvalidData("任务已在对方名下", "The task is theirs already", fields={"to": "任务已在对方名下"})
        task.assignee, task.delegated_from = target, None
        return Changes(changed=[task])

    def delegate(self, number: int, principal: str, delegate: str, submitter: str | None) -> Changes:
        """委托 in force: the principal's open task goes to their delegate (not the applicant's own step, never to
        the applicant: a delegate never approves a case they filed)."""
        task = self._open_task(number)
        if task.assignee != principal or task.delegated_from is not None:
            raise Taken("该任务不在委托人名下", "The task is not the principal's")
        if submitter in (task.seat.person, delegate):
            raise Forbidden("申请人本人的事项不能委托给他人或由其本人代办",
                            "An applicant's own case is neither delegated nor taken by them as a delegate")
        task.assignee, task.delegated_from = delegate, principal
        return Changes(changed=[task])

    def undelegate(self, number: int, principal: str, delegate: str) -> Changes:
        """委托 over: a task the delegate still holds comes back to the principal."""
        task = self._open_task(number)
        if task.delegated_from != principal or task.assignee != delegate:
            raise Taken("该任务不是委托代办的任务", "The task is not held for the principal")
        task.assignee, task.delegated_from = principal, None
        return Changes(changed=[task])

    # -- internals -------------------------------------------------------------------------------------------

    def _may_take(self, task: Task, actor: Actor, offered: Offered) -> bool:
        """Whether the actor holds the task (named to them), or is of its pool and offered one of its steps."""
        if task.assignee is not None:
            return task.holds(actor)
        return task.holds(actor) and bool(task.triggers & offered(actor))

    def _ineligible(self, task: Task, actor: Actor, target: Actor, submitter: str | None,
                    offered: Offered) -> tuple[str, str] | None:
        if target.username == submitter:
            return "不能转交给申请人本人", "Not to the applicant"
        if target.username in (task.assignee, task.seat.person, actor.username):
            return "任务已在对方名下", "The task is theirs already"
        if any(t.number != task.number and t.triggers & task.triggers and t.assignee == target.username
               for t in self.open()):
            return "对方已有此步骤的待办任务", "They already hold a task of this step"
        if not task.triggers & offered(self.acting_as(task, target)):
            return "对方不能办理此步骤（角色、单位或条件不符）", "They may not take this step (role, unit or conditions)"
        return None

    def _open_task(self, number: int) -> Task:
        task = self.get(number)
        if task.status != OPEN:
            raise Taken("该任务已办结", "The task is done")
        return task

    def _number(self) -> int:
        self.next_number += 1
        return self.next_number - 1

    @staticmethod
    def _finish(task: Task, status: str, by: str | None, seq: int, changes: Changes) -> None:
        task.status, task.done_by, task.closed_seq = status, by, seq
        if task not in changes.changed and task not in changes.opened:
            changes.changed.append(task)
