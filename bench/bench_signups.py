"""Events: a rush of sign-ups over HTTP under gunicorn — more members than places, so the waitlist fills too.

The event is the tests' (tests/support/event_desk.py: 第一车间's sports day), published with PLACES places and MEMBERS more
members in the unit. Every member signs in through the real login form and opens the event page (not timed); then
CLIENTS threads sign them up: POST /events/<id>/signup with the page's CSRF token and the event's two questions
answered, answered by the redirect back to the event page (not followed). The sheet is then checked in the
database: PLACES places, the rest waitlisted, one turn each. The same members then sign up for a second event
through the API (Bearer tokens, JSON), as a phone app would.
"""
from __future__ import annotations

import json
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from bench_ballots import ApiVoter
from bench_web import PASSWORD, ROOT, Client, concurrently, serve, sign_in_all

sys.path.insert(0, str(ROOT / "tests"))

from sqlalchemy import func, select  # noqa: E402
from support.clocks import server_today  # noqa: E402
from support.event_desk import EventOffice  # noqa: E402

from processes.event.models import EventSheet, Signup  # noqa: E402

MEMBERS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_200
CLIENTS = int(sys.argv[2]) if len(sys.argv) > 2 else 8
PLACES = 300
WARMUP = 5
SOON = server_today() + timedelta(days=20)  # the server runs on the system's clock: the event lies ahead of it
EVENT = {"capacity": PLACES, "event_date": SOON.isoformat(), "signup_deadline": (SOON - timedelta(days=5)).isoformat(),
         "signup_questions": "T恤尺码：S/M/L/XL\n家属人数"}
ANSWERS = {"q0": "M", "q1": "1"}


def stored(office: EventOffice, case_id: int) -> dict[str, int]:
    with office.db.read() as session:
        counts = dict(session.execute(select(Signup.status, func.count()).where(Signup.case_id == case_id)
                                      .group_by(Signup.status)).all())
        turns = session.scalar(select(func.count(func.distinct(Signup.seq))).where(Signup.case_id == case_id))
        sheet = session.get(EventSheet, case_id)
    return {"confirmed": counts.get("confirmed", 0), "waitlisted": counts.get("waitlisted", 0),
            "distinct_turns": turns, "sheet_confirmed": sheet.confirmed}


def web_rush(office: EventOffice, folder: Path, members: list[str]) -> dict[str, object]:
    case_id = office.published(**EVENT)
    office.db.dispose()
    page = f"/events/{case_id}"
    with serve(f"sqlite:///{folder / 'bench.db'}", folder) as (server, port):
        clients, signin_s = sign_in_all(port, members, page)

        def sign_up(member: str, client: Client) -> str | None:
            status, _ = client.post(f"{page}/signup", {"csrf_token": client.token, **ANSWERS}, keep_cookie=False)
            return None if status == 302 else f"{status} for {member}"

        pairs = list(zip(members, clients))
        jobs = [[lambda m=m, c=c: sign_up(m, c) for m, c in pairs[i::CLIENTS]] for i in range(CLIENTS)]
        result = concurrently(server, jobs, WARMUP)
    return {"clients": CLIENTS, "places": PLACES, **result, **stored(office, case_id), "signin_s": round(signin_s, 1)}


def api_rush(office: EventOffice, folder: Path, members: list[str]) -> dict[str, object]:
    case_id = office.published(**EVENT)
    tokens = office.api_tokens(members)
    office.db.dispose()
    path = f"/api/v1/events/{case_id}/signup"
    with serve(f"sqlite:///{folder / 'bench.db'}", folder) as (server, port):
        phone = ApiVoter(port)

        def sign_up(member: str) -> str | None:
            status, text = phone.post(path, tokens[member], {"answers": ANSWERS})
            return None if status == 201 else f"{status} for {member}: {text[:100]}"

        jobs = [[lambda m=m: sign_up(m) for m in members[i::CLIENTS]] for i in range(CLIENTS)]
        result = concurrently(server, jobs, WARMUP)
    return {"clients": CLIENTS, "places": PLACES, **result, **stored(office, case_id)}


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="unionflow-bench-signups-") as tmp:
        folder = Path(tmp)
        office = EventOffice(f"sqlite:///{folder / 'bench.db'}", folder)
        members = office.add_members(MEMBERS, "b", PASSWORD)
        web = web_rush(office, folder, members)
        api = api_rush(office, folder, members)
        office.db.dispose()
    print(json.dumps({"members": MEMBERS, "web": web, "api": api}, ensure_ascii=False))


if __name__ == "__main__":
    main()
