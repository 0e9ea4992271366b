"""A case's history as people read it (办理记录): one line per entry, with Chinese labels and Beijing time.

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
from workflow.store.models import Case, HistoryEntry, OrgUnit


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


def line_of(definition: Definition, entry: HistoryEntry, unit_names: Mapping[str, str]) -> Line:
    acting = entry.acting_for or {}  # 委托: the principal a delegate acted for, by user name
    name = entry.actor.display_name if entry.actor else entry.actor_username
    return Line(
        seq=entry.seq, at=display.local(entry.at), actor=entry.actor_username,
        actor_name=display.acting_name(entry.actor_username, acting.get("username"),
                                       {entry.actor_username: name, acting.get("username") or "": acting.get("name")}),
        role=display.acting_role(definition, entry.trigger, list(acting.get("roles") or entry.actor_roles)),
        roles=tuple(entry.actor_roles),
        unit=unit_names.get(entry.actor_unit, entry.actor_unit) if entry.actor_unit else "",
        trigger=entry.trigger, action=transition_label(definition, entry.trigger, entry.from_state),
        from_state=entry.from_state, to_state=entry.to_state,
        from_label=state_label(definition, entry.from_state), to_label=state_label(definition, entry.to_state),
        comment=entry.comment or "", documents=tuple(entry.documents), hash=entry.hash, prev_hash=entry.prev_hash)


def lines(session: Session, case: Case, definition: Definition,
          unit_names: Mapping[str, str] | None = None) -> list[Line]:
    names = units(session) if unit_names is None else unit_names
    entries = session.scalars(select(HistoryEntry).where(HistoryEntry.case_id == case.id).order_by(HistoryEntry.seq))
    return [line_of(definition, e, names) for e in entries]


def entries_by_case(session: Session, case_ids: Iterable[int], chunk: int = 500) -> dict[int, list[HistoryEntry]]:
    """Every entry of these cases in a few queries, in order, keyed by case id."""
    ids = list(dict.fromkeys(case_ids))
    found: dict[int, list[HistoryEntry]] = {i: [] for i in ids}
    for start in range(0, len(ids), chunk):
        query = (select(HistoryEntry).where(HistoryEntry.case_id.in_(ids[start:start + chunk]))
                 .order_by(HistoryEntry.case_id, HistoryEntry.seq))
        for entry in session.scalars(query):
            found[entry.case_id].append(entry)
    return found
