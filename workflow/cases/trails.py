"""What the history says for a 退回 or a 撤回 (workflow/core/moves.py): the case's path and its last step."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.cases.domain import CaseRef
from workflow.core import moves
from workflow.core.definition import Definition
from workflow.store.models import Case, HistoryEntry, User


def trail(session: Session, case_id: int) -> moves.Trail:
    """What the history says for a 退回 or a 撤回 (workflow/core/moves.py)."""
    return moves.trail_of(session.execute(
        select(HistoryEntry.actor_username, HistoryEntry.trigger, HistoryEntry.from_state, HistoryEntry.to_state)
        .where(HistoryEntry.case_id == case_id).order_by(HistoryEntry.seq)).all())


def trail_for(definition: Definition, session: Session, case: Case | CaseRef, user: User) -> moves.Trail | None:
    """The trail when a move may be open to the user: the state sends cases back, or the last step was theirs."""
    if definition.states[case.state].send_back is None and session.scalar(
            select(HistoryEntry.actor_id).where(HistoryEntry.case_id == case.id,
                                                HistoryEntry.seq == case.version)) != user.id:
        return None
    return trail(session, case.id)
