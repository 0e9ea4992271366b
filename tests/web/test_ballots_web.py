"""The web ballot: marks per candidate, over-marking refused before anything is cast, one ballot per voter, the
receipt shown once and checkable later, and only voters on the roll may cast. The tellers' desk: paper ballots
issued and entered twice. The public box of a counted round: its ballots, their recount, the downloads."""
from __future__ import annotations

import csv
import io
import json
import re

import pytest
from support.election_desk import CANDIDATES, ElectionOffice
from support.people import Browser

from processes.election.domain import recount
from processes.election.models import Ballot, ElectionRound, Participation
from workflow.accounts.users import create_user, issue_token
from workflow.store.models import User


@pytest.fixture
def office(app, database_url, tmp_path):
    """The election office on the app's database."""
    office = ElectionOffice(database_url, tmp_path)
    yield office
    office.db.dispose()


@pytest.fixture
def voting(office):
    """An election of 3 seats among 4 candidates, open for voting."""
    case_id = office.to_candidates(CANDIDATES)
    office.act("xuan", case_id, "open_voting")
    return case_id


def _stored(app) -> tuple[int, int]:
    with app.extensions["unionflow"].db.read() as session:
        return session.query(Ballot).count(), session.query(Participation).count()


def test_a_voter_casts_once_and_checks_the_receipt(app, voting):
    voter = Browser(app, "v05")
    assert 'data-testid="ballot-due"' in voter.get("/").get_data(as_text=True)  # 工作台: 待投票
    assert 'data-testid="ballot-due"' not in Browser(app, "chair").get("/").get_data(as_text=True)  # not on the roll
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
    assert 'data-testid="ballot-due"' not in voter.get("/").get_data(as_text=True)
    again = voter.get(f"/elections/{voting}/ballot").get_data(as_text=True)
    assert 'data-testid="voted"' in again and 'data-testid="ballot"' not in again
    twice = voter.post(f"/elections/{voting}/ballot", {"mark_v01": "yes"})
    assert twice.status_code == 409 and _stored(app) == (1, 1)
    found = voter.post(f"/elections/{voting}/receipt", {"code": code.lower()})
    assert found.status_code == 200 and 'data-testid="found"' in found.get_data(as_text=True)
    assert voter.post(f"/elections/{voting}/receipt", {"code": "AAAA-BBBB-CCCC"}).status_code == 404


def test_the_case_page_links_the_tellers_desk_for_tellers_and_auditors_only(app, voting):
    """The desk's policy (processes/election/ballots.py may_watch_desk) decides the link, as it decides the desk."""
    with app.extensions["unionflow"].db.transaction() as session:
        create_user(session, "song", "password-123", ["auditor"], "GH", "宋洁")
    for username, shown in (("jipiao", True), ("song", True), ("chair", False)):
        page = Browser(app, username).get(f"/cases/{voting}").get_data(as_text=True)
        assert ('data-testid="desk-link"' in page) is shown, username
        assert Browser(app, username).get(f"/elections/{voting}/desk").status_code == (200 if shown else 403), username


def test_only_voters_on_the_roll_cast(app, voting):
    chair = Browser(app, "chair")  # reads the election, is not on 第一车间's roll
    refused = chair.post(f"/elections/{voting}/ballot", {"mark_v01": "yes"})
    assert refused.status_code == 403 and "不在本次选举的选民名单中" in refused.get_data(as_text=True)
    assert _stored(app) == (0, 0)


def test_the_tellers_desk_paper_ballots_and_the_public_box(app, office, voting):
    for voter in ["v01", "v02", "v03", "v04", "v05", "v06"]:
        office.vote(voting, voter, yes=["v01", "v02", "v03"] if voter < "v05" else ["v01", "v04"])
    assert Browser(app, "v09").get(f"/elections/{voting}/desk").status_code == 403  # a voter is no teller
    xuan, jipiao = Browser(app, "xuan"), Browser(app, "jipiao")
    desk = xuan.get(f"/elections/{voting}/desk").get_data(as_text=True)
    assert 'data-testid="issue-paper"' in desk and re.search(r'data-round="1">.*?<td class="text-end">6</td>', desk, re.S)
    assert "60.0%" in desk  # 6 of the 10 on the roll so far
    outside = xuan.post(f"/elections/{voting}/paper/issue", {"voter": "chair"})
    assert outside.status_code == 422 and "「chair」不是本次选举的选民" in outside.get_data(as_text=True)
    assert xuan.post(f"/elections/{voting}/paper/issue", {"voter": "v05"}).status_code == 409  # voted on the web
    for voter in ["v07", "黄磊"]:  # by user name, or by name (v08): as the voter says it at the table
        assert xuan.post(f"/elections/{voting}/paper/issue", {"voter": voter}).status_code == 302
    assert Browser(app, "v07").post(f"/elections/{voting}/ballot", {"mark_v01": "yes"}).status_code == 409
    assert xuan.get(f"/elections/{voting}/rounds/1/ballots").status_code == 404  # no box before the count
    office.act("xuan", voting, "close_voting")

    first = {"mark_v01": "yes", "mark_v02": "yes", "mark_v03": "no"}
    assert "等待另一名计票人复核" in xuan.post(f"/elections/{voting}/paper/enter", first,
                                             follow_redirects=True).get_data(as_text=True)
    pending = jipiao.get(f"/elections/{voting}/desk").get_data(as_text=True)
    assert "录入人：选举委员" in pending and "撤回我的录入" not in pending  # another's entry: no marks, no take-back
    entry_id = re.search(r'/paper/(\d+)/discard', xuan.get(f"/elections/{voting}/desk").get_data(as_text=True)).group(1)
    assert jipiao.post(f"/elections/{voting}/paper/{entry_id}/discard").status_code == 403
    assert "已计入票箱" in jipiao.post(f"/elections/{voting}/paper/enter", first,
                                      follow_redirects=True).get_data(as_text=True)
    slip = {"mark_v01": "yes", "mark_v04": "yes"}  # the second paper says v01 and v03; xuan slips
    xuan.post(f"/elections/{voting}/paper/enter", slip)
    jipiao.post(f"/elections/{voting}/paper/enter", {"mark_v01": "yes", "mark_v03": "yes"})
    assert office.refused("xuan", voting, "count") == 409  # two entries disagree: nothing to count yet
    entry_id = re.search(r'/paper/(\d+)/discard', xuan.get(f"/elections/{voting}/desk").get_data(as_text=True)).group(1)
    assert xuan.post(f"/elections/{voting}/paper/{entry_id}/discard").status_code == 302
    xuan.post(f"/elections/{voting}/paper/enter", {"mark_v01": "yes", "mark_v03": "yes"})
    office.act("xuan", voting, "count")

    member = Browser(app, "v09")
    page = member.get(f"/elections/{voting}/rounds/1/ballots").get_data(as_text=True)
    assert 'data-testid="recount-agrees"' in page and "选票（共 8 张）" in page
    assert page.count("<td>纸质</td>") == 2 and page.count("<td>网上</td>") == 6
    exported = member.get(f"/elections/{voting}/rounds/1/ballots.json")
    box = json.loads(exported.get_data(as_text=True))
    with app.extensions["unionflow"].db.read() as session:
        published = session.query(ElectionRound).one().tally
    assert {"round": 1, **recount(box).to_dict()} == published and published["cast"] == 8
    assert published["paper_issued"] == 2 and published["paper_returned"] == 2
    rows = list(csv.reader(io.StringIO(member.get(f"/elections/{voting}/rounds/1/ballots.csv")
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["序号", "方式", "王建国", "张伟", "李娜", "赵敏", "另选他人"] and len(rows) == 9
    assert sorted(r[1] for r in rows[1:]) == ["纸质"] * 2 + ["网上"] * 6


def test_the_ballot_api(app, office, voting):
    client = app.test_client()
    with office.db.transaction() as session:
        tokens = {u: issue_token(session, session.get(User, office.users[u].id)) for u in ("v05", "v06", "v09")}

    def post(who: str, path: str, body: object):
        return client.post(f"/api/v1/elections/{voting}/{path}", json=body,
                           headers={"Authorization": f"Bearer {tokens[who]}"})
    bad = post("v05", "ballot", {"marks": ["v01"]})
    assert bad.status_code == 422 and bad.json["error"]["fields"]["marks"] == "应为对象"
    over = post("v05", "ballot", {"marks": {c: "yes" for c in CANDIDATES}})
    assert over.status_code == 422 and "赞成票不能多于应选名额" in over.json["error"]["message"]
    assert _stored(app) == (0, 0)
    cast = post("v05", "ballot", {"marks": {"v01": "yes"}, "write_ins": ["v09"]})
    assert cast.status_code == 201 and re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", cast.json["receipt"])
    assert post("v05", "ballot", {"marks": {}}).status_code == 409
    assert post("v06", "receipt", {"code": cast.json["receipt"]}).json == {"round": 1}  # anyone may check a code
    assert post("v06", "receipt", {"code": "AAAA-BBBB-CCCC"}).status_code == 404
    box = client.get(f"/api/v1/elections/{voting}/rounds/1/ballots", headers={"Authorization": f"Bearer {tokens['v09']}"})
    assert box.status_code == 404 and "计票后公开" in box.json["error"]["message"]
