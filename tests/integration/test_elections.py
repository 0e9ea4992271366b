"""Elections on the shipped definition, SQLite and PostgreSQL: from the plan to the upper union's approval, the
rules at their boundaries, one voter one ballot under concurrency, and ballot secrecy in the stored rows."""
from __future__ import annotations

import json
import threading
from datetime import datetime

import pytest
from support.election_desk import AFTER_NOTICE, CANDIDATES, PLAN, VOTERS, ElectionOffice
from sqlalchemy import inspect, select, text

from processes.election.ballots import Marks
from processes.election.domain import public_box, recount, round_numbered
from processes.election.models import Ballot, ElectionRound, Participation, RollEntry
from workflow.accounts.users import deactivate_user, reactivate_user
from workflow.audit.verify import verify
from workflow.cases.timers import run_due
from workflow.core.engine import ActionRefused
from workflow.store.models import User


@pytest.fixture
def office(database_url, tmp_path):
    office = ElectionOffice(database_url, tmp_path)
    yield office
    office.db.dispose()


def test_an_election_from_the_plan_to_the_upper_unions_approval(office):
    case_id = office.to_candidates(CANDIDATES)
    office.act("xuan", case_id, "open_voting")
    case = office.case(case_id)
    assert case.state == "voting"
    assert case.data["roll"]["eligible"] == 10  # the ten members of 第一车间; the office staff are not on it
    assert case.data["round"]["candidates"] == ["v01", "v03", "v02", "v04"]  # 王 4, 张 7, 李 7 (code point), 赵 9
    receipts = {}
    for voter in ["v01", "v02", "v03", "v04", "v05", "v06", "v07", "v08"]:
        receipts[voter] = office.vote(case_id, voter, yes=["v01", "v02", "v03"], no=["v04"])
    office.act("xuan", case_id, "close_voting")
    with pytest.raises(ActionRefused):  # no ballot after the close
        office.vote(case_id, "v09", yes=["v01"])
    office.act("xuan", case_id, "count")
    result = office.case(case_id).data
    assert result["tally"]["outcome"] == "decided" and result["tally"]["cast"] == 8
    assert [e["username"] for e in result["elected"]] == ["v01", "v03", "v02"]
    assert "超过应到选举人数 10 人的半数" in result["elected"][0]["rule"]
    with office.db.read() as session:  # the receipt proves the ballot is in the count, not what it says
        assert office.box.check_receipt(session, case_id, receipts["v05"]) == 1
        assert office.box.check_receipt(session, case_id, receipts["v05"].lower().replace("-", " ")) == 1
        assert office.box.check_receipt(session, case_id, "AAAA-BBBB-CCCC") is None
        public = json.loads(json.dumps(public_box(session, round_numbered(session, case_id, 1), result)))
    assert len(public["ballots"]) == 8 and all(set(b) == {"paper", "marks", "write_ins"} for b in public["ballots"])
    assert (public["eligible"], public["turnout"], public["majority"]) == (10, "2/3", "1/2")
    assert {"round": 1, **recount(public).to_dict()} == result["tally"]  # anyone with the box gets the published tally
    office.act("xuan", case_id, "publish_result")
    office.now = datetime(2026, 12, 10, 2, 0)
    assert len(run_due(office.service, now=office.now).fired) == 1
    office.act("xuan", case_id, "report")
    office.act("chair", case_id, "return", comment="请补充选举结果报告的监票人签字")
    office.act("xuan", case_id, "report")
    office.act("chair", case_id, "approve_result", {"approval_no": "总工发〔2026〕12号", "approved_on": "2026-12-15"})
    assert office.case(case_id).state == "archived"
    with office.db.read() as session:
        assert verify(session, office.service.store, office.service.workflows, [case_id]).ok


def test_nominations_are_checked_and_answered(office):
    case_id = office.service.create_case(office.users["xuan"], "election", {}).id
    office.act("xuan", case_id, "submit_plan", PLAN)
    office.act("chair", case_id, "approve_plan", {"party_consent": "同意", "upper_union_consent": "同意"})
    office.act("xuan", case_id, "open_nominations")
    outside = office.refusal("v01", case_id, "nominate", {"nominee": "chair"})  # 工会办公室 is not in scope
    assert outside.status == 422 and "不是本次选举的选民" in outside.fields["nominee"]
    office.act("v01", case_id, "nominate", {"nominee": "v02"})
    assert office.refused("v03", case_id, "nominate", {"nominee": "v02"}) == 422  # nominated already
    assert office.refused("v03", case_id, "accept_nomination") == 403  # not v03's nomination
    office.act("v02", case_id, "decline_nomination")
    office.act("v03", case_id, "nominate", {"nominee": "v03"})  # self-nomination: accepted at once
    nominations = office.case(case_id).data["nominations"]
    assert [(n["username"], n["by_name"], n["accepted"]) for n in nominations] == [("v02", "王建国", False),
                                                                          ("v03", "张伟", True)]
    assert "nominee" not in office.case(case_id).data
    office.act("xuan", case_id, "close_nominations")
    assert office.refused("xuan", case_id, "review_candidates",
                          {"candidate": "v02", "qualified": "yes", "review_reason": "符合条件"}) == 409
    assert office.refused("xuan", case_id, "publish_candidates") == 409  # v03 not reviewed yet


def test_a_voter_roll_imported_from_a_list(office):
    """The roll is the list — here six of the ten members of 第一车间 and the committee's 计票人 from 工会办公室 —
    checked line by line when the plan is filed, frozen when voting opens."""
    listed = "用户名,姓名\nv01,王建国\nv02，李娜\nv03\tv03-name-ignored\nv04\nv05\nv06\njipiao,计票人\n"
    bad = ("username\nv01\nnobody\nv02,李四\n\nv01\n" + "".join(f"ghost{i}\n" for i in range(12)))
    case_id = office.service.create_case(office.users["xuan"], "election", {}).id
    refusal = office.refusal("xuan", case_id, "submit_plan", {**PLAN, "roll_source": "list", "voter_list": bad})
    problems = refusal.fields["voter_list"]
    assert refusal.status == 422 and "选民名单有 15 处错误" in refusal.message
    assert "第 3 行：没有用户名为「nobody」的在册会员账号" in problems
    assert "第 4 行：「v02」的姓名是「李娜」，名单上写的是「李四」" in problems
    assert "第 6 行：「v01」重复（第 2 行已有）" in problems and "另有 5 处" in problems
    assert office.refused("xuan", case_id, "submit_plan", {**PLAN, "voter_list": "v01"}) == 422  # roll of units
    listed = listed.replace("v03\tv03-name-ignored", "v03\t张伟")
    office.act("xuan", case_id, "submit_plan", {**PLAN, "roll_source": "list", "voter_list": listed})
    office.act("chair", case_id, "approve_plan", {"party_consent": "同意", "upper_union_consent": "同意"})
    office.act("xuan", case_id, "open_nominations")
    assert office.refused("v01", case_id, "nominate", {"nominee": "v09"}) == 422  # 第一车间, but not on the list
    for who in ["v01", "v02", "v03", "jipiao"]:
        office.act(who, case_id, "nominate", {"nominee": who})
    office.act("xuan", case_id, "close_nominations")
    for who in ["v01", "v02", "v03", "jipiao"]:
        office.act("xuan", case_id, "review_candidates", {"candidate": who, "qualified": "yes", "review_reason": "符合"})
    office.act("xuan", case_id, "publish_candidates")
    office.now = AFTER_NOTICE
    run_due(office.service, now=AFTER_NOTICE)
    with office.db.transaction() as session:  # v06 left the union after the plan was filed
        deactivate_user(session, session.get(User, office.users["v06"].id))
    refusal = office.refusal("xuan", case_id, "open_voting")
    assert refusal.status == 409 and "第 7 行：没有用户名为「v06」的在册会员账号" in refusal.message
    with office.db.transaction() as session:
        reactivate_user(session, session.get(User, office.users["v06"].id))
    office.act("xuan", case_id, "open_voting")
    with office.db.read() as session:
        roll = [(r.username, r.name, r.unit) for r in session.scalars(select(RollEntry).order_by(RollEntry.username))]
    assert [u for u, _, _ in roll] == ["jipiao", "v01", "v02", "v03", "v04", "v05", "v06"]
    assert ("jipiao", "计票人", "工会办公室") in roll and office.case(case_id).data["roll"]["eligible"] == 7
    with pytest.raises(ActionRefused) as refused:
        office.vote(case_id, "v09", yes=["v01"])
    assert refused.value.status == 403


def test_too_small_a_margin_refuses_opening_the_vote(office):
    case_id = office.to_candidates(CANDIDATES, margin_percent="50")  # 3 seats at 50 % need 5 candidates
    refusal = office.refusal("xuan", case_id, "open_voting")
    assert refusal.status == 409 and "候选人至少应有 5 名" in refusal.message and "现有合格候选人 4 名" in refusal.message
    with office.db.read() as session:
        assert session.query(RollEntry).count() == 0 and session.query(ElectionRound).count() == 0


def test_an_over_marked_web_ballot_is_refused_before_casting(office):
    case_id = office.to_candidates(CANDIDATES)
    office.act("xuan", case_id, "open_voting")
    with pytest.raises(ActionRefused) as refused:
        office.vote(case_id, "v05", yes=["v01", "v02", "v03", "v04"])
    assert refused.value.status == 422 and "赞成票不能多于应选名额" in refused.value.message
    for outside, why in (("chair", "「chair」不是本次选举的选民"), ("黄建国", "「黄建国」不是本次选举的选民"),
                         ("李娜", "「李娜」已是候选人")):
        with pytest.raises(ActionRefused) as refused:
            office.vote(case_id, "v05", yes=["v01"], write_ins=(outside,))
        assert refused.value.status == 422 and refused.value.fields["write_ins"] == why
    with office.db.read() as session:
        assert session.query(Ballot).count() == 0 and session.query(Participation).count() == 0
    office.vote(case_id, "v05", yes=["v01", "v02"], write_ins=("周婷",))  # 另选他人 by name: v09, within the seats
    with office.db.read() as session:
        assert session.query(Ballot).one().marks["write_ins"] == ["v09"]
    with pytest.raises(ActionRefused) as again:
        office.vote(case_id, "v05", yes=["v01"])
    assert again.value.status == 409


def test_500_threads_casting_as_one_voter_count_one_ballot(office):
    case_id = office.to_candidates(CANDIDATES)
    office.act("xuan", case_id, "open_voting")
    start, outcomes = threading.Barrier(500), []

    def cast() -> None:
        start.wait()
        try:
            outcomes.append(office.vote(case_id, "v07", yes=["v01"]))
        except ActionRefused as refused:
            outcomes.append(refused.status)

    threads = [threading.Thread(target=cast) for _ in range(500)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 500
    assert sum(isinstance(o, str) for o in outcomes) == 1 and outcomes.count(409) == 499
    with office.db.read() as session:
        assert session.query(Ballot).count() == 1 and session.query(Participation).count() == 1


def test_a_tie_for_the_last_seat_goes_to_a_runoff(office):
    case_id = office.counted_tie()  # v02 and v04 tie on 6 for the third seat
    first = office.case(case_id).data
    assert first["tally"]["outcome"] == "runoff" and sorted(first["tally"]["tied"]) == ["v02", "v04"]
    assert office.refused("xuan", case_id, "publish_result") == 409  # the tie must be settled first
    office.act("xuan", case_id, "next_round")
    second = office.round_(case_id)
    assert (second.number, second.kind, second.seats, sorted(second.candidates)) == (2, "runoff", 1, ["v02", "v04"])
    for voter, choice in zip(VOTERS, ["v02"] * 5 + ["v04"] * 3):
        office.vote(case_id, voter, yes=[choice])
    office.act("xuan", case_id, "close_voting")
    office.act("xuan", case_id, "count")
    final = office.case(case_id).data
    assert final["tally"]["outcome"] == "decided"
    assert [(e["username"], e["round"]) for e in final["elected"]] == [("v01", 1), ("v03", 1), ("v02", 2)]
    office.act("xuan", case_id, "publish_result")


def test_paper_ballots_double_entry_void_marks_and_a_void_round(office):
    case_id = office.to_candidates(CANDIDATES)
    office.act("xuan", case_id, "open_voting")
    for voter in ["v01", "v02", "v03", "v04", "v05", "v06"]:
        office.vote(case_id, voter, yes=["v01", "v02", "v03"])
    xuan, jipiao = office.users["xuan"], office.users["jipiao"]
    with pytest.raises(ActionRefused) as not_a_teller:
        office.box.issue_paper(case_id, office.users["v09"], "v07")
    assert not_a_teller.value.status == 403
    office.box.issue_paper(case_id, xuan, "v07")
    with pytest.raises(ActionRefused):
        office.vote(case_id, "v07", yes=["v01"])  # given a paper ballot: no web ballot too
    with pytest.raises(ActionRefused):
        office.box.issue_paper(case_id, xuan, "v01")   # voted on the web: no paper ballot
    office.act("xuan", case_id, "close_voting")
    over = Marks({"v01": "yes", "v02": "yes", "v03": "yes", "v04": "yes"})  # 4 赞成 for 3 seats: void, not refused
    assert office.box.enter_paper(case_id, xuan, over) == "pending"
    assert office.box.enter_paper(case_id, xuan, over) == "pending"  # the same teller twice is not a second entry
    assert office.refused("xuan", case_id, "count") == 409    # entries waiting for the second teller
    assert office.box.enter_paper(case_id, jipiao, over) == "counted"
    assert office.box.enter_paper(case_id, jipiao, over) == "counted"
    # two paper ballots came back for one issued: the round is void, then held again
    office.act("xuan", case_id, "count")
    void = office.case(case_id).data["tally"]
    assert void["outcome"] == "void" and void["void"] == 2 and "收回选票 2 张，多于发出的 1 张" in void["void_reason"]
    assert office.case(case_id).data["elected"] == []
    office.act("xuan", case_id, "next_round")
    again = office.round_(case_id)
    assert (again.number, again.kind, again.seats, again.candidates) == (2, "regular", 3, ["v01", "v03", "v02", "v04"])


def test_no_way_to_join_a_ballot_to_a_voter(office):
    case_id = office.to_candidates(CANDIDATES)
    office.act("xuan", case_id, "open_voting")
    for voter in ["v01", "v02", "v03", "v04", "v05", "v06", "v07"]:
        office.vote(case_id, voter, yes=["v01"] if voter < "v04" else ["v02", "v04"])
    office.act("xuan", case_id, "close_voting")
    schema = inspect(office.db.engine)
    ballot_columns = {c["name"] for c in schema.get_columns("election_ballots")}
    taken_columns = {c["name"] for c in schema.get_columns("election_participation")}
    assert ballot_columns == {"id", "round_id", "marks", "paper"}  # no voter, no time, no sequence
    assert taken_columns == {"round_id", "roll_id", "channel"}
    assert ballot_columns & taken_columns == {"round_id"}  # shared only with every ballot of the round
    assert not [fk for fk in schema.get_foreign_keys("election_ballots") if fk["referred_table"] != "election_rounds"]
    with office.db.read() as session:
        ids = [b.id for b in session.scalars(select(Ballot).order_by(Ballot.id))]
        if office.db.engine.dialect.name == "sqlite":  # no hidden insertion order either
            for table in ("election_ballots", "election_participation"):
                with pytest.raises(Exception, match="rowid"):
                    session.execute(text(f"SELECT rowid FROM {table}"))
        else:  # rewritten at the close: one writing transaction for all, stored in key order
            for table in ("election_ballots", "election_participation"):
                assert session.execute(text(f"SELECT count(DISTINCT xmin::text) FROM {table}")).scalar() == 1
            stored = [row[0] for row in session.execute(text("SELECT id FROM election_ballots ORDER BY ctid"))]
            assert stored == ids
        roll = [p.roll_id for p in session.scalars(select(Participation))]
        assert roll == sorted(roll)
    with office.db.read() as session:
        entries = " ".join(str(e.changes) for e in office.service.history(session, office.case(case_id)))
    assert not any(ballot_id[:12] in entries for ballot_id in ids)
