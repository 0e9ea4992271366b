"""依次 (sequential approvers): a vote that keeps the case in its state opens the next approver's task; the step's
usual letters say nothing then (workflow/cases/recipients.py writes none for a vote that stays), so the one whose
turn it is now is told here."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.cases.domain import CaseRef
from workflow.cases.notifications import Letter
from workflow.core.definition import Definition
from workflow.core.engine import TransitionRecord
from workflow.core.seats import OPEN, Changes
from workflow.store.models import User


def letters(session: Session, definition: Definition, case: CaseRef, record: TransitionRecord,
            changes: Changes) -> list[Letter]:
    """One letter to each person whose named task a step that stayed in its state opened (the next in turn)."""
    if record.dest != record.source:
        return []
    people = sorted({t.assignee for t in changes.opened
                     if t.status == OPEN and t.seat.person and not t.signer and t.assignee})
    if not people:
        return []
    label, state = definition.label, definition.states[record.dest].label
    ids = session.execute(select(User.id).where(User.username.in_(people), User.active.is_(True))).scalars()
    return [Letter(user_id, f"待办：「{label.zh}」{case.number} 轮到您审批",
                   f"「{label.zh}」{case.number}（{state.zh}）依次审批，现在轮到您。\n"
                   f"{label.en} {case.number} ({state.en}): it is your turn to decide.", f"/cases/{case.id}")
            for user_id in ids]
