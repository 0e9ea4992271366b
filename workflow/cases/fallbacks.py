"""A case never waits silently: when a step opens a pool's task and nobody holds its role (in its unit), the task goes to the definition's `fallback` — or, without one (or when that account is gone), to the first
active administrator (never the applicant) — who takes it with the seat's authority, and every administrator is
told. The step's history
entry names whom each such pool's task went to (`fallback`), so the audit replays it (docs/architecture.md § Tasks).
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.cases.domain import CaseRef
from workflow.cases.guard_sql import holds
from workflow.cases.notifications import Letter
from workflow.core.definition import Definition
from workflow.core.roles import ADMIN, role_label
from workflow.core.seats import Changes, pool_key
from workflow.store.models import OrgUnit, User


def find(session: Session, definition: Definition, changes: Changes, submitter_id: int) -> dict[str, str]:
    """pool (role@unit) → who gets its new task, for the pools of these changes that nobody holds."""
    pools = {pool_key(t.seat): t.seat for t in changes.opened if t.seat.role and t.assignee is None}
    given: dict[str, str] = {}
    for key, seat in pools.items():
        anyone = select(User.id).where(User.active.is_(True), holds(seat.role or ""))
        if seat.unit is not None:
            anyone = anyone.join(OrgUnit, OrgUnit.id == User.unit_id).where(OrgUnit.code == seat.unit)
        if session.scalar(anyone.limit(1)) is None:
            target = _fallback(session, definition, submitter_id)
            if target is not None:
                given[key] = target
    return given


def _fallback(session: Session, definition: Definition, submitter_id: int) -> str | None:
    named = select(User.username).where(User.active.is_(True), User.id != submitter_id)
    if definition.fallback:
        found = session.scalar(named.where(User.username == definition.fallback))
        if found is not None:
            return found
    return session.scalar(named.where(holds(ADMIN)).order_by(User.id).limit(1))


def letters(session: Session, definition: Definition, case: CaseRef, state: str, given: dict[str, str]) -> list[Letter]:
    """The new holders are told the task is theirs; every active administrator, that a pool had nobody."""
    if not given:
        return []
    label, where = definition.label, definition.states[state].label
    ids = dict(session.execute(select(User.username, User.id).where(User.username.in_(sorted(set(given.values()))))).all())
    pools = "、".join(f"{role_label(key.split('@')[0])}" + (f"（{key.split('@')[1]}）" if key.split("@")[1] else "")
                     for key in sorted(given))
    out = [Letter(ids[name], f"待办：「{label.zh}」{case.number} {where.zh}（无人在任，交您办理）",
                  f"「{label.zh}」{case.number} 现为「{where.zh}」，{pools} 无人在任，此任务交您办理。\n"
                  f"{label.en} {case.number} is now {where.en}; nobody holds the role, so the task is yours.",
                  f"/cases/{case.id}") for name in sorted(set(given.values())) if name in ids]
    for admin_id in session.scalars(select(User.id).where(User.active.is_(True), holds(ADMIN))):
        out.append(Letter(admin_id, f"无人可办：「{label.zh}」{case.number} {where.zh}",
                          f"「{label.zh}」{case.number} 的「{where.zh}」无人可办：{pools} 无人在任，已交 "
                          f"{'、'.join(sorted(set(given.values())))} 办理。请为该角色配备人员。\n"
                          f"Nobody holds the role for {label.en} {case.number} ({where.en}); the task went to "
                          f"{', '.join(sorted(set(given.values())))}.", "/admin/users"))
    return out
