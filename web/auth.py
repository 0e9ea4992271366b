"""Who is calling: a browser session (Flask-Login over our server-side sessions) or a Bearer API token."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, g, request
from flask_babel import gettext
from flask_login import LoginManager, UserMixin
from flask_login import current_user as web_user
from sqlalchemy.orm import Session

from web.i18n import N_
from web.security import csrf
from web.services import service, session
from workflow.accounts.signin import user_for_session
from workflow.accounts.users import user_for_token
from workflow.core.engine import ActionRefused, Forbidden
from workflow.store.models import User

login_manager = LoginManager()


class Unauthorized(ActionRefused):
    status = 401


class WebUser(UserMixin):
    """The signed-in browser: its user, and the session token Flask-Login keeps in the cookie."""

    def __init__(self, user: User, token: str):
        self.user, self.token = user, token

    def get_id(self) -> str:
        return self.token


@login_manager.user_loader
def _load(token: str) -> WebUser | None:
    user = user_for_session(session(), token, service().clock())
    return WebUser(user, token) if user is not None else None


def current_user(db_session: Session) -> User:
    """The caller of an API request (Bearer token, or the browser's session with its CSRF token), or 401."""
    if "user" in g:
        return g.user
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    user = None
    if scheme.lower() == "bearer" and token.strip():
        user = user_for_token(db_session, token.strip())
    elif web_user.is_authenticated:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            csrf.protect()  # a cookie is sent by the browser on its own: unsafe methods need the token too
        user = web_user.user
    if user is None:
        raise Unauthorized("请先登录或提供有效的 API 令牌", "Sign in or send a valid API token")
    g.user = user
    return user


def signed_in() -> User:
    """The user of a page request; 401 when nobody is (e.g. an OPTIONS request, which Flask-Login lets by)."""
    if not web_user.is_authenticated:
        raise Unauthorized("请先登录", "Please sign in")
    return web_user.user


def require_role(user: User, role: str) -> None:
    if role not in user.roles:
        raise Forbidden("您没有执行此操作的权限", "You may not do this")


def role_required(role: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A page only this role may open (checked on the server for every request)."""
    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            require_role(signed_in(), role)
            return view(*args, **kwargs)
        return wrapped
    return decorate


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "login.login"
    login_manager.login_message = N_("请先登录")
    login_manager.localize_callback = gettext
    login_manager.login_message_category = "warning"
