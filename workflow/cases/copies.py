"""抄送: copies of a case for people to read. A step may copy the holders of some roles or the people a field of the
case names (the transition's `cc`), in the step's own transaction; someone who handles a case may copy named
people (a `cc` step of its history). Whoever has a copy may read the case; 抄送我的 lists mine, unread first."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Connection, func, or_, select, update
from sqlalchemy.orm import Session

from workflow.cases.domain import CaseRef
from workflow.cases.guard_sql import holds
from workflow.cases.notifications import Letter
from workflow.cases.paging import PER_PAGE, Page
from workflow.core.definition import Definition
from workflow.core.engine import TransitionRecord
from workflow.store.db import Database
from workflow.store.models import CaseCopy, User

_INSERT = CaseCopy.__table__.insert()


def step_copies(session: Session, definition: Definition, record: TransitionRecord, case: CaseRef,
                actor: str) -> dict[str, int]:
    """The people a step's `cc` copies the case to (user name → id): the active holders of its roles and the users
    its fields name, less the actor, the applicant and those who have a copy already."""
    chosen = next((t for t in definition.transitions_from(record.source, record.trigger) if t.dest == record.dest),
                  None)
    if chosen is None or not (chosen.cc_roles or chosen.cc_fields):
        return {}
    named: set[str] = set()
    for name in chosen.cc_fields:
        value = record.data.get(name)
        named |= {value} if isinstance(value, str) else {v for v in value if isinstance(v, str)} \
            if isinstance(value, list) else set()
    who = or_(User.username.in_(sorted(named)), *(holds(role) for role in sorted(chosen.cc_roles)))
    found = dict(session.execute(select(User.username, User.id).where(User.active.is_(True), who)).all())
    return new_people(session, case, found, actor)


def new_people(session: Session, case: CaseRef, found: Mapping[str, int], actor: str) -> dict[str, int]:
    have = set(session.scalars(select(CaseCopy.username).where(CaseCopy.case_id == case.id)))
    return {name: user_id for name, user_id in found.items()
            if name not in have and name != actor and name != case.submitter}


def write(connection: Connection, case_id: int, seq: int, by: str, people: Mapping[str, int], now: datetime) -> None:
    if people:
        connection.execute(_INSERT, [{"case_id": case_id, "username": name, "by": by, "seq": seq, "created_at": now}
                                     for name in sorted(people)])


def letters(definition: Definition, case: CaseRef, people: Mapping[str, int], by: str) -> list[Letter]:
    label = definition.label
    return [Letter(user_id, f"抄送：「{label.zh}」{case.number}",
                   f"{by} 将「{label.zh}」{case.number} 抄送给您，供您知悉。\n"
                   f"{by} copied {label.en} {case.number} to you, for your information.", f"/cases/{case.id}")
            for user_id in sorted(people.values())]


def is_copied(session: Session, case_id: int, username: str) -> bool:
    return session.scalar(select(CaseCopy.id).where(CaseCopy.case_id == case_id, CaseCopy.username == username)
                          .limit(1)) is not None


def mine(session: Session, user: User, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """抄送我的: unread first, then the newest."""
    query = select(CaseCopy).where(CaseCopy.username == user.username)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    unread = session.scalar(select(func.count()).where(CaseCopy.username == user.username,
                                                       CaseCopy.read_at.is_(None))) or 0
    rows = list(session.scalars(query.order_by(CaseCopy.read_at.is_not(None), CaseCopy.created_at.desc(),
                                               CaseCopy.id.desc()).limit(per_page).offset((page - 1) * per_page)))
    return Page(rows, total, page, per_page, {"unread": unread})


def mark_read(db: Database, user: User, now: datetime, copy_id: int | None = None) -> int:
    """Mark one of my copies (or all of them) read; how many were unread."""
    condition = [CaseCopy.username == user.username, CaseCopy.read_at.is_(None)]
    if copy_id is not None:
        condition.append(CaseCopy.id == copy_id)
    with db.transaction() as session:
        return session.execute(update(CaseCopy).where(*condition).values(read_at=now)).rowcount
