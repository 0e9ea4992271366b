"""The process definitions in force and every earlier version a case still runs on.

Files under definitions/ are the current versions. Each version is stored in the
database the first time it is registered, so that after a YAML is edited, cases begun
on the old text go on (and are replayed by the audit) on exactly that text.
"""
from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.core import workdays
from workflow.core.definition import Definition
from workflow.core.definition_load import load_dir, parse
from workflow.core.engine import Engine
from workflow.core.workdays import WorkCalendar
from workflow.store.db import insert_new
from workflow.store.models import Case, DefinitionVersion


class UnknownVersion(LookupError):
    pass


def working_calendar(definitions_dir: Path) -> WorkCalendar:
    """The holidays and 调休 workdays under definitions/calendar/; Monday to Friday where there is none."""
    folder = definitions_dir / "calendar"
    return workdays.load_dir(folder) if folder.is_dir() else WorkCalendar()


class Workflows:
    def __init__(self, definitions_dir: Path, template_dir: Path | None):
        self.definitions_dir, self.template_dir = definitions_dir, template_dir
        self.current: dict[str, Definition] = load_dir(definitions_dir, template_dir)
        self.calendar = working_calendar(definitions_dir)
        self._definitions: dict[str, Definition] = {d.version: d for d in self.current.values()}
        self._engines: dict[str, Engine] = {}
        self._lock = threading.Lock()

    def register(self, session: Session, now: datetime) -> None:
        """Store the current versions that the database does not hold yet. Two hosts may both be first to register
        a new version (after every change of a definition): the second insert then does nothing."""
        known = set(session.scalars(select(DefinitionVersion.version)))
        new = [{"key": d.key, "version": d.version, "source": d.source, "registered_at": now}
               for d in self.current.values() if d.version not in known]
        if new:
            session.execute(insert_new(session, DefinitionVersion), new)

    def get(self, key: str) -> Definition | None:
        return self.current.get(key)

    def definition(self, version: str, session: Session | None = None) -> Definition:
        found = self._definitions.get(version)
        if found is None:
            found = self._load_stored(version, session)
        return found

    def engine(self, version: str, session: Session | None = None) -> Engine:
        engine = self._engines.get(version)
        if engine is None:
            definition = self.definition(version, session)
            with self._lock:  # one shared machine per version, built once
                engine = self._engines.setdefault(version, Engine(definition, self.calendar))
        return engine

    def reported(self, session: Session, case: Case) -> str | None:
        """The outcome a report counts the case under: its state's `report:` tag in the case's own version of the
        definition, else in the one in force (a case begun before the tags were written is reported as today's
        text reports that state); None: not reported (a draft)."""
        own = self.definition(case.definition_version, session).states.get(case.state)
        if own is not None and own.report:
            return own.report
        current = self.get(case.workflow)
        now = current.states.get(case.state) if current else None
        return now.report if now else None

    def versions(self, session: Session) -> list[DefinitionVersion]:
        return list(session.scalars(select(DefinitionVersion).order_by(DefinitionVersion.key,
                                                                       DefinitionVersion.registered_at)))

    def _load_stored(self, version: str, session: Session | None) -> Definition:
        row = None if session is None else session.scalar(
            select(DefinitionVersion).where(DefinitionVersion.version == version))
        if row is None:
            raise UnknownVersion(version)
        definition = parse(row.source, f"<stored {row.key} {version[:12]}>", None)
        with self._lock:
            return self._definitions.setdefault(version, definition)
