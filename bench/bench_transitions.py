"""Proposal transitions per second through the service layer on SQLite, beside the raw commit rate.

Both at the durability the app uses: WAL with synchronous=FULL (a committed approval survives a power cut).
The service path is the real one — snapshot read, engine, version check, hash-chained event, case update, one
commit per transition — without stage PDFs (measured separately in pdf.py).
"""
from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workflow.accounts import create_user, ensure_unit  # noqa: E402
from workflow.db import Database  # noqa: E402
from workflow.models import User  # noqa: E402
from workflow.registry import Workflows  # noqa: E402
from workflow.services import CaseService  # noqa: E402
from workflow.storage import BlobStore  # noqa: E402

PROPOSAL = {"title": "关于改善职工食堂就餐环境的提案", "category": "welfare", "reason": "就餐高峰排队时间长。",
            "suggestion": "增加就餐座位并错峰开饭。"}


def raw_commit_rate(folder: Path, seconds: float = 2.0) -> float:
    conn = sqlite3.connect(folder / "raw.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT)")
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (payload) VALUES (?)", ("x" * 200,))
        conn.execute("COMMIT")
        count += 1
    rate = count / (time.perf_counter() - start)
    conn.close()
    return rate


def service_rate(folder: Path, cases: int) -> tuple[float, int]:
    db = Database(f"sqlite:///{folder / 'app.db'}")
    db.create_all()
    service = CaseService(db, Workflows(ROOT / "definitions", None), BlobStore(folder / "storage"), issuer=None)
    with db.transaction() as session:
        for code in ("GH", "CJ1", "HQ"):
            ensure_unit(session, code)
        for name, unit, roles in (("zhang", "CJ1", ["representative"]), ("wang", "CJ1", ["representative"]),
                                  ("liu", "HQ", ["representative"]), ("zhao", "GH", ["proposal_committee"]),
                                  ("zhou", "HQ", ["department_head"])):
            create_user(session, name, "password-123", roles, unit)
    with db.read() as session:
        u = {user.username: user for user in session.query(User)}
    steps = [("submit", "zhang", {}, None), ("second", "wang", {}, None), ("second", "liu", {}, None),
             ("accept", "zhao", {"lead_unit": "HQ"}, "同意立案"),
             ("reply", "zhou", {"reply": "已解决。", "measures": "增加座位。", "status": "resolved"}, None),
             ("evaluate", "zhang", {"satisfaction": "satisfied"}, "满意"), ("archive", "zhao", {}, None)]
    ids = [service.create_case(u["zhang"], "proposal", PROPOSAL).id for _ in range(cases)]
    fired, start = 0, time.perf_counter()
    for case_id in ids:
        for version, (trigger, who, data, comment) in enumerate(steps, start=1):
            service.perform(case_id, trigger, u[who], version, data, comment)
            fired += 1
    rate = fired / (time.perf_counter() - start)
    db.dispose()
    return rate, fired


def main() -> None:
    cases = int(sys.argv[1]) if len(sys.argv) > 1 else 150
    with tempfile.TemporaryDirectory(prefix="unionflow-bench-") as tmp:
        folder = Path(tmp)
        raw = raw_commit_rate(folder)
        rate, fired = service_rate(folder, cases)
    print(json.dumps({"raw_commits_per_s": round(raw), "transitions_per_s": round(rate), "transitions": fired,
                      "ratio": round(rate / raw, 3)}))


if __name__ == "__main__":
    main()
