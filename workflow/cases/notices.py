"""公示: which cases are on public notice, and the public step open there to everyone signed in (an objection).

A state is on notice when a transition out of it is `public` (definitions/README.md): the definitions say so, not a
list of states here. Everyone may read the notice and take that one step; nothing else of the file opens to them.
"""
from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from workflow.cases.registry import Workflows
from workflow.cases.service import NotFound
from workflow.core.definition import Definition, Transition
from workflow.store.models import Case


def public_steps(definition: Definition) -> dict[str, Transition]:
    """The states of a process that are on public notice, with the public step open there."""
    return {source: t for t in definition.transitions if t.public for source in t.sources}


def on_notice(session: Session, workflows: Workflows, case: Case) -> tuple[Definition, Transition]:
    """The case's definition and its public step; NotFound when the case is not on notice (now)."""
    definition = workflows.definition(case.definition_version, session)
    step = public_steps(definition).get(case.state)
    if step is None:
        raise NotFound("该事项不在公示期内", "This case is not on public notice")
    return definition, step


def cases_on_notice(session: Session, workflows: Workflows) -> list[Case]:
    """Every case now on notice, the one whose notice ends first first."""
    wanted = []
    for version in session.scalars(select(Case.definition_version).distinct()):  # few versions; a small query
        states = list(public_steps(workflows.definition(version, session)))
        if states:
            wanted.append(and_(Case.definition_version == version, Case.state.in_(states)))
    if not wanted:
        return []
    return list(session.scalars(select(Case).where(or_(*wanted)).order_by(Case.due_date, Case.id)))
