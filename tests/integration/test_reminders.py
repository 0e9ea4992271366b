"""催办 through the service, on SQLite and PostgreSQL: the applicant reminds whoever the case waits on, at most once in
the definition's hours (4 by default), each reminder a step of the history the audit replays."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from support.hardship_desk import HardshipOffice

from workflow.accounts.users import create_user
from workflow.audit.verify import verify
from workflow.cases import reminders
from workflow.core.engine import ActionRefused
from workflow.core.history import hash_of_entry
from workflow.core.reminding import TooSoon
from workflow.store.models import Case, HistoryEntry, Notification, User


def _inbox(office: HardshipOffice, username: str) -> list[str]:
    with office.db.read() as session:
        return list(session.scalars(select(Notification.subject).join(User, User.id == Notification.user_id)
                                    .where(User.username == username, Notification.subject.startswith("催办"))))


def test_the_applicant_reminds_the_pool_once_in_four_hours(office: HardshipOffice):
    with office.db.transaction() as session:
        create_user(session, "ganshi2", "password-123", ["grassroots_union"], "CJ1", "王干事")
    office.users = office.load_users()
    case_id = office.apply()
    done = reminders.remind(office.service, case_id, office.users["zhangxm"])
    assert len(done.notified) == 2  # the unit's two 干事, not the other unit's
    assert _inbox(office, "ganshi") and _inbox(office, "ganshi2") and not _inbox(office, "hq_ganshi")
    office.now += timedelta(hours=1)
    with pytest.raises(TooSoon) as soon:
        reminders.remind(office.service, case_id, office.users["zhangxm"])
    assert soon.value.status == 429 and "3 小时 0 分钟" in soon.value.message
    with pytest.raises(ActionRefused) as refused:
        reminders.remind(office.service, case_id, office.users["ganshi"])
    assert refused.value.status == 403
    office.now += timedelta(hours=3)
    office.act("ganshi", case_id, "review", {"eligibility": "eligible", "review_opinion": "符合条件"})
    done = reminders.remind(office.service, case_id, office.users["zhangxm"])  # four hours on: again, to the visit's pool
    assert len(done.notified) == 2
    with office.db.read() as session:
        steps = [(e.trigger, e.changes.get("to")) for e in session.scalars(
            select(HistoryEntry).where(HistoryEntry.case_id == case_id, HistoryEntry.trigger == "remind"))]
        assert steps == [("remind", ["ganshi", "ganshi2"]), ("remind", ["ganshi", "ganshi2"])]
        assert verify(session, office.service.store, office.service.workflows, [case_id]).ok


def test_a_reminder_too_soon_in_the_history_is_named_by_the_audit(office: HardshipOffice):
    case_id = office.apply()
    reminders.remind(office.service, case_id, office.users["zhangxm"])
    office.now += timedelta(hours=5)
    reminders.remind(office.service, case_id, office.users["zhangxm"])
    with office.db.transaction() as session:  # move the second reminder an hour after the first, rehashed
        entries = list(session.scalars(select(HistoryEntry).where(HistoryEntry.case_id == case_id)
                                       .order_by(HistoryEntry.seq)))
        first, second = [e for e in entries if e.trigger == "remind"]
        second.at = first.at + timedelta(hours=1)
        number = office.case(case_id).number
        for entry, before in zip(entries[entries.index(second):], entries[entries.index(second) - 1:]):
            entry.prev_hash = before.hash
            entry.hash = hash_of_entry(entry, number)
        session.flush()
        session.get(Case, case_id).head_hash = entries[-1].hash
    with office.db.read() as session:
        report = verify(session, office.service.store, office.service.workflows, [case_id])
    assert not report.ok and any("催办" in p for p in report.cases[0].problems), report.cases[0].problems


def test_nothing_to_remind_on_a_closed_case_or_one_nobody_holds(office: HardshipOffice):
    case_id = office.to_publicity()  # 公示: the system closes it, nobody holds a task
    with pytest.raises(ActionRefused) as refused:
        reminders.remind(office.service, case_id, office.users["zhangxm"])
    assert refused.value.status == 409


def test_the_applicant_is_not_reminded_of_their_own_step(office: HardshipOffice):
    case_id = office.apply()
    office.act("ganshi", case_id, "return", {}, "请补充诊断证明")  # back to the applicant: their own step
    with pytest.raises(ActionRefused) as refused:
        reminders.remind(office.service, case_id, office.users["zhangxm"])
    assert refused.value.status == 409 and "您本人" in refused.value.message
