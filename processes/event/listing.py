"""Who sees which events, and the queries behind the calendar, an event's page and the year's plan.

An event is published once its sheet exists (the `publish` step): from then on its notice is the union's public
business. Members see the events open to them, the union's staff every one; the plan with its budget is for the
union's officers.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from processes.event.models import EventSheet, Signup
from processes.event.signups import check_audience, manages
from workflow.cases.registry import Workflows
from workflow.cases.service import NotFound
from workflow.core.engine import ActionRefused, Forbidden
from workflow.store.models import Case, User

STAFF = frozenset({"union_chair", "union_committee", "audit_committee", "grassroots_union", "auditor"})
LIST_READERS = frozenset({"audit_committee", "auditor"})  # who may read an event's sign-up list besides its organisers
PLAN_READERS = frozenset({"union_chair", "union_committee", "audit_committee", "auditor"})
NOT_HELD = "not_held"  # the `report:` tag (definitions/event.yaml) of an event on the plan whose money does not count


@dataclass(frozen=True)
class Listed:
    """An event on the calendar: the case, its sheet, and the viewer's own sign-up status (or None)."""

    case: Case
    sheet: EventSheet
    mine: str | None

    @property
    def day(self) -> date:
        return date.fromisoformat(self.case.data["event_date"])


def may_read_plan(user: User) -> bool:
    return bool(user.roles & PLAN_READERS)


def check_plan_reader(user: User) -> None:
    if not may_read_plan(user):
        raise Forbidden("全年活动计划供工会主席、委员、经审委和审计查看", "The year's plan is for the union's officers")


def sees(sheet: EventSheet, user: User) -> bool:
    """Members see the events open to them; the staff see every one."""
    if user.roles & STAFF:
        return True
    try:
        check_audience(sheet, user)
    except ActionRefused:
        return False
    return True


def reads_list(case: Case, user: User) -> bool:
    """The organiser and the chair manage an event's list; the 经审委 and auditors may read it."""
    return manages(case.submitter_id, user) or bool(user.roles & LIST_READERS)


def list_access(case: Case, user: User) -> bool:
    """Whether the user manages the event's list (else only reads it); refused to anyone who may not read it."""
    if not reads_list(case, user):
        raise Forbidden("只有活动组织者可以查看报名名单", "Only the organiser sees the sign-up list")
    return manages(case.submitter_id, user)


def published(session: Session, case_id: int) -> tuple[Case, EventSheet]:
    found = session.execute(select(Case, EventSheet).join(EventSheet, EventSheet.case_id == Case.id)
                            .where(Case.id == case_id)).first()
    if found is None:
        raise NotFound("没有这项活动，或活动尚未发布", "No such published event")
    return found[0], found[1]


def between(session: Session, user: User, first: str, last: str) -> list[Listed]:
    """The published events the user sees from day `first` to day `last` (ISO dates), with their own sign-ups."""
    when = Case.data["event_date"].as_string()
    rows = session.execute(
        select(Case, EventSheet, Signup.status).join(EventSheet, EventSheet.case_id == Case.id)
        .outerjoin(Signup, (Signup.case_id == Case.id) & (Signup.user_id == user.id) & (Signup.status != "cancelled"))
        .where(when >= first, when <= last).order_by(when, Case.id))
    return [Listed(case, sheet, mine) for case, sheet, mine in rows if sees(sheet, user)]


def waiting(session: Session, case_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Signup).where(
        Signup.case_id == case_id, Signup.status == "waitlisted")) or 0


Plan = list[tuple[Case, int | None]]  # an event of the year's plan, and the places taken once it is published


def annual_plan(session: Session, workflows: Workflows, year: int) -> tuple[Plan, dict[str, Any]]:
    """全年活动计划: every event of a year its YAML reports (past its draft, not withdrawn), with the places taken
    once published, and the totals of the budgets and of what was spent over those held or to be held."""
    when = Case.data["event_date"].as_string()
    found = session.execute(
        select(Case, EventSheet.confirmed).outerjoin(EventSheet, EventSheet.case_id == Case.id)
        .where(Case.workflow == "event", when >= f"{year}-01-01", when <= f"{year}-12-31").order_by(when, Case.id)).all()
    outcomes = {case.id: workflows.reported(session, case) for case, _ in found}
    rows = [(case, confirmed) for case, confirmed in found if outcomes[case.id] is not None]
    counted = [case for case, _ in rows if outcomes[case.id] != NOT_HELD]
    totals = {"budget": sum(c.data.get("budget_total") or 0 for c in counted),
              "spent": sum(c.data.get("spent_total") or 0 for c in counted if "spent_total" in c.data)}
    return rows, totals
