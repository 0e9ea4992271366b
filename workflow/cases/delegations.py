"""委托: a person names a delegate for a date range, for all processes or some (docs/architecture.md § Tasks).

While a delegation is in force (its first to its last day, Beijing time), the principal's named tasks go to the
delegate: the new ones as they open (the step records `delegated`), the pending ones by a `delegate` step of each
case's history when the range starts, and those still open come back by an `undelegate` step when it ends or is
cancelled (workflow/cases/delegation_moves.py, run by `flask timers run` and at once when a delegation is set or
cancelled). The delegate may
also take the steps of the pools the principal belongs to. Every step a delegate takes records the principal
(`acting_for`: 张三（李四代）). No chains: a delegate's own delegation does not pass a principal's tasks on; and a
delegate never acts on a case they filed.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from workflow.accounts.users import actor_of
from workflow.core.actor import Actor
from workflow.core.display import local_date
from workflow.core.lazy import LazyMapping
from workflow.store.models import Delegation, User


def in_force(day: date) -> Any:
    """The SQL condition of a delegation in force on that day."""
    return and_(Delegation.cancelled_at.is_(None), Delegation.starts <= day, Delegation.ends >= day)


def covers(delegation: Delegation, workflow: str) -> bool:
    return not delegation.workflows or workflow in delegation.workflows


def principals_of(session: Session, delegate: str, day: date) -> list[Delegation]:
    """The delegations in force that name this person as the delegate."""
    return list(session.scalars(select(Delegation).where(Delegation.delegate == delegate, in_force(day))
                                .order_by(Delegation.id)))


def delegates_of(session: Session, workflow: str, submitter: str | None, day: date) -> Mapping[str, str]:
    """principal → delegate for the tasks a step of one case opens today: read only when a step opens a named task
    (most open a pool's), never to the case's own applicant."""
    return LazyMapping(lambda: {d.principal: d.delegate for d in session.scalars(select(Delegation).where(in_force(day)))
                                if covers(d, workflow) and d.delegate != submitter})


def current(session: Session, user: User, day: date) -> Delegation | None:
    """My delegation in force or still to come."""
    return session.scalar(select(Delegation).where(Delegation.principal == user.username,
                                                   Delegation.cancelled_at.is_(None), Delegation.ends >= day)
                          .order_by(Delegation.id.desc()).limit(1))


def check(delegation: Delegation | None, principal: str, delegate: str, workflow: str, at: datetime,
          ended: bool = False) -> str | None:
    """Why a recorded delegated step is not covered by this delegation (the audit's check), or None.
    `ended`: the step brought tasks back, so the delegation must have ended or been cancelled by then."""
    if delegation is None:
        return "没有这项委托"
    if (delegation.principal, delegation.delegate) != (principal, delegate) or not covers(delegation, workflow):
        return "委托人、受托人或流程与委托记录不符"
    day = local_date(at)
    live = delegation.starts <= day <= delegation.ends and (delegation.cancelled_at is None
                                                            or delegation.cancelled_at > at)
    if ended and live:
        return "委托仍在期限内，不应收回"
    if not ended and not live:
        return "不在委托期限内"
    return None


def find(delegations: list[Delegation], principal: str, delegate: str, workflow: str, at: datetime) -> str | None:
    """Why no delegation covers a step a delegate took (or a task given) then, or None."""
    reasons = [check(d, principal, delegate, workflow, at) for d in delegations
               if (d.principal, d.delegate) == (principal, delegate)]
    return None if any(r is None for r in reasons) else (reasons[0] if reasons else "没有这项委托")


def principal_actor(session: Session, username: str) -> Actor | None:
    """The principal as the engine sees them now (their roles and unit)."""
    user = session.scalar(select(User).where(User.username == username))
    return actor_of(user) if user is not None else None


def principals_for(session: Session, delegate: str, workflow: str, submitter: str | None, day: date) -> list[Actor]:
    """The principals a delegate may act for on a case of this process filed by `submitter` today, as the engine
    sees them: their delegation covers the process, and neither of them filed the case."""
    if delegate == submitter:
        return []
    found = []
    for delegation in principals_of(session, delegate, day):
        if covers(delegation, workflow) and delegation.principal != submitter:
            principal = principal_actor(session, delegation.principal)
            if principal is not None:
                found.append(principal)
    return found
