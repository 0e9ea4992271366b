"""When a deadline is up, as a moment, and the timer row that waits for it (written with the step that sets it)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from workflow.core.definition import Deadline
from workflow.core.display import LOCAL_TZ


def due_moment(day: date) -> datetime:
    """The first moment after a deadline day ends in Beijing, as the naive UTC the database keeps."""
    local_midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=LOCAL_TZ)
    return local_midnight.astimezone(timezone.utc).replace(tzinfo=None)


def timer_row(case_id: int, case_version: int, state: str, deadline: Deadline, due: date) -> dict[str, object]:
    return {"case_id": case_id, "case_version": case_version, "state": state, "due_at": due_moment(due),
            "action": "fire" if deadline.expire_trigger else "escalate" if deadline.escalate else "remind",
            "trigger": deadline.expire_trigger or deadline.escalate,
            "claimed_at": None, "done_at": None, "outcome": ""}
