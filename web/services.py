"""Access to the application's services and a per-request read session."""
from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from workflow.services import CaseService


def service() -> CaseService:
    return current_app.extensions["unionflow"]


def session() -> Session:
    """One read session per request, closed when the request ends; writes go through the service."""
    if "db_session" not in g:
        g.db_session = service().db.reader()
    return g.db_session


def fresh_session() -> Session:
    """The request's session after a write: its read transaction (and SQLite's snapshot) ends here."""
    current = session()
    current.rollback()
    return current


def init_app(app: Flask) -> None:
    @app.teardown_appcontext
    def _close(_exc: BaseException | None) -> None:
        db_session = g.pop("db_session", None)
        if db_session is not None:
            db_session.close()
