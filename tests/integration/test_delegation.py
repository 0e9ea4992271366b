"""委托 through the service, on SQLite and PostgreSQL: a person's named tasks go to their delegate while the delegation
is in force (new ones as they open, pending ones when it starts) and come back when it ends; the delegate takes the
pools' steps of their principal; every step shows both names; no chains; never on the delegate's own case; and
`audit verify` replays it all and names a step that no delegation covered."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select, update
from support.hardship_desk import HardshipOffice

from workflow.accounts.users import create_user
from workflow.audit.verify import verify
from workflow.cases import delegation_moves, worklists
from workflow.cases.timers import run_due
from workflow.core.engine import ActionRefused, InvalidData
from workflow.store.models import Delegation, HistoryEntry, Task

MONDAY_NEXT = datetime(2026, 11, 30, 2, 0)  # Monday 30 November 2026, 10:00 in Beijing


@pytest.fixture
def desk(office: HardshipOffice) -> HardshipOffice:
    """The office with a vice-chair who is on the committee, and the chair on the committee too (as in a union)."""
    with office.db.transaction() as session:
        create_user(session, "vice", "password-123", ["union_committee"], "GH", "李副主席")
        create_user(session, "chair2", "password-123", ["union_chair", "union_committee"], "GH", "黄主席")
        create_user(session, "other", "password-123", ["member"], "GH", "赵会员")
    office.users = office.load_users()
    return office


def _delegate(desk: HardshipOffice, who: str, to: str, start: str, end: str, workflows=None) -> None:
    delegation_moves.set_delegation(desk.service, desk.users[who], to, start, end, workflows)


def _open_tasks(desk: HardshipOffice, case_id: int) -> list[tuple[str | None, str | None, str | None]]:
    with desk.db.read() as session:
        return [(t.person, t.assignee, t.delegated_from) for t in session.scalars(
            select(Task).where(Task.case_id == case_id, Task.status == "open").order_by(Task.number))]


def _queue(desk: HardshipOffice, who: str) -> list[int]:
    with desk.db.read() as session:
        return [t.case_id for t in worklists.queue(desk.service, session, session.merge(desk.users[who]),
                                                   per_page=100).items]


def _verified(desk: HardshipOffice) -> list[str]:
    with desk.db.read() as session:
        return [p for c in verify(session, desk.service.store, desk.service.workflows).cases for p in c.problems]


def test_a_vote_opened_during_the_delegation_goes_to_the_delegate_who_votes_in_the_principals_seat(desk):
    _delegate(desk, "chair2", "vice", "2026-11-23", "2026-12-06")  # a fortnight, from today
    case_id = desk.to_publicity("3000")
    desk.close_publicity(case_id)  # 公示期满 on 30 November: the committee votes, the chair among the voters
    voters = desk.case(case_id).data["countersign"]["committee_vote"]["voters"]
    assert "chair2" in voters and "vice" in voters
    assert ("chair2", "vice", "chair2") in _open_tasks(desk, case_id)  # the chair's seat, held by the vice-chair
    assert _queue(desk, "vice").count(case_id) == 2 and case_id not in _queue(desk, "chair2")
    with desk.db.read() as session:
        opened = session.scalar(select(HistoryEntry).where(HistoryEntry.case_id == case_id)
                                .order_by(HistoryEntry.seq.desc()).limit(1))
        assert opened.delegated == {"chair2": "vice"}
    desk.act("vice", case_id, "vote", {"decision": "approve"}, "代主席表决：同意")
    votes = desk.case(case_id).data["countersign"]["committee_vote"]["votes"]
    assert [v["voter"] for v in votes] == ["chair2"]  # in the chair's seat: the vice-chair's own vote is still to come
    desk.act("vice", case_id, "vote", {"decision": "approve"}, "本人表决：同意")
    assert [v["voter"] for v in desk.case(case_id).data["countersign"]["committee_vote"]["votes"]] == ["chair2", "vice"]
    with desk.db.read() as session:
        steps = session.scalars(select(HistoryEntry).where(HistoryEntry.case_id == case_id, HistoryEntry.trigger == "vote")
                                .order_by(HistoryEntry.seq)).all()
        assert [(s.actor_username, (s.acting_for or {}).get("username")) for s in steps] == [("vice", "chair2"),
                                                                                           ("vice", None)]
    assert _verified(desk) == []


def test_pending_tasks_move_when_it_starts_and_those_still_open_come_back_when_it_ends(desk):
    case_id = desk.to_publicity("3000")
    desk.close_publicity(case_id)
    assert ("chair2", "chair2", None) in _open_tasks(desk, case_id)
    _delegate(desk, "chair2", "vice", "2026-12-02", "2026-12-03")  # Wednesday and Thursday
    assert ("chair2", "chair2", None) in _open_tasks(desk, case_id)  # not yet: it is Tuesday in Beijing
    desk.now = datetime(2026, 12, 1, 16, 30)  # 00:30 on Wednesday in Beijing: the timers' run moves it
    report = run_due(desk.service, now=desk.now)
    assert len(report.delegations.given) == 1
    assert ("chair2", "vice", "chair2") in _open_tasks(desk, case_id)
    desk.now = datetime(2026, 12, 3, 16, 30)  # Friday: the delegation is over, the vote still open
    report = run_due(desk.service, now=desk.now)
    assert len(report.delegations.returned) == 1
    assert ("chair2", "chair2", None) in _open_tasks(desk, case_id)
    with desk.db.read() as session:
        verbs = [e.trigger for e in session.scalars(select(HistoryEntry).where(HistoryEntry.case_id == case_id)
                                                    .order_by(HistoryEntry.seq))]
    assert verbs[-2:] == ["delegate", "undelegate"]
    assert _verified(desk) == []


def test_the_delegate_takes_the_pools_step_for_the_principal_and_the_approval_names_both(desk):
    _delegate(desk, "chair", "vice", "2026-11-23", "2026-12-06", ["hardship_aid"])
    case_id = desk.to_publicity("1800")
    desk.close_publicity(case_id)
    assert desk.case(case_id).state == "chair_review"
    assert case_id in _queue(desk, "vice")
    desk.act("vice", case_id, "approve", {"amount_approved": "1800"}, "主席出差，代为审批")
    assert desk.case(case_id).state == "approved"
    with desk.db.read() as session:
        step = session.scalar(select(HistoryEntry).where(HistoryEntry.case_id == case_id,
                                                         HistoryEntry.trigger == "approve"))
        assert step.actor_username == "vice" and step.acting_for["username"] == "chair"
        assert step.acting_for["roles"] == ["union_chair"]
    text = [t for s, t in desk.pdfs(case_id) if s == "hardship_approval"][-1]
    assert "黄建国（李副主席代）" in text
    assert _verified(desk) == []


def test_no_delegate_acts_on_a_case_they_filed_and_there_are_no_chains(desk):
    with desk.db.transaction() as session:
        create_user(session, "third", "password-123", ["member"], "GH", "钱三")
    desk.users = desk.load_users()
    _delegate(desk, "chair", "zhangxm", "2026-11-23", "2026-12-06")  # the applicant as the chair's delegate
    _delegate(desk, "zhangxm", "third", "2026-11-23", "2026-12-06")  # and the applicant's own delegate
    case_id = desk.to_publicity("1800")
    desk.close_publicity(case_id)
    assert case_id not in _queue(desk, "zhangxm")
    assert desk.refused("zhangxm", case_id, "approve", {"amount_approved": "1800"}) == 403
    assert desk.refused("third", case_id, "approve", {"amount_approved": "1800"}) in (403, 404)  # no chains
    desk.act("chair", case_id, "approve", {"amount_approved": "1800"})
    assert _verified(desk) == []


def test_a_delegation_is_checked_and_one_at_a_time(desk):
    user = desk.users["chair"]
    for to, start, end, fields in (("nobody", "2026-11-23", "2026-11-30", {"to"}),
                                   ("chair", "2026-11-23", "2026-11-30", {"to"}),
                                   ("vice", "2026-11-30", "2026-11-23", {"until"}),
                                   ("vice", "2026-13-01", "2026-11-30", {"from"}),
                                   ("vice", "2026-11-23", "2028-11-30", {"until"})):
        with pytest.raises(InvalidData) as refused:
            delegation_moves.set_delegation(desk.service, user, to, start, end, None)
        assert set(refused.value.fields) == fields, (to, start, end)
    with pytest.raises(InvalidData):
        delegation_moves.set_delegation(desk.service, user, "vice", "2026-11-23", "2026-11-30", ["no_such"])
    _delegate(desk, "chair", "vice", "2026-11-23", "2026-11-30")
    _delegate(desk, "chair", "other", "2026-11-24", "2026-11-30")  # replaces the first
    with desk.db.read() as session:
        live = session.scalars(select(Delegation).where(Delegation.cancelled_at.is_(None))).all()
        assert [(d.principal, d.delegate) for d in live] == [("chair", "other")]
    assert delegation_moves.cancel(desk.service, user) and not delegation_moves.cancel(desk.service, user)


def test_a_step_no_delegation_covered_is_named_by_the_audit(desk):
    _delegate(desk, "chair", "vice", "2026-11-23", "2026-12-06")
    case_id = desk.to_publicity("1800")
    desk.close_publicity(case_id)
    desk.act("vice", case_id, "approve", {"amount_approved": "1800"})
    assert _verified(desk) == []
    with desk.db.transaction() as session:  # the delegation "ended" the day before the step
        session.execute(update(Delegation).values(ends=datetime(2026, 11, 30).date()))
    problems = _verified(desk)
    assert any("委托记录不符" in p for p in problems), problems


def test_the_delegate_may_not_take_what_the_principal_may_not(desk):
    _delegate(desk, "other", "vice", "2026-11-23", "2026-12-06")  # a member's delegation gives no chair's step
    case_id = desk.to_publicity("1800")
    desk.close_publicity(case_id)
    with pytest.raises(ActionRefused):
        desk.act("vice", case_id, "approve", {"amount_approved": "1800"})


def test_a_delegate_adds_a_signer_to_the_principals_pool_step_and_approves_after_the_opinion(desk):
    from workflow.cases import task_verbs
    _delegate(desk, "chair", "vice", "2026-11-23", "2026-12-06")
    case_id = desk.to_publicity("1800")
    desk.close_publicity(case_id)
    assert desk.case(case_id).state == "chair_review"
    with desk.db.read() as session:
        actions = {a.trigger for a in desk.service.actions_for(session, desk.case(case_id), desk.users["vice"])}
        pool = session.scalars(select(Task).where(Task.case_id == case_id, Task.status == "open")).one()
    assert "approve" in actions  # the chair's pool step, the delegate's to take
    task_verbs.add_sign(desk.service, pool.id, desk.users["vice"], ["cw"], "before", "请核对金额")
    assert _open_tasks(desk, case_id)[0][1:] == ("vice", "chair")  # held by the delegate, for the chair
    with desk.db.read() as session:
        entry = session.scalars(select(HistoryEntry).where(HistoryEntry.case_id == case_id)
                                .order_by(HistoryEntry.seq.desc())).first()
        signer = session.scalars(select(Task).where(Task.case_id == case_id, Task.assignee == "cw")).one()
    assert entry.acting_for["username"] == "chair"
    assert desk.refusal("vice", case_id, "approve", {"amount_approved": "1800"}).status == 409  # waits for cw
    task_verbs.sign_off(desk.service, signer.id, desk.users["cw"], "agree", "金额符合标准")
    desk.act("vice", case_id, "approve", {"amount_approved": "1800"}, "同意")
    assert desk.case(case_id).state == "approved"
    assert _verified(desk) == []
