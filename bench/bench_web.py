"""The web app served by gunicorn as in production (README), over HTTP, with 100,000 cases in the database.

Prints the queue page's (待办) and the case page's median and p95 latency, and approvals per second from
8 concurrent clients on distinct cases (附议 `second` through the case page's form: session cookie, CSRF token,
the full engine and history path; no stage PDF is issued by that step).
"""
from __future__ import annotations

import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from bootstrap import load_workflows  # noqa: E402
from workflow.accounts.users import create_user, ensure_unit  # noqa: E402
from workflow.cases import task_rows  # noqa: E402
from workflow.core.clock import system_now  # noqa: E402
from workflow.core.definition import Definition  # noqa: E402
from workflow.core.engine import CaseView  # noqa: E402
from workflow.core.tasks import Board  # noqa: E402
from workflow.store.db import Database  # noqa: E402
from workflow.store.models import Case, HistoryEntry, Task, User  # noqa: E402

CASES = 100_000
CLIENTS = 8
WARMUP = 10                 # approvals per client before the clock starts
APPROVALS_PER_CLIENT = 120
PASSWORD = "bench-password"
UNITS = {"GH": "工会办公室", "CJ1": "第一车间", "CJ2": "第二车间", "HQ": "后勤保障部", "IT": "信息中心"}
# Where 100,000 proposals stand after years of congresses: 97 % closed, 2,700 open across every open state
# (a queue's cost grows with the open cases in its states, not with the closed ones).
STATES = [("archived", 873), ("not_accepted", 80), ("withdrawn", 20), ("draft", 1), ("seconding", 12),
          ("committee_review", 4), ("returned", 1), ("handling", 6), ("replied", 2), ("evaluated", 1)]
PATH = {"draft": [], "seconding": ["submit"], "returned": ["submit", "second", "second", "return"],
        "committee_review": ["submit", "second", "second"], "not_accepted": ["submit", "second", "second", "reject"],
        "withdrawn": ["submit", "withdraw"], "handling": ["submit", "second", "second", "accept"],
        "replied": ["submit", "second", "second", "accept", "reply"],
        "evaluated": ["submit", "second", "second", "accept", "reply", "evaluate"],
        "archived": ["submit", "second", "second", "accept", "reply", "evaluate", "archive"]}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_database(folder: Path) -> dict[str, object]:
    url = f"sqlite:///{folder / 'bench.db'}"
    db = Database(url)
    db.create_all()
    workflows = load_workflows(ROOT / "definitions", None)
    definition = workflows.get("proposal")
    with db.transaction() as session:
        workflows.register(session, system_now())
        for code, name in UNITS.items():
            ensure_unit(session, code, name)
        people = {"zhao": (["proposal_committee"], "GH"), "zhou": (["department_head"], "HQ")}
        people.update({f"rep{i:02d}": (["representative", "member"], list(UNITS)[i % len(UNITS)]) for i in range(40)})
        for name, (roles, unit) in people.items():
            create_user(session, name, PASSWORD, roles, unit, name)
    with db.read() as session:
        users = {u.username: u for u in session.query(User)}
        unit_ids = {u.unit.code: u.unit_id for u in users.values()}
    rng = random.Random(2026)
    weights = [w for _, w in STATES]
    start = datetime(2023, 1, 1)
    case_rows, event_rows, seconding = [], [], []
    for i in range(1, CASES + 1):
        state = rng.choices([s for s, _ in STATES], weights)[0]
        submitter = users[f"rep{rng.randrange(40):02d}"]
        created = start + timedelta(minutes=17 * i)
        data = {"title": f"关于改进第{i}项工作的提案", "category": "welfare", "reason": "职工反映强烈，需要改进。",
                "suggestion": "建议尽快研究解决。"}
        steps = PATH[state]
        seconders = [u for u in (f"rep{(int(submitter.username[3:]) + k) % 40:02d}" for k in (1, 2))]
        if steps.count("second"):
            data["seconders"] = seconders[:steps.count("second")]
        if "accept" in steps:
            data.update(lead_unit="HQ", due_date=(created + timedelta(days=30)).date().isoformat())
        due = None
        if state in ("handling",):
            due = date.fromisoformat(data["due_date"])
        elif state in ("committee_review", "replied"):
            due = (created + timedelta(days=15)).date()
        case_rows.append({"id": i, "number": f"TA-{2023 + i // 40_000}-{i:06d}", "workflow": "proposal",
                          "definition_version": definition.version, "state": state, "data": data,
                          "version": 1 + len(steps), "submitter_id": submitter.id,
                          "unit_id": unit_ids[submitter.unit.code], "due_date": due, "head_hash": "0" * 64,
                          "created_at": created, "updated_at": created + timedelta(days=len(steps))})
        if state == "seconding" and submitter.username not in [f"rep{k:02d}" for k in range(CLIENTS)]:
            seconding.append(i)
        source = "draft"
        for seq, trigger in enumerate(["create", *steps], start=1):
            dest = {"create": "draft", "submit": "seconding", "second": "committee_review" if seq == 4 else "seconding",
                    "accept": "handling", "reject": "not_accepted", "reply": "replied", "evaluate": "evaluated",
                    "archive": "archived", "withdraw": "withdrawn", "return": "returned"}[trigger]
            actor = {"second": users.get(seconders[0] if seq == 3 else seconders[1]), "accept": users["zhao"],
                     "reject": users["zhao"], "return": users["zhao"], "archive": users["zhao"],
                     "reply": users["zhou"]}.get(trigger, submitter)
            event_rows.append({"case_id": i, "seq": seq, "actor_id": actor.id, "actor_username": actor.username,
                               "actor_roles": actor.role_list, "actor_unit": actor.unit.code, "trigger": trigger,
                               "from_state": None if trigger == "create" else source, "to_state": dest,
                               "changes": {}, "comment": "", "documents": [], "at": created + timedelta(days=seq),
                               "prev_hash": "0" * 64, "hash": "0" * 64})
            source = dest
    task_rows_ = _open_tasks(definition, case_rows, {u.id: u for u in users.values()})
    with db.engine.begin() as connection:
        for chunk in range(0, len(case_rows), 5000):
            connection.execute(insert(Case), case_rows[chunk:chunk + 5000])
        for chunk in range(0, len(event_rows), 20000):
            connection.execute(insert(HistoryEntry), event_rows[chunk:chunk + 20000])
        for chunk in range(0, len(task_rows_), 20000):
            connection.execute(insert(Task), task_rows_[chunk:chunk + 20000])
    db.dispose()
    return {"url": url, "seconding": seconding, "events": len(event_rows)}


def _open_tasks(definition: Definition, case_rows: list[dict], users: dict[int, User]) -> list[dict]:
    """The open tasks of the cases still open, as the board opens them on entering their state (the 待办 lists
    tasks): the closed ones of earlier states no page of the benchmark reads."""
    rows = []
    for case in case_rows:
        if definition.states[case["state"]].final:
            continue
        submitter = users[case["submitter_id"]]
        view = CaseView(case["state"], case["data"], submitter.username, submitter.unit.code)
        opened = Board().step(definition, "", view, submitter.username, None, case["version"]).opened
        rows += [task_rows.row(case["id"], task, case["updated_at"]) for task in opened]
    return rows


class Client:
    """One signed-in browser over a keep-alive HTTP connection; `token` is the CSRF token of `token_page`'s form."""

    def __init__(self, port: int, username: str, token_page: str = "/password"):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = ""
        token = self.csrf("/login")
        status, _ = self.post("/login", {"username": username, "password": PASSWORD, "csrf_token": token})
        assert status == 302, f"login failed for {username}: {status}"
        self.token = self.csrf(token_page)

    def request(self, method: str, path: str, body: str | None = None, keep_cookie: bool = True) -> tuple[int, str]:
        """`keep_cookie=False` ignores the cookie a response sets: after an approval a browser follows the redirect,
        whose page takes the one-line flash message out of the session again; a client that neither follows nor
        forgets would carry an ever longer cookie of unread messages."""
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            self.conn.close()  # the server closed an idle keep-alive connection: reconnect, as a browser does
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        text = response.read().decode()
        cookie = response.getheader("Set-Cookie")
        if cookie and keep_cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, text

    def csrf(self, path: str) -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', self.request("GET", path)[1]).group(1)

    def post(self, path: str, form: dict[str, object], keep_cookie: bool = True) -> tuple[int, str]:
        return self.request("POST", path, urlencode(form), keep_cookie)


def sign_in_all(port: int, usernames: list[str], page: str, threads: int = 8) -> tuple[list[Client], float]:
    """Every user signed in through the login form, `page` opened for its CSRF token, `threads` at a time (not
    timed by the caller's clock): the clients, and the seconds it took."""
    t = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        clients = list(pool.map(lambda username: Client(port, username, token_page=page), usernames))
    return clients, time.perf_counter() - t


@contextmanager
def serve(url: str, folder: Path) -> Iterator[tuple[subprocess.Popen, int]]:
    """gunicorn on the database at `url`, as in production (BENCH_GUNICORN, else 4 sync workers), in a process
    group of its own (group_cpu), accepting connections; stopped when the block ends."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "UNIONFLOW_STORAGE": str(folder / "storage"),
           "SECRET_KEY": "bench", "UNIONFLOW_SECURE_COOKIES": "0"}
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), *os.environ.get("BENCH_GUNICORN", "--workers 4").split(), "--bind",
                               f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield server, port
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def group_cpu(pgid: int) -> float:
    """CPU seconds used so far by every process of the server's group (gunicorn's master and workers)."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the name: state, ppid, pgrp, ..., utime (12), stime (13)
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def timed(call, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        status, _ = call()
        times.append((time.perf_counter() - t) * 1000)
        assert status == 200, status
    return times


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"median_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 1)}


def concurrently(server: subprocess.Popen, jobs: list[list[Callable[[], str | None]]],
                 warmup: int) -> dict[str, object]:
    """Each list of requests in a thread of its own, all at once. A request answers None, or what went wrong. The
    first `warmup` of each thread are not timed: the clock starts when every thread is past them. Rate, latency,
    and CPU per request of the server's group and of this process (the clients), over the timed ones."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    started = threading.Barrier(len(jobs) + 1)
    finished = threading.Barrier(len(jobs) + 1)

    def run(requests: list[Callable[[], str | None]]) -> None:
        for n, request in enumerate(requests):
            if n == warmup:
                started.wait()  # every worker has served a few: machines built, caches filled
            t0 = time.perf_counter()
            error = request()
            elapsed = (time.perf_counter() - t0) * 1000
            with lock:
                if n >= warmup:
                    latencies.append(elapsed)
                if error:
                    errors.append(error)
        if len(requests) <= warmup:
            started.wait()
        finished.wait()

    threads = [threading.Thread(target=run, args=(requests,)) for requests in jobs]
    for thread in threads:
        thread.start()
    started.wait()
    t0, client_cpu0, server_cpu0 = time.perf_counter(), time.process_time(), group_cpu(server.pid)
    finished.wait()
    wall = time.perf_counter() - t0
    client_cpu, server_cpu = time.process_time() - client_cpu0, group_cpu(server.pid) - server_cpu0
    for thread in threads:
        thread.join()
    return {"count": len(latencies), "per_s": round(len(latencies) / wall),
            "server_cpu_ms_each": round(server_cpu / len(latencies) * 1000, 2),
            "client_cpu_ms_each": round(client_cpu / len(latencies) * 1000, 2),
            **summary(latencies), "errors": len(errors), "first_errors": errors[:3]}


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="unionflow-bench-web-") as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        built = build_database(folder)
        build_s = time.perf_counter() - t
        with serve(built["url"], folder) as (server, port):
            zhao, rep = Client(port, "zhao"), Client(port, "rep10")
            timed(lambda: zhao.request("GET", "/tasks/"), 10)  # warm every worker
            queue_committee = timed(lambda: zhao.request("GET", "/tasks/"), 200)
            queue_rep = timed(lambda: rep.request("GET", "/tasks/"), 200)
            rng = random.Random(7)
            case_page = timed(lambda: zhao.request("GET", f"/cases/{rng.randrange(1, CASES + 1)}"), 200)
            todo_total = int(re.search(r'data-testid="todo-total">(\d+)<', zhao.request("GET", "/tasks/")[1]).group(1))
            rep_total = int(re.search(r'data-testid="todo-total">(\d+)<', rep.request("GET", "/tasks/")[1]).group(1))

            clients = [Client(port, f"rep{i:02d}") for i in range(CLIENTS)]
            targets = built["seconding"]

            def approve(client: Client, case_id: int) -> str | None:
                status, _ = client.post(f"/cases/{case_id}/actions/second",
                                        {"csrf_token": client.token, "version": 2, "comment": ""}, keep_cookie=False)
                return None if status == 302 else f"{status} on case {case_id}"

            approvals = concurrently(server, [
                [lambda c=client, case_id=case_id: approve(c, case_id)
                 for case_id in targets[i::CLIENTS][:WARMUP + APPROVALS_PER_CLIENT]]
                for i, client in enumerate(clients)], WARMUP)
    print(json.dumps({
        "cases": CASES, "events": built["events"], "build_s": round(build_s, 1),
        "queue_committee": {**summary(queue_committee), "items": todo_total},
        "queue_representative": {**summary(queue_rep), "items": rep_total},
        "case_page": summary(case_page),
        "approvals": {"clients": CLIENTS, **approvals},
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
