"""A voter roll imported as a list (CSV as Excel saves it, or pasted): one voter per line, `username[,name]`.

Every voter needs an account (the web ballot signs them in; a paper voter is ticked off by it), so each line is
resolved against the accounts, and the name, when given, must be the account's: a slip in a user name is caught
here rather than on voting day. Every error is reported with its line number, at most MAX_SHOWN of them at once.
"""
from __future__ import annotations

import csv
import io

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.core.engine import InvalidData
from workflow.store.models import OrgUnit, User

MAX_SHOWN = 10
HEADERS = {"用户名", "username", "user", "账号"}
_CHUNK = 500  # user names per query: far below every database's bound-parameter limit


def parse(session: Session, text: str) -> list[dict[str, str]]:
    """The roll's rows ({username, name, unit}, by user name), or InvalidData naming every bad line."""
    lines = _lines(text)
    if not lines:
        raise InvalidData("选民名单是空的", "The voter list is empty", fields={"voter_list": "请每行填写一名选民的用户名"})
    accounts = _accounts(session, {cells[0] for _, cells in lines})
    errors, seen, roll = [], {}, []
    for number, (username, *rest) in lines:
        account = accounts.get(username)
        given = rest[0] if rest else ""
        if username in seen:
            errors.append(f"第 {number} 行：「{username}」重复（第 {seen[username]} 行已有）")
        elif account is None:
            errors.append(f"第 {number} 行：没有用户名为「{username}」的在册会员账号")
        elif given and given != account["name"]:
            errors.append(f"第 {number} 行：「{username}」的姓名是「{account['name']}」，名单上写的是「{given}」")
        else:
            roll.append(account)
        seen.setdefault(username, number)
    if errors:
        more = f"；另有 {len(errors) - MAX_SHOWN} 处" if len(errors) > MAX_SHOWN else ""
        raise InvalidData(f"选民名单有 {len(errors)} 处错误，请改正后再提交", f"The voter list has {len(errors)} error(s)",
                          fields={"voter_list": "；".join(errors[:MAX_SHOWN]) + more})
    return sorted(roll, key=lambda r: r["username"])


def listed_usernames(text: str) -> set[str]:
    """The user names a list names, unchecked: who may be nominated from a plan filed with it (parse checked each
    line then; an account closed since is no active account, which the people search leaves out anyway)."""
    return {cells[0] for _, cells in _lines(text)}


def _lines(text: str) -> list[tuple[int, list[str]]]:
    """The list's non-blank lines by number, as cells (a header line left out)."""
    lines = [(number, [c.strip() for c in row]) for number, row in enumerate(
        csv.reader(io.StringIO(text.replace("，", ",").replace("\t", ","))), start=1) if any(c.strip() for c in row)]
    return lines[1:] if lines and lines[0][1][0].lower() in HEADERS else lines


def _accounts(session: Session, usernames: set[str]) -> dict[str, dict[str, str]]:
    """The active accounts of these user names that belong to a unit (the system account does not)."""
    wanted, found = sorted(usernames), {}
    for start in range(0, len(wanted), _CHUNK):
        rows = session.execute(select(User.username, User.display_name, OrgUnit.name)
                               .join(OrgUnit, OrgUnit.id == User.unit_id)
                               .where(User.username.in_(wanted[start:start + _CHUNK]), User.active.is_(True)))
        found.update({u: {"username": u, "name": n, "unit": unit} for u, n, unit in rows})
    return found
