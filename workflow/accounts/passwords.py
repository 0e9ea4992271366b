"""Passwords (argon2id) and the digests of tokens: what sign-in, the administrator's resets and the API tokens
share. A password replaced ends the user's other sessions, whoever replaced it."""
from __future__ import annotations

import hashlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete
from sqlalchemy.orm import Session

from workflow.store.models import User, WebSession

MIN_PASSWORD = 8
# OWASP's argon2id floor: 19 MiB, 2 passes, 1 lane (≈ 22 ms a check here).
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    """A session's or an API token's SHA-256: only this is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def end_sessions(session: Session, user_id: int, keep: str | None = None) -> None:
    """Every session of a user but `keep` (after a password change, a reset or a deactivation)."""
    query = delete(WebSession).where(WebSession.user_id == user_id)
    if keep:
        query = query.where(WebSession.token_hash != token_digest(keep))
    session.execute(query)


def replace_password(session: Session, user: User, new: str, keep: str | None = None) -> None:
    """Store a new password (its length checked by the caller, who words the refusal) and end the other sessions."""
    user.password_hash = hash_password(new)
    end_sessions(session, user.id, keep)
