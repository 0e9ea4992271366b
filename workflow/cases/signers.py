"""加签's letters: an added signer is told when their task opens — at once when added before or alongside the task's
holder, when the holder's step is taken when added after (workflow/core/tasks.py `Board.add_sign`)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.cases.domain import CaseRef
from workflow.cases.notifications import Letter
from workflow.core.definition import Definition
from workflow.core.seats import OPEN, Changes
from workflow.core.signing import POSITIONS
from workflow.store.models import User


def letters(session: Session, definition: Definition, case: CaseRef, changes: Changes, by: str) -> list[Letter]:
    """One letter to each signer whose task these changes opened, from `by` (the name of who asked)."""
    opened = {t.assignee: POSITIONS[t.sign_position] for t in changes.opened
              if t.signer and t.status == OPEN and t.assignee and t.sign_position in POSITIONS}
    if not opened:
        return []
    ids = dict(session.execute(select(User.username, User.id).where(User.username.in_(list(opened)))).all())
    label = definition.label
    return [Letter(ids[name], f"加签：「{label.zh}」{case.number} 请您发表意见",
                   f"{by} 请您对「{label.zh}」{case.number} 发表意见（{where.zh}）。\n"
                   f"{by} asks for your opinion on {label.en} {case.number} ({where.en}).", f"/cases/{case.id}")
            for name, where in opened.items() if name in ids]
