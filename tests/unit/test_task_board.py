"""The pure task board (workflow/core/tasks.py): the seats a state gives, what a step does to the tasks, who may act
through them, 签收 (claim), 转交 (transfer), and the name a handed-on 会签 seat votes in."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import bootstrap  # noqa: F401 (the shipped definitions name the installed processes' guards and effects)
from workflow.core.actor import Actor
from workflow.core.definition_load import load_file
from workflow.core.engine import CaseView, Engine, Forbidden, InvalidData, NotOpen
from workflow.core.seats import CLOSED, DONE, OPEN, Seat, Taken, seats
from workflow.core.tasks import Board

ROOT = Path(__file__).resolve().parents[2]
HARDSHIP = load_file(ROOT / "definitions" / "hardship_aid.yaml", None)
PROPOSAL = load_file(ROOT / "definitions" / "proposal.yaml", None)
GRANT = load_file(ROOT / "tests" / "integration" / "definitions" / "grant.yaml", None)
TODAY = date(2026, 11, 23)


def person(username: str, *roles: str, unit: str | None = "CJ1") -> Actor:
    return Actor(username, username, frozenset(roles), unit)


APPLICANT = person("zx", "member")
G1, G2 = person("g1", "grassroots_union"), person("g2", "grassroots_union")
HQ_OFFICER = person("hq", "grassroots_union", unit="HQ")
CHAIR = person("chair", "union_chair", unit="GH")
CASHIER = person("cw", "finance", unit="GH")
ZHANG, WANG, LIU = (person(n, "representative", "member") for n in ("zhang", "wang", "liu"))
C1, C2, C3 = (person(n, "union_committee", unit="GH") for n in ("c1", "c2", "c3"))
NEW_MEMBER = person("c9", "union_committee", unit="GH")  # of the role, but joined after the vote was frozen


def view(state: str, data: dict | None = None, submitter: str = "zx", unit: str | None = "CJ1") -> CaseView:
    return CaseView(state, data or {}, submitter, unit)


def offers(definition, case: CaseView):
    """What the engine offers someone on the case: the board's `offered`."""
    engine = Engine(definition)
    return lambda actor: {a.trigger for a in engine.actions_for(case, actor)}


def submitted_board() -> tuple[Board, CaseView]:
    """A hardship case the applicant has just submitted: their draft task done, the unit's 干事 pool open."""
    board = Board()
    board.step(HARDSHIP, "", view("draft"), "zx", None, 1)
    case = view("submitted")
    board.step(HARDSHIP, "draft", case, "zx", board.through("submit", APPLICANT), 2)
    return board, case


def voting_board() -> tuple[Board, CaseView]:
    """A grant in its 会签: c1, c2 and c3 each have a named task."""
    board = Board()
    board.step(GRANT, "", view("draft", submitter="li", unit="GH"), "li", None, 1)
    case = view("voting", {"amount": 3500, "countersign": {"voting": {"voters": ["c1", "c2", "c3"], "votes": []}}},
                submitter="li", unit="GH")
    board.step(GRANT, "draft", case, "li", board.through("submit", person("li", "member", unit="GH")), 2)
    return board, case


def facts(board: Board) -> list[tuple]:
    return [(t.number, t.state, t.status, t.assignee, t.done_by) for t in board.tasks]


# -- the seats a state gives -----------------------------------------------------------------------------------

def test_a_step_with_a_case_unit_rule_gives_its_role_within_the_cases_unit():
    [(seat, triggers, claimable)] = seats(HARDSHIP, view("submitted"))
    assert seat == Seat(role="grassroots_union", unit="CJ1")
    assert triggers == {"review", "return"} and claimable  # both steps of the first review, on one task
    assert seats(HARDSHIP, view("visiting", unit="HQ")) == [(Seat("grassroots_union", "HQ"), frozenset({"visit"}), True)]
    assert seats(HARDSHIP, view("chair_review")) == [(Seat("union_chair"), frozenset({"approve", "reject"}), False)]


def test_a_unit_field_rule_takes_the_unit_from_the_data_and_without_one_nobody_has_the_step():
    assert seats(PROPOSAL, view("handling", {"lead_unit": "HQ"}, "zhang")) == [
        (Seat("department_head", "HQ"), frozenset({"reply"}), False)]
    assert seats(PROPOSAL, view("handling", {}, "zhang")) == []
    assert seats(HARDSHIP, view("submitted", unit=None)) == []  # a case of no unit: no unit's 干事 to act


def test_the_applicants_own_step_is_a_named_seat():
    assert seats(HARDSHIP, view("draft")) == [(Seat(person="zx"), frozenset({"submit"}), False)]
    assert seats(HARDSHIP, view("returned", submitter="someone")) == [
        (Seat(person="someone"), frozenset({"submit"}), False)]
    assert seats(PROPOSAL, view("replied", submitter="zhang")) == [
        (Seat(person="zhang"), frozenset({"evaluate"}), False)]


def test_each_voter_of_a_countersign_is_a_named_seat():
    case = view("voting", {"countersign": {"voting": {"voters": ["c1", "c2", "c3"]}}}, submitter="li")
    assert seats(GRANT, case) == [(Seat(person=v), frozenset({"vote"}), False) for v in ("c1", "c2", "c3")]
    assert seats(GRANT, view("voting", {}, submitter="li")) == []  # no voters frozen: no seat


def test_actor_has_role_narrows_the_steps_roles_to_that_one():
    """The receipt: the applicant's own, or finance's — never a pool of every member."""
    found = seats(HARDSHIP, view("paid"))
    assert sorted(found, key=str) == sorted([(Seat(person="zx"), frozenset({"confirm_receipt"}), False),
                                             (Seat(role="finance"), frozenset({"confirm_receipt"}), False)], key=str)
    assert not any(seat.role == "member" for seat, _, _ in found)


def test_the_systems_step_a_public_step_and_the_withdrawal_give_no_seat():
    assert seats(HARDSHIP, view("publicity", {"recommended_amount": 1800})) == []  # object (public), close (system)
    assert [seat for seat, _, _ in seats(HARDSHIP, view("submitted"))] == [Seat("grassroots_union", "CJ1")]
    assert all("withdraw" not in triggers for state in ("draft", "submitted", "returned")
               for _, triggers, _ in seats(HARDSHIP, view(state)))
    assert all(seats(HARDSHIP, view(state)) == [] for state in ("not_eligible", "rejected", "closed", "withdrawn"))


# -- steps -------------------------------------------------------------------------------------------------------

def test_creating_a_case_opens_the_applicants_task_and_submitting_it_does_it():
    board = Board()
    opened = board.step(HARDSHIP, "", view("draft"), "zx", None, 1)
    assert [(t.number, t.seat, t.assignee, t.status, t.visit) for t in opened.opened] == [
        (1, Seat(person="zx"), "zx", OPEN, 1)]
    through = board.through("submit", APPLICANT)
    assert through is not None and through.number == 1
    changes = board.step(HARDSHIP, "draft", view("submitted"), "zx", through, 2)
    assert [(t.number, t.status, t.done_by, t.closed_seq) for t in changes.changed] == [(1, DONE, "zx", 2)]
    assert [(t.number, t.state, t.visit, t.seat, t.assignee, t.claimable) for t in changes.opened] == [
        (2, "submitted", 2, Seat("grassroots_union", "CJ1"), None, True)]
    assert board.tasks == changes.opened  # the board keeps only the latest stay


def test_leaving_a_state_does_the_actors_task_closes_the_rest_and_opens_the_next_states():
    board = Board()
    board.step(HARDSHIP, "", view("paid"), "cw", None, 9)
    mine, theirs = sorted(board.open(), key=lambda t: t.seat.role or "")[::-1]
    assert mine.seat.role == "finance" and theirs.seat.person == "zx"
    through = board.through("confirm_receipt", CASHIER)
    assert through is mine
    changes = board.step(HARDSHIP, "paid", view("filed"), "cw", through, 10)
    finished = {t.number: (t.status, t.done_by, t.closed_seq) for t in changes.changed}
    assert finished == {mine.number: (DONE, "cw", 10), theirs.number: (CLOSED, None, 10)}
    [filed] = changes.opened
    assert (filed.state, filed.visit, filed.seat, filed.status, filed.number) == (
        "filed", 10, Seat("grassroots_union", "CJ1"), OPEN, 3)


def test_a_step_through_no_task_closes_every_open_task_with_nobody_done():
    """The timers close a 公示, an applicant withdraws: the tasks left are closed, none done."""
    board, _ = submitted_board()
    changes = board.step(HARDSHIP, "submitted", view("withdrawn"), "zx", None, 3)
    assert [(t.number, t.status, t.done_by, t.closed_seq) for t in changes.changed] == [(2, CLOSED, None, 3)]
    assert changes.opened == [] and board.open() == []


def test_a_stay_through_a_pool_leaves_the_pool_open_and_records_the_actors_share_done():
    """附议: each seconder's share is done, the pool stays open for the next, the last seconder's step leaves."""
    board = Board()
    board.step(PROPOSAL, "", view("draft", submitter="zhang"), "zhang", None, 1)
    seconding = view("seconding", {"title": "食堂"}, "zhang")
    board.step(PROPOSAL, "draft", seconding, "zhang", board.through("submit", ZHANG), 2)
    [pool] = board.open()
    through = board.through("second", WANG)
    assert through is pool and pool.assignee is None
    changes = board.step(PROPOSAL, "seconding", view("seconding", {"seconders": ["wang"]}, "zhang"), "wang", through, 3)
    [share] = changes.opened
    assert (share.state, share.visit, share.seat, share.assignee, share.status, share.done_by, share.closed_seq) == (
        "seconding", pool.visit, pool.seat, "wang", DONE, "wang", 3)
    assert changes.changed == [] and board.open() == [pool] and pool.status == OPEN and pool.assignee is None
    assert board.through("second", LIU) is pool  # the next representative acts through the same pool
    changes = board.step(PROPOSAL, "seconding", view("committee_review", {"seconders": ["wang", "liu"]}, "zhang"),
                         "liu", board.through("second", LIU), 4)
    assert [(t.number, t.status, t.done_by) for t in changes.changed] == [(pool.number, DONE, "liu")]
    assert [(t.state, t.seat) for t in changes.opened] == [("committee_review", Seat("proposal_committee"))]


def test_a_restarting_stay_does_the_task_and_opens_a_new_one_for_the_new_stay():
    """年度复核 (keep on file): the state is entered afresh, its deadline restarted, and so are its tasks."""
    board = Board()
    board.step(HARDSHIP, "", view("filed"), "cw", None, 10)
    [before] = board.open()
    changes = board.step(HARDSHIP, "filed", view("filed", {"annual_result": "keep"}), "g1",
                         board.through("annual_review", G1), 11, restart=True)
    assert [(t.number, t.status, t.done_by) for t in changes.changed] == [(before.number, DONE, "g1")]
    [after] = changes.opened
    assert (after.state, after.visit, after.seat, after.status) == ("filed", 11, before.seat, OPEN)
    assert after.number == before.number + 1


def test_a_stay_that_moves_the_unit_closes_the_seat_it_dropped():
    board = Board()
    board.step(PROPOSAL, "", view("handling", {"lead_unit": "HQ"}, "zhang"), "zhao", None, 5)
    [hq] = board.open()
    changes = board.step(PROPOSAL, "handling", view("handling", {"lead_unit": "CJ1"}, "zhang"), "zhao", None, 6)
    assert [(t.number, t.status) for t in changes.changed] == [(hq.number, CLOSED)]
    assert [(t.seat, t.visit) for t in changes.opened] == [(Seat("department_head", "CJ1"), 5)]  # the same stay


# -- who acts through which task -----------------------------------------------------------------------------------

def test_through_prefers_my_own_task_to_the_pools():
    """A finance clerk who is the applicant confirms their own receipt through their own task."""
    board = Board()
    board.step(HARDSHIP, "", view("paid", submitter="cw2"), "cw", None, 9)
    clerk = person("cw2", "member", "finance", unit="GH")
    chosen = board.through("confirm_receipt", clerk)
    assert chosen is not None and chosen.seat == Seat(person="cw2") and chosen.assignee == "cw2"
    assert board.through("confirm_receipt", CASHIER).seat == Seat(role="finance")


def test_through_refuses_a_non_member_403_and_a_member_once_another_has_claimed_409():
    board, case = submitted_board()
    with pytest.raises(Forbidden) as outsider:
        board.through("review", HQ_OFFICER)
    assert outsider.value.status == 403
    assert board.through("review", G2).assignee is None  # anyone of the pool, while nobody has claimed
    board.claim(2, G1, offers(HARDSHIP, case))
    with pytest.raises(Taken) as taken:
        board.through("return", G2)
    assert taken.value.status == 409 and "g1" in taken.value.message
    assert board.through("review", G1).number == 2
    assert not board.allows("review", G2) and board.allows("review", G1)


def test_through_lets_the_system_act_whoever_holds_the_tasks():
    board, case = submitted_board()
    board.claim(2, G1, offers(HARDSHIP, case))
    timers = Actor("system", "系统", frozenset({"system"}))
    assert board.through("review", timers) is None and board.allows("return", timers)


def test_through_is_none_for_a_step_no_task_covers():
    board, _ = submitted_board()
    assert board.through("withdraw", APPLICANT) is None  # the engine alone decides the withdrawal
    assert Board().through("review", G1) is None  # a case without tasks


def test_through_a_named_seat_is_only_for_its_holder():
    board, _ = voting_board()
    assert board.through("vote", C2).seat == Seat(person="c2")
    with pytest.raises(Forbidden):
        board.through("vote", NEW_MEMBER)  # of the role, not a voter


# -- 签收 ------------------------------------------------------------------------------------------------------------

def test_a_pool_member_claims_the_task_and_nobody_claims_it_again():
    board, case = submitted_board()
    changes = board.claim(2, G1, offers(HARDSHIP, case))
    assert [(t.number, t.assignee, t.status) for t in changes.changed] == [(2, "g1", OPEN)] and not changes.opened
    for again in (G2, G1):
        with pytest.raises(Taken) as taken:
            board.claim(2, again, offers(HARDSHIP, case))
        assert taken.value.status == 409
    assert board.get(2).assignee == "g1"


def test_only_a_claimable_task_is_claimed():
    board = Board()
    case = view("chair_review", {"recommended_amount": 1800})
    board.step(HARDSHIP, "", case, "system", None, 7)
    with pytest.raises(NotOpen) as refused:
        board.claim(1, CHAIR, offers(HARDSHIP, case))
    assert refused.value.status == 409 and board.get(1).assignee is None


def test_only_a_pool_member_the_engine_offers_a_step_claims():
    board, case = submitted_board()
    with pytest.raises(Forbidden):
        board.claim(2, HQ_OFFICER, offers(HARDSHIP, case))  # another unit's 干事
    with pytest.raises(Forbidden):
        board.claim(2, APPLICANT, offers(HARDSHIP, case))  # not of the pool at all
    with pytest.raises(Forbidden):
        board.claim(2, G2, lambda actor: set())  # of the pool, but offered none of its steps
    assert board.get(2).assignee is None


def test_the_proposer_of_a_seconding_is_of_the_pool_but_the_engine_offers_them_nothing_to_claim_or_hand_on():
    board = Board()
    case = view("seconding", {"title": "食堂"}, "zhang")
    board.step(PROPOSAL, "", case, "zhang", None, 2)
    with pytest.raises(Forbidden):
        board.claim(1, ZHANG, offers(PROPOSAL, case))
    with pytest.raises(Forbidden):
        board.transfer(1, ZHANG, WANG, "zhang", offers(PROPOSAL, case))
    with pytest.raises(NotOpen):
        board.claim(1, WANG, offers(PROPOSAL, case))  # a seconder may take it, but 附议 is not claimed
    assert board.get(1).assignee is None


def test_a_done_or_unknown_task_is_not_claimed():
    board, case = submitted_board()
    with pytest.raises(NotOpen):
        board.claim(1, APPLICANT, offers(HARDSHIP, case))  # the submitted draft's task is no longer on the board
    with pytest.raises(NotOpen):
        board.claim(99, G1, offers(HARDSHIP, case))
    board.step(HARDSHIP, "submitted", view("visiting", {"eligibility": "eligible"}), "g2", board.through("review", G2), 3)
    with pytest.raises(NotOpen):
        board.claim(2, G1, offers(HARDSHIP, case))  # the first review is over: its task left the board
    seconding = Board()
    seconding.step(PROPOSAL, "", view("seconding", {}, "zhang"), "zhang", None, 2)
    stay = view("seconding", {"seconders": ["wang"]}, "zhang")
    [share] = seconding.step(PROPOSAL, "seconding", stay, "wang", seconding.through("second", WANG), 3).opened
    assert share.status == DONE
    with pytest.raises(Taken) as done:
        seconding.transfer(share.number, WANG, LIU, "zhang", offers(PROPOSAL, stay))  # a done share stays done
    assert done.value.message == "该任务已办结"


# -- 转交 ------------------------------------------------------------------------------------------------------------

def test_a_claimed_task_is_handed_to_a_colleague_who_then_holds_it():
    board, case = submitted_board()
    offered = offers(HARDSHIP, case)
    board.claim(2, G1, offered)
    changes = board.transfer(2, G1, G2, "zx", offered)
    assert [(t.number, t.assignee, t.status) for t in changes.changed] == [(2, "g2", OPEN)]
    assert board.through("review", G2).number == 2
    with pytest.raises(Taken):
        board.through("review", G1)


def test_only_the_holder_hands_a_task_on():
    board, case = submitted_board()
    offered = offers(HARDSHIP, case)
    with pytest.raises(Forbidden) as outsider:
        board.transfer(2, HQ_OFFICER, G2, "zx", offered)
    assert outsider.value.status == 403
    board.claim(2, G1, offered)
    with pytest.raises(Taken) as taken:
        board.transfer(2, G2, person("g3", "grassroots_union"), "zx", offered)
    assert taken.value.status == 409 and board.get(2).assignee == "g1"


def test_the_applicants_own_step_is_not_handed_on():
    board = Board()
    case = view("paid")
    board.step(HARDSHIP, "", case, "cw", None, 9)
    own = next(t for t in board.open() if t.seat.person == "zx")
    with pytest.raises(InvalidData) as refused:
        board.transfer(own.number, APPLICANT, person("zx_wife", "member"), "zx", offers(HARDSHIP, case))
    assert refused.value.status == 422 and "to" in refused.value.fields and own.assignee == "zx"


def test_a_task_is_never_handed_to_the_applicant():
    board, case = submitted_board()
    applicant_officer = person("zx", "member", "grassroots_union")  # a 干事 who applied: still the applicant
    with pytest.raises(InvalidData) as refused:
        board.transfer(2, G1, applicant_officer, "zx", offers(HARDSHIP, case))
    assert refused.value.fields == {"to": "不能转交给申请人本人"} and board.get(2).assignee is None


def test_the_target_must_be_offered_the_step():
    board, case = submitted_board()
    offered = offers(HARDSHIP, case)
    for target in (HQ_OFFICER, CHAIR, person("li", "member")):
        with pytest.raises(InvalidData) as refused:
            board.transfer(2, G1, target, "zx", offered)
        assert refused.value.fields["to"].startswith("对方不能办理此步骤"), target
    assert board.get(2).assignee is None


def test_not_to_someone_who_holds_it_or_a_task_of_the_same_step_already():
    board, case = voting_board()
    offered = offers(GRANT, case)
    with pytest.raises(InvalidData) as voter:
        board.transfer(2, C1, C2, "li", offered)  # c2 has a vote of their own
    assert voter.value.fields == {"to": "对方已有此步骤的待办任务"}
    hardship, submitted = submitted_board()
    hardship.claim(2, G1, offers(HARDSHIP, submitted))
    with pytest.raises(InvalidData) as holder:
        hardship.transfer(2, G1, G1, "zx", offers(HARDSHIP, submitted))
    assert holder.value.fields == {"to": "任务已在对方名下"}


def test_a_countersign_seat_handed_on_votes_in_the_seats_name():
    board, case = voting_board()
    offered = offers(GRANT, case)
    assert "vote" not in offered(NEW_MEMBER)  # not a voter of this 会签
    board.transfer(2, C1, NEW_MEMBER, "li", offered)
    seat = board.through("vote", NEW_MEMBER)
    assert seat.number == 2 and seat.seat == Seat(person="c1") and seat.assignee == "c9"
    acting = Board.acting_as(seat, NEW_MEMBER)
    assert (acting.username, acting.roles, acting.unit) == ("c1", NEW_MEMBER.roles, "GH")
    with pytest.raises(Forbidden):
        board.through("vote", C1)  # handed on: no longer theirs
    record = Engine(GRANT).fire(case, "vote", acting, {"decision": "approve"}, None, today=TODAY, units={})
    assert record.data["countersign"]["voting"]["votes"] == [{"voter": "c1", "decision": "approve"}]


def test_acting_as_is_the_actor_themself_on_their_own_seat_a_pool_or_no_task():
    board, _ = voting_board()
    assert Board.acting_as(board.through("vote", C2), C2) is C2
    hardship, _ = submitted_board()
    assert Board.acting_as(hardship.through("review", G1), G1) is G1
    assert Board.acting_as(None, G1) is G1
