"""The hash chain of a case's history.

An entry's hash covers its canonical content and the hash of the entry before it, so
editing, removing or reordering any entry breaks every hash after it; the case row
keeps the head, so dropping the last entry is seen too.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

GENESIS = "0" * 64


def canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def entry_content(*, case_number: str, seq: int, actor: str, actor_roles: list[str], actor_unit: str | None,
                  trigger: str, from_state: str | None, to_state: str, changes: dict[str, Any], comment: str,
                  documents: list[str], at: datetime, prev_hash: str, acting_for: dict[str, Any] | None = None,
                  delegated: dict[str, str] | None = None, fallback: dict[str, str] | None = None) -> dict[str, Any]:
    """`acting_for`: the principal a delegate took the step for (委托), with the roles and unit they had; `delegated`:
    the principals whose new tasks this step gave to their delegates; `fallback`: the pools nobody held whose new
    tasks this step gave to the definition's fallback or an administrator. Each is hashed only when present, so the
    hashes of entries written before they existed stay as they were."""
    content = {
        "case": case_number, "seq": seq, "actor": actor, "actor_roles": sorted(actor_roles),
        "actor_unit": actor_unit, "trigger": trigger, "from": from_state, "to": to_state, "changes": changes,
        "comment": comment, "documents": list(documents), "at": at.isoformat(timespec="microseconds"),
        "prev": prev_hash,
    }
    if acting_for:
        content["acting_for"] = acting_for
    if delegated:
        content["delegated"] = delegated
    if fallback:
        content["fallback"] = fallback
    return content


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()


def hash_of_entry(entry: Any, case_number: str) -> str:
    """Recompute the hash of a stored entry (any object with HistoryEntry's attributes)."""
    return content_hash(entry_content(
        case_number=case_number, seq=entry.seq, actor=entry.actor_username, actor_roles=list(entry.actor_roles),
        actor_unit=entry.actor_unit, trigger=entry.trigger, from_state=entry.from_state, to_state=entry.to_state,
        changes=entry.changes, comment=entry.comment, documents=list(entry.documents), at=entry.at,
        prev_hash=entry.prev_hash, acting_for=entry.acting_for, delegated=entry.delegated, fallback=entry.fallback,
    ))
