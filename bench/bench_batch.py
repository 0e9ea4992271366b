"""批量同意: one representative seconds (附议) 100 proposals in one batch through `batch.approve`
(workflow/cases/batch.py) on SQLite (WAL, synchronous=FULL as the app runs), each its own step with its history
entry, hash chain, tasks and notifications, no stage PDF (附议 issues none). Prints the seconds the batch took."""
from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from sqlalchemy import select  # noqa: E402
from support.people import PROPOSAL, seed  # noqa: E402

from bootstrap import domains, load_workflows  # noqa: E402
from workflow.cases import batch  # noqa: E402
from workflow.cases.service import CaseService  # noqa: E402
from workflow.store.db import Database  # noqa: E402
from workflow.store.models import Task  # noqa: E402
from workflow.store.storage import BlobStore  # noqa: E402


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    with tempfile.TemporaryDirectory(prefix="unionflow-bench-batch-") as tmp:
        folder = Path(tmp)
        db = Database(f"sqlite:///{folder / 'batch.db'}")
        db.create_all()
        service = CaseService(db, load_workflows(ROOT / "definitions", None), BlobStore(folder / "storage"),
                              domains=domains())
        users, _ = seed(service)
        for _ in range(size):
            case = service.create_case(users["zhang"], "proposal", dict(PROPOSAL))
            service.perform(case.id, "submit", users["zhang"], 1, {})
        with db.read() as session:
            tasks = list(session.scalars(select(Task.id).where(Task.status == "open", Task.state == "seconding")))
        start = time.perf_counter()
        outcomes = batch.approve(service, users["wang"], tasks, "second", "同意附议")
        elapsed = time.perf_counter() - start
        db.dispose()
    done = sum(o.done for o in outcomes)
    print(json.dumps({"tasks": len(tasks), "done": done, "seconds": round(elapsed, 3),
                      "ms_per_task": round(elapsed / max(1, len(tasks)) * 1000, 2)}))


if __name__ == "__main__":
    main()
