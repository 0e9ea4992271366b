"""Elections: web ballots cast over HTTP under gunicorn, and the count of 5,000 ballots x 15 candidates.

The election is the tests' (tests/support/election_desk.py: 3 seats, 4 candidates, contested, 第一车间), taken through the
service to `voting` with VOTERS more members in the unit, so the frozen roll holds them all. Every voter signs in
through the real login form and opens the ballot page (not timed); then CLIENTS threads cast the ballots, each of
its share of voters: POST /elections/<id>/ballot with the page's CSRF token and a mark per candidate, answered by
the receipt page. The box is then checked in the database: one ballot and one participation per receipt.
The same voters then vote in a second election through the API (Bearer tokens, JSON), as a phone app would.

The count: `tally.count` over 5,000 ballots of 15 candidates for 10 seats (pure, no database), and
`processes.election.domain.count_round` over the same ballots stored in election_ballots (the path of the `count` step).
"""
from __future__ import annotations

import http.client
import json
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

from bench_web import PASSWORD, ROOT, Client, concurrently, serve, sign_in_all

sys.path.insert(0, str(ROOT / "tests"))

from sqlalchemy import func, insert, select  # noqa: E402
from support.election_desk import CANDIDATES, MONDAY, ElectionOffice  # noqa: E402

from processes.election import tally
from processes.election.domain import count_round, current_round  # noqa: E402
from processes.election.models import Ballot, ElectionRound, Participation, RollEntry  # noqa: E402

VOTERS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_200
CLIENTS = int(sys.argv[2]) if len(sys.argv) > 2 else 8
WARMUP = 5                  # ballots per client before the clock starts
RECEIPT = re.compile(r'data-testid="receipt">[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}<')
COUNT_BALLOTS, COUNT_CANDIDATES, COUNT_SEATS, COUNT_ELIGIBLE = 5_000, 15, 10, 6_000
COUNT_RUNS = 7


def marks_of(rng: random.Random, candidates: list[str], seats: int) -> dict[str, str]:
    """A valid web ballot: up to `seats` 赞成 (one in ten writes in v05, a member on the roll), the rest 反对/弃权."""
    yes = rng.sample(candidates, rng.randint(0, seats))
    form = {f"mark_{c}": "yes" if c in yes else rng.choice(("no", "abstain")) for c in candidates}
    if len(yes) < seats and rng.random() < 0.1:
        form["write_in"] = "v05"
    return form


def cast_ballots(office: ElectionOffice, folder: Path, case_id: int, voters: list[str]) -> dict[str, object]:
    office.db.dispose()
    ballot_page = f"/elections/{case_id}/ballot"
    rng = random.Random(2026)
    forms = {v: marks_of(rng, CANDIDATES, 3) for v in voters}
    with serve(f"sqlite:///{folder / 'bench.db'}", folder) as (server, port):
        clients, signin_s = sign_in_all(port, voters, ballot_page)

        def cast(voter: str, client: Client) -> str | None:
            status, page = client.post(ballot_page, {"csrf_token": client.token, **forms[voter]})
            return None if status == 200 and RECEIPT.search(page) else f"{status} for {voter}"

        pairs = list(zip(voters, clients))
        jobs = [[lambda v=v, c=c: cast(v, c) for v, c in pairs[i::CLIENTS]] for i in range(CLIENTS)]
        result = concurrently(server, jobs, WARMUP)
    with office.db.read() as session:
        current = current_round(session, case_id)
        stored = session.scalar(select(func.count()).select_from(Ballot).where(Ballot.round_id == current.id))
        taken = session.scalar(select(func.count()).select_from(Participation)
                               .where(Participation.round_id == current.id))
        eligible = session.scalar(select(func.count()).select_from(RollEntry).where(RollEntry.case_id == case_id))
    return {"clients": CLIENTS, **result, "cast": len(voters) - result["errors"], "stored": stored,
            "participation": taken, "eligible": eligible, "signin_s": round(signin_s, 1)}


class ApiVoter:
    """A voter's phone app: its API token, one keep-alive connection per client thread."""

    def __init__(self, port: int):
        self.port = port
        self.local = threading.local()

    def post(self, path: str, token: str, body: dict) -> tuple[int, str]:
        if not hasattr(self.local, "conn"):
            self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        self.local.conn.request("POST", path, body=json.dumps(body), headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        response = self.local.conn.getresponse()
        return response.status, response.read().decode()


def api_cast_ballots(office: ElectionOffice, folder: Path, voters: list[str]) -> dict[str, object]:
    """The same voters in a second election, through the API (POST /api/v1/elections/<id>/ballot, Bearer token):
    no sign-in, no page to render."""
    office.now = MONDAY  # the second election's plan is filed the same Monday as the first
    case_id = office.to_candidates(CANDIDATES)
    office.act("xuan", case_id, "open_voting")
    tokens = office.api_tokens(voters)
    office.db.dispose()
    rng = random.Random(2027)
    bodies = {}
    for v in voters:
        form = marks_of(rng, CANDIDATES, 3)
        bodies[v] = {"marks": {k[5:]: m for k, m in form.items() if k.startswith("mark_")},
                     "write_ins": [form["write_in"]] if "write_in" in form else []}
    path = f"/api/v1/elections/{case_id}/ballot"
    with serve(f"sqlite:///{folder / 'bench.db'}", folder) as (server, port):
        phone = ApiVoter(port)

        def cast(voter: str) -> str | None:
            status, text = phone.post(path, tokens[voter], bodies[voter])
            return None if status == 201 and '"receipt"' in text else f"{status} for {voter}"

        jobs = [[lambda v=v: cast(v) for v in voters[i::CLIENTS]] for i in range(CLIENTS)]
        result = concurrently(server, jobs, WARMUP)
    with office.db.read() as session:
        current = current_round(session, case_id)
        stored = session.scalar(select(func.count()).select_from(Ballot).where(Ballot.round_id == current.id))
    return {"clients": CLIENTS, **result, "cast": len(voters) - result["errors"], "stored": stored}


def counting(office: ElectionOffice) -> dict[str, object]:
    """5,000 ballots x 15 candidates for 10 seats: counted pure, then stored in a round of its own and counted
    from the database as the `count` step does."""
    rng = random.Random(15)
    candidates = [f"c{i:02d}" for i in range(1, COUNT_CANDIDATES + 1)]
    liked = {c: rng.uniform(0.2, 0.8) for c in candidates}  # some pass the majority of the roll, some do not
    boxes = []
    for _ in range(COUNT_BALLOTS):
        yes = [c for c in candidates if rng.random() < liked[c]]
        yes = set(rng.sample(yes, min(len(yes), COUNT_SEATS)))
        boxes.append({"marks": {c: "yes" if c in yes else rng.choice(("no", "abstain")) for c in candidates},
                      "write_ins": []})
    rules = tally.RoundRules(eligible=COUNT_ELIGIBLE, seats=COUNT_SEATS, candidates=tuple(candidates))
    ballots = [tally.Ballot(marks=b["marks"]) for b in boxes]
    pure_ms = []
    for _ in range(COUNT_RUNS):
        t = time.perf_counter()
        pure = tally.count(rules, ballots)
        pure_ms.append((time.perf_counter() - t) * 1000)

    # A round of its own on a new election case: its roll, the round (closed), the box.
    case_id = office.service.create_case(office.users["xuan"], "election", {}).id
    with office.db.transaction() as session:
        session.execute(insert(RollEntry), [{"case_id": case_id, "username": f"r{i:05d}", "name": f"选民{i}",
                                             "unit": "第一车间"} for i in range(COUNT_ELIGIBLE)])
        closed = ElectionRound(case_id=case_id, number=1, kind="regular", seats=COUNT_SEATS, candidates=candidates,
                               status="closed", opened_on=date(2026, 12, 4), closed_on=date(2026, 12, 4))
        session.add(closed)
        session.flush()
        round_id = closed.id
        session.execute(insert(Ballot), [{"id": rng.randbytes(32).hex(), "round_id": round_id, "marks": b,
                                          "paper": False} for b in boxes])
    database_ms = []
    for _ in range(COUNT_RUNS):
        with office.db.read() as session:
            current = session.get(ElectionRound, round_id)
            t = time.perf_counter()
            counted = count_round(session, current, {})  # the default rules: turnout 2/3, majority 1/2
            database_ms.append((time.perf_counter() - t) * 1000)
    return {"ballots": COUNT_BALLOTS, "candidates": COUNT_CANDIDATES, "seats": COUNT_SEATS,
            "eligible": COUNT_ELIGIBLE, "runs": COUNT_RUNS, "tally_ms": round(statistics.median(pure_ms), 1),
            "database_ms": round(statistics.median(database_ms), 1), "outcome": pure.outcome,
            "elected": len(pure.elected), "same_result": counted.to_dict() == pure.to_dict()}


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="unionflow-bench-ballots-") as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        office = ElectionOffice(f"sqlite:///{folder / 'bench.db'}", folder)
        voters = office.add_members(VOTERS, "m", PASSWORD)
        case_id = office.to_candidates(CANDIDATES)
        office.act("xuan", case_id, "open_voting")
        setup_s = time.perf_counter() - t
        ballots = cast_ballots(office, folder, case_id, voters)
        api = api_cast_ballots(office, folder, voters)
        count = counting(office)
        office.db.dispose()
    print(json.dumps({"voters": VOTERS, "setup_s": round(setup_s, 1), "ballots": ballots, "api": api, "count": count},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
