"""What the pages list: my 待办 (queue) and 已办, my requests, recent activity, with filters and pages.

The queue lists open tasks (workflow/core/tasks.py), computed in SQL: the tasks held by me, and the pools' tasks
of a role of mine whose step passes, for me, its unit rule and the guards that decide whether it is offered (their
SQL forms, workflow/cases/guard_sql.py) — so that counting and paging stay fast with a hundred thousand cases; the
engine (`actions_for`) still checks every pool task shown. Where a guard has no SQL form (answering a nomination),
the engine checks the candidates in that state — few — and SQL counts and pages the rest with them. Soonest due
date first, cases without one last.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    false,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from workflow.accounts.users import actor_of
from workflow.cases import delegations
from workflow.cases.guard_sql import queue_form
from workflow.cases.paging import PER_PAGE, Page
from workflow.cases.service import CaseService
from workflow.core.actor import Actor
from workflow.core.definition import Transition
from workflow.core.display import local_date
from workflow.core.guards import GUARDS
from workflow.core.seats import DONE, OPEN
from workflow.store.models import (
    Case,
    DefinitionVersion,
    HistoryEntry,
    OrgUnit,
    Task,
    User,
)


@dataclass(frozen=True)
class Filters:
    workflow: str | None = None
    state: str | None = None
    unit: str | None = None  # org unit code of the case


@dataclass(frozen=True)
class _Step:
    condition: ColumnElement[bool]
    exact: bool  # False: some guard has no SQL form, the engine decides on each candidate


@dataclass(frozen=True)
class _Narrowing:
    exact: ColumnElement[bool]          # cases decided in SQL
    loose: ColumnElement[bool] | None   # candidates the engine must check (a 会签 under way, a pending nomination)


def _step_condition(t: Transition, user: User) -> _Step | None:
    parts, exact = [], True
    if t.unit is not None:
        unit_code = user.unit.code if user.unit else None
        if unit_code is None:
            return None
        parts.append(Case.unit_id == user.unit_id if t.unit == "case" else Case.data[t.unit].as_string() == unit_code)
    for call in t.guards:
        if GUARDS[call.name].needs_form:
            continue
        translate = queue_form(call.name)
        if translate is None:
            exact = False
        else:
            parts.append(translate(user, **call.kwargs))
    return _Step(and_(true(), *parts), exact)


def _narrowing(service: CaseService, session: Session, user: User, filters: Filters) -> _Narrowing:
    """SQL for 'this open pool task may be the user's now' over every definition version in use: the task's role is
    one of theirs, and a step of that role out of the case's state passes its unit rule and guards for them."""
    exact, loose = [], []
    versions = select(DefinitionVersion.version)  # every version a case was started on (small table)
    if filters.workflow:
        versions = versions.where(DefinitionVersion.key == filters.workflow)
    for version in session.scalars(versions):
        definition = service.workflows.definition(version, session)
        for state in definition.states.values():
            if state.final or (filters.state and state.name != filters.state):
                continue
            for role in sorted(user.roles):
                steps = [_step_condition(t, user) for t in definition.transitions_from(state.name)
                         if t.trigger != "withdraw" and not t.public and role in t.roles]
                steps = list({str(s.condition.compile(compile_kwargs={"literal_binds": True})): s
                              for s in steps if s is not None}.values())  # twin transitions (e.g. 附议) once
                here = and_(Case.definition_version == version, Case.state == state.name, Task.pool_role == role)
                for wanted, sure in ((exact, True), (loose, False)):
                    chosen = [s.condition for s in steps if s.exact == sure]
                    if chosen:
                        wanted.append(and_(here, or_(*chosen)))
    return _Narrowing(or_(*exact) if exact else false(), or_(*loose) if loose else None)


def queue(service: CaseService, session: Session, user: User, filters: Filters = Filters(), page: int = 1,
          per_page: int = PER_PAGE, today: date | None = None) -> Page:
    """My open tasks (workflow/core/tasks.py): those held by me, the pools' that I may take now, and those of the
    pools my principals belong to while I am their delegate (委托)."""
    actor = actor_of(user)

    def offered(case: Case, actors: tuple[Actor, ...] = (actor,)) -> bool:
        skip = {"withdraw", *service.definition_of(case, session).public_triggers()}  # not "waiting on" anyone
        engine = service.workflows.engine(case.definition_version, session)
        return any(a.trigger not in skip for who in actors for a in engine.actions_for(service.view(case), who))

    narrowing = _narrowing(service, session, user, filters)
    pool = and_(Task.assignee.is_(None), narrowing.exact)
    if narrowing.loose is not None:  # few cases are in such states: the engine picks, SQL counts and pages
        candidates = select(Task).join(Case, Case.id == Task.case_id).where(
            Task.status == OPEN, Task.assignee.is_(None), narrowing.loose)
        pool = or_(pool, Task.id.in_([t.id for t in session.scalars(candidates) if offered(t.case)]))
    principals: list[Actor] = []  # I may take a pool task for them: the engine checks it as them
    for delegation in delegations.principals_of(session, user.username, today or local_date(service.clock())):
        principal = session.scalar(select(User).where(User.username == delegation.principal))
        if principal is None:
            continue
        principals.append(actor_of(principal))
        theirs = _narrowing(service, session, principal, filters).exact  # the pools of my principal (委托)
        where = [Case.submitter_id != user.id, Case.submitter_id != principal.id]
        if delegation.workflows:
            where.append(Case.workflow.in_(delegation.workflows))
        pool = or_(pool, and_(Task.assignee.is_(None), theirs, *where))
    escalated = and_(Task.escalated_from.is_not(None), Task.assignee.is_(None),  # 超期上报 to a role of mine
                     Task.pool_role.in_(sorted(user.roles)))
    query = select(Task).join(Case, Case.id == Task.case_id).where(
        Task.status == OPEN, or_(Task.assignee == user.username, pool, escalated))
    if filters.workflow:
        query = query.where(Case.workflow == filters.workflow)
    if filters.state:
        query = query.where(Case.state == filters.state)
    if filters.unit:
        query = query.join(OrgUnit, OrgUnit.id == Case.unit_id).where(OrgUnit.code == filters.unit)
    query = query.order_by(Case.due_date.is_(None), Case.due_date, Case.id, Task.number)
    counted = query.with_only_columns(Case.due_date).order_by(None).subquery()
    late = func.coalesce(func.sum(sql_case((counted.c.due_date < today, 1), else_=0)), 0) if today else literal(0)
    total, overdue = session.execute(select(func.count(), late).select_from(counted)).one()
    items = [t for t in session.scalars(query.limit(per_page).offset((page - 1) * per_page))
             if t.assignee == user.username or t.escalated_from or offered(t.case, (actor, *principals))]
    return Page(items, total, page, per_page, {"overdue": overdue})


def done(session: Session, user: User, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """The tasks I completed, the most recent first."""
    query = select(Task).where(Task.done_by == user.username, Task.status == DONE)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    tasks = session.scalars(query.order_by(Task.closed_at.desc(), Task.id.desc())
                            .limit(per_page).offset((page - 1) * per_page))
    return Page([{"case": t.case, "last": t.closed_at, "task": t} for t in tasks], total, page, per_page)


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


def recent_activity(session: Session, user: User, limit: int = 10) -> list[HistoryEntry]:
    """The latest steps on cases I filed or acted on, by anyone."""
    mine = select(Case.id).where(Case.submitter_id == user.id)
    touched = select(HistoryEntry.case_id).where(HistoryEntry.actor_id == user.id)
    return list(session.scalars(select(HistoryEntry).where(or_(HistoryEntry.case_id.in_(mine),
                                                              HistoryEntry.case_id.in_(touched)))
                                .order_by(HistoryEntry.at.desc(), HistoryEntry.id.desc()).limit(limit)))


@dataclass(frozen=True)
class Search:
    """The auditor's search over every case."""

    number: str | None = None
    workflow: str | None = None
    state: str | None = None
    since: date | None = None    # created on or after (UTC date)
    until: date | None = None    # created on or before
    person: str | None = None    # username or name of the submitter or of anyone who acted


def search_query(criteria: Search) -> Any:
    query = select(Case)
    if criteria.number:
        query = query.where(Case.number.contains(criteria.number.strip(), autoescape=True))
    if criteria.workflow:
        query = query.where(Case.workflow == criteria.workflow)
    if criteria.state:
        query = query.where(Case.state == criteria.state)
    if criteria.since:
        query = query.where(Case.created_at >= criteria.since)
    if criteria.until and criteria.until < date.max:  # the last day there is: nothing comes after it
        query = query.where(Case.created_at < criteria.until + timedelta(days=1))
    if criteria.person:
        who = select(User.id).where(or_(User.username == criteria.person.strip(),
                                        User.display_name.contains(criteria.person.strip(), autoescape=True)))
        query = query.where(or_(Case.submitter_id.in_(who),
                                Case.id.in_(select(HistoryEntry.case_id).where(HistoryEntry.actor_id.in_(who)))))
    return query


def search(session: Session, criteria: Search, page: int = 1, per_page: int = PER_PAGE) -> Page:
    query = search_query(criteria)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    cases = list(session.scalars(query.order_by(Case.created_at.desc(), Case.id.desc())
                                 .limit(per_page).offset((page - 1) * per_page)))
    return Page(cases, total, page, per_page)
