"""The SQL forms of the guards that decide whether a step is offered to someone (not the form guards).

A guard (workflow/core/guards.py) is a Python predicate; the queue and the recipients of a step must find their
cases and people in the database without loading each. So a guard may have, beside its predicate:
- `queue(user, **args)`: a condition over the case row, for this user (the 待办 of workflow/cases/worklists.py);
- `recipients(case, **args)`: a condition over the user row, for this case (workflow/cases/recipients.py);
- `concerned(before, after, **args)`: for a step that stays in its state, the user names its change of data can
  newly admit (a superset is fine; SQL still checks who was not offered the step before and is now).
A guard missing a form is checked by the engine on every candidate instead: right, but slower. A process registers
the forms of its own guards with `sql_form`, beside the guards (processes/election/guards.py).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Text, cast, func, not_

from workflow.core.guards import voters
from workflow.store.models import Case, User


@dataclass(frozen=True)
class GuardSql:
    queue: Callable[..., ColumnElement[bool]] | None = None
    recipients: Callable[..., ColumnElement[bool]] | None = None
    concerned: Callable[..., set[str]] | None = None


SQL: dict[str, GuardSql] = {}


def sql_form(name: str, *, queue: Callable[..., ColumnElement[bool]] | None = None,
             recipients: Callable[..., ColumnElement[bool]] | None = None,
             concerned: Callable[..., set[str]] | None = None) -> None:
    SQL[name] = GuardSql(queue, recipients, concerned)


def queue_form(name: str) -> Callable[..., ColumnElement[bool]] | None:
    return SQL[name].queue if name in SQL else None


def recipients_form(name: str) -> Callable[..., ColumnElement[bool]] | None:
    return SQL[name].recipients if name in SQL else None


def concerned_form(name: str) -> Callable[..., set[str]] | None:
    return SQL[name].concerned if name in SQL else None


@cache  # an expression is immutable: built once per role, not on every step
def holds(role: str) -> ColumnElement[bool]:
    """The user's roles (a JSON list, as stored) name this role."""
    return cast(User.role_list, Text).contains(json.dumps(role), autoescape=True)


def _not_listed(field: str, username: str) -> ColumnElement[bool]:
    """The username not in a JSON list field: its JSON text (as stored, escapes and all) is not in the list's."""
    listed = func.coalesce(Case.data[field].as_string(), "")
    return not_(listed.contains(json.dumps(username), autoescape=True))


def _nobody(before: Any, after: Any, **_: Any) -> set[str]:
    return set()


sql_form("actor_is_submitter", queue=lambda user, **_: Case.submitter_id == user.id,
         recipients=lambda case, **_: User.username == case.submitter, concerned=_nobody)
sql_form("actor_is_not_submitter", queue=lambda user, **_: Case.submitter_id != user.id,
         recipients=lambda case, **_: User.username != case.submitter, concerned=_nobody)
sql_form("actor_has_role", recipients=lambda case, value, **_: holds(value), concerned=_nobody)
sql_form("actor_not_listed", queue=lambda user, field, **_: _not_listed(field, user.username),
         recipients=lambda case, field, **_: User.username.notin_(case.data.get(field) or []),
         concerned=lambda before, after, field, **_: (set(before.data.get(field) or [])
                                                      - set(after.data.get(field) or [])))
sql_form("countersign_voter", recipients=lambda case, state, **_: User.username.in_(voters(case.data, state)),
         concerned=lambda before, after, state, **_: set(voters(after.data, state)) - set(voters(before.data, state)))
