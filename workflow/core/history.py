"""The hash chain of a case's history.

An event's hash covers its canonical content and the hash of the event before it, so
editing, removing or reordering any event breaks every hash after it; the case row
keeps the head, so dropping the last event is seen too.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

GENESIS = "0" * 64


def canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def event_content(*, case_number: str, seq: int, actor: str, actor_roles: list[str], actor_unit: str | None,
                  trigger: str, from_state: str | None, to_state: str, changes: dict[str, Any], comment: str,
                  documents: list[str], at: datetime, prev_hash: str) -> dict[str, Any]:
    return {
        "case": case_number, "seq": seq, "actor": actor, "actor_roles": sorted(actor_roles),
        "actor_unit": actor_unit, "trigger": trigger, "from": from_state, "to": to_state, "changes": changes,
        "comment": comment, "documents": list(documents), "at": at.isoformat(timespec="microseconds"),
        "prev": prev_hash,
    }


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()


def hash_of_event(event: Any, case_number: str) -> str:
    """Recompute the hash of a stored event (any object with CaseEvent's attributes)."""
    return content_hash(event_content(
        case_number=case_number, seq=event.seq, actor=event.actor_username, actor_roles=list(event.actor_roles),
        actor_unit=event.actor_unit, trigger=event.trigger, from_state=event.from_state, to_state=event.to_state,
        changes=event.changes, comment=event.comment, documents=list(event.documents), at=event.at,
        prev_hash=event.prev_hash,
    ))
