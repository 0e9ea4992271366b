"""Durable timers: deadlines that act when they pass, fired by `flask --app wsgi timers run`.

A timer row is written in the same transaction that moves a case into a state whose deadline says what to do when
it passes (docs/architecture.md invariant 1), so it survives restarts. A run takes every timer that is due: it claims the row
(a conditional UPDATE, so of several runners on several hosts exactly one takes each timer; a claim older than
CLAIM_TIMEOUT is taken again, in case a runner died), then fires the step through the service as the `system`
actor while the case is still in the stay the timer was set for — a case that has moved on meanwhile makes the
timer obsolete (a step that stays put, such as a task verb, does not) — and the version check means a step is never
taken twice even if two runners got that far.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select, update

from workflow.cases import delegation_moves, reminders, task_verbs
from workflow.cases.service import CaseService, Conflict
from workflow.cases.system import system_user_id
from workflow.core.deadlines import due_moment
from workflow.core.engine import ActionRefused, NotOpen
from workflow.store.models import Case, HistoryEntry, Timer, User

CLAIM_TIMEOUT = timedelta(minutes=10)
FIRED_COMMENT = "期限届满，系统自动处理"
OBSOLETE = "obsolete: the case had moved on"


@dataclass
class RunReport:
    due: int = 0
    fired: list[str] = field(default_factory=list)      # "TA-2026-0001 close_publicity"
    reminded: list[str] = field(default_factory=list)   # overdue, nothing to fire
    obsolete: int = 0       # the case had moved on
    refused: list[str] = field(default_factory=list)    # the step was not allowed: a definition problem
    taken_elsewhere: int = 0  # another runner claimed it first
    delegations: delegation_moves.Moved | None = None  # 委托: tasks given to delegates and brought back


def run_due(service: CaseService, now: datetime | None = None) -> RunReport:
    """Move the tasks of delegations that began or ended, then fire every timer due at `now` (the service's clock
    unless a caller says otherwise)."""
    now = now or service.clock()
    report = RunReport(delegations=delegation_moves.move(service, now))
    actor_id = system_user_id(service)
    with service.db.read() as session:
        actor = session.get(User, actor_id)
        due = list(session.scalars(select(Timer).where(Timer.done_at.is_(None), Timer.due_at <= now)
                                   .order_by(Timer.due_at, Timer.id)))
    report.due = len(due)
    for timer in due:
        if not _claim(service, timer.id, now):
            report.taken_elsewhere += 1
            continue
        outcome = _fire(service, timer, actor, report, now)
        with service.db.transaction() as session:
            session.execute(update(Timer).where(Timer.id == timer.id).values(done_at=now, outcome=outcome))
    return report


def _claim(service: CaseService, timer_id: int, now: datetime) -> bool:
    with service.db.transaction() as session:
        claimed = session.execute(
            update(Timer).where(Timer.id == timer_id, Timer.done_at.is_(None),
                                or_(Timer.claimed_at.is_(None), Timer.claimed_at < now - CLAIM_TIMEOUT))
            .values(claimed_at=now).execution_options(synchronize_session=False))
        return claimed.rowcount == 1


def _fire(service: CaseService, timer: Timer, actor: User, report: RunReport, now: datetime) -> str:
    for _attempt in range(3):  # a task verb (签收, 转交) may bump the version meanwhile: the stay goes on, try again
        number, version, state, due = _case(service, timer.case_id)
        if not _still_waiting(service, timer, state, due):
            report.obsolete += 1
            return OBSOLETE
        if timer.action == "remind":  # the assignees are told (the inbox, and e-mail where they have one)
            told = reminders.overdue(service, timer.case_id, now)
            report.reminded.append(f"{number} {timer.state}")
            return f"overdue: {told} told"
        if timer.action == "escalate":  # the stay's pool tasks go up to the role the deadline names
            try:
                task_verbs.escalate(service, timer.case_id, actor, timer.trigger or "", now)
            except Conflict:
                continue
            except NotOpen:
                return "overdue: nothing to escalate"
            report.fired.append(f"{number} escalate")
            return "escalated"
        try:
            service.perform(timer.case_id, timer.trigger or "", actor, version, {}, FIRED_COMMENT)
        except Conflict:
            continue
        except ActionRefused as refused:
            if isinstance(refused, NotOpen):
                report.obsolete += 1  # someone acted in between
                return OBSOLETE
            report.refused.append(f"{number} {timer.trigger}: {refused.message}")
            return f"refused: {refused.message}"[:200]
        report.fired.append(f"{number} {timer.trigger}")
        return "fired"
    report.obsolete += 1
    return OBSOLETE


def _still_waiting(service: CaseService, timer: Timer, state: str, due: date | None) -> bool:
    """Whether the case is still in the stay the timer was set for: in its state, not gone and back since, and not
    given a newer deadline there (a step that starts the deadline afresh writes a timer of its own); the steps that
    stay put, such as a 附议 or a task verb, do not end a stay. A reminder is meant only while the case waits on
    that very deadline."""
    if state != timer.state:
        return False
    if timer.action in ("remind", "escalate") and (due is None or due_moment(due) != timer.due_at):
        return False
    with service.db.read() as session:
        left = session.scalar(select(HistoryEntry.id).where(
            HistoryEntry.case_id == timer.case_id, HistoryEntry.seq > timer.case_version,
            HistoryEntry.from_state != HistoryEntry.to_state).limit(1))
        newer = session.scalar(select(Timer.id).where(Timer.case_id == timer.case_id,
                                                      Timer.case_version > timer.case_version).limit(1))
    return left is None and newer is None


def _case(service: CaseService, case_id: int) -> tuple[str, int, str, date | None]:
    with service.db.read() as session:
        row = session.execute(select(Case.number, Case.version, Case.state, Case.due_date)
                              .where(Case.id == case_id)).one()
    return row.number, row.version, row.state, row.due_date
