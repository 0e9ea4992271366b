"""Where a person stands on a case's tasks (docs/architecture.md § Tasks): which steps the tasks leave them, and which
task they take a step through — their own, their pool's, or as a delegate (委托) one of their principal's. The board
(workflow/core/tasks.py) holds the rules of one task; this puts it together with the engine and the delegations."""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from workflow.cases import delegations
from workflow.core.actor import Actor
from workflow.core.engine import Action, ActionRefused, CaseView, Engine, Forbidden
from workflow.core.seats import Task
from workflow.core.tasks import Board


def offered(board: Board, engine: Engine, view: CaseView, actor: Actor) -> list[Action]:
    """What the actor may do now: what the engine offers them, less the steps whose tasks are someone else's, with
    the steps of a seat handed to them (a 会签 vote passed on, a pool's task given by the administrator)."""
    actions = {a.trigger: a for a in engine.actions_for(view, actor)}
    for task in board.open():
        acting = Board.acting_as(task, actor)
        if (task.assignee == actor.username or (task.escalated_from and task.holds(actor))) and acting != actor:
            for action in engine.actions_for(view, acting):
                if action.trigger in task.triggers:
                    actions.setdefault(action.trigger, action)
    return [a for a in actions.values() if board.allows(a.trigger, actor)]


def as_delegate(session: Session, board: Board, engine: Engine, view: CaseView, actor: Actor, today: date,
                have: set[str]) -> list[Action]:
    """What the actor may do on the case as the delegate of a principal (委托) beyond their own steps (`have`): the
    steps the principal's standing allows, never on a case either of them filed."""
    found: list[Action] = []
    for principal in delegations.principals_for(session, actor.username, engine.definition.key, view.submitter, today):
        for action in offered(board, engine, view, principal):
            if action.trigger not in have and action.trigger not in engine.definition.public_triggers() \
                    and action.trigger != "withdraw":
                have.add(action.trigger)
                found.append(action)
    return found


def through(session: Session, board: Board, engine: Engine, view: CaseView, trigger: str, actor: Actor,
            today: date) -> tuple[Task | None, Actor | None]:
    """The task the actor takes this step through, and the principal they act for when they take it as a delegate.
    Where the step is theirs neither way, the engine's own refusal says why when it has one (the role it needs),
    else the board's (not your task)."""
    refusal: ActionRefused | None = None
    try:
        task = board.through(trigger, actor)
    except ActionRefused as refused:
        task, refusal = None, refused
    if task is not None and task.delegated_from:
        return task, delegations.principal_actor(session, task.delegated_from)
    mine = {a.trigger for a in engine.actions_for(view, actor)}
    if refusal is None and (task is not None or trigger in mine):
        return task, None
    if view.submitter != actor.username:  # a delegate never acts on a case they filed
        found = _as_delegate(session, board, engine, view, trigger, actor, today)
        if found is not None:
            return found
    if refusal is None or (isinstance(refusal, Forbidden) and trigger not in mine):
        return None, None  # the engine refuses it, in its own words
    raise refusal


def _as_delegate(session: Session, board: Board, engine: Engine, view: CaseView, trigger: str, actor: Actor,
                 today: date) -> tuple[Task | None, Actor] | None:
    """The task of a principal the actor is delegate of who may take the step (never on the principal's own case)."""
    for principal in delegations.principals_for(session, actor.username, engine.definition.key, view.submitter, today):
        try:
            task = board.through(trigger, principal)
        except ActionRefused:
            continue
        if task is not None or trigger in {a.trigger for a in engine.actions_for(view, principal)}:
            return task, principal
    return None
