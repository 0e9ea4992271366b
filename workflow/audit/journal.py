"""A case's history as people read it (办理记录): one line per event, with Chinese labels and Beijing time.

The dossier's history table and the CSV export both print these lines, so the two never
disagree on what a step was called or in which capacity someone took it.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.core import display
from workflow.core.definition import Definition
from workflow.store.models import Case, CaseEvent, OrgUnit


@dataclass(frozen=True)
class Line:
    seq: int
    at: datetime                 # Beijing time
    actor: str                   # username
    actor_name: str
    role: str                    # the capacity the step was taken in, e.g. 提案工作委员会
    roles: tuple[str, ...]       # role keys held at the time
    unit: str                    # name of the actor's unit at the time ("" if none)
    trigger: str
    action: str                  # the transition's label, e.g. 立案
    from_state: str | None
    to_state: str
    from_label: str
    to_label: str
    comment: str
    documents: tuple[str, ...]   # SHA-256 of the documents issued in this step
    hash: str
    prev_hash: str


def transition_label(definition: Definition, trigger: str, source: str | None) -> str:
    """The label of the transition taken: the one leaving `source`, as a trigger may be labelled per source."""
    for t in definition.transitions:
        if t.trigger == trigger and source in t.sources:
            return t.label.zh
    return display.action_label(definition, trigger)


def state_label(definition: Definition, state: str | None) -> str:
    if state is None:
        return "—"
    found = definition.states.get(state)
    return found.label.zh if found else state


def units(session: Session) -> dict[str, str]:
    return dict(session.execute(select(OrgUnit.code, OrgUnit.name)).all())


def line_of(definition: Definition, event: CaseEvent, unit_names: Mapping[str, str]) -> Line:
    return Line(
        seq=event.seq, at=display.local(event.at), actor=event.actor_username,
        actor_name=event.actor.display_name if event.actor else event.actor_username,
        role=display.acting_role(definition, event.trigger, list(event.actor_roles)),
        roles=tuple(event.actor_roles),
        unit=unit_names.get(event.actor_unit, event.actor_unit) if event.actor_unit else "",
        trigger=event.trigger, action=transition_label(definition, event.trigger, event.from_state),
        from_state=event.from_state, to_state=event.to_state,
        from_label=state_label(definition, event.from_state), to_label=state_label(definition, event.to_state),
        comment=event.comment or "", documents=tuple(event.documents), hash=event.hash, prev_hash=event.prev_hash)


def lines(session: Session, case: Case, definition: Definition,
          unit_names: Mapping[str, str] | None = None) -> list[Line]:
    names = units(session) if unit_names is None else unit_names
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq))
    return [line_of(definition, e, names) for e in events]


def events_by_case(session: Session, case_ids: Iterable[int], chunk: int = 500) -> dict[int, list[CaseEvent]]:
    """Every event of these cases in a few queries, in order, keyed by case id."""
    ids = list(dict.fromkeys(case_ids))
    found: dict[int, list[CaseEvent]] = {i: [] for i in ids}
    for start in range(0, len(ids), chunk):
        query = (select(CaseEvent).where(CaseEvent.case_id.in_(ids[start:start + chunk]))
                 .order_by(CaseEvent.case_id, CaseEvent.seq))
        for event in session.scalars(query):
            found[event.case_id].append(event)
    return found
