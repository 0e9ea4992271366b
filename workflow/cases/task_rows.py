"""The `tasks` table as the board (workflow/core/tasks.py) sees it: a case's board, the rows a step writes, the replay
of a history through the board (for the audit and for the cases begun before tasks existed)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.orm import Session

from workflow.core.actor import Actor
from workflow.core.definition import Definition
from workflow.core.engine import RESUBMIT_TO, ActionRefused, CaseView, Forbidden
from workflow.core.moves import MOVES
from workflow.core.reminding import too_soon
from workflow.core.roles import SYSTEM
from workflow.core.seats import Changes, Offered, Seat
from workflow.core.seats import Task as BoardTask
from workflow.core.signing import ADD_SIGN, OPINIONS, REMOVE_SIGN, SIGN_OFF
from workflow.core.tasks import (
    CLAIM,
    COPY,
    DELEGATE,
    ESCALATE,
    REASSIGN,
    REMIND,
    TRANSFER,
    UNDELEGATE,
    VERBS,
    Board,
)
from workflow.store.models import Case, HistoryEntry, Task

_COLUMNS = (Task.number, Task.state, Task.visit, Task.triggers, Task.pool_role, Task.pool_unit, Task.person,
            Task.assignee, Task.claimable, Task.status, Task.done_by, Task.closed_seq, Task.delegated_from,
            Task.sign_for, Task.sign_position, Task.escalated_from)
_LATEST_VISIT = (select(func.max(Task.visit)).where(Task.case_id == bindparam("case_id"))).scalar_subquery()
_LATEST = select(*_COLUMNS).where(Task.case_id == bindparam("case_id"), Task.visit == _LATEST_VISIT)
_TABLE = Task.__table__
_INSERT = _TABLE.insert()
_UPDATE = (_TABLE.update()
           .where(_TABLE.c.case_id == bindparam("key_case"), _TABLE.c.number == bindparam("key_number"))
           .values(assignee=bindparam("assignee"), delegated_from=bindparam("delegated_from"),
                   status=bindparam("status"), done_by=bindparam("done_by"),
                   closed_seq=bindparam("closed_seq"), closed_at=bindparam("closed_at")))


def board(session: Session | Connection, case_id: int) -> Board:
    """The tasks of the case's latest stay in a state: all that its next step may change."""
    return Board(_task(row) for row in session.execute(_LATEST, {"case_id": case_id}))


def _task(row: Any) -> BoardTask:
    return BoardTask(row.number, row.state, row.visit, Seat(row.pool_role, row.pool_unit, row.person),
                     frozenset(row.triggers), row.assignee, row.claimable, row.status, row.done_by, row.closed_seq,
                     row.delegated_from, row.sign_for, row.sign_position, row.escalated_from)


def write(connection: Connection, case_id: int, changes: Changes, now: datetime) -> None:
    """Insert and update the rows a step changed, in the step's own transaction."""
    if changes.opened:
        connection.execute(_INSERT, [row(case_id, t, now) for t in changes.opened])
    if changes.changed:
        connection.execute(_UPDATE, [{"key_case": case_id, "key_number": t.number, "assignee": t.assignee,
                                      "delegated_from": t.delegated_from,
                                      "status": t.status, "done_by": t.done_by, "closed_seq": t.closed_seq,
                                      "closed_at": now if t.closed_seq is not None else None}
                                     for t in changes.changed])


def row(case_id: int, t: BoardTask, now: datetime) -> dict[str, Any]:
    """The columns of a task's row."""
    return {"case_id": case_id, "number": t.number, "state": t.state, "visit": t.visit, "triggers": sorted(t.triggers),
            "pool_role": t.seat.role, "pool_unit": t.seat.unit, "person": t.seat.person, "assignee": t.assignee,
            "delegated_from": t.delegated_from, "sign_for": t.sign_for, "sign_position": t.sign_position,
            "escalated_from": t.escalated_from,
            "claimable": t.claimable, "status": t.status, "done_by": t.done_by, "created_at": now,
            "closed_seq": t.closed_seq, "closed_at": now if t.closed_seq is not None else None}


def actor_in(entry: HistoryEntry) -> Actor:
    """The actor of a recorded step, with the roles and unit they had then."""
    return Actor(entry.actor_username, roles=frozenset(entry.actor_roles), unit=entry.actor_unit)


def principal_in(entry: HistoryEntry) -> Actor | None:
    """The principal a delegate took a recorded step for, with the roles and unit they had then."""
    acting = entry.acting_for
    if not acting:
        return None
    return Actor(str(acting.get("username")), roles=frozenset(acting.get("roles") or ()), unit=acting.get("unit"))


def target_in(changes: dict[str, Any]) -> Actor:
    """The person a recorded transfer handed the task to, with the roles and unit they had then."""
    return Actor(str(changes.get("to")), roles=frozenset(changes.get("to_roles") or ()), unit=changes.get("to_unit"))


def replay_verb(board: Board, entry: HistoryEntry, submitter: str | None, offered: Offered,
                definition: Definition) -> Changes:
    """Apply a recorded task verb to the board: refused (ActionRefused) if the tasks did not allow it then. A verb a
    delegate took for their principal (委托) is replayed as the principal's, the task then the delegate's to hold."""
    if entry.trigger == ESCALATE:  # the timers' 上报: every open pool task of the stay, to the role named
        if SYSTEM not in entry.actor_roles or not isinstance(entry.changes.get("role"), str):
            raise ActionRefused("超期上报只能由系统按期限办理", "Only the timers escalate, to a named role")
        return board.escalate(entry.changes["role"], entry.seq)
    number = entry.changes.get("task")
    if not isinstance(number, int):
        raise ActionRefused("记录未写明任务编号", "The entry names no task")
    principal = principal_in(entry)
    changes = _verb(board, entry, number, principal or actor_in(entry), submitter, offered, definition)
    if principal is not None:
        Board.for_delegate(changes, principal.username, entry.actor_username)
    return changes


def _verb(board: Board, entry: HistoryEntry, number: int, actor: Actor, submitter: str | None, offered: Offered,
          definition: Definition) -> Changes:
    if entry.trigger == CLAIM:
        return board.claim(number, actor, offered)
    if entry.trigger == TRANSFER:
        return board.transfer(number, actor, target_in(entry.changes), submitter, offered)
    if entry.trigger in (ADD_SIGN, REMOVE_SIGN):
        people = entry.changes.get("users")
        if not isinstance(people, list) or not all(isinstance(p, str) for p in people):
            raise ActionRefused("加签记录未写明加签人", "The entry names no signer")
        if entry.trigger == ADD_SIGN:
            return board.add_sign(number, actor, people, str(entry.changes.get("position")), submitter, definition,
                                  offered)
        return board.remove_sign(number, actor, people, entry.seq, offered)
    if entry.trigger == SIGN_OFF:
        if entry.changes.get("opinion") not in OPINIONS:
            raise ActionRefused("加签意见应为同意或不同意", "The opinion must be agree or disagree")
        return board.sign_off(number, actor_in(entry), entry.seq)
    if entry.trigger == REASSIGN:
        return board.reassign(number, actor_in(entry), str(entry.changes.get("to")), submitter)
    principal, delegate = str(entry.changes.get("from")), str(entry.changes.get("to"))
    if entry.trigger == DELEGATE:
        return board.delegate(number, principal, delegate, submitter)
    if entry.trigger == UNDELEGATE:
        return board.undelegate(number, principal, delegate)
    raise ActionRefused(f"未知的任务操作：{entry.trigger}", f"Unknown task verb: {entry.trigger}")


class StepRefused(Exception):
    """A recorded step the tasks or the engine did not allow: the entry, and why."""

    def __init__(self, entry: HistoryEntry, refused: ActionRefused):
        super().__init__(refused.message)
        self.entry, self.refused = entry, refused


Fire = Callable[[HistoryEntry, CaseView, Actor], tuple[CaseView, bool]]
Offers = Callable[[CaseView, Actor], "set[str]"]  # the steps the engine offers someone on the case as it was


def replay(definition: Definition, entries: Sequence[HistoryEntry], unit: str | None,
           fire: Fire | None = None, offers: Offers | None = None,
           vouch: Callable[[HistoryEntry], None] | None = None) -> tuple[dict[int, BoardTask], CaseView]:
    """Every task a history made, by number, and the case as the history leaves it. Without `fire`, each step is taken as
    recorded and the tasks follow it; with it (the audit), `fire(entry, case before, acting actor)` replays the step
    through the engine and returns the case after it and whether it restarted its state, `offers(case, actor)` says
    what the engine offered someone then (for the verbs), `vouch(entry)` refuses (ActionRefused) a step or a move
    that names a delegation (委托) which did not cover it, and a step that the tasks did not allow raises
    StepRefused."""
    first = entries[0]
    submitter = first.actor_username
    view = CaseView(first.to_state, dict(first.changes), submitter, unit)
    tasks: dict[int, BoardTask] = {}
    current = Board()
    last_reminder = None
    _keep(tasks, current.step(definition, "", view, submitter, None, first.seq))
    for entry in entries[1:]:
        try:
            if vouch is not None:
                vouch(entry)  # the delegations a step or a move names existed then
            if entry.trigger in VERBS:
                if entry.from_state != view.state or entry.to_state != view.state:
                    raise ActionRefused("任务操作不改变事项的状态", "A task verb leaves the case's state as it is")
                if entry.trigger == COPY:  # 抄送 changes no task: it names whom it copied
                    people = entry.changes.get("users")
                    if not isinstance(people, list) or not people:
                        raise ActionRefused("抄送记录未写明抄送人", "The copy names nobody")
                    continue
                if entry.trigger == REMIND:  # 催办: the applicant's, and no sooner than the definition allows
                    if entry.actor_username != submitter:
                        raise Forbidden("只有申请人可以催办", "Only the applicant may send a reminder")
                    refused = too_soon(definition, last_reminder, entry.at)
                    if refused:
                        raise refused
                    last_reminder = entry.at
                    continue
                seen = view  # without `offers` (rows remade from a history): whatever the definition has
                _keep(tasks, replay_verb(current, entry, submitter, lambda actor: offers(seen, actor) if offers
                                         else {t.trigger for t in definition.transitions}, definition))
                continue
            actor, principal = actor_in(entry), principal_in(entry)
            if entry.trigger in MOVES:
                through = current.moving(actor)
                if fire is None:  # a move leaves the data as it was, but for the straight way back (退回直达)
                    marked = {k: v for k, v in entry.changes.items() if k == RESUBMIT_TO}
                    after, restart = CaseView(entry.to_state, {**view.data, **marked}, submitter, unit), False
                else:
                    after, restart = fire(entry, view, actor)
            elif fire is None:
                through = _lenient(current, entry.trigger, actor, principal)
                after = CaseView(entry.to_state, {**view.data, **entry.changes}, submitter, unit)
                restart = entry.from_state == entry.to_state and _restarts(definition, entry)
            else:
                through = current.through_for(entry.trigger, actor, principal)
                after, restart = fire(entry, view, Board.acting_as(through, actor, principal))
        except ActionRefused as refused:
            raise StepRefused(entry, refused) from None
        changes = current.step(definition, view.state, after, entry.actor_username, through, entry.seq, restart,
                               entry.delegated or {})
        Board.fall_back(changes, entry.fallback or {})
        _keep(tasks, changes)
        view = after
    return tasks, view


def _lenient(board: Board, trigger: str, actor: Actor, principal: Actor | None) -> BoardTask | None:
    try:
        return board.through_for(trigger, actor, principal)
    except ActionRefused:
        return None


def _restarts(definition: Definition, entry: HistoryEntry) -> bool:
    return any(t.restart_deadline for t in definition.transitions_from(entry.from_state or "", entry.trigger)
               if t.dest == entry.to_state)


def _keep(tasks: dict[int, BoardTask], changes: Changes) -> None:
    for task in (*changes.opened, *changes.changed):
        tasks[task.number] = task


def backfill(session: Session, definition_of: Callable[[Case], Definition], now: datetime) -> int:
    """Make the task rows of every case that has none (begun before tasks existed) from its history; the count."""
    made = 0
    has_tasks = select(Task.case_id).distinct()
    for case in session.scalars(select(Case).where(Case.id.notin_(has_tasks)).order_by(Case.id)):
        entries = list(session.scalars(select(HistoryEntry).where(HistoryEntry.case_id == case.id)
                                       .order_by(HistoryEntry.seq)))
        if not entries:
            continue
        tasks, _ = replay(definition_of(case), entries, case.unit.code if case.unit else None)
        if tasks:
            session.execute(_INSERT, [row(case.id, t, now) for t in tasks.values()])
            made += 1
    return made
