"""The people a `member` field of a case's form may name: found by name or user name, and a typed name resolved to
the one user name the case stores.

Who may be named is the process's to say: its domain may have `eligible_people(session, case, field)` returning an
`Eligible` (an election's nominee is a voter of that election), or None for every active account (`ChoosesPeople`;
docs/architecture.md § A new process). Nothing here knows a process. The engine's own check of a `member` field
(workflow/core/forms.py) stays a check of text: the database is asked here, before the step fires.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Select, func, or_, select, true
from sqlalchemy import case as when
from sqlalchemy.orm import Session

from workflow.core.definition import Field
from workflow.core.engine import InvalidData
from workflow.core.forms import clean_text, shown_name
from workflow.store.models import OrgUnit, User

MAX_RESULTS = 20      # a search answers with at most this many people
QUERY_MAX = 64        # characters of a search (as long as the longest user name or display name)
TYPED_MAX = 256       # a field's text resolved here at most: a label (name（username，unit）) fits; longer is the engine's
SHOWN_MAX = 10        # people named in one message about a shared name
_CANDIDATES = 50      # rows read to resolve one name
# A label as the picker shows a person, after NFKC (which makes the full-width （，） ASCII): 孙强(sunqiang,第一车间).
_LABEL = re.compile(r"(?P<name>[^()]*?)\s*\(\s*(?P<username>[^(),\s]+)\s*(?:,.*)?\)")


@dataclass(frozen=True)
class Eligible:
    """Who may be named in one person field of a case: `where`, a condition over `User` (its `OrgUnit` outer-joined;
    None: every active account), and what a refusal says of someone else (`{given}`: the text as typed)."""

    where: ColumnElement[bool] | None = None
    outside: str = "「{given}」不在此项的可选人员之中"


EVERYONE = Eligible()


class ChoosesPeople(Protocol):
    """The optional hook of a process's domain (workflow/cases/domain.py) that narrows a person field."""

    def eligible_people(self, session: Session, case: Any, field: str) -> Eligible | None: ...


@dataclass(frozen=True)
class Person:
    username: str
    name: str
    unit: str  # the unit's name; "" for none

    @property
    def label(self) -> str:
        """孙强（sunqiang，第一车间）: how the picker shows a person, and a text that resolves back to them."""
        return f"{self.name}（{self.username}，{self.unit}）" if self.unit else f"{self.name}（{self.username}）"


class Unresolved(ValueError):
    """A text that names nobody, several people, or someone the field does not admit: the message for the field."""


def eligible(domain: object | None, session: Session, case: Any, field: str) -> Eligible:
    """Who the case's process admits in this field (its domain's `eligible_people`), else every active account."""
    hook = getattr(domain, "eligible_people", None)
    found = hook(session, case, field) if hook is not None else None
    return found if found is not None else EVERYONE


def search(session: Session, text: str, who: Eligible, limit: int = MAX_RESULTS) -> tuple[list[Person], bool]:
    """The eligible people whose name holds `text`, or whose user name does (ignoring case): exact matches first,
    then names that begin with it; at most `limit`, and whether there were more."""
    lowered = text.lower()
    exact = or_(User.display_name == text, func.lower(User.username) == lowered)
    rank = when((exact, 0), (User.display_name.startswith(text, autoescape=True), 1), else_=2)
    query = _people(who).where(or_(User.display_name.contains(text, autoescape=True),
                                   func.lower(User.username).contains(lowered, autoescape=True)))
    rows = session.execute(query.order_by(rank, User.display_name, User.username).limit(limit + 1)).all()
    return [Person(u, n, unit or "") for u, n, unit in rows[:limit]], len(rows) > limit


def resolve(session: Session, given: str, who: Eligible) -> Person:
    """The one person `given` names: a user name, a label as the picker shows one (孙强（sunqiang，第一车间）), or a
    name only one eligible person has. Unresolved, with the field's message, otherwise."""
    typed = given.strip()
    text = unicodedata.normalize("NFKC", typed).strip()
    labelled = _LABEL.fullmatch(text)
    usernames = {text, *([labelled["username"]] if labelled else [])}
    admitted = when((who.where, True), else_=False) if who.where is not None else true()
    rows = session.execute(
        select(User.username, User.display_name, OrgUnit.name, admitted.label("admitted"))
        .outerjoin(OrgUnit, OrgUnit.id == User.unit_id)
        .where(User.active.is_(True), or_(User.username.in_(usernames), func.lower(User.username) == text.lower(),
                                          User.display_name.in_({typed, text})))
        .order_by(admitted.desc(), User.username).limit(_CANDIDATES)).all()
    shown = shown_name(typed)
    named = [r for r in rows if r.username in usernames] or rows  # a user name is one person, before any name
    if not named:
        raise Unresolved(f"找不到名为「{shown}」的人员")
    chosen = [r for r in named if r.admitted]
    if not chosen:
        raise Unresolved(who.outside.format(given=shown))
    if len(chosen) > 1:
        people = [Person(u, n, unit or "").label for u, n, unit, _ in chosen]
        more = "等" if len(people) > SHOWN_MAX else ""
        count = len(people) if len(rows) < _CANDIDATES else "多"
        raise Unresolved(f"有 {count} 人名为「{shown}」，请选择其中一位："
                         f"{'、'.join(people[:SHOWN_MAX])}{more}")
    username, name, unit, _ = chosen[0]
    return Person(username, name, unit or "")


def named(session: Session, username: Any) -> Person | None:
    """The active account of this user name, to show a stored or posted value as its label."""
    if not isinstance(username, str) or not username or len(username) > QUERY_MAX:
        return None
    found = session.execute(_people(EVERYONE).where(User.username == username)).one_or_none()
    return Person(found[0], found[1], found[2] or "") if found else None


def resolve_fields(session: Session, domain: object | None, case: Any, fields: Sequence[Field],
                   data: Any) -> Any:
    """The form's data with each `member` field's text replaced by the user name it names; InvalidData naming
    every such field that names nobody, several people or someone it does not admit. A value the engine refuses
    anyway (not text, blank, too long, control characters) is left for it to refuse with its own message."""
    if not isinstance(data, Mapping):
        return data
    resolved, errors = dict(data), {}
    for f in fields:
        value = data.get(f.name)
        if f.type != "member" or not isinstance(value, str) or not value.strip() or len(value) > TYPED_MAX \
                or not clean_text(value):
            continue
        try:
            resolved[f.name] = resolve(session, value, eligible(domain, session, case, f.name)).username
        except Unresolved as exc:
            errors[f.name] = str(exc)
    if errors:
        raise InvalidData("请从列表中选择人员，或按提示修改", "Choose each person from the list", fields=errors)
    return resolved


def _people(who: Eligible) -> Select[Any]:
    """The active accounts the field admits: user name, name and unit name."""
    query = (select(User.username, User.display_name, OrgUnit.name).outerjoin(OrgUnit, OrgUnit.id == User.unit_id)
             .where(User.active.is_(True)))
    return query.where(who.where) if who.where is not None else query
