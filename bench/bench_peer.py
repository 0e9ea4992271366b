"""Proposal steps per second through our service beside SpiffWorkflow 3.2 on the same seven-step proposal, at the same
durability (SQLite WAL, synchronous=FULL, one transaction per step), interleaved in one run.

The peer is ../shared/peers/spiff_bench.py, run unchanged through its own host loop (bench/spiff_driver.py) in a
throwaway venv outside the repository, so SpiffWorkflow never enters ours. Rounds alternate the two sides, each
starting every other round, so the machine's drift hits both alike; the ratio is taken per round and its median
reported. `--profile [CASES]` profiles our step instead: a wall-clock split by phase, cProfile's top items and the
SQL statements per step. See bench/README.md.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from contextlib import contextmanager, nullcontext
from datetime import timedelta
from pathlib import Path

from bench_transitions import ROOT, proposal_service, take
from sqlalchemy import event

from bootstrap import load_workflows
from workflow.cases import notifications, recipients, task_rows
from workflow.cases.registry import Workflows
from workflow.cases.service import CaseService
from workflow.core.display import local_date
from workflow.core.engine import Engine
from workflow.core.tasks import Board
from workflow.store.db import Database

SPIFF = "3.2.0"
PEERS = Path(os.environ.get("BENCH_PEERS_DIR") or ROOT.parent / "shared" / "peers")
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
VENV = Path(os.environ.get("BENCH_PEER_VENV") or CACHE / "unionflow-bench" / f"spiffworkflow-{SPIFF}")

# The peer's seven user tasks (STEPS in spiff_bench.py) as the proposal definition takes them: the same people in
# the same order and the same text. Where the definition differs: a choice is given by its value (生活福利 =
# welfare, 已办结 = resolved, 满意 = satisfied); a 附议 has no form (the step adds its actor to `seconders`); our
# evaluation needs a comment (满意); the archive note is the archive step's comment; the reply is due 25 days on.
SUBMIT = {"title": "关于改善职工食堂就餐环境的提案", "category": "welfare",
          "reason": "食堂座位不足，午餐高峰排队超过二十分钟，部分职工只能站着就餐。",
          "suggestion": "增设座位一百个，错峰安排各车间就餐时间，增加窗口两个。"}


def peer_steps(service: CaseService) -> list:
    due = (local_date(service.clock()) + timedelta(days=25)).isoformat()
    return [("submit", "zhang", SUBMIT, None), ("second", "wang", {}, None), ("second", "liu", {}, None),
            ("accept", "zhao", {"lead_unit": "HQ", "due_date": due}, None),
            ("reply", "zhou", {"reply": "已列入本年度食堂改造计划，新增座位一百二十个。",
                               "measures": "十一月完成改造，实行分车间错峰就餐。", "status": "resolved"}, None),
            ("evaluate", "zhang", {"satisfaction": "satisfied"}, "满意"),
            ("archive", "zhao", {}, "办理完毕，同意归档。")]


# -- the peer, in its own venv ---------------------------------------------------------------------


def peer_python() -> tuple[Path | None, str]:
    """The throwaway venv's interpreter with SpiffWorkflow installed (made on first use, kept in the user's cache
    outside the repository), or None and why not."""
    python = VENV / "bin" / "python"
    check = [str(python), "-c", "from SpiffWorkflow.version import __version__ as v; print(v)"]
    if python.exists() and subprocess.run(check, capture_output=True, text=True).stdout.strip() == SPIFF:
        return python, ""
    shutil.rmtree(VENV, ignore_errors=True)
    made = subprocess.run([sys.executable, "-m", "venv", str(VENV)], capture_output=True, text=True)
    if made.returncode != 0:
        return None, f"cannot create a venv at {VENV}: {made.stderr.strip()[-300:]}"
    try:
        pip = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                              f"SpiffWorkflow=={SPIFF}"], capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        return None, f"pip install SpiffWorkflow=={SPIFF} took more than 10 minutes"
    if pip.returncode != 0:
        shutil.rmtree(VENV, ignore_errors=True)
        lines = [line for line in pip.stderr.splitlines() if not line.startswith("WARNING: Location")]
        return None, f"pip install SpiffWorkflow=={SPIFF} failed: {' '.join(lines)[-300:]}"
    return python, ""


class Peer:
    """The driver process: one batch of the harness's own loop per call, on fresh files in `workdir`."""

    def __init__(self, python: Path, workdir: Path):
        self.process = subprocess.Popen([str(python), str(ROOT / "bench" / "spiff_driver.py"), str(PEERS),
                                         str(workdir)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.about = self._answer()

    def batch(self, cases: int) -> dict:
        self.process.stdin.write(f"{cases}\n")
        self.process.stdin.flush()
        return self._answer()

    def _answer(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the SpiffWorkflow driver stopped (exit code {self.process.wait()})")
        return json.loads(line)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


# -- ours -------------------------------------------------------------------------------------------


def our_batch(path: Path, cases: int, workflows: Workflows) -> dict:
    """`cases` proposals through the seven steps on a fresh database, each created (not timed) just before its
    steps, as the peer's loop does; steps/s over the time spent in CaseService.perform."""
    service, users = proposal_service(path, workflows)
    steps = peer_steps(service)
    spent = 0.0
    for _ in range(cases):
        case_id = service.create_case(users["zhang"], "proposal", {}).id
        spent += take(service, users, case_id, steps)
    service.db.dispose()
    count = cases * len(steps)
    return {"rate": count / spent, "steps": count}


def compare(rounds: int, cases: int) -> dict:
    python, why = peer_python()
    if python is None:
        return {"skipped": why}
    workdir = Path(tempfile.mkdtemp(prefix="unionflow-peer-"))  # both sides' SQLite files, on the same disk
    peer = Peer(python, workdir)
    try:
        about = peer.about
        print(f"SpiffWorkflow {about['spiff']} (Python {about['python']}, SQLite {about['sqlite']}) against "
              f"UnionFlow (Python {sys.version.split()[0]}), {cases} cases x 7 steps a side per round, {rounds} rounds, "
              f"files in {workdir}")
        workflows = load_workflows(ROOT / "definitions", None)  # once, as the app does at start-up
        peer.batch(10)  # warm-up, not counted
        our_batch(workdir / "ours-warm.db", 10, workflows)
        results = []
        for n in range(rounds):
            ours = theirs = None
            for side in (("peer", "ours") if n % 2 == 0 else ("ours", "peer")):
                if side == "peer":
                    theirs = peer.batch(cases)
                else:
                    ours = our_batch(workdir / f"ours-{n}.db", cases, workflows)
            results.append({"ours": ours["rate"], "theirs": theirs["engine"]["rate"], "raw": theirs["raw"]["rate"],
                            "ratio": ours["rate"] / theirs["engine"]["rate"], "spiff_ms": theirs["engine"]["ms"]})
            r = results[-1]
            print(f"round {n + 1}: ours {r['ours']:6.1f} steps/s ({1000 / r['ours']:.2f} ms)   SpiffWorkflow "
                  f"{r['theirs']:6.1f} steps/s ({1000 / r['theirs']:.2f} ms)   ours/theirs {r['ratio']:.3f}   "
                  f"(raw SQLite {r['raw']:.0f} steps/s)")
    finally:
        peer.close()
        shutil.rmtree(workdir, ignore_errors=True)
    ours, theirs = (statistics.median(r[k] for r in results) for k in ("ours", "theirs"))
    ratio = statistics.median(r["ratio"] for r in results)
    parts = {k: statistics.mean(r["spiff_ms"][k] for r in results) for k in results[0]["spiff_ms"]}
    print(f"median: ours {ours:.1f} steps/s ({1000 / ours:.2f} ms a step), SpiffWorkflow {theirs:.1f} steps/s "
          f"({1000 / theirs:.2f} ms a step); ours/theirs per round {min(r['ratio'] for r in results):.3f}-"
          f"{max(r['ratio'] for r in results):.3f}, median {ratio:.3f} (target >= 1.5)")
    print("SpiffWorkflow ms a step: " + ", ".join(f"{k} {v:.3f}" for k, v in parts.items()))
    return {"spiff": about["spiff"], "cases": cases, "rounds": rounds, "ours_steps_per_s": round(ours, 1),
            "theirs_steps_per_s": round(theirs, 1), "ratio": round(ratio, 3), "ours_ms": round(1000 / ours, 3),
            "theirs_ms": round(1000 / theirs, 3), "raw_steps_per_s": round(statistics.median(r["raw"] for r in results)),
            "per_round": [{k: round(r[k], 3 if k == "ratio" else 1) for k in ("ours", "theirs", "ratio")}
                          for r in results]}


# -- the profile of our step ------------------------------------------------------------------------

# Where perform spends its wall-clock time, timed around the functions it calls (as it calls them: through their
# modules), without a profiler's overhead.
PHASES = ((CaseService, "snapshot", "snapshot (read session, BEGIN, SELECT)"),
          (task_rows, "board", "task_rows.board (SELECT tasks)"), (Engine, "fire", "Engine.fire"),
          (Board, "step", "Board.step (the tasks, delegations read)"),
          (recipients, "letters", "recipients.letters (who is told)"),
          (task_rows, "write", "  of which task_rows.write"), (notifications, "post", "  of which notifications.post"))
# Labels beginning with a space are parts of the write transaction.


@contextmanager
def timed_phases(spent: defaultdict):
    saved = [(owner, name, owner.__dict__[name]) for owner, name, _ in PHASES] + [
        (Database, "write_connection", Database.write_connection)]

    def timer(label, function):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[label] += time.perf_counter() - start
        return timed

    for owner, name, label in PHASES:
        found = owner.__dict__[name]
        wrapped = timer(label, found.__func__ if isinstance(found, staticmethod) else found)
        setattr(owner, name, staticmethod(wrapped) if isinstance(found, staticmethod) else wrapped)
    write = Database.write_connection

    @contextmanager
    def write_connection(self):
        start = time.perf_counter()
        with write(self) as connection:
            yield connection
            committing = time.perf_counter()
        spent["write transaction (lock, BEGIN, writes, COMMIT)"] += time.perf_counter() - start
        spent["  of which COMMIT (fsync)"] += time.perf_counter() - committing

    Database.write_connection = write_connection
    try:
        yield
    finally:
        for owner, name, found in saved:
            setattr(owner, name, found)


def profile(cases: int) -> None:
    """Our step alone, four times over `cases` fresh proposals: plain, split by phase, counting its SQL, profiled."""
    workdir = Path(tempfile.mkdtemp(prefix="unionflow-profile-"))
    try:
        service, users = proposal_service(workdir / "app.db")
        steps = peer_steps(service)
        count = cases * len(steps)

        def walk(n: int, around=None) -> float:
            """n cases through the steps; `around(trigger)`, if given, is a context entered for each step (and for
            the creation of each case, as "create"). The seconds spent in the steps."""
            spent = 0.0
            for _ in range(n):
                with around("create") if around else nullcontext():
                    case_id = service.create_case(users["zhang"], "proposal", {}).id
                for version, (trigger, who, data, comment) in enumerate(steps, start=1):
                    with around(trigger) if around else nullcontext():
                        start = time.perf_counter()
                        service.perform(case_id, trigger, users[who], version, data, comment)
                        spent += time.perf_counter() - start
            return spent

        walk(10)
        plain = walk(cases)
        print(f"our step, unprofiled: {1000 * plain / count:.3f} ms ({count / plain:.0f} steps/s, {count} steps)")

        spent: defaultdict = defaultdict(float)
        with timed_phases(spent):
            total = walk(cases)
        print(f"\nwall-clock split ({1000 * total / count:.3f} ms a step with the timers):")
        for label, seconds in spent.items():
            print(f"  {1000 * seconds / count:6.3f} ms  {label}")
        rest = total - sum(v for k, v in spent.items() if not k.startswith(" "))
        print(f"  {1000 * rest / count:6.3f} ms  the rest of perform (may_view, definition, form, board.through, "
              "history row and hash, read session's end)")

        statements: Counter = Counter()
        in_sqlite: Counter = Counter()  # seconds between before_ and after_cursor_execute: the driver's own time
        by_step: Counter = Counter()
        current = {"trigger": "", "text": "", "start": 0.0}

        @contextmanager
        def counting(trigger):
            current["trigger"] = trigger
            yield

        def statement(conn, cursor, sql, parameters, context, executemany):
            by_step[current["trigger"]] += 1
            if current["trigger"] != "create":
                table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+(\w+)", sql)
                current["text"] = f"{sql.split()[0]} {table.group(1) if table else ''}".strip()
                statements[current["text"]] += 1
                current["start"] = time.perf_counter()

        def executed(conn, cursor, sql, parameters, context, executemany):
            if current["trigger"] != "create":
                in_sqlite[current["text"]] += time.perf_counter() - current["start"]

        def commit(conn):
            by_step[current["trigger"]] += 1
            if current["trigger"] != "create":
                statements["COMMIT"] += 1

        listeners = (("before_cursor_execute", statement), ("after_cursor_execute", executed), ("commit", commit))
        for name, listener in listeners:
            event.listen(service.db.engine, name, listener)
        walk(cases, counting)
        for name, listener in listeners:
            event.remove(service.db.engine, name, listener)
        times = Counter(trigger for trigger, *_ in steps)
        created = by_step.pop("create", 0)
        print(f"\nSQL statements a step, BEGIN and COMMIT included: {sum(by_step.values()) / count:.2f} (by step: "
              + ", ".join(f"{t} {n / (cases * times[t]):.1f}" for t, n in by_step.items())
              + f"; creating a case, not a step: {created / cases:.1f})")
        print("  a step  ms in sqlite3's execute (COMMIT: see the split above)")
        for text, n in statements.most_common():
            print(f"  {n / count:5.2f}  {1000 * in_sqlite[text] / count:6.3f}  {text}")

        profiler = cProfile.Profile()

        @contextmanager
        def profiled(trigger):
            if trigger != "create":
                profiler.enable()
            try:
                yield
            finally:
                profiler.disable()

        walk(cases, profiled)
        stats = pstats.Stats(profiler).stats
        inside = next(v[3] for k, v in stats.items() if k[2] == "perform" and k[0].endswith("service.py"))
        print(f"\ncProfile: {1000 * inside / count:.3f} ms a step under the profiler; ms a step cumulative, own; "
              "calls a step")

        def name(key):
            path, line, function = key
            short = path.split("site-packages/")[-1].replace(str(ROOT) + "/", "")
            return f"{short}:{line}({function})" if line else function

        ours = [kv for kv in stats.items() if kv[0][0].startswith(str(ROOT)) and "/bench/" not in kv[0][0]
                and "site-packages" not in kv[0][0]]
        others = [kv for kv in stats.items() if "/bench/" not in kv[0][0] and "contextlib" not in kv[0][0]]
        for title, rows, column in (("our functions by cumulative time", ours, 3), ("everything by own time", others, 2)):
            print(f"  {title}:")
            for key, (_, calls, own, cumulative, _) in sorted(rows, key=lambda kv: -kv[1][column])[:20]:
                print(f"    {1000 * cumulative / count:6.3f} {1000 * own / count:6.3f} {calls / count:5.1f}  {name(key)}")
        service.db.dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=11, help="interleaved rounds; medians are reported")
    parser.add_argument("--cases", type=int, default=30, help="cases a side per round (7 steps each)")
    parser.add_argument("--profile", type=int, nargs="?", const=100, metavar="CASES",
                        help="profile our step over CASES cases instead of comparing")
    args = parser.parse_args()
    if args.profile:
        profile(args.profile)
        return
    if not (PEERS / "spiff_bench.py").exists():
        result = {"skipped": f"no peer harness at {PEERS} (set BENCH_PEERS_DIR)"}
    else:
        result = compare(args.rounds, args.cases)
    if "skipped" in result:
        print(f"bench_peer: skipped: {result['skipped']}")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
