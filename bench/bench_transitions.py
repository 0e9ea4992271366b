"""Proposal transitions per second through the service layer on SQLite, beside the raw commit rate.

Both at the durability the app uses: WAL with synchronous=FULL (a committed approval survives a power cut).
The service path is the real one — snapshot read, engine, version check, hash-chained event, case update, one
commit per transition — without stage PDFs (measured separately in bench_pdf.py).
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

from bootstrap import domains, load_workflows  # noqa: E402
from workflow.accounts.users import create_user, ensure_unit  # noqa: E402
from workflow.cases.entries import INSERT_ENTRY  # noqa: E402
from workflow.cases.registry import Workflows  # noqa: E402
from workflow.cases.service import _MOVE_CASE, CaseService  # noqa: E402
from workflow.store.db import Database  # noqa: E402
from workflow.store.models import User  # noqa: E402
from workflow.store.storage import BlobStore  # noqa: E402

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


FLOOR_CASES = 50_000


def write_floor_rate(folder: Path, seconds: float = 2.0) -> float:
    """The app's own write — the case UPDATE and the event INSERT, the same compiled SQL — through bare sqlite3.

    What no Python layer can beat: the ceiling for the service's rate at this durability.
    """
    db = Database(f"sqlite:///{folder / 'floor.db'}")
    db.create_all()
    dialect = db.engine.dialect
    db.dispose()
    move = _MOVE_CASE.compile(dialect=dialect)
    event = {"case_id": 0, "seq": 2, "actor_id": 1, "actor_username": "zhou", "actor_roles": '["department_head"]',
             "actor_unit": "HQ", "trigger": "reply", "from_state": "handling", "to_state": "replied",
             "changes": json.dumps({"reply": "已制定食堂改造方案，增设座位一百二十个。", "status": "planned"},
                                   ensure_ascii=False),
             "comment": "", "documents": "[]", "at": "2026-11-23 14:00:00.000000", "prev_hash": "a" * 64,
             "hash": "b" * 64}
    insert = INSERT_ENTRY.compile(dialect=dialect, column_keys=list(event))
    conn = sqlite3.connect(folder / "floor.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("INSERT INTO org_units (code, name) VALUES ('HQ', '后勤保障部')")
    conn.execute("INSERT INTO users (username, display_name, password_hash, unit_id, active, created_at, roles) "
                 "VALUES ('zhou', '周磊', 'x', 1, 1, '2026-11-23', '[]')")
    data = json.dumps({**PROPOSAL, "seconders": ["wang", "liu"], "lead_unit": "HQ"}, ensure_ascii=False)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO cases (number, workflow, definition_version, state, data, version, submitter_id, head_hash, "
        "created_at, updated_at) VALUES (?, 'proposal', 'v', 'handling', ?, 1, 1, '', '2026-11-23', '2026-11-23')",
        ((f"TA-{i}", data) for i in range(FLOOR_CASES)))
    conn.execute("COMMIT")
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds and count < FLOOR_CASES:
        case_id = count + 1
        values = {"case_id": case_id, "expected": 1, "state": "replied", "data": data, "due_date": None,
                  "version": 2, "head_hash": "b" * 64, "updated_at": "2026-11-23 14:00:00.000000"}
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(str(move), [values[k] for k in move.positiontup])
        conn.execute(str(insert), [{**event, "case_id": case_id}[k] for k in insert.positiontup])
        conn.execute("COMMIT")
        count += 1
    rate = count / (time.perf_counter() - start)
    conn.close()
    return rate


# The proposal's people: the proposer, two seconders, the committee, the head of the unit that handles it.
PEOPLE = (("zhang", "CJ1", ["representative"]), ("wang", "CJ1", ["representative"]), ("liu", "HQ", ["representative"]),
          ("zhao", "GH", ["proposal_committee"]), ("zhou", "HQ", ["department_head"]))
# (trigger, who, data, comment): a proposal from submit to archive, seven steps.
STEPS = [("submit", "zhang", {}, None), ("second", "wang", {}, None), ("second", "liu", {}, None),
         ("accept", "zhao", {"lead_unit": "HQ"}, "同意立案"),
         ("reply", "zhou", {"reply": "已解决。", "measures": "增加座位。", "status": "resolved"}, None),
         ("evaluate", "zhang", {"satisfaction": "satisfied"}, "满意"), ("archive", "zhao", {}, None)]


def proposal_service(path: Path, workflows: Workflows | None = None) -> tuple[CaseService, dict[str, User]]:
    """The bare service as the app builds it, without stage PDFs, on a fresh SQLite file, with the proposal's people
    (bench_peer.py builds its side the same way, each round on a new file, the definitions loaded once)."""
    db = Database(f"sqlite:///{path}")
    db.create_all()
    service = CaseService(db, workflows or load_workflows(ROOT / "definitions", None), BlobStore(path.parent / "storage"),
                          issuer=None, domains=domains())
    with db.transaction() as session:
        for code in ("GH", "CJ1", "HQ"):
            ensure_unit(session, code)
        for name, unit, roles in PEOPLE:
            create_user(session, name, "password-123", roles, unit)
    with db.read() as session:
        return service, {user.username: user for user in session.query(User)}


def take(service: CaseService, users: dict[str, User], case_id: int, steps: list) -> float:
    """Take one case through `steps`, each at the version the previous one left; the seconds spent in the steps."""
    spent = 0.0
    for version, (trigger, who, data, comment) in enumerate(steps, start=1):
        start = time.perf_counter()
        service.perform(case_id, trigger, users[who], version, data, comment)
        spent += time.perf_counter() - start
    return spent


def service_rate(folder: Path, cases: int) -> tuple[float, int]:
    service, u = proposal_service(folder / "app.db")
    ids = [service.create_case(u["zhang"], "proposal", PROPOSAL).id for _ in range(cases)]
    spent = sum(take(service, u, case_id, STEPS) for case_id in ids)
    fired = cases * len(STEPS)
    service.db.dispose()
    return fired / spent, fired


def main() -> None:
    cases = int(sys.argv[1]) if len(sys.argv) > 1 else 150
    with tempfile.TemporaryDirectory(prefix="unionflow-bench-") as tmp:
        folder = Path(tmp)
        raw = raw_commit_rate(folder)
        floor = write_floor_rate(folder)
        rate, fired = service_rate(folder, cases)
    print(json.dumps({"raw_commits_per_s": round(raw), "write_floor_per_s": round(floor),
                      "transitions_per_s": round(rate), "transitions": fired, "ratio": round(rate / raw, 3),
                      "floor_ratio": round(floor / raw, 3), "ratio_to_floor": round(rate / floor, 3)}))


if __name__ == "__main__":
    main()
