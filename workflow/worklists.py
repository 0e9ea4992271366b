"""What the pages list: my 待办 (queue) and 已办, my requests, recent activity, with filters and pages.

The queue is narrowed in SQL first — the states where one of the user's roles has a step, and, where every
such step is bound to a unit, cases of the user's unit — then each candidate is checked by the engine itself
(`actions_for`), so the list is exactly what the user may do now. The queue's order is its due date, soonest
first, cases without one last.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.orm import Session

from .definition import Definition
from .models import Case, CaseEvent, OrgUnit, User
from .services import CaseService

PER_PAGE = 20


@dataclass(frozen=True)
class Filters:
    workflow: str | None = None
    state: str | None = None
    unit: str | None = None  # org unit code of the case


@dataclass
class Page:
    items: list[Any]
    total: int
    number: int = 1
    per_page: int = PER_PAGE
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _state_condition(definition: Definition, state: str, user: User) -> ColumnElement[bool] | None:
    """SQL for 'some step from this state may be the user's', or None when none can be."""
    steps = [t for t in definition.transitions_from(state) if t.trigger != "withdraw" and t.roles & user.roles]
    if not steps:
        return None
    unit_code = user.unit.code if user.unit else None
    conditions = []
    for t in steps:
        if t.unit is None:
            return Case.state == state
        if unit_code is None:
            continue
        if t.unit == "case":
            conditions.append(Case.unit_id == user.unit_id)
        else:
            conditions.append(Case.data[t.unit].as_string() == unit_code)
    return and_(Case.state == state, or_(*conditions)) if conditions else None


def _queue_candidates(service: CaseService, session: Session, user: User, filters: Filters) -> Any:
    wanted = []
    versions = select(Case.definition_version).distinct()
    if filters.workflow:
        versions = versions.where(Case.workflow == filters.workflow)
    for version in session.scalars(versions):
        definition = service.workflows.definition(version, session)
        states = [s.name for s in definition.states.values() if not s.final
                  and (filters.state is None or s.name == filters.state)]
        per_state = [c for c in (_state_condition(definition, s, user) for s in states) if c is not None]
        if per_state:
            wanted.append(and_(Case.definition_version == version, or_(*per_state)))
    query = select(Case).where(or_(*wanted) if wanted else false())
    if filters.unit:
        query = query.join(OrgUnit, OrgUnit.id == Case.unit_id).where(OrgUnit.code == filters.unit)
    return query.order_by(Case.due_date.is_(None), Case.due_date, Case.id)


def _waiting(service: CaseService, session: Session, user: User, filters: Filters) -> Iterator[Case]:
    query = _queue_candidates(service, session, user, filters).execution_options(yield_per=200)
    for case in session.scalars(query):
        if any(a.trigger != "withdraw" for a in service.actions_for(session, case, user)):
            yield case


def queue(service: CaseService, session: Session, user: User, filters: Filters = Filters(), page: int = 1,
          per_page: int = PER_PAGE, today: date | None = None) -> Page:
    items, total, overdue = [], 0, 0
    start = (page - 1) * per_page
    for case in _waiting(service, session, user, filters):
        if start <= total < start + per_page:
            items.append(case)
        total += 1
        if today and case.due_date and case.due_date < today:
            overdue += 1
    return Page(items, total, page, per_page, {"overdue": overdue})


def done(session: Session, user: User, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """Cases I acted on (other than creating them), the most recent action first."""
    acted = (select(CaseEvent.case_id, func.max(CaseEvent.at).label("last"))
             .where(CaseEvent.actor_id == user.id, CaseEvent.trigger != "create")
             .group_by(CaseEvent.case_id).subquery())
    total = session.scalar(select(func.count()).select_from(acted)) or 0
    rows = session.execute(select(Case, acted.c.last).join(acted, acted.c.case_id == Case.id)
                           .order_by(acted.c.last.desc(), Case.id.desc())
                           .limit(per_page).offset((page - 1) * per_page)).all()
    return Page([{"case": case, "last": last} for case, last in rows], total, page, per_page)


def my_requests(session: Session, user: User, page: int = 1, per_page: int = PER_PAGE,
                workflow: str | None = None) -> Page:
    query = select(Case).where(Case.submitter_id == user.id)
    if workflow:
        query = query.where(Case.workflow == workflow)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    cases = list(session.scalars(query.order_by(Case.updated_at.desc(), Case.id.desc())
                                 .limit(per_page).offset((page - 1) * per_page)))
    return Page(cases, total, page, per_page)


def open_requests(service: CaseService, session: Session, user: User) -> int:
    """My cases not yet in a final state."""
    count = 0
    for version, state, n in session.execute(select(Case.definition_version, Case.state, func.count())
                                             .where(Case.submitter_id == user.id)
                                             .group_by(Case.definition_version, Case.state)):
        if not service.workflows.definition(version, session).states[state].final:
            count += n
    return count


def recent_activity(session: Session, user: User, limit: int = 10) -> list[CaseEvent]:
    """The latest steps on cases I filed or acted on, by anyone."""
    mine = select(Case.id).where(Case.submitter_id == user.id)
    touched = select(CaseEvent.case_id).where(CaseEvent.actor_id == user.id)
    return list(session.scalars(select(CaseEvent).where(or_(CaseEvent.case_id.in_(mine),
                                                              CaseEvent.case_id.in_(touched)))
                                .order_by(CaseEvent.at.desc(), CaseEvent.id.desc()).limit(limit)))
