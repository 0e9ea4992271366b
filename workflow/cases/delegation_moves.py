"""Setting, cancelling and carrying out delegations (委托; the rules are in workflow/cases/delegations.py): a person
names a delegate, and the system moves their open named tasks to the delegate while it is in force and back when it
ends, each move one step of the case's history."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from workflow.cases import task_verbs
from workflow.cases.delegations import covers, in_force
from workflow.cases.service import CaseService, Conflict
from workflow.cases.system import system_user_id
from workflow.core.display import local_date
from workflow.core.engine import ActionRefused, InvalidData
from workflow.core.seats import OPEN
from workflow.core.tasks import DELEGATE, UNDELEGATE
from workflow.store.models import Case, Delegation, Task, User

MAX_DAYS = 366  # a delegation covers at most a year
MAX_WORKFLOWS = 50


def set_delegation(service: CaseService, user: User, to: Any, starts: Any, ends: Any, workflows: Any) -> Delegation:
    """Name a delegate (replacing my delegation in force or to come); its tasks move at once if it has begun."""
    today = local_date(service.clock())
    problems: dict[str, str] = {}
    first, last = _day(starts, "from", problems), _day(ends, "until", problems)
    if first and last:
        if last < first:
            problems["until"] = "结束日期不能早于开始日期"
        elif last < today:
            problems["until"] = "结束日期已过"
        elif (last - first).days >= MAX_DAYS:
            problems["until"] = f"委托期限最长 {MAX_DAYS} 天"
    chosen = _workflows(service, workflows, problems)
    with service.db.read() as session:
        delegate = _delegate(session, user, to, problems)
    if problems:
        raise InvalidData("委托设置有误，请按提示修改", "Invalid delegation", fields=problems)
    now = service.clock()
    with service.db.transaction() as session:
        _cancel_mine(session, user, now)
        made = Delegation(principal=user.username, delegate=delegate, starts=first, ends=last, workflows=chosen,
                          created_at=now)
        session.add(made)
        session.flush()
        session.expunge(made)
    move(service, now)
    return made


def cancel(service: CaseService, user: User) -> bool:
    """Cancel my delegation (in force or to come); the tasks my delegate still holds come back. Whether there was one."""
    now = service.clock()
    with service.db.transaction() as session:
        cancelled = _cancel_mine(session, user, now)
    if cancelled:
        move(service, now)
    return cancelled


def _cancel_mine(session: Session, user: User, now: datetime) -> bool:
    return session.execute(update(Delegation).where(Delegation.principal == user.username,
                                                    Delegation.cancelled_at.is_(None))
                           .values(cancelled_at=now)).rowcount > 0


@dataclass
class Moved:
    given: list[str] = field(default_factory=list)     # "TA-2026-0001 #3 huang→li"
    returned: list[str] = field(default_factory=list)
    conflicts: int = 0                                  # a step came first: the next run moves it


def move(service: CaseService, now: datetime | None = None) -> Moved:
    """Give the open tasks of principals whose delegation is in force to their delegates, and bring back those whose
    delegation has ended or been cancelled: one history step each, taken by the `system` account."""
    now = now or service.clock()
    today = local_date(now)
    moved = Moved()
    with service.db.read() as session:
        system = session.get(User, system_user_id(service))
        live = {d.principal: d for d in session.scalars(select(Delegation).where(in_force(today)))}
        give = [(t, live[t.assignee]) for t in session.scalars(
            select(Task).join(Case, Case.id == Task.case_id).where(
                Task.status == OPEN, Task.delegated_from.is_(None), Task.assignee.in_(list(live))))
            if covers(live[t.assignee], t.case.workflow) and t.case.submitter.username not in (
                t.assignee, live[t.assignee].delegate) and t.person != t.case.submitter.username]
        back = [t for t in session.scalars(select(Task).where(Task.status == OPEN, Task.delegated_from.is_not(None)))
                if not (t.delegated_from in live and live[t.delegated_from].delegate == t.assignee
                        and covers(live[t.delegated_from], t.case.workflow))]
        back_from = {t.id: _given_under(session, t) for t in back}
    for task, delegation in give:
        _move(service, system, task, DELEGATE, task.assignee or "", delegation.delegate, delegation.id, moved.given,
              moved)
    for task in back:
        _move(service, system, task, UNDELEGATE, task.delegated_from or "", task.assignee or "", back_from[task.id],
              moved.returned, moved)
    return moved


def _given_under(session: Session, task: Task) -> int | None:
    """The delegation under which the task was given (the latest of that principal to that delegate)."""
    return session.scalar(select(Delegation.id).where(Delegation.principal == task.delegated_from,
                                                      Delegation.delegate == task.assignee)
                          .order_by(Delegation.id.desc()).limit(1))


def _move(service: CaseService, system: User, task: Task, verb: str, principal: str, delegate: str,
          delegation: int | None, into: list[str], moved: Moved) -> None:
    try:
        task_verbs.system_move(service, task.id, system, verb, principal, delegate, delegation)
    except Conflict:
        moved.conflicts += 1
        return
    except ActionRefused:  # the task was done or moved meanwhile
        return
    into.append(f"{task.case.number} #{task.number} {principal}→{delegate}"
                if verb == DELEGATE else f"{task.case.number} #{task.number} {delegate}→{principal}")


def _day(value: Any, name: str, problems: dict[str, str]) -> date | None:
    if not isinstance(value, str) or len(value) != 10:
        problems[name] = "请填写日期（YYYY-MM-DD）"
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems[name] = "日期无效（YYYY-MM-DD）"
        return None


def _workflows(service: CaseService, value: Any, problems: dict[str, str]) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or len(value) > MAX_WORKFLOWS or not all(isinstance(v, str) for v in value):
        problems["workflows"] = "应为流程标识的列表"
        return []
    unknown = [v for v in value if v not in service.workflows.current]
    if unknown:
        problems["workflows"] = "未知的流程：" + "、".join(v[:64] for v in unknown[:5])
    return sorted(set(value))


def _delegate(session: Session, user: User, to: Any, problems: dict[str, str]) -> str:
    if not isinstance(to, str) or not to.strip():
        problems["to"] = "请指定受托人"
        return ""
    name = to.strip()[:64]
    found = session.scalar(select(User).where(User.username == name, User.active.is_(True)))
    if found is None:
        problems["to"] = "没有此用户或账号已停用"
    elif found.id == user.id:
        problems["to"] = "不能委托给自己"
    return name
