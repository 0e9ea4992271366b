"""Tasks (任务): who is to act on a case now, derived from its definition and its history alone.

When a case enters a state, each open step becomes a task: for a pool (a role, with the unit rule the step has) or
for a named person (the submitter's own step, a 会签's voters). A task is a *seat*: whoever holds it acts with the
seat's authority. A pool task may be claimed (签收) where the step says so (`claim: true`), and a task handed on
(转交) to someone who may take it. The `Board` is pure: the case service applies what it changes to the `tasks`
table in the step's own transaction, and `audit verify` replays it from the history, so a verb that the tasks did
not allow, or a table edited behind the history's back, is caught (docs/architecture.md § Tasks).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from workflow.core.actor import Actor
from workflow.core.definition import GENERIC_WITHDRAW, Definition, Label, Transition
from workflow.core.engine import (
    ActionRefused,
    CaseView,
    Forbidden,
    InvalidData,
    NotOpen,
)
from workflow.core.roles import ADMIN, SYSTEM

OPEN, DONE, CLOSED = "open", "done", "closed"
PENDING = "pending"  # an added signer after me (后加签), waiting for my step

CLAIM, TRANSFER, DELEGATE, UNDELEGATE, REMIND, COPY = "claim", "transfer", "delegate", "undelegate", "remind", "cc"
ADD_SIGN, REMOVE_SIGN, SIGN_OFF, ESCALATE = "add_sign", "remove_sign", "sign_off", "escalate"
REASSIGN = "reassign"  # 流程干预: the administrator gives an open task to someone
VERBS: Mapping[str, Label] = {CLAIM: Label("签收", "Claim"), TRANSFER: Label("转交", "Transfer"),
                              REMIND: Label("催办", "Reminder"), COPY: Label("抄送", "Copy"),
                              DELEGATE: Label("委托代办", "Passed to a delegate"),
                              UNDELEGATE: Label("委托结束收回", "Back from a delegate"),
                              ADD_SIGN: Label("加签", "Added a signer"), REMOVE_SIGN: Label("减签", "Removed a signer"),
                              SIGN_OFF: Label("加签意见", "Signer's opinion"),
                              REASSIGN: Label("流程干预·改派", "Reassigned by the administrator"),
                              ESCALATE: Label("超期上报", "Escalated on the deadline")}
BEFORE, AFTER, PARALLEL = "before", "after", "parallel"
POSITIONS: Mapping[str, Label] = {BEFORE: Label("在我之前", "before me"), AFTER: Label("在我之后", "after me"),
                                  PARALLEL: Label("与我并行", "alongside me")}
OPINIONS: Mapping[str, Label] = {"agree": Label("同意", "Agree"), "disagree": Label("不同意", "Disagree")}
MAX_SIGNERS = 10  # added to one task at once

Offered = Callable[[Actor], "set[str]"]  # the steps the engine offers someone on the case as it stands


@dataclass(frozen=True)
class Seat:
    """Whose step it is: a pool (`role`, within `unit` when the step has a unit rule) or a named `person`."""

    role: str | None = None
    unit: str | None = None
    person: str | None = None


@dataclass
class Task:
    number: int            # 1, 2, … within its case: what the history's verbs name
    state: str             # the state the task belongs to
    visit: int             # the seq of the step that entered that state: one stay there
    seat: Seat
    triggers: frozenset[str]
    assignee: str | None   # who holds it now; None: anyone of the pool
    claimable: bool = False
    status: str = OPEN
    done_by: str | None = None
    closed_seq: int | None = None
    delegated_from: str | None = None  # the principal (委托) while their delegate holds the task
    sign_for: int | None = None        # 加签: the number of the task this signer was added to
    sign_position: str | None = None   # 加签: before | after | parallel
    escalated_from: str | None = None  # 上报: the pool (role@unit) whose authority this escalated task carries

    @property
    def signer(self) -> bool:
        """An added signer's task (加签): an opinion, not a step of the case."""
        return self.sign_position is not None

    def holds(self, actor: Actor) -> bool:
        """Whether this actor may act through the task now."""
        if self.status != OPEN:
            return False
        if self.assignee is not None:
            return self.assignee == actor.username
        return self.of_pool(actor)

    def of_pool(self, actor: Actor) -> bool:
        """Whether the actor belongs to the task's pool (its role, within its unit), whoever holds it now."""
        return self.seat.role in actor.roles and (self.seat.unit is None or self.seat.unit == actor.unit)


class Taken(ActionRefused):
    """The task is someone else's now (claimed or handed on), or it is done: 409, reload and see."""

    status = 409


class TooSoon(ActionRefused):
    """A reminder (催办) sent again before the definition's interval is over."""

    status = 429


REMIND_HOURS = 4


def remind_interval(definition: Definition) -> timedelta:
    """How long after a reminder the next one may be sent: `parameters.remind_hours` (default 4)."""
    hours = definition.parameters.get("remind_hours", REMIND_HOURS)
    return timedelta(hours=float(hours) if isinstance(hours, (int, float)) else REMIND_HOURS)


def too_soon(definition: Definition, last: datetime | None, now: datetime) -> TooSoon | None:
    """The refusal of a reminder sent before the interval since the last one is over, saying how long is left."""
    every = remind_interval(definition)
    if last is None or now >= last + every:
        return None
    minutes = max(1, int((last + every - now).total_seconds() + 59) // 60)
    hours, minutes = divmod(minutes, 60)
    per = f"{every.total_seconds() / 3600:g}"
    return TooSoon(f"每 {per} 小时最多催办一次，请于 {hours} 小时 {minutes} 分钟后再试",
                   f"One reminder every {per} hours: try again in {hours} h {minutes} min")


# -- which tasks a state gives --------------------------------------------------------------------------------------

def _seats(t: Transition, case: CaseView) -> list[Seat]:
    """The seats of one step out of the case's state: none for a public step, the submitter's withdrawal or the
    system's own step."""
    people = t.roles - {SYSTEM}
    if t.public or t.trigger == GENERIC_WITHDRAW or not (people or not t.roles):
        return []
    names = {call.name for call in t.guards}
    if "actor_is_submitter" in names:
        return [Seat(person=case.submitter)] if case.submitter else []
    if "countersign_voter" in names:
        state = dict(next(c for c in t.guards if c.name == "countersign_voter").args)["state"]
        sign = (case.data.get("countersign") or {}).get(state) or {}
        voted = {v.get("voter") for v in sign.get("votes") or []}
        voters = [v for v in sign.get("voters") or [] if v not in voted]
        if "countersign_turn" in names:  # 依次: one at a time, in the order given
            voters = voters[:1]
        return [Seat(person=v) for v in voters]
    narrowed = {value for call in t.guards if call.name == "actor_has_role"
                for value in [dict(call.args).get("value")] if isinstance(value, str)}
    roles = (people & narrowed) if narrowed else people
    unit = None
    if t.unit is not None:
        unit = case.unit if t.unit == "case" else case.data.get(t.unit)
        if not isinstance(unit, str):
            return []  # no unit to act for: nobody can take this step
    return [Seat(role=r, unit=unit) for r in sorted(roles)]


def seats(definition: Definition, case: CaseView) -> list[tuple[Seat, frozenset[str], bool]]:
    """The tasks the case's state gives: each seat once, with the steps it may take and whether it may be claimed."""
    found: dict[Seat, tuple[set[str], bool]] = {}
    for t in definition.transitions_from(case.state):
        for seat in _seats(t, case):
            triggers, claimable = found.setdefault(seat, (set(), False))
            triggers.add(t.trigger)
            found[seat] = (triggers, claimable or t.claim)
    return [(seat, frozenset(triggers), claimable) for seat, (triggers, claimable) in found.items()]


def pool_key(seat: Seat) -> str:
    """How a history entry names a pool (a fallback's): role@unit."""
    return f"{seat.role}@{seat.unit or ''}"


def shared(definition: Definition, task: Task) -> bool:
    """Whether a pool's task is everyone's to take in turn (a 附议: one of its steps stays in the state), not one
    person's to take for the pool."""
    return any(t.dest == task.state and not t.restart_deadline
               for t in definition.transitions_from(task.state) if t.trigger in task.triggers)


# -- the board ------------------------------------------------------------------------------------------------------

@dataclass
class Changes:
    """What a step did to the tasks: rows to insert, rows to update."""

    opened: list[Task] = field(default_factory=list)
    changed: list[Task] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.opened or self.changed)


class Board:
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

    # -- internals -------------------------------------------------------------------------------------------

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
