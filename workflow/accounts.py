"""Users, org units, passwords (argon2id) and API tokens (only their SHA-256 is stored)."""
from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from .actor import Actor
from .models import ApiToken, OrgUnit, User
from .roles import ROLES

# OWASP's argon2id floor: 19 MiB, 2 passes, 1 lane (≈ 22 ms a check here).
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


class AccountError(ValueError):
    pass


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def actor_of(user: User) -> Actor:
    return Actor(user.username, user.display_name, user.roles, user.unit.code if user.unit else None)


def ensure_unit(session: Session, code: str, name: str | None = None) -> OrgUnit:
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        unit = OrgUnit(code=code, name=name or code)
        session.add(unit)
        session.flush()
    elif name:
        unit.name = name
    return unit


def create_user(session: Session, username: str, password: str, roles: list[str], unit_code: str | None = None,
                display_name: str | None = None) -> User:
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise AccountError(f"未知角色：{', '.join(unknown)}（可用：{', '.join(ROLES)}）")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise AccountError(f"用户名已存在：{username}")
    if len(password) < 8:
        raise AccountError("密码至少需要 8 个字符")
    unit = ensure_unit(session, unit_code) if unit_code else None
    user = User(username=username, display_name=display_name or username, password_hash=hash_password(password),
                unit=unit, role_list=list(dict.fromkeys(roles)))
    session.add(user)
    session.flush()
    return user


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User) -> str:
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=token_digest(token)))
    return token


def user_for_token(session: Session, token: str) -> User | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token),
                                                ApiToken.revoked.is_(False)))
    if row is None or not row.user.active:
        return None
    return row.user
