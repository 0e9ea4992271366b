"""The one clock. Every moment the application records or compares (a step, a deadline, a sign-up, a session, an
e-mail's age, "today" on a page) comes from the `Clock` its case service holds (`CaseService.clock`), passed down
as `now`/`today`; no other module reads the system time. Production holds `system_now`; tests hold a clock they set
and move, and the suite also runs with the system clock a year ahead (`make test-future`), so a fixed test clock
never meets the real one (docs/architecture.md invariant 8). Two columns keep the production clock as their default: when an
account and an API token were created (they are shown, never compared, and made outside any step's time)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

Clock = Callable[[], datetime]  # naive UTC, as every timestamp column stores it


def system_now() -> datetime:
    """The system's time, in naive UTC: the production clock."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class ManualClock:
    """A clock that stands still until it is moved: what tests hold (and a benchmark that needs a fixed day)."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> datetime:
        self.now += delta
        return self.now
