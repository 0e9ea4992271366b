"""Security defaults for every response: CSP without inline scripts, no framing, cookie flags, CSRF."""
from __future__ import annotations

import os

from flask import Flask, Response, request
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
STATIC = ("/static/", "/bootstrap/")  # the app's and Bootstrap-Flask's assets

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.lower() not in ("0", "false", "no", "off")


def defaults() -> dict[str, object]:
    """Configuration the app starts from (a test or a deployment may override any of it)."""
    return {
        "SESSION_COOKIE_NAME": "unionflow_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Secure by default; UNIONFLOW_SECURE_COOKIES=0 only for a plain-HTTP test server on another host name.
        "SESSION_COOKIE_SECURE": _flag("UNIONFLOW_SECURE_COOKIES", True),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
    }


def init_app(app: Flask) -> None:
    csrf.init_app(app)

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if not request.path.startswith(STATIC):
            # Pages, API JSON, stage PDFs and attachments may carry a hardship file: no copy in any cache (a shared
            # office computer, a proxy). Only the static assets may be kept.
            response.headers["Cache-Control"] = "no-store"
        return response
