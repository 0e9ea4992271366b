"""Who hears of a step, and what they are told: the case's submitter (unless they took it) and the people the step
put the case before — those who may now take a step out of the state it entered, as their 待办 shows it.

One query finds them, as the queue (workflow/cases/worklists.py) does: the active users holding a role of those
steps, of the unit the step names, and passing the guards that have an SQL form over the user row (the case is known); where
a guard has none, the engine checks the candidates. A step that stays in its state (a 附议, a nomination) tells only
those it gave a step they did not have before (the nominee), and a 会签 vote that decides nothing tells nobody: its
timing would say who voted. Steps anyone may take without reading the file (an objection to a 公示) and the `system`
role's never make anyone a recipient. Messages name only the process, the case number, the step and the state —
nothing of the file (docs/architecture.md invariant 6).
"""
from __future__ import annotations

from functools import cache

from sqlalchemy import ColumnElement, and_, false, not_, or_, select, true
from sqlalchemy.orm import Session

from workflow.cases.domain import CaseRef
from workflow.cases.guard_sql import concerned_form, holds, recipients_form
from workflow.cases.notifications import Letter
from workflow.core.actor import Actor
from workflow.core.definition import GENERIC_WITHDRAW, Transition
from workflow.core.definition_load import VOTE
from workflow.core.engine import SAVE_DRAFT, CaseView, Engine, TransitionRecord
from workflow.core.guards import GUARDS
from workflow.core.roles import SYSTEM
from workflow.store.models import OrgUnit, User

# The active users and their units, built once: a step adds only its own conditions.
_ACTIVE_IDS = select(User.id).outerjoin(OrgUnit, OrgUnit.id == User.unit_id).where(User.active.is_(True))
_ACTIVE_PEOPLE = (select(User.id, User.username, User.display_name, User.role_list.label("role_list"), OrgUnit.code)
                  .outerjoin(OrgUnit, OrgUnit.id == User.unit_id).where(User.active.is_(True)))


def letters(session: Session, engine: Engine, case: CaseRef, record: TransitionRecord, actor_id: int) -> list[Letter]:
    """The inbox rows a step writes: one per person, the submitter's first."""
    if record.trigger == SAVE_DRAFT or (record.trigger == VOTE and record.dest == record.source):
        return []
    definition = engine.definition
    process, step, state = definition.label, record.label, definition.states[record.dest].label
    link = f"/cases/{case.id}"
    written = []
    if case.submitter_id != actor_id:
        written.append(Letter(
            case.submitter_id, f"您的「{process.zh}」{case.number} 已{step.zh}：{state.zh}",
            f"您的「{process.zh}」{case.number} 已{step.zh}，当前状态：{state.zh}。\n"
            f"Your {process.en} {case.number}: {step.en}; now {state.en}.", link))
    before = CaseView(case.state, case.data, case.submitter, case.unit, case.due_date)
    after = CaseView(record.dest, record.data, case.submitter, case.unit, record.due_date)
    for user_id in to_do(session, engine, before, after):
        if user_id not in (actor_id, case.submitter_id):
            written.append(Letter(
                user_id, f"待办：「{process.zh}」{case.number} {state.zh}",
                f"「{process.zh}」{case.number} 已{step.zh}，现为「{state.zh}」，等待您办理。\n"
                f"To do: after “{step.en}”, {process.en} {case.number} is now {state.en} and waits for you.", link))
    return written


def to_do(session: Session, engine: Engine, before: CaseView, after: CaseView) -> list[int]:
    """The active users who may take a step out of the case's new state (who have it in their 待办 now) — for a
    step that stayed in its state, only those who gained such a step by it.

    As the queue does, SQL decides the transitions whose guards all have an SQL form; the engine checks the
    candidates of the others."""
    definition = engine.definition
    skip = {GENERIC_WITHDRAW, *definition.public_triggers()}
    stays = before.state == after.state
    exact, loose, seen = [], [], []  # seen: compared, not hashed (an argument may be a list)
    for t in definition.transitions_from(after.state):
        if t.trigger in skip or t.public or (stays and not _may_change(t)):
            continue
        same = _same_people(t)
        if same in seen:  # e.g. a 附议 that reaches the threshold and one that does not: one condition serves both
            continue
        seen.append(same)
        now = _condition(t, after)
        if now is None:
            continue
        if not _exact(t):
            loose.append(now)
            continue
        if stays:  # only those the change of data concerns: found by name, not by a scan of every account
            concerned = _concerned(t, before, after)
            if concerned is not None:
                if not concerned:
                    continue
                now = and_(now, User.username.in_(sorted(concerned)))
        earlier = _condition(t, before) if stays else None
        exact.append(now if earlier is None else and_(now, not_(earlier)))
    if not exact and not loose:
        return []
    connection = session.connection()  # Core: the rows are plain values, the ORM would only add its overhead
    if not loose:  # SQL decides alone: every row found is one
        return list(connection.execute(_ACTIVE_IDS.where(or_(*exact))).scalars())
    if exact:
        query = _ACTIVE_PEOPLE.add_columns(or_(*exact).label("sure")).where(or_(*exact, *loose))
    else:  # the engine checks every candidate
        query = _ACTIVE_PEOPLE.add_columns(false().label("sure")).where(or_(*loose))
    found = []
    for row in connection.execute(query):
        if row.sure:
            found.append(row.id)
            continue
        actor = Actor(row.username, row.display_name, frozenset(row.role_list), row.code)
        now = _offered(engine, after, actor, skip)
        if now and not (stays and now <= _offered(engine, before, actor, skip)):
            found.append(row.id)
    return found


def _same_people(t: Transition) -> tuple:
    """What decides who is offered a transition, and whether a stay may have changed it: transitions alike in this
    are offered to the same people."""
    return (t.roles, t.unit, tuple(call for call in t.guards if not GUARDS[call.name].needs_form))


def _concerned(t: Transition, before: CaseView, after: CaseView) -> set[str] | None:
    """The user names a step that stayed in its state may have given this transition to, or None: anyone."""
    if t.unit not in (None, "case"):
        return None
    names: set[str] = set()
    for call in t.guards:
        if GUARDS[call.name].needs_form:
            continue
        concerned = concerned_form(call.name)
        if concerned is None:
            return None
        names |= concerned(before, after, **call.kwargs)
    return names


def _may_change(t: Transition) -> bool:
    """Whether a step that stays in the state can give this transition to someone new: only through the case's
    data (a guard that looks at it, a unit named by a field) — roles and the case's unit stay as they were."""
    return t.unit not in (None, "case") or any(not GUARDS[call.name].needs_form for call in t.guards)


def _exact(t: Transition) -> bool:
    """Whether SQL alone decides if someone is offered this transition: every guard that decides has an SQL form."""
    return all(recipients_form(call.name) is not None for call in t.guards if not GUARDS[call.name].needs_form)


def _condition(t: Transition, case: CaseView) -> ColumnElement[bool] | None:
    """SQL for 'this user may be offered this transition', or None when no person ever is."""
    parts = []
    if t.roles:
        people = _holds_any(t.roles)
        if people is None:
            return None
        parts.append(people)
    if t.unit is not None:
        unit = case.unit if t.unit == "case" else case.data.get(t.unit)
        if not isinstance(unit, str):
            return None
        parts.append(OrgUnit.code == unit)
    for call in t.guards:
        translate = recipients_form(call.name)
        if translate is not None and not GUARDS[call.name].needs_form:
            parts.append(translate(case, **call.kwargs))
    return and_(true(), *parts)


@cache  # an expression is immutable: built once per set of roles
def _holds_any(roles: frozenset[str]) -> ColumnElement[bool] | None:
    """The user holds one of these roles; None when only the `system` role may take the step."""
    people = sorted(roles - {SYSTEM})
    return or_(*(holds(role) for role in people)) if people else None


def _offered(engine: Engine, case: CaseView, actor: Actor, skip: set[str]) -> set[str]:
    return {a.trigger for a in engine.actions_for(case, actor)} - skip
