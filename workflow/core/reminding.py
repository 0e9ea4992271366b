"""催办's spacing: at most one reminder per case in the hours its definition sets (`parameters.remind_hours`)."""
from __future__ import annotations

from datetime import datetime, timedelta

from workflow.core.definition import Definition
from workflow.core.engine import ActionRefused


class TooSoon(ActionRefused):
    """A reminder (催办) sent again before the definition's interval is over."""

    status = 429


REMIND_HOURS = 4


def remind_interval(definition: Definition) -> timedelta:
    """How long after a reminder the next one may be sent: `parameters.remind_hours` (default 4)."""
    hours = definition.parameters.get("remind_hours", REMIND_HOURS)
    return timedelta(hours=float(hours) if isinstance(hours, (int, float)) else REMIND_HOURS)


def too_soon(definition: Definition, last: datetime | None, now: datetime) -> TooSoon | None:
    """The refusal of a reminder sent before the interval since the last one is over, saying how long is left."""
    every = remind_interval(definition)
    if last is None or now >= last + every:
        return None
    minutes = max(1, int((last + every - now).total_seconds() + 59) // 60)
    hours, minutes = divmod(minutes, 60)
    per = f"{every.total_seconds() / 3600:g}"
    return TooSoon(f"每 {per} 小时最多催办一次，请于 {hours} 小时 {minutes} 分钟后再试",
                   f"One reminder every {per} hours: try again in {hours} h {minutes} min")
