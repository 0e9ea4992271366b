"""催办: the submitter reminds whoever holds the case's open tasks (inbox, and e-mail where they have an address), at
most once per case in the hours its definition sets (`parameters.remind_hours`, default 4). Each reminder is one
step of the case's history (`remind`, naming who was reminded), so `audit verify` sees it and checks its spacing."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflow.cases import notifications, recipients, task_rows
from workflow.cases.domain import CaseRef
from workflow.cases.notifications import Letter
from workflow.cases.service import CaseService
from workflow.cases.task_verbs import Done, commit
from workflow.core.engine import CaseView, Forbidden, NotOpen
from workflow.core.reminding import too_soon
from workflow.core.seats import Changes, Task
from workflow.core.tasks import REMIND
from workflow.store.models import HistoryEntry, User


def last_reminder(session: Session, case_id: int) -> datetime | None:
    return session.scalar(select(func.max(HistoryEntry.at)).where(HistoryEntry.case_id == case_id,
                                                                  HistoryEntry.trigger == REMIND))


def remind(service: CaseService, case_id: int, user: User) -> Done:
    now = service.clock()
    with service.db.read() as session:
        case = service.snapshot(session, case_id)
        if case.submitter_id != user.id:
            raise Forbidden("只有申请人可以催办", "Only the applicant may send a reminder")
        definition = service.definition_of(case, session)
        if definition.states[case.state].final:
            raise NotOpen("事项已办结，无需催办", "The case is closed")
        tasks = task_rows.board(session, case.id).open()
        waiting = [t for t in tasks if t.assignee != case.submitter]  # not the applicant's own step
        if not waiting:
            raise NotOpen("事项正等待您本人办理" if tasks else "当前没有待办人员，到期后由系统自动处理",
                          "The case waits on you" if tasks else "Nobody holds a task now: the system acts on the deadline")
        refused = too_soon(definition, last_reminder(session, case.id), now)
        if refused:
            raise refused
        people = _holders(service, session, case, waiting)
        label = definition.label
        letters = [Letter(user_id, f"催办：「{label.zh}」{case.number} 等待您办理",
                          f"{user.display_name} 催办「{label.zh}」{case.number}，请尽快办理。\n"
                          f"{user.display_name} asks you to act on {label.en} {case.number}.", f"/cases/{case.id}")
                   for user_id in sorted(people.values())]
    return commit(service, case, user, REMIND, {"to": sorted(people)}, "", Changes(), letters, now)


def overdue(service: CaseService, case_id: int, now: datetime) -> int:
    """A deadline that only reminds (`expire: remind`) has passed: tell whoever the open tasks wait on, once, in the
    inbox (and by e-mail); how many were told. Not a step of the case: the timer's row records it."""
    with service.db.read() as session:
        case = service.snapshot(session, case_id)
        definition = service.definition_of(case, session)
        people = _holders(service, session, case, task_rows.board(session, case.id).open())
    label, state = definition.label, definition.states[case.state].label
    letters = [Letter(user_id, f"超期提醒：「{label.zh}」{case.number} 已超过办理期限",
                      f"「{label.zh}」{case.number}（{state.zh}）已超过办理期限，请尽快办理。\n"
                      f"{label.en} {case.number} ({state.en}) is past its deadline: please act on it.",
                      f"/cases/{case.id}") for user_id in sorted(people.values())]
    with service.db.write_connection() as connection:
        notified = notifications.post(connection, letters, now)
    if notified and service.on_notified is not None:
        service.on_notified(notified)
    return len(notified)


def _holders(service: CaseService, session: Session, case: CaseRef, waiting: list[Task]) -> dict[str, int]:
    """The people the open tasks wait on, by user name: their holders, and for a pool nobody holds every active
    member who may take its step now (the guards decide, as for the 待办)."""
    named = {t.assignee for t in waiting if t.assignee}
    pools = {t.seat.role for t in waiting if t.assignee is None}
    found: dict[str, Any] = {}
    if named:
        found.update(session.execute(select(User.username, User.id).where(User.username.in_(sorted(named)),
                                                                          User.active.is_(True))).all())
    if pools:
        engine = service.workflows.engine(case.definition_version, session)
        view = service.view(case)
        may = recipients.to_do(session, engine, CaseView("", {}, view.submitter, view.unit), view)
        for name, user_id, roles in session.execute(select(User.username, User.id, User.role_list)
                                                    .where(User.id.in_(may))):
            if set(roles) & pools and user_id != case.submitter_id:
                found[name] = user_id
    return found
