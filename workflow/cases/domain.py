"""What a process's code sees of a case, and the hooks through which it takes part in a step (a plug-in's domain,
docs/architecture.md § A new process). Defined here, below the case service, so that both the service and the
processes build on it and neither imports the other."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from workflow.cases.notifications import Letter
from workflow.core.engine import TransitionRecord
from workflow.store.db import Database
from workflow.store.models import Case, User


@dataclass(frozen=True)
class CaseRef:
    """A case as the permission checks and the engine need it: one row, no ORM object."""

    id: int
    number: str
    definition_version: str
    state: str
    data: dict[str, Any]
    version: int
    head_hash: str
    submitter_id: int
    submitter: str       # username
    unit: str | None     # org unit code
    due_date: date | None


def case_ref(case: Case | CaseRef) -> CaseRef:
    if isinstance(case, CaseRef):
        return case
    return CaseRef(case.id, case.number, case.definition_version, case.state, case.data, case.version, case.head_hash,
                   case.submitter_id, case.submitter.username, case.unit.code if case.unit else None, case.due_date)


@dataclass(frozen=True)
class Prepared:
    """What a domain established before a step: the facts the engine records, rows to write with the step, and
    what to do with the database once the step has committed, outside its transaction (scrubbing the files)."""

    facts: dict[str, Any]
    payload: Any = None
    afterwards: Callable[[Database], None] | None = None


class Domain(Protocol):
    """What a process family adds around the engine (an election's voter roll, rounds and ballots).

    `prepare` runs before the step fires, on the snapshot, and returns None when the step needs nothing of it (then
    `after` does not run either: return `Prepared({})` for a step that only needs `after`);
    `after` writes the domain's rows in the very transaction that moves the case (invariant 1), and returns
    the notifications they call for (an event's cancellation, to everyone signed up), posted with the step's own.

    Optional: `eligible_people(session, case, field)`, who a `member` field of the case's forms may name, as a
    `workflow.cases.people.Eligible` (None: every active account); the people search and the resolution of a typed
    name ask it (`people.ChoosesPeople`)."""

    def prepare(self, session: Session, case: CaseRef, trigger: str, user: User, data: Mapping[str, Any],
                today: date, parameters: Mapping[str, Any]) -> Prepared | None: ...

    def after(self, connection: Connection, case_id: int, record: TransitionRecord,
              prepared: Prepared) -> Sequence[Letter]: ...
