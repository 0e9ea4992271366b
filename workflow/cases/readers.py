"""Need-to-know (docs/architecture.md invariant 6): who may read a case — its applicant, auditors, the roles and
units its definition names, whoever holds or held one of its tasks or may take a step of it, whoever it was copied
to, the administrator (to intervene), and the delegate of any of these (委托, never on a case the delegate filed)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from workflow.accounts.users import actor_of
from workflow.cases import copies, delegations
from workflow.cases.domain import CaseRef
from workflow.cases.registry import Workflows
from workflow.core.definition import Definition
from workflow.core.display import local_date
from workflow.core.engine import CaseView
from workflow.core.guards import voters
from workflow.core.roles import ADMIN
from workflow.core.seats import OPEN
from workflow.store.models import Case, HistoryEntry, User
from workflow.store.models import Task as TaskRow


class Service(Protocol):
    """What of the case service this needs (the service itself, which asks here)."""

    workflows: Workflows
    clock: Callable[[], datetime]

    def definition_of(self, case: Case | CaseRef, session: Session) -> Definition: ...

    def view(self, case: Case | CaseRef) -> CaseView: ...


def may_view(service: Service, session: Session, case: Case | CaseRef, user: User, delegated: bool = True) -> bool:
    """`delegated`: also as the delegate of a principal who may (委托; never on a case the delegate filed)."""
    if _reads(service, session, case, user):
        return True
    if not delegated or case.submitter_id == user.id:
        return False
    key = service.definition_of(case, session).key
    for delegation in delegations.principals_of(session, user.username, local_date(service.clock())):
        principal = session.scalar(select(User).where(User.username == delegation.principal))
        if principal is not None and delegations.covers(delegation, key) and _reads(service, session, case, principal):
            return True
    return False


def _reads(service: Service, session: Session, case: Case | CaseRef, user: User) -> bool:
    roles = user.roles
    if "auditor" in roles or case.submitter_id == user.id:
        return True
    definition = service.definition_of(case, session)
    if case.state == definition.initial:
        return False  # a draft is its author's own until submitted
    if ADMIN in roles:
        return True  # to intervene (流程干预); a file that logs its readings logs theirs too
    if roles & definition.visible_roles:
        return True
    unit = user.unit.code if user.unit else None
    if unit and roles & definition.roles:
        for name in definition.visible_unit_fields:
            value = case.data.get(name)
            if unit == value or (isinstance(value, list) and unit in value):
                return True
    if session.scalar(select(TaskRow.id).where(TaskRow.case_id == case.id, TaskRow.status == OPEN, or_(
            TaskRow.assignee == user.username, and_(TaskRow.escalated_from.is_not(None), TaskRow.assignee.is_(None),
                                                    TaskRow.pool_role.in_(sorted(roles))))).limit(1)) is not None:
        return True  # a task handed to them, or escalated to their role (超期上报)
    if copies.is_copied(session, case.id, user.username):
        return True  # 抄送
    sign = definition.states[case.state].countersign
    if sign is not None and user.username in voters(case.data, case.state):
        return True  # an approver of this stay, whose turn (依次) has not come yet
    public = definition.public_triggers()  # one who may take a step reads the case, even if a colleague holds it
    engine = service.workflows.engine(case.definition_version, session)
    if any(a.trigger not in public for a in engine.actions_for(service.view(case), actor_of(user))):
        return True
    return session.scalar(select(HistoryEntry.id).where(HistoryEntry.case_id == case.id, HistoryEntry.actor_id == user.id,
                                                     HistoryEntry.trigger.notin_(public)).limit(1)) is not None
