"""The suite's moments. In-process apps stand at TEST_NOW until a test moves their clock; a server the tests start
in another process (gunicorn) runs on the system's clock, read through `server_today`, never `date.today()` (the
machine's zone is not Beijing's). Either way the suite passes on any date (docs/architecture.md invariant 8)."""
from __future__ import annotations

from datetime import date, datetime

from workflow.core.clock import system_now
from workflow.core.display import local_date

TEST_NOW = datetime(2026, 11, 23, 2, 0)  # Monday 10:00 in Beijing


def server_today() -> date:
    """Today in Beijing as a served app sees it."""
    return local_date(system_now())
