"""The row of a new history entry (`HistoryEntry`, docs/architecture.md §2): its columns and its hash, written by the
case service for a step and by the task verbs (workflow/cases/task_verbs.py) for theirs."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from workflow.core.actor import Actor
from workflow.core.history import content_hash, entry_content
from workflow.core.seats import Changes
from workflow.store.models import HistoryEntry, User

INSERT_ENTRY = HistoryEntry.__table__.insert()  # compiled once: building it per step cost more than the commit


def history_row(*, case_id: int, case_number: str, seq: int, actor: User, trigger: str, source: str | None, dest: str,
                changes: dict[str, Any], comment: str, documents: list[str], at: datetime, prev_hash: str,
                acting_for: dict[str, Any] | None = None, delegated: dict[str, str] | None = None,
                fallback: dict[str, str] | None = None) -> dict[str, Any]:
    """The columns of a new HistoryEntry, its hash computed over its content and its predecessor's hash."""
    roles = sorted(actor.roles)
    unit = actor.unit.code if actor.unit else None
    content = entry_content(case_number=case_number, seq=seq, actor=actor.username, actor_roles=roles,
                            actor_unit=unit, trigger=trigger, from_state=source, to_state=dest, changes=changes,
                            comment=comment, documents=documents, at=at, prev_hash=prev_hash,
                            acting_for=acting_for, delegated=delegated, fallback=fallback)
    return {"case_id": case_id, "seq": seq, "actor_id": actor.id, "actor_username": actor.username,
            "actor_roles": roles, "actor_unit": unit, "trigger": trigger, "from_state": source, "to_state": dest,
            "changes": changes, "comment": comment, "documents": documents, "at": at, "prev_hash": prev_hash,
            "acting_for": acting_for or None, "delegated": delegated or None, "fallback": fallback or None,
            "hash": content_hash(content)}


def acting_for(principal: Actor | None) -> dict[str, Any] | None:
    """The principal a delegate acted for (委托), as the entry records them and the audit replays them."""
    if principal is None:
        return None
    return {"username": principal.username, "name": principal.name, "roles": sorted(principal.roles),
            "unit": principal.unit}


def delegated(changes: Changes) -> dict[str, str] | None:
    """principal → delegate for the new tasks a step gave to delegates."""
    given = {t.delegated_from: t.assignee for t in changes.opened if t.delegated_from and t.assignee}
    return given or None
