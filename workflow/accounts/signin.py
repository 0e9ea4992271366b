"""Signing in and out of the web UI: password checks, lock-outs after repeated failures, server-side sessions.

A browser holds only a random session token; the database keeps its SHA-256 and an expiry. Signing out
deletes the row, so a copied cookie is dead afterwards. Ten failed passwords on an account within fifteen
minutes refuse further attempts on it until the oldest of them is fifteen minutes old; thirty from one client
address do the same for that address, whatever names it tries (one password across many names). A name no account
can have (over 64 characters, or with characters outside letters, digits and . _ - @) is refused before the
database: nothing is stored for it, and failures older than the window are deleted, so failed sign-ins cannot grow
the database.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, bindparam, delete, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from workflow.accounts.passwords import (
    check_password,
    hash_password,
    replace_password,
    token_digest,
)
from workflow.accounts.users import MAX_USERNAME, normal_username
from workflow.store.db import Database
from workflow.store.models import LoginFailure, User, WebSession

MAX_FAILURES = 10  # per account
MAX_ADDRESS_FAILURES = 30  # per client address, whatever the names
FAILURE_WINDOW = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=12)
_DUMMY_HASH = hash_password("timing-equaliser-not-a-password")
_ANY_NAME = re.compile(r"[\w.@-]+")  # every name an account may have, under earlier rules too (\w: any script)


class SignInRefused(Exception):
    def __init__(self, message: str, message_en: str, status: int = 401, field: str | None = None):
        super().__init__(message)
        self.message, self.message_en, self.status, self.field = message, message_en, status, field


@dataclass(frozen=True)
class SignedIn:
    user: User
    token: str


def _wait(session: Session, key: InstrumentedAttribute, value: str, limit: int, now: datetime) -> timedelta | None:
    """How long `limit` recent failures with this key still refuse attempts, or None."""
    recent = list(session.scalars(select(LoginFailure.at).where(key == value, LoginFailure.at > now - FAILURE_WINDOW)
                                  .order_by(LoginFailure.at.desc()).limit(limit)))
    return recent[-1] + FAILURE_WINDOW - now if len(recent) >= limit else None


def _stale(now: datetime) -> Select:
    """Failures older than the window, which count no more; rows another sign-in is deleting are skipped (PostgreSQL)
    rather than waited for, so a crowd of failures cannot deadlock on them."""
    return select(LoginFailure.id).where(LoginFailure.at <= now - FAILURE_WINDOW).with_for_update(skip_locked=True)


def _minutes(wait: timedelta) -> int:
    return max(1, -(-int(wait.total_seconds()) // 60))


def sign_in(db: Database, typed_name: str, password: str, *, address: str | None, now: datetime) -> SignedIn:
    """Check the password and open a session. The name is normalised as accounts store it (NFKC: full-width typing
    signs in too); `address` is the client's (None: no per-address throttle). Refusals of a password record the
    failure. The argon2 check (~25 ms) runs between a read and a short write transaction, never inside one: SQLite
    has a single writer, and a crowd signing in as the voting opens must not hold up the ballots."""
    username = normal_username(typed_name)
    if username is None:
        raise SignInRefused(f"用户名不能超过 {MAX_USERNAME} 个字符", f"A user name has at most {MAX_USERNAME} "
                            "characters", 422, "username")
    if not _ANY_NAME.fullmatch(username):
        raise SignInRefused("用户名只能包含字母、汉字、数字和 . _ - @", "A user name holds only letters, digits "
                            "and . _ - @", 422, "username")
    address = address[:45] if address else None  # the column's size (an IPv6 address in full)
    with db.read() as session:
        crowded = _wait(session, LoginFailure.address, address, MAX_ADDRESS_FAILURES, now) if address else None
        locked = _wait(session, LoginFailure.username, username, MAX_FAILURES, now)
        user = session.scalar(select(User).where(User.username == username))
        if user is not None:
            session.expunge(user)
    if crowded:
        raise SignInRefused(f"此网络地址登录失败次数过多，请 {_minutes(crowded)} 分钟后再试",
                            f"Too many failed sign-ins from this address; try again in {_minutes(crowded)} minutes",
                            status=429)
    if locked is not None:
        raise SignInRefused(f"该账号连续登录失败次数过多，已暂时锁定，请 {_minutes(locked)} 分钟后再试",
                            f"Too many failed sign-ins; try again in {_minutes(locked)} minutes", status=429)
    if user is None:
        check_password(User(password_hash=_DUMMY_HASH), password)  # same time whether or not the name exists
    if user is None or not check_password(user, password) or not user.active:
        with db.transaction() as session:
            session.execute(delete(LoginFailure).where(LoginFailure.id.in_(_stale(now))))
            session.add(LoginFailure(username=username, address=address, at=now))
        raise SignInRefused("用户名或密码不正确", "Wrong username or password")
    with db.transaction() as session:
        session.execute(delete(LoginFailure).where(LoginFailure.username == username))
        return SignedIn(user, open_session(session, user, now))


def open_session(session: Session, user: User, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    session.add(WebSession(token_hash=token_digest(token), user_id=user.id, created_at=now,
                           expires_at=now + SESSION_LIFETIME))
    return token


# Built once: it runs on every page, and SQLAlchemy takes longer to build a statement than SQLite to run it.
_SESSION_USER = (select(User).join(WebSession, WebSession.user_id == User.id)
                 .where(WebSession.token_hash == bindparam("token_hash"), WebSession.expires_at > bindparam("now"),
                        User.active.is_(True)))


def user_for_session(session: Session, token: str, now: datetime) -> User | None:
    """The active user of a live session at `now` (the service's clock), in one query."""
    return session.scalar(_SESSION_USER, {"token_hash": token_digest(token), "now": now})


def sign_out(session: Session, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == token_digest(token)))


def change_password(session: Session, user: User, current: str, new: str, keep: str | None = None) -> None:
    if not check_password(user, current):
        raise SignInRefused("当前密码不正确", "The current password is wrong", 422, "current_password")
    set_password(session, user, new, keep)


def set_password(session: Session, user: User, new: str, keep: str | None = None) -> None:
    if len(new) < 8:
        raise SignInRefused("新密码至少需要 8 个字符", "The new password needs at least 8 characters", 422,
                            "new_password")
    replace_password(session, user, new, keep)
