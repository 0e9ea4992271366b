"""Who is calling: a Bearer API token (the session cookie joins in with the web UI)."""
from __future__ import annotations

from flask import g, request
from sqlalchemy.orm import Session

from workflow.accounts import user_for_token
from workflow.engine import ActionRefused, Forbidden
from workflow.models import User


class Unauthorized(ActionRefused):
    status = 401


def current_user(session: Session) -> User:
    """The signed-in user for this request, or 401."""
    if "user" in g:
        return g.user
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    user = user_for_token(session, token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if user is None:
        raise Unauthorized("请先登录或提供有效的 API 令牌", "Sign in or send a valid API token")
    g.user = user
    return user


def require_role(user: User, role: str) -> None:
    if role not in user.roles:
        raise Forbidden("您没有执行此操作的权限", "You may not do this")
