"""消息: every step tells the submitter and the people it puts the case before, in the step's own transaction; the
e-mail goes out after the commit through a real SMTP server (aiosmtpd), and what fails is sent by a later run. On
SQLite and PostgreSQL, on the shipped definitions, without stage PDFs (none is read here)."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest
from support.desk import Desk
from support.mail_server import Mailbox, free_port
from support.people import PROPOSAL
from sqlalchemy import select, update

from bootstrap import domains
from workflow.accounts.users import create_user
from workflow.cases.notifications import (
    MAX_ATTEMPTS,
    Mailer,
    deliver_pending,
    mark_all_read,
    mark_read,
    unread_count,
)
from workflow.cases.service import CaseService, Conflict
from workflow.cases.timers import run_due
from workflow.store.models import HistoryEntry, Notification, User

MONDAY = datetime(2026, 11, 23, 2, 0)        # 10:00 in Beijing
CLOSES_AT = datetime(2026, 11, 30, 16, 0)    # the 公示 of 5 working days is over (see test_hardship_aid.py)

HARDSHIP_CAST = {  # username: (name, unit, roles)
    "zhangxm": ("张晓明", "CJ1", ["member"]),
    "ganshi": ("刘建华", "CJ1", ["grassroots_union"]),
    "hq_ganshi": ("周洁", "HQ", ["grassroots_union"]),
    "chair": ("黄建国", "GH", ["union_chair"]),
    "cw": ("钱会计", "GH", ["finance"]),
    **{f"c{i}": (name, "GH", ["union_committee"]) for i, name in enumerate(["陈刚", "林静", "何平", "郭涛", "马丽"], 1)},
}
APPLICATION = {
    "category": "serious_illness", "family_size": 4, "monthly_income": "4800", "amount_requested": "3000",
    "description": "妻子患尿毒症需长期透析，每月自付医疗费用约三千元，孩子正在读高中。",
    "bank_account": "6222021234567890123",
}
VISIT = {"visit_date": "2026-11-20", "visitors": "刘建华、赵敏", "recommended_amount": "3000",
         "findings": "入户核实：家庭四口人，妻子透析治疗，家庭收入主要靠申请人工资，情况属实。"}


def told(db, performed) -> dict[str, str]:
    """Who a step notified, and the subject each got."""
    with db.read() as session:
        return dict(session.execute(select(User.username, Notification.subject)
                                    .join(User, User.id == Notification.user_id)
                                    .where(Notification.id.in_(performed.notified))).all())


class ClockedOffice(Desk):
    """The app's service without stage PDFs, a clock the test moves, and the cast of tests/support/people.py."""

    def __init__(self, service, now: datetime = MONDAY):
        self.now = now
        self.db = service.db
        self.service = CaseService(service.db, service.workflows, service.store, clock=lambda: self.now, domains=domains())

    def hire(self, cast: dict) -> None:
        with self.db.transaction() as session:
            for username, (name, unit, roles) in cast.items():
                create_user(session, username, "password-123", roles, unit, name)
        self.users = self.load_users()

    def told(self, performed) -> dict[str, str]:
        return told(self.db, performed)

    def inbox_of(self, username: str) -> list[Notification]:
        with self.db.read() as session:
            return list(session.scalars(select(Notification).where(Notification.user_id == self.users[username].id)
                                        .order_by(Notification.id)))

    def set_email(self, **addresses: str | None) -> None:
        with self.db.transaction() as session:
            for username, address in addresses.items():
                session.execute(update(User).where(User.username == username).values(email=address))


@pytest.fixture
def office(service, people):
    office = ClockedOffice(service)
    office.users = office.load_users()
    return office


def mailer_for(box: Mailbox) -> Mailer:
    mailer = Mailer.from_env(box.settings)
    assert mailer is not None
    return mailer


def todo(number: str, process: str, state: str) -> str:
    return f"待办：「{process}」{number} {state}"


# -- who is told ------------------------------------------------------------------------------------------------


def test_a_proposal_tells_the_proposer_and_exactly_who_acts_next(office):
    case = office.service.create_case(office.users["zhang"], "proposal", PROPOSAL)
    number, mine = case.number, f"您的「职代会提案」{case.number}"
    # 征集附议: every other representative may second; the committee, the departments, members are not told
    assert office.told(office.act("zhang", case.id, "submit")) == {
        "wang": todo(number, "职代会提案", "征集附议"), "liu": todo(number, "职代会提案", "征集附议")}
    # a 附议 that leaves it in 征集附议 gives nobody a new step: only the proposer hears of it
    assert office.told(office.act("wang", case.id, "second")) == {"zhang": f"{mine} 已附议：征集附议"}
    assert office.told(office.act("liu", case.id, "second")) == {
        "zhang": f"{mine} 已附议：提案审查", "zhao": todo(number, "职代会提案", "提案审查")}
    # 交办 to 后勤保障部: its department head, not 第一车间's
    assert office.told(office.act("zhao", case.id, "accept", {"lead_unit": "HQ", "co_units": ["CJ1"]})) == {
        "zhang": f"{mine} 已立案：办理中", "zhou": todo(number, "职代会提案", "办理中")}
    # the proposer evaluates next: one message, theirs
    reply = {"reply": "已制定食堂改造方案。", "measures": "十二月底前完成。", "status": "planned"}
    assert office.told(office.act("zhou", case.id, "reply", reply)) == {"zhang": f"{mine} 已答复：待评价"}
    # the proposer's own step tells only the committee, who archive it
    assert office.told(office.act("zhang", case.id, "evaluate", {"satisfaction": "satisfied"}, "满意")) == {
        "zhao": todo(number, "职代会提案", "待归档")}

    rows = office.inbox_of("zhang")
    assert [n.link for n in rows] == [f"/cases/{case.id}"] * 4
    assert "Your Congress proposal" in rows[-1].body and "Awaiting evaluation" in rows[-1].body
    assert office.inbox_of("sun") == office.inbox_of("li") == office.inbox_of("song") == []


def test_a_draft_saved_tells_nobody(office):
    case = office.service.create_case(office.users["zhang"], "proposal", {"title": "草稿"})
    assert office.act("zhang", case.id, "save_draft", {"title": "修改后的草稿"}).notified == ()
    with office.db.read() as session:
        assert session.scalar(select(Notification.id)) is None


def test_hardship_aid_tells_those_who_handle_it_and_nothing_of_the_file(office):
    office.hire(HARDSHIP_CAST)
    case = office.service.create_case(office.users["zhangxm"], "hardship_aid", {})
    number, mine = case.number, f"您的「困难职工帮扶」{case.number}"
    # first review by the grassroots union of the applicant's unit only
    assert office.told(office.act("zhangxm", case.id, "submit", APPLICATION)) == {
        "ganshi": todo(number, "困难职工帮扶", "待初审")}
    review = {"eligibility": "eligible", "review_opinion": "符合困难职工帮扶条件"}
    assert office.told(office.act("ganshi", case.id, "review", review)) == {"zhangxm": f"{mine} 已初审：待入户调查"}
    # 公示: an objection is anyone's, the close is the timers': nobody is waited on
    assert office.told(office.act("ganshi", case.id, "visit", VISIT)) == {"zhangxm": f"{mine} 已入户调查：公示中"}
    # the timers close the 公示 (above the chair's limit): the union committee, each a voter, is told
    office.now = CLOSES_AT
    assert len(run_due(office.service, now=CLOSES_AT).fired) == 1
    with office.db.read() as session:
        closing = session.scalar(select(HistoryEntry.seq).where(HistoryEntry.case_id == case.id,
                                                             HistoryEntry.trigger == "close_publicity"))
        told = dict(session.execute(select(User.username, Notification.subject)
                                    .join(User, User.id == Notification.user_id)
                                    .where(Notification.created_at == CLOSES_AT)).all())
    assert closing and told == {"zhangxm": f"{mine} 已公示期满：委员会会签",
                                **{f"c{i}": todo(number, "困难职工帮扶", "委员会会签") for i in range(1, 6)}}
    # a vote that decides nothing tells nobody (its timing would say who voted); the deciding one tells the
    # applicant and finance, who pay next
    assert office.act("c1", case.id, "vote", {"decision": "approve"}, "同意").notified == ()
    assert office.act("c2", case.id, "vote", {"decision": "approve"}).notified == ()
    assert office.told(office.act("c3", case.id, "vote", {"decision": "approve"})) == {
        "zhangxm": f"{mine} 已会签表决：待发放", "cw": todo(number, "困难职工帮扶", "待发放")}

    with office.db.read() as session:
        everything = list(session.scalars(select(Notification)))
        names = dict(session.execute(select(User.id, User.username)).all())
    assert {names[n.user_id] for n in everything} == {"zhangxm", "ganshi", "cw", *(f"c{i}" for i in range(1, 6))}
    private = ["张晓明", "6222021234567890123", "3000", "4800", "尿毒症", "透析", "serious_illness", "重病"]
    assert not [(n.subject, word) for n in everything for word in private if word in n.subject + n.body]


def test_an_election_calls_every_member_to_nominate_and_the_nominee_to_answer(database_url, tmp_path):
    from support.election_desk import PLAN, VOTERS
    from support.election_desk import ElectionOffice
    office = ElectionOffice(database_url, tmp_path)
    try:
        case_id = office.service.create_case(office.users["xuan"], "election", {}).id
        number = office.case(case_id).number
        assert set(told(office.db, office.act("xuan", case_id, "submit_plan", PLAN))) == {"chair"}
        consent = {"party_consent": "同意", "upper_union_consent": "同意"}
        assert set(told(office.db, office.act("chair", case_id, "approve_plan", consent))) == {"xuan", "jipiao"}
        # 提名中: everyone in the union may nominate
        assert set(told(office.db, office.act("xuan", case_id, "open_nominations"))) == {*VOTERS, "chair", "jipiao"}
        # a nomination stays in 提名中: of all those who may nominate, only the nominee has something new to do
        nominated = office.act("v01", case_id, "nominate", {"nominee": "v02", "nomination_reason": "群众基础好"})
        assert told(office.db, nominated) == {"xuan": f"您的「换届选举」{number} 已提名候选人：提名中",
                                              "v02": f"待办：「换届选举」{number} 提名中"}
        assert set(told(office.db, office.act("v02", case_id, "accept_nomination"))) == {"xuan"}
    finally:
        office.db.dispose()


class Interleaved:
    """A process domain that lets another actor take a step between a step's snapshot and its write: the race of
    docs/architecture.md invariant 1, made certain."""

    def __init__(self, other_step):
        self.other_step = other_step

    def prepare(self, session, case, trigger, user, data, today, parameters):
        other_step, self.other_step = self.other_step, None
        if other_step is not None:
            other_step()

    def after(self, connection, case_id, record, prepared):
        raise AssertionError("prepare returns nothing to write")


def test_a_step_that_loses_a_race_tells_nobody(office):
    case = office.service.create_case(office.users["zhang"], "proposal", PROPOSAL)
    office.act("zhang", case.id, "submit")
    office.service.domains = {"proposal": Interleaved(lambda: office.act("liu", case.id, "second"))}
    with pytest.raises(Conflict):  # wang's snapshot is older than liu's 附议: wang's step loses, and its messages
        office.act("wang", case.id, "second")
    assert office.case(case.id).data["seconders"] == ["liu"]
    assert [n.subject for n in office.inbox_of("zhang")] == [f"您的「职代会提案」{case.number} 已附议：征集附议"]
    assert office.inbox_of("zhao") == []


def test_marking_read_is_the_owners_alone(office):
    case = office.service.create_case(office.users["zhang"], "proposal", PROPOSAL)
    office.act("zhang", case.id, "submit")
    office.act("wang", case.id, "second")
    office.act("liu", case.id, "second")
    zhang, liu = office.users["zhang"], office.users["liu"]
    first = office.inbox_of("zhang")[0]
    with office.db.transaction() as session:
        assert mark_read(session, liu.id, first.id, office.now) is None  # not liu's: unknown to liu, left unread
    with office.db.read() as session:
        assert unread_count(session, zhang.id) == 2 and unread_count(session, liu.id) == 1
    with office.db.transaction() as session:
        assert mark_read(session, zhang.id, first.id, office.now) == f"/cases/{case.id}"
    read_at = office.inbox_of("zhang")[0].read_at
    with office.db.transaction() as session:
        mark_read(session, zhang.id, first.id, read_at + timedelta(hours=1))  # the first reading counts
        assert mark_all_read(session, zhang.id, office.now) == 1
    assert office.inbox_of("zhang")[0].read_at == read_at
    with office.db.read() as session:
        assert unread_count(session, zhang.id) == 0 and unread_count(session, liu.id) == 1


# -- e-mail -----------------------------------------------------------------------------------------------------


def test_the_mailer_comes_from_the_environment():
    assert Mailer.from_env({}) is None  # no SMTP host: the inbox only
    mailer = Mailer.from_env({"UNIONFLOW_SMTP_HOST": "smtp.example.com", "UNIONFLOW_SMTP_TLS": "STARTTLS"})
    assert (mailer.port, mailer.tls, mailer.user) == (25, "starttls", "")
    with pytest.raises(ValueError, match="UNIONFLOW_SMTP_TLS"):
        Mailer.from_env({"UNIONFLOW_SMTP_HOST": "smtp.example.com", "UNIONFLOW_SMTP_TLS": "tls1.3"})
    with pytest.raises(ValueError, match="UNIONFLOW_SMTP_PORT"):
        Mailer.from_env({"UNIONFLOW_SMTP_HOST": "smtp.example.com", "UNIONFLOW_SMTP_PORT": "smtp"})


def test_a_step_is_e_mailed_after_the_commit_in_chinese(office, mailbox):
    office.set_email(zhang="zhang.wei@example.com", zhao="zhao.min@example.com")  # liu, wang: the inbox only
    case = office.service.create_case(office.users["zhang"], "proposal", PROPOSAL)
    for who in ("zhang", "wang", "liu"):
        office.act(who, case.id, "second" if who != "zhang" else "submit")
    assert mailbox.received == []  # nothing is mailed inside the step
    delivery = deliver_pending(office.db, mailer_for(mailbox), office.now)
    assert (delivery.sent, delivery.failed) == (3, 0)  # zhang twice (两次附议), zhao once; wang and liu have no address

    to_zhao = mailbox.to("zhao.min@example.com")
    assert [m["Subject"] for m in to_zhao] == [f"待办：「职代会提案」{case.number} 提案审查"]
    assert [m["Subject"] for m in mailbox.to("zhang.wei@example.com")] == [
        f"您的「职代会提案」{case.number} 已附议：征集附议", f"您的「职代会提案」{case.number} 已附议：提案审查"]
    message = to_zhao[0]
    assert message["From"].addresses[0].display_name == "工会流程平台" and message["To"] == "zhao.min@example.com"
    body = message.get_content()
    assert f"「职代会提案」{case.number} 已附议，现为「提案审查」，等待您办理。" in body
    assert f"https://union.example.com/cases/{case.id}" in body
    with office.db.read() as session:
        unsent = session.execute(select(User.username).join(Notification, Notification.user_id == User.id)
                                 .where(Notification.emailed_at.is_(None))).scalars().all()
    assert sorted(unsent) == ["liu", "wang"]
    assert deliver_pending(office.db, mailer_for(mailbox), office.now).sent == 0  # never twice


def test_a_failing_server_leaves_the_mail_for_a_later_run(office, mailbox, caplog):
    office.set_email(wang="wang.fang@example.com", liu="liu.yang@example.com")
    case = office.service.create_case(office.users["zhang"], "proposal", PROPOSAL)
    office.act("zhang", case.id, "submit")
    mailbox.refusing = True
    with caplog.at_level(logging.WARNING, logger="workflow.notifications"):
        delivery = deliver_pending(office.db, mailer_for(mailbox), office.now)
    assert (delivery.sent, delivery.failed) == (0, 2)
    assert "SMTP refused" in caplog.text and "等待您办理" not in caplog.text and "wang.fang" not in caplog.text
    with office.db.read() as session:
        rows = session.execute(select(Notification.emailed_at, Notification.email_attempts)).all()
    assert rows == [(None, 1), (None, 1)]

    nobody = Mailer(host="127.0.0.1", port=free_port(), timeout=2)  # no server listens there
    assert deliver_pending(office.db, nobody, office.now).failed == 2  # no exception either

    mailbox.refusing = False
    assert deliver_pending(office.db, mailer_for(mailbox), office.now).sent == 2
    assert [m["Subject"] for m in mailbox.received] == [f"待办：「职代会提案」{case.number} 征集附议"] * 2
    with office.db.read() as session:
        assert session.scalar(select(Notification.id).where(Notification.emailed_at.is_(None))) is None


def test_after_five_failures_or_three_days_the_mail_is_given_up(office, mailbox):
    office.set_email(wang="wang.fang@example.com", liu="liu.yang@example.com")
    case = office.service.create_case(office.users["zhang"], "proposal", PROPOSAL)
    office.act("zhang", case.id, "submit")
    mailbox.refusing = True
    for _ in range(MAX_ATTEMPTS):
        assert deliver_pending(office.db, mailer_for(mailbox), MONDAY).failed == 2
    mailbox.refusing = False
    assert deliver_pending(office.db, mailer_for(mailbox), MONDAY).sent == 0
    with office.db.transaction() as session:  # given another chance, but the step was four days ago
        session.execute(update(Notification).values(email_attempts=0))
    assert deliver_pending(office.db, mailer_for(mailbox), MONDAY + timedelta(days=4)).sent == 0
    assert deliver_pending(office.db, mailer_for(mailbox), MONDAY + timedelta(days=2)).sent == 2
    assert mailbox.received and all(m["Subject"].startswith("待办：") for m in mailbox.received)


def test_only_the_given_notifications_are_mailed(office, mailbox):
    office.set_email(wang="wang.fang@example.com", liu="liu.yang@example.com", zhang="zhang.wei@example.com")
    first = office.service.create_case(office.users["zhang"], "proposal", PROPOSAL)
    second = office.service.create_case(office.users["zhang"], "proposal", PROPOSAL)
    office.act("zhang", first.id, "submit")
    step = office.act("zhang", second.id, "submit")
    assert deliver_pending(office.db, mailer_for(mailbox), office.now, only=step.notified).sent == 2
    assert {m["Subject"] for m in mailbox.received} == {f"待办：「职代会提案」{second.number} 征集附议"}
