"""A rush: 1,000 members sign up at once over HTTP for 100 places, against the app under gunicorn as in production
(4 workers), on SQLite and on PostgreSQL: exactly 100 places, 900 in the queue in the order they signed up, and a
cancellation moves the first in the queue up."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from support import served
from support.clocks import server_today
from support.event_desk import EventOffice
from sqlalchemy import select

from processes.event.models import EventSheet, Signup
from workflow.store.models import User

MEMBERS = 1_000
PLACES = 100
CLIENTS = 40
SOON = server_today() + timedelta(days=20)  # the server runs on the system's clock: the event lies ahead of it


@pytest.fixture
def rush(database_url, tmp_path):
    """An event of 100 places open to 第一车间, 1,000 more members there, each with an API token, and the server."""
    office = EventOffice(database_url, tmp_path)
    tokens = office.api_tokens(office.add_members(MEMBERS, "s"))
    case_id = office.published(capacity=PLACES, event_date=SOON.isoformat(),
                               signup_deadline=(SOON - timedelta(days=5)).isoformat())
    try:
        with served.app_on(database_url, tmp_path, pytest.fail) as url:
            yield office, case_id, tokens, url
    finally:
        office.db.dispose()


def test_1000_sign_ups_at_once_for_100_places(rush):
    office, case_id, tokens, url = rush
    answers = served.post_all(url, f"/api/v1/events/{case_id}/signup", [(t, {}) for t in tokens.values()], CLIENTS)
    assert Counter(status for status, _ in answers) == {201: MEMBERS}
    assert Counter(body["status"] for _, body in answers) == {"confirmed": PLACES, "waitlisted": MEMBERS - PLACES}
    with office.db.read() as session:
        rows = session.execute(select(Signup.seq, Signup.status, User.username).join(User, User.id == Signup.user_id)
                               .where(Signup.case_id == case_id).order_by(Signup.seq)).all()
        assert session.get(EventSheet, case_id).confirmed == PLACES
    assert [seq for seq, _, _ in rows] == list(range(1, MEMBERS + 1))  # one turn each: no gap, no repeat
    assert [status for _, status, _ in rows] == ["confirmed"] * PLACES + ["waitlisted"] * (MEMBERS - PLACES)

    first_waiting, holder = rows[PLACES][2], rows[0][2]
    cancelled = served.post_all(url, f"/api/v1/events/{case_id}/cancel", [(tokens[holder], {})], 1)
    assert cancelled == [(200, {"status": "cancelled"})]
    with office.db.read() as session:
        moved = session.scalar(select(Signup.status).join(User, User.id == Signup.user_id)
                               .where(Signup.case_id == case_id, User.username == first_waiting))
        assert moved == "confirmed" and session.get(EventSheet, case_id).confirmed == PLACES
    again = served.post_all(url, f"/api/v1/events/{case_id}/signup", [(tokens[rows[5][2]], {})], 1)
    assert again[0][0] == 409
