"""2,000 voters cast at once over HTTP, against the app under gunicorn as in production (4 workers), on SQLite and
on PostgreSQL: none is lost, none counts twice, and the count equals what they sent."""
from __future__ import annotations

from collections import Counter

import pytest
from support import served
from support.election_desk import CANDIDATES, ElectionOffice
from sqlalchemy import func, select

from processes.election.models import Ballot, Participation, RollEntry

VOTERS = 2_000
CLIENTS = 40
BALLOT = "/api/v1/elections/{}/ballot"
# What the voters mark, in turn: 3 seats, 4 candidates; a write-in among them (w0007 is on the roll).
CHOICES = [{"marks": {"v01": "yes", "v03": "yes", "v02": "yes"}},
           {"marks": {"v01": "yes", "v04": "yes", "v02": "no"}},
           {"marks": {"v03": "yes", "v04": "no"}, "write_ins": ["w0007"]},
           {"marks": {}}]


@pytest.fixture
def election(database_url, tmp_path):
    """An election open for voting with 2,000 on the roll (ElectionOffice's ten and 1,990 more), each with an API token."""
    office = ElectionOffice(database_url, tmp_path)
    office.add_members(VOTERS - 10, "w")  # w0001 … w1990
    case_id = office.to_candidates(CANDIDATES)
    office.act("xuan", case_id, "open_voting")
    with office.db.read() as session:
        roll = list(session.scalars(select(RollEntry.username).where(RollEntry.case_id == case_id)))
    tokens = office.api_tokens(roll)
    try:
        with served.app_on(database_url, tmp_path, pytest.fail) as url:
            yield office, case_id, tokens, url
    finally:
        office.db.dispose()


def test_2000_voters_cast_at_once_over_http_and_none_is_lost(election):
    office, case_id, tokens, url = election
    assert len(tokens) == VOTERS
    sent = {username: CHOICES[i % len(CHOICES)] for i, username in enumerate(sorted(tokens))}
    answers = served.post_all(url, BALLOT.format(case_id), [(tokens[u], body) for u, body in sent.items()], CLIENTS)
    statuses = Counter(status for status, _ in answers)
    assert statuses == {201: VOTERS}, statuses
    receipts = {answer["receipt"] for _, answer in answers}
    assert len(receipts) == VOTERS
    with office.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Ballot)) == VOTERS
        assert session.scalar(select(func.count()).select_from(Participation)) == VOTERS

    again = served.post_all(url, BALLOT.format(case_id), [(tokens[u], sent[u]) for u in sorted(tokens)[:CLIENTS * 2]],
                            CLIENTS)
    assert Counter(status for status, _ in again) == {409: CLIENTS * 2}  # a second ballot each: refused
    office.act("xuan", case_id, "close_voting")
    office.act("xuan", case_id, "count")
    counted = {p["key"]: p for p in office.case(case_id).data["tally"]["people"]}
    expected = Counter((key, mark) for body in sent.values() for key, mark in body["marks"].items())
    expected.update(("w0007", "yes") for body in sent.values() for _ in body.get("write_ins", []))
    for key, person in counted.items():
        assert (person["yes"], person["no"]) == (expected[(key, "yes")], expected[(key, "no")]), key
    assert office.case(case_id).data["tally"]["cast"] == VOTERS and counted["w0007"]["write_in"]
