"""The 会签 vote step's throughput through the service layer on SQLite (history, hash chain, no PDF).

The process is the countersign tests' grant (tests/integration/definitions/grant.yaml): a committee of nine decides
by majority; every case is voted on until the rule decides it (five approvals, or five rejections).
"""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bootstrap import domains, load_workflows  # noqa: E402
from workflow.accounts.users import create_user, ensure_unit  # noqa: E402
from workflow.cases.service import CaseService  # noqa: E402
from workflow.store.db import Database  # noqa: E402
from workflow.store.models import User  # noqa: E402
from workflow.store.storage import BlobStore  # noqa: E402

GRANT = ROOT / "tests" / "integration" / "definitions" / "grant.yaml"
COMMITTEE = [f"委员{i}" for i in range(1, 10)]


def main() -> None:
    cases = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory(prefix="unionflow-bench-countersign-") as tmp:
        folder = Path(tmp)
        (folder / "definitions").mkdir()
        shutil.copy(GRANT, folder / "definitions")
        db = Database(f"sqlite:///{folder / 'vote.db'}")
        db.create_all()
        service = CaseService(db, load_workflows(folder / "definitions", None), BlobStore(folder / "storage"), domains=domains())
        with db.transaction() as session:
            ensure_unit(session, "GH", "工会办公室")
            create_user(session, "li", "password-123", ["member"], "GH", "李娜")
            for name in COMMITTEE:
                create_user(session, name, "password-123", ["union_committee"], "GH", name)
        with db.read() as session:
            users = {u.username: u for u in session.scalars(select(User))}
        ids = []
        for _ in range(cases):
            case = service.create_case(users["li"], "grant", {})
            service.perform(case.id, "submit", users["li"], 1, {"amount": 3500})
            ids.append(case.id)
        votes, decided, start = 0, 0, time.perf_counter()
        for n, case_id in enumerate(ids):
            decision = "approve" if n % 2 == 0 else "reject"
            for version, voter in enumerate(COMMITTEE, start=2):
                performed = service.perform(case_id, "vote", users[voter], version, {"decision": decision}, "意见")
                votes += 1
                if performed.record.dest != "voting":
                    decided += 1
                    break
        elapsed = time.perf_counter() - start
        db.dispose()
    print(json.dumps({"cases": cases, "decided": decided, "votes": votes, "votes_per_s": round(votes / elapsed),
                      "ms_per_vote": round(elapsed / votes * 1000, 2)}))


if __name__ == "__main__":
    main()
