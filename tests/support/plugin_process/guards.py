"""The suggestion's one guard, 回避 (recusal): a committee member does not handle a suggestion about their own
unit. Beside the predicate, its SQL forms, so that the 待办 (workflow/cases/worklists.py) and the recipients of a
step (workflow/cases/recipients.py) find the right people in SQL instead of asking the engine for each candidate.

No `concerned` form: no step of the process stays in its state while changing the unit concerned, and without one
the recipients fall back to "anyone", which is always right."""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, or_, true

from workflow.cases.guard_sql import sql_form
from workflow.core.guards import GuardContext, guard
from workflow.store.models import Case, OrgUnit, User

NAME = "actor_outside_unit"


@guard(NAME, params=("field",), status=403, zh="回避：您所在单位是本事项所涉单位，不能办理",
       en="Recused: you belong to the unit this case concerns")
def actor_outside_unit(ctx: GuardContext, field: str) -> bool:
    """The actor belongs to no unit, or to another unit than the one `field` names."""
    return ctx.actor.unit is None or ctx.actor.unit != ctx.data.get(field)


def _queue(user: User, field: str, **_: Any) -> ColumnElement[bool]:
    """The cases whose unit field is not this user's unit (a case without it counts as another unit's)."""
    if user.unit is None:
        return true()
    return func.coalesce(Case.data[field].as_string(), "") != user.unit.code


def _recipients(case: Any, field: str, **_: Any) -> ColumnElement[bool]:
    """The users outside the unit the case names (the recipients' query joins each user's OrgUnit, outer)."""
    unit = case.data.get(field)
    if not isinstance(unit, str):
        return true()
    return or_(User.unit_id.is_(None), OrgUnit.code != unit)


sql_form(NAME, queue=_queue, recipients=_recipients)
