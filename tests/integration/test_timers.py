"""Durable timers: set with the step that enters a state, fired once by `timers run`, on SQLite and PostgreSQL."""
from __future__ import annotations

import shutil
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from bootstrap import domains, load_workflows
from workflow.accounts.users import create_user, ensure_unit
from workflow.audit.verify import verify
from workflow.cases.service import CaseService
from workflow.cases.timers import run_due
from workflow.core.deadlines import due_moment
from workflow.core.definition import DefinitionError
from workflow.core.definition_load import parse
from workflow.core.workdays import CALENDAR_DIR
from workflow.store.db import Database
from workflow.store.models import Case, HistoryEntry, Notification, Timer, User
from workflow.store.storage import BlobStore

DEFINITIONS = Path(__file__).parent / "definitions"
TODAY = datetime(2026, 11, 23, 2, 0)  # 10:00 in Beijing


def _service(database_url: str, tmp_path: Path, now: datetime) -> CaseService:
    """The notice process beside the shipped calendar of holidays and 调休 workdays."""
    folder = tmp_path / "definitions"
    folder.mkdir()
    shutil.copy(DEFINITIONS / "notice.yaml", folder)
    (folder / "calendar").symlink_to(CALENDAR_DIR)
    db = Database(database_url)
    db.create_all()
    return CaseService(db, load_workflows(folder, None), BlobStore(tmp_path / "storage"), clock=lambda: now, domains=domains())


@pytest.fixture
def notice(database_url, tmp_path):
    service = _service(database_url, tmp_path, TODAY)
    db = service.db
    with db.transaction() as session:
        ensure_unit(session, "GH", "工会办公室")
        create_user(session, "li", "password-123", ["member"], "GH", "李娜")
        create_user(session, "huang", "password-123", ["union_chair"], "GH", "黄建国")
    with db.read() as session:
        users = {u.username: u for u in session.query(User)}
    yield service, users
    db.dispose()


def _published(service, users) -> int:
    case = service.create_case(users["li"], "notice", {})
    service.perform(case.id, "publish", users["li"], 1, {"title": "困难职工帮扶公示"})
    return case.id


def test_entering_the_state_sets_a_timer_in_the_same_step(notice):
    service, users = notice
    case_id = _published(service, users)
    with service.db.read() as session:
        timer = session.query(Timer).filter_by(case_id=case_id).one()
        case = session.get(Case, case_id)
    assert (timer.state, timer.action, timer.trigger, timer.case_version) == ("noticed", "fire", "close", 2)
    assert case.due_date == date(2026, 11, 30)  # 5 working days after Monday 23 November: the next Monday
    assert timer.due_at == due_moment(date(2026, 11, 30)) == datetime(2026, 11, 30, 16, 0)  # Beijing midnight


def test_a_due_timer_fires_once_as_the_system(notice):
    service, users = notice
    case_id = _published(service, users)
    early = run_due(service, now=datetime(2026, 11, 30, 15, 59))
    assert early.due == 0
    report = run_due(service, now=datetime(2026, 11, 30, 16, 0))
    assert report.due == 1 and len(report.fired) == 1
    again = run_due(service, now=datetime(2026, 12, 1, 0, 0))
    assert again.due == 0
    with service.db.read() as session:
        case = session.get(Case, case_id)
        last = session.query(HistoryEntry).filter_by(case_id=case_id).order_by(HistoryEntry.seq.desc()).first()
        timer = session.query(Timer).filter_by(case_id=case_id).one()
        assert case.state == "closed"
        assert (last.trigger, last.actor_username, last.actor_roles) == ("close", "system", ["system"])
        assert "期限届满" in last.comment and timer.outcome == "fired" and timer.done_at is not None
        assert verify(session, service.store, service.workflows, [case_id]).ok  # the replay accepts the system step


def test_two_runs_at_the_same_time_fire_each_timer_once(notice):
    service, users = notice
    ids = [_published(service, users) for _ in range(6)]
    start = threading.Barrier(2)
    reports = []

    def run():
        start.wait()
        reports.append(run_due(service, now=datetime(2026, 12, 2)))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(len(r.fired) for r in reports) == 6
    assert all(not r.refused for r in reports)
    with service.db.read() as session:
        closes = session.query(HistoryEntry).filter(HistoryEntry.case_id.in_(ids), HistoryEntry.trigger == "close").count()
        assert closes == 6
        assert all(c.state == "closed" for c in session.query(Case).filter(Case.id.in_(ids)))


def test_a_case_that_moved_on_makes_its_timer_obsolete_and_a_remind_timer_tells_the_assignees(notice):
    service, users = notice
    case_id = _published(service, users)
    service.perform(case_id, "object", users["huang"], 2, {}, "公示对象的收入情况有异议")
    report = run_due(service, now=datetime(2026, 12, 10))
    assert report.obsolete == 1 and not report.fired
    assert len(report.reminded) == 1  # the objection's own 2-day deadline reminds the chair, who is to resolve it
    with service.db.read() as session:
        assert session.get(Case, case_id).state == "objected"
        outcomes = sorted(t.outcome for t in session.query(Timer).filter_by(case_id=case_id))
        told = session.query(Notification).filter_by(user_id=users["huang"].id).all()
    assert outcomes == ["obsolete: the case had moved on", "overdue: 1 told"]
    assert [n.subject for n in told if "超期" in n.subject] == [f"超期提醒：「公示测试」{_number(service, case_id)} 已超过办理期限"]


def _number(service, case_id: int) -> str:
    with service.db.read() as session:
        return session.get(Case, case_id).number


def test_the_validator_checks_the_expiry_step():
    source = (DEFINITIONS / "notice.yaml").read_text()
    with pytest.raises(DefinitionError) as missing:
        parse(source.replace("expire: {trigger: close}", "expire: {trigger: vanish}"), "notice.yaml", None)
    assert "no transition 'vanish' leaves state 'noticed'" in str(missing.value)
    with pytest.raises(DefinitionError) as person:
        parse(source.replace("    roles: [system]", "    roles: [union_chair]"), "notice.yaml", None)
    assert "must allow the role 'system'" in str(person.value)


def test_the_system_account_cannot_sign_in(notice):
    service, users = notice
    run_due(service, now=datetime(2026, 11, 23) + timedelta(days=1))
    with service.db.read() as session:
        system = session.query(User).filter_by(username="system").one()
    assert not system.active and system.role_list == ["system"]


def test_a_notice_ending_on_a_weekend_before_a_make_up_workday_ends_that_day(database_url, tmp_path):
    """Posted Monday 9 February 2026 for 5 working days: Saturday the 14th is a 调休 workday before 春节, so the
    公示 ends that Saturday (a Monday-to-Friday count would say the 16th, a holiday) and closes on the 15th."""
    service = _service(database_url, tmp_path, datetime(2026, 2, 9, 2, 0))
    with service.db.transaction() as session:
        ensure_unit(session, "GH", "工会办公室")
        create_user(session, "li", "password-123", ["member"], "GH", "李娜")
    with service.db.read() as session:
        li = session.query(User).filter_by(username="li").one()
    case_id = _published(service, {"li": li})
    with service.db.read() as session:
        assert session.get(Case, case_id).due_date == date(2026, 2, 14)
    assert not run_due(service, now=datetime(2026, 2, 14, 15, 59)).fired   # still the 14th in Beijing
    assert len(run_due(service, now=datetime(2026, 2, 14, 16, 0)).fired) == 1  # 00:00 on the 15th
    service.db.dispose()
