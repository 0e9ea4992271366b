"""`timers run` over 10,000 due timers: time per timer, each firing a real step (history, hash chain, commit).

The process is the timer tests' notice (tests/integration/definitions/notice.yaml): a 公示 that closes itself
when its five working days are up, on the shipped calendar. The cases are opened and published through the
service (each entering step writes its timer), then one run fires them all.
"""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bootstrap import domains, load_workflows  # noqa: E402
from workflow.accounts.users import create_user, ensure_unit  # noqa: E402
from workflow.cases.service import CaseService  # noqa: E402
from workflow.cases.timers import run_due  # noqa: E402
from workflow.core.workdays import CALENDAR_DIR  # noqa: E402
from workflow.store.db import Database  # noqa: E402
from workflow.store.models import Case, Timer, User  # noqa: E402
from workflow.store.storage import BlobStore  # noqa: E402

NOTICE = ROOT / "tests" / "integration" / "definitions" / "notice.yaml"
OPENED = datetime(2026, 11, 23, 2, 0)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory(prefix="unionflow-bench-timers-") as tmp:
        folder = Path(tmp)
        definitions = folder / "definitions"
        definitions.mkdir()
        shutil.copy(NOTICE, definitions)
        (definitions / "calendar").symlink_to(CALENDAR_DIR)
        db = Database(f"sqlite:///{folder / 'timers.db'}")
        db.create_all()
        service = CaseService(db, load_workflows(definitions, None), BlobStore(folder / "storage"), clock=lambda: OPENED, domains=domains())
        with db.transaction() as session:
            ensure_unit(session, "GH", "工会办公室")
            create_user(session, "li", "password-123", ["member"], "GH", "李娜")
        with db.read() as session:
            li = session.scalar(select(User).where(User.username == "li"))
        t = time.perf_counter()
        for _ in range(count):
            case = service.create_case(li, "notice", {})
            service.perform(case.id, "publish", li, 1, {"title": "困难职工帮扶公示"})
        setup_s = time.perf_counter() - t
        t = time.perf_counter()
        report = run_due(service, now=datetime(2026, 12, 2))
        run_s = time.perf_counter() - t
        with db.read() as session:
            closed = session.scalar(select(func.count()).select_from(Case).where(Case.state == "closed"))
            pending = session.scalar(select(func.count()).select_from(Timer).where(Timer.done_at.is_(None)))
        db.dispose()
    print(json.dumps({"timers": count, "fired": len(report.fired), "closed": closed, "left": pending,
                      "run_s": round(run_s, 1), "ms_per_timer": round(run_s / count * 1000, 2),
                      "setup_s": round(setup_s, 1)}))


if __name__ == "__main__":
    main()
