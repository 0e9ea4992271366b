"""Whose upload is whose: a case may carry only files its actor uploaded themself, so knowing a file's SHA-256 is
no licence to attach (and then read) somebody else's medical certificate. An upload is recorded when it is checked
and stored; a reference in a form is only the client's claim, resolved here against what that user uploaded."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.core import attachments
from workflow.core.engine import InvalidData
from workflow.store.db import upsert
from workflow.store.models import Upload, User

NOT_YOURS = "附件须由您本人上传后再提交"


def record(session: Session, user: User, reference: Mapping[str, Any], now: datetime) -> None:
    """Note a checked, stored file as this user's; uploaded again under another name, it takes the new name."""
    row = {"user_id": user.id, **reference, "at": now}
    session.execute(upsert(session, Upload, ("user_id", "sha256"), row, ("name", "at")))


def own(session: Session, user: User, fields: Any, data: Any) -> Any:
    """The form's data with every attachment reference as this user's upload recorded it: the name, type and size
    are the ones the file was checked with, not whatever the client sends along. A reference to a file the user
    did not upload is refused (422) on every `files` field."""
    if not isinstance(data, Mapping):
        return data
    claimed = attachments.references(fields, data)
    if not claimed:
        return data
    recorded = {row.sha256: {"sha256": row.sha256, "name": row.name, "type": row.type, "size": row.size}
                for row in session.execute(select(Upload.sha256, Upload.name, Upload.type, Upload.size).where(
                    Upload.user_id == user.id, Upload.sha256.in_({r["sha256"] for r in claimed})))}
    if any(r["sha256"] not in recorded for r in claimed):
        raise InvalidData(NOT_YOURS, "Attach only files you uploaded yourself",
                          fields={f.name: NOT_YOURS for f in fields if f.type == "files"})
    return attachments.replace_references(fields, data, recorded)
