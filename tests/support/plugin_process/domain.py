"""The suggestion's domain: what only code can add around its steps.

- On `submit`, `prepare` counts the other suggestions about the same unit still awaiting an answer and has the
  engine record the number as the fact `open_on_unit` (the committee sees a pattern at once; the audit replays
  the number recorded, not a recount).
- On `answer`, `after` tells the heads of the unit concerned what the union answered, in the very transaction that
  moves the case: the answer and the letters commit together or not at all.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from workflow.cases.domain import CaseRef, Prepared
from workflow.cases.guard_sql import holds
from workflow.cases.notifications import Letter
from workflow.core.engine import TransitionRecord
from workflow.store.models import Case, OrgUnit, User

KEY = "suggestion"
WAITING = "submitted"


class SuggestionDomain:
    def prepare(self, session: Session, case: CaseRef, trigger: str, user: User, data: Mapping[str, Any],
                today: date, parameters: Mapping[str, Any]) -> Prepared | None:
        if trigger == "submit":
            unit = {**case.data, **data}.get("concerned_unit")
            return Prepared({"open_on_unit": open_on_unit(session, unit, case.id)})
        if trigger == "answer":
            return Prepared({})  # nothing to establish; `after` runs only for a prepared step
        return None

    def after(self, connection: Connection, case_id: int, record: TransitionRecord,
              prepared: Prepared) -> list[Letter]:
        if record.trigger != "answer":
            return []
        data = record.data
        heads = connection.scalars(
            select(User.id).join(OrgUnit, OrgUnit.id == User.unit_id)
            .where(OrgUnit.code == data["concerned_unit"], User.active.is_(True), holds("department_head"))
            .order_by(User.id))
        subject = f"职工意见已答复：「{data['title']}」"
        body = f"职工对贵单位提出的意见「{data['title']}」已由工会答复：{data['reply']}\n请研究落实。"
        return [Letter(head, subject, body, f"/cases/{case_id}") for head in heads]


def open_on_unit(session: Session, unit: Any, case_id: int) -> int:
    """Other suggestions about `unit` awaiting an answer. An invalid unit counts none: the engine refuses the form."""
    if not isinstance(unit, str):
        return 0
    return session.scalar(select(func.count()).select_from(Case).where(
        Case.workflow == KEY, Case.state == WAITING, Case.id != case_id,
        Case.data["concerned_unit"].as_string() == unit)) or 0
