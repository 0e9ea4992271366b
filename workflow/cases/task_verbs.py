"""The task verbs: 签收 (claim), 转交 (transfer), 抄送 (cc: an approver copies named people), 加签 and 减签 (add and
remove signers) with the signer's opinion, and the system's moves of 委托 (delegate, undelegate). Each is one step of the case's history that leaves its state and
data as they are and bumps its version, so a verb races with the case's other steps on the same check: of a claim
and an approval, or two claims, exactly one commits and the other gets 409 (docs/architecture.md § Tasks).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from workflow.accounts.users import actor_of
from workflow.cases import copies, delegations, notifications, signers, task_rows
from workflow.cases.domain import CaseRef
from workflow.cases.entries import INSERT_ENTRY, acting_for, history_row
from workflow.cases.guard_sql import holds
from workflow.cases.notifications import Letter
from workflow.cases.service import STALE, CaseService, Conflict, NotFound
from workflow.core.actor import Actor
from workflow.core.definition import Definition
from workflow.core.display import local_date
from workflow.core.engine import Forbidden, InvalidData
from workflow.core.moves import TERMINATE
from workflow.core.roles import SYSTEM
from workflow.core.seats import Changes, Offered
from workflow.core.signing import ADD_SIGN, MAX_SIGNERS, OPINIONS, REMOVE_SIGN, SIGN_OFF
from workflow.core.tasks import (
    CLAIM,
    COPY,
    DELEGATE,
    ESCALATE,
    REASSIGN,
    TRANSFER,
    Board,
)
from workflow.store.models import Case, HistoryEntry, Task, User

MAX_COMMENT = 2000
MAX_PEOPLE = 20  # copied (抄送) at once


@dataclass(frozen=True)
class Done:
    case_id: int
    seq: int
    task_id: int
    notified: tuple[int, ...] = ()


# What a verb decides on the snapshot: the board's changes, what the entry records beyond the task, the letters.
Decision = tuple[Changes, dict[str, Any], list[Letter]]
# decide(session, board, task number, case, definition, the actor the board sees: the user, or their principal)


def checked_comment(comment: Any) -> str:
    """An opinion or a note as given: text of at most MAX_COMMENT characters, or nothing."""
    if not isinstance(comment, (str, type(None))) or len(comment or "") > MAX_COMMENT:
        raise InvalidData("意见应为不超过 2000 字的文字", "The comment must be text of at most 2000 characters",
                          fields={"comment": "不超过 2000 字"})
    return (comment or "").strip()


def checked_people(people: Any, limit: int) -> list[str]:
    """The user names a verb names (抄送, 加签), each once, in the order given: 1 to `limit` of them."""
    if not isinstance(people, list) or not people or len(people) > limit \
            or not all(isinstance(p, str) and p.strip() for p in people):
        raise InvalidData(f"请指定 1 至 {limit} 位人员", f"Name 1 to {limit} people",
                          fields={"users": f"1 至 {limit} 个用户名"})
    return list(dict.fromkeys(p.strip()[:64] for p in people))


def _active(session: Session, names: list[str]) -> dict[str, int]:
    """The active users of these names, by name; InvalidData naming the ones there are not."""
    found = dict(session.execute(select(User.username, User.id).where(User.username.in_(names),
                                                                      User.active.is_(True))).all())
    unknown = [n for n in names if n not in found]
    if unknown:
        raise InvalidData("没有此用户：" + "、".join(unknown[:5]), "No such user: " + ", ".join(unknown[:5]),
                          fields={"users": "没有此用户或账号已停用：" + "、".join(unknown[:5])})
    return found


def claim(service: CaseService, task_id: int, user: User) -> Done:
    """签收: the pool's task becomes this user's; the others of the pool no longer see it."""
    def decide(session: Session, board: Board, number: int, case: CaseRef, definition: Definition,
               actor: Actor) -> Decision:
        return board.claim(number, actor, _offers(service, session, case)), {}, []
    return _verb(service, task_id, user, CLAIM, "", decide)


def transfer(service: CaseService, task_id: int, user: User, to: Any, comment: Any) -> Done:
    """转交: hand my task to a named person who may take its steps, with a comment; the entry keeps both names and
    the roles and unit the new holder had, so the audit can replay the hand-over."""
    if not isinstance(to, str) or not to.strip():
        raise InvalidData("请指定转交给谁", "Name the person to hand the task to", fields={"to": "此项为必填项"})
    note = checked_comment(comment)

    def decide(session: Session, board: Board, number: int, case: CaseRef, definition: Definition,
               actor: Actor) -> Decision:
        target = session.scalar(select(User).where(User.username == to.strip()[:64], User.active.is_(True)))
        if target is None:
            raise InvalidData(f"没有此用户：{to.strip()[:64]}", f"No such user: {to.strip()[:64]}",
                              fields={"to": "没有此用户或账号已停用"})
        receiver = actor_of(target)
        changes = board.transfer(number, actor, receiver, case.submitter, _offers(service, session, case))
        label = definition.label
        letter = Letter(target.id, f"转交：「{label.zh}」{case.number} 等待您办理",
                        f"{user.display_name} 将「{label.zh}」{case.number} 转交给您办理。\n"
                        f"{user.display_name} handed {label.en} {case.number} to you.", f"/cases/{case.id}")
        return changes, {"to": target.username, "to_roles": sorted(receiver.roles), "to_unit": receiver.unit}, [letter]
    return _verb(service, task_id, user, TRANSFER, note, decide)


def copy(service: CaseService, case_id: int, user: User, people: Any, comment: Any) -> Done:
    """An approver copies named people (user names) to the case, with a comment."""
    names, note = sorted(checked_people(people, MAX_PEOPLE)), checked_comment(comment)
    now = service.clock()
    with service.db.read() as session:
        case = service.snapshot(session, case_id)
        if not service.may_view(session, case, user) or not _handles(service, session, case, user):
            raise Forbidden("只有办理此事项的人员可以抄送", "Only those who handle the case may copy it")
        found = _active(session, names)
        fresh = copies.new_people(session, case, found, user.username)
        if not fresh:
            raise InvalidData("这些人已能查看此事项（已抄送或为申请人）", "They have a copy already",
                              fields={"users": "已抄送过"})
        definition = service.definition_of(case, session)
        sent = copies.letters(definition, case, fresh, user.display_name)
    return commit(service, case, user, COPY, {"users": sorted(fresh)}, note, Changes(), sent,
                  now, extra=lambda connection, seq: copies.write(connection, case.id, seq, user.username, fresh, now))


def add_sign(service: CaseService, task_id: int, user: User, people: Any, position: Any, comment: Any) -> Done:
    """加签: named people give their opinion on my task, before me, alongside me or after me; each is told."""
    names, note = checked_people(people, MAX_SIGNERS), checked_comment(comment)

    def decide(session: Session, board: Board, number: int, case: CaseRef, definition: Definition,
               actor: Actor) -> Decision:
        _active(session, names)
        changes = board.add_sign(number, actor, names, str(position), case.submitter, definition,
                                 _offers(service, session, case))
        letters = signers.letters(session, definition, case, changes, user.display_name)
        return changes, {"users": names, "position": position}, letters
    return _verb(service, task_id, user, ADD_SIGN, note, decide)


def remove_sign(service: CaseService, task_id: int, user: User, people: Any, comment: Any = None) -> Done:
    """减签: take back signers I added who have not given their opinion yet."""
    names, note = checked_people(people, MAX_SIGNERS), checked_comment(comment)

    def decide(session: Session, board: Board, number: int, case: CaseRef, definition: Definition,
               actor: Actor) -> Decision:
        changes = board.remove_sign(number, actor, names, case.version + 1, _offers(service, session, case))
        return changes, {"users": names}, []
    return _verb(service, task_id, user, REMOVE_SIGN, note, decide)


def sign_off(service: CaseService, task_id: int, user: User, opinion: Any, comment: Any) -> Done:
    """An added signer's opinion (同意 or 不同意, with a comment); whoever asked for it is told."""
    if opinion not in OPINIONS:
        raise InvalidData("请选择同意或不同意", "Choose agree or disagree", fields={"opinion": "请选择"})
    note = checked_comment(comment)

    def decide(session: Session, board: Board, number: int, case: CaseRef, definition: Definition,
               actor: Actor) -> Decision:
        changes = board.sign_off(number, actor_of(user), case.version + 1)  # a signer's own
        signed = board.get(number)
        owner = board.get(signed.sign_for).assignee if signed.sign_for else None
        target = session.scalar(select(User.id).where(User.username == owner)) if owner else None
        said, label = OPINIONS[str(opinion)], definition.label
        letters = [] if target is None else [Letter(
            target, f"加签意见：{user.display_name}「{said.zh}」—「{label.zh}」{case.number}",
            f"{user.display_name} 对「{label.zh}」{case.number} 的加签意见：{said.zh}。{note}\n"
            f"{user.display_name} on {label.en} {case.number}: {said.en}.", f"/cases/{case.id}")]
        return changes, {"opinion": opinion}, letters
    return _verb(service, task_id, user, SIGN_OFF, note, decide)


def reassign(service: CaseService, task_id: int, user: User, to: Any, comment: Any) -> Done:
    """流程干预: the administrator gives an open task to a named person (who takes it with its seat's authority);
    both the new holder and the one it is taken from are told."""
    if not isinstance(to, str) or not to.strip():
        raise InvalidData("请指定改派给谁", "Name the person to give the task to", fields={"to": "此项为必填项"})
    note = checked_comment(comment)
    if not note:
        raise InvalidData("请填写干预理由", "Give a reason", fields={"comment": "此项为必填项"})

    def decide(session: Session, board: Board, number: int, case: CaseRef, definition: Definition,
               actor: Actor) -> Decision:
        name = to.strip()[:64]
        found = _active(session, [name])
        before = board.get(number).assignee
        changes = board.reassign(number, actor_of(user), name, case.submitter)  # the administrator's own
        label = definition.label
        letters = [Letter(found[name], f"流程干预：「{label.zh}」{case.number} 交您办理",
                          f"系统管理员将「{label.zh}」{case.number} 的任务改派给您办理：{note}\n"
                          f"The administrator gave you a task of {label.en} {case.number}.", f"/cases/{case.id}")]
        taken = session.scalar(select(User.id).where(User.username == before)) if before else None
        if taken is not None:
            letters.append(Letter(taken, f"流程干预：「{label.zh}」{case.number} 已改由他人办理",
                                  f"系统管理员将「{label.zh}」{case.number} 的任务改派给 {name}：{note}\n"
                                  f"The administrator gave your task of {label.en} {case.number} to {name}.",
                                  f"/cases/{case.id}"))
        return changes, {"to": name, "from": before}, letters
    return _verb(service, task_id, user, REASSIGN, note, decide)


def escalate(service: CaseService, case_id: int, system: User, role: str, now: datetime) -> Done:
    """超期上报 (the timers', when a deadline that escalates passes): the stay's open pool tasks go to the holders of
    `role`, who are told; recorded as a step of the history."""
    with service.db.read() as session:
        case = service.snapshot(session, case_id)
        definition = service.definition_of(case, session)
        changes = task_rows.board(session, case.id).escalate(role, case.version + 1)
        label, state = definition.label, definition.states[case.state].label
        holders = session.scalars(select(User.id).where(User.active.is_(True), holds(role)))
        letters = [Letter(user_id, f"超期上报：「{label.zh}」{case.number} 等待您办理",
                          f"「{label.zh}」{case.number}（{state.zh}）已超过办理期限，上报由您办理。\n"
                          f"{label.en} {case.number} ({state.en}) is past its deadline and was escalated to you.",
                          f"/cases/{case.id}") for user_id in holders]
    return commit(service, case, system, ESCALATE, {"role": role}, "期限届满，超期上报", changes, letters, now)


def _handles(service: CaseService, session: Session, case: CaseRef, user: User) -> bool:
    """Whether the user handles the case: has taken a step of it, holds one of its tasks, or may take a step now."""
    if session.scalar(select(HistoryEntry.id).where(HistoryEntry.case_id == case.id,
                                                    HistoryEntry.actor_id == user.id).limit(1)) is not None:
        return True
    if session.scalar(select(Task.id).where(Task.case_id == case.id, Task.status == "open",
                                            Task.assignee == user.username).limit(1)) is not None:
        return True
    return any(a.trigger != TERMINATE for a in service.actions_for(session, case, user))  # 流程干预 is no handling


def case_of(session: Session, task_id: int) -> int:
    """The case a task belongs to."""
    found = session.scalar(select(Task.case_id).where(Task.id == task_id))
    if found is None:
        raise NotFound("任务不存在", "No such task")
    return found


def _offers(service: CaseService, session: Session, case: CaseRef) -> Offered:
    engine = service.workflows.engine(case.definition_version, session)
    view = service.view(case)
    return lambda actor: {a.trigger for a in engine.actions_for(view, actor)}


def system_move(service: CaseService, task_id: int, system: User, verb: str, principal: str, delegate: str,
                delegation: int | None) -> Done:
    """委托: the system gives a principal's open task to their delegate (DELEGATE) or brings it back (UNDELEGATE),
    naming the delegation (workflow/cases/delegations.py)."""
    def decide(session: Session, board: Board, number: int, case: CaseRef, definition: Definition,
               actor: Actor) -> Decision:
        changes = (board.delegate(number, principal, delegate, case.submitter) if verb == DELEGATE
                   else board.undelegate(number, principal, delegate))
        holder = delegate if verb == DELEGATE else principal
        target = session.scalar(select(User.id).where(User.username == holder))
        label = definition.label
        letters = [] if target is None else [Letter(
            target, f"{'委托代办' if verb == DELEGATE else '委托结束'}：「{label.zh}」{case.number} 等待您办理",
            f"「{label.zh}」{case.number} 的任务{'由委托人 ' + principal + ' 交您代办' if verb == DELEGATE else '已交回给您'}。\n"
            f"{label.en} {case.number}: {'a task passed to you by ' + principal if verb == DELEGATE else 'your task is back'}.",
            f"/cases/{case.id}")]
        return changes, {"from": principal, "to": delegate, "delegation": delegation}, letters
    return _verb(service, task_id, system, verb, "", decide)


def _verb(service: CaseService, task_id: int, user: User, verb: str, comment: str,
          decide: Callable[[Session, Board, int, CaseRef, Definition, Actor], Decision]) -> Done:
    now = service.clock()
    with service.db.read() as session:
        found = session.execute(_TASK, {"task_id": task_id}).one_or_none()
        if found is None:
            raise NotFound("任务不存在", "No such task")
        case = service.snapshot(session, found.case_id)
        if SYSTEM not in user.roles and not service.may_view(session, case, user):
            raise Forbidden("此任务不是您的", "This task is not yours")
        board = task_rows.board(session, case.id)
        principal = _principal(service, session, board, found.number, case, user)
        acting = principal or actor_of(user)
        changes, details, letters = decide(session, board, found.number, case, service.definition_of(case, session),
                                           acting)
        if principal is not None:
            Board.for_delegate(changes, principal.username, user.username)
    return commit(service, case, user, verb, {"task": found.number, **details}, comment, changes, letters, now,
                  task_id, principal=principal)


def _principal(service: CaseService, session: Session, board: Board, number: int, case: CaseRef,
               user: User) -> Actor | None:
    """The principal a delegate takes a task verb for (委托): when the task is not theirs to take, one of the
    principals whose delegation covers the process and who may take it (never on a case either of them filed)."""
    if SYSTEM in user.roles or case.submitter_id == user.id:
        return None
    offers = _offers(service, session, case)
    if board.get(number).status != "open" or board.may_take(number, actor_of(user), offers):
        return None
    for principal in delegations.principals_for(session, user.username, service.definition_of(case, session).key,
                                                case.submitter, local_date(service.clock())):
        if board.may_take(number, principal, offers):
            return principal
    return None


def commit(service: CaseService, case: CaseRef, user: User, verb: str, recorded: dict[str, Any], comment: str,
           changes: Changes, letters: list[Letter], now: datetime, task_id: int = 0,
           extra: Callable[[Connection, int], None] | None = None, principal: Actor | None = None) -> Done:
    """Write a verb's entry (the case's state and data as they are, its version bumped), its task rows, `extra`'s
    rows (given the connection and the entry's seq) and its letters in one transaction; 409 if the case moved since
    the snapshot `case`."""
    seq = case.version + 1
    entry = history_row(case_id=case.id, case_number=case.number, seq=seq, actor=user, trigger=verb,
                        source=case.state, dest=case.state, changes=recorded, comment=comment, documents=[], at=now,
                        prev_hash=case.head_hash, acting_for=acting_for(principal))
    with service.db.write_connection() as connection:
        bumped = connection.execute(_BUMP, {"case_id": case.id, "expected": case.version, "version": seq,
                                            "head_hash": entry["hash"], "updated_at": now})
        if bumped.rowcount != 1:  # the case moved since the snapshot: its tasks may have too
            raise Conflict(*STALE)
        connection.execute(INSERT_ENTRY, entry)
        task_rows.write(connection, case.id, changes, now)
        if extra is not None:
            extra(connection, seq)
        notified = notifications.post(connection, letters, now)
    if notified and service.on_notified is not None:
        service.on_notified(notified)
    return Done(case.id, seq, task_id, notified)


_TASK = select(Task.case_id, Task.number).where(Task.id == bindparam("task_id"))
_CASES = Case.__table__
_BUMP = (_CASES.update().where(_CASES.c.id == bindparam("case_id"), _CASES.c.version == bindparam("expected"))
         .values(version=bindparam("version"), head_hash=bindparam("head_hash"), updated_at=bindparam("updated_at")))
