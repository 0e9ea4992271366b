"""The web ballot: marks per candidate, over-marking refused before anything is cast, one ballot per voter, the
receipt shown once and checkable later, and only voters on the roll may cast."""
from __future__ import annotations

import re

import pytest

from people import Browser
from election_desk import CANDIDATES, Office
from workflow.models import Ballot, Participation


@pytest.fixture
def voting(app, database_url, tmp_path):
    """An election of 3 seats among 4 candidates, open for voting, on the app's database."""
    office = Office(database_url, tmp_path)
    case_id = office.to_candidates(CANDIDATES)
    office.act("xuan", case_id, "open_voting")
    yield case_id
    office.db.dispose()


def _stored(app) -> tuple[int, int]:
    with app.extensions["unionflow"].db.read() as session:
        return session.query(Ballot).count(), session.query(Participation).count()


def test_a_voter_casts_once_and_checks_the_receipt(app, voting):
    voter = Browser(app, "v05")
    case_page = voter.get(f"/cases/{voting}").get_data(as_text=True)
    assert 'data-testid="vote-now"' in case_page
    nominees = re.findall(r'data-nominee="(\w+)"', case_page)
    assert nominees == CANDIDATES and case_page.count("合格") == 4 and "应到选举人 10 人" in case_page
    form = voter.get(f"/elections/{voting}/ballot").get_data(as_text=True)
    assert re.findall(r'data-candidate="(\w+)"', form) == ["v01", "v03", "v02", "v04"]  # the ballot order
    over = voter.post(f"/elections/{voting}/ballot", {f"mark_{c}": "yes" for c in CANDIDATES})
    page = over.get_data(as_text=True)
    assert over.status_code == 422 and "赞成票不能多于应选名额" in page
    assert page.count('value="yes" checked') == 4  # the marks are kept for the voter to correct
    assert _stored(app) == (0, 0)
    cast = voter.post(f"/elections/{voting}/ballot", {"mark_v01": "yes", "mark_v02": "yes", "mark_v04": "no"})
    assert cast.status_code == 200
    code = re.search(r'data-testid="receipt">([A-Z0-9-]+)<', cast.get_data(as_text=True)).group(1)
    assert _stored(app) == (1, 1)
    again = voter.get(f"/elections/{voting}/ballot").get_data(as_text=True)
    assert 'data-testid="voted"' in again and 'data-testid="ballot"' not in again
    twice = voter.post(f"/elections/{voting}/ballot", {"mark_v01": "yes"})
    assert twice.status_code == 409 and _stored(app) == (1, 1)
    found = voter.post(f"/elections/{voting}/receipt", {"code": code.lower()})
    assert found.status_code == 200 and 'data-testid="found"' in found.get_data(as_text=True)
    assert voter.post(f"/elections/{voting}/receipt", {"code": "AAAA-BBBB-CCCC"}).status_code == 404


def test_only_voters_on_the_roll_cast(app, voting):
    chair = Browser(app, "chair")  # reads the election, is not on 第一车间's roll
    refused = chair.post(f"/elections/{voting}/ballot", {"mark_v01": "yes"})
    assert refused.status_code == 403 and "不在本次选举的选民名单中" in refused.get_data(as_text=True)
    assert _stored(app) == (0, 0)
