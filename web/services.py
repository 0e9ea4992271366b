"""Access to the application's services and a per-request read session."""
from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, Response, current_app, g, has_request_context
from sqlalchemy.orm import Session

from workflow.cases.service import CaseService

log = logging.getLogger(__name__)


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

    def after_response(job: Callable[[], None]) -> None:
        """What a step leaves for after its commit (scrubbing the files of a closed ballot box) waits, in a request,
        for the response to be sent: the request's read session is closed by then, and a SQLite checkpoint would
        wait for it. Elsewhere (timers, commands) it runs at once."""
        if has_request_context():
            g.setdefault("after_response", []).append(job)
        else:
            job()

    app.extensions["unionflow"].run_afterwards = after_response

    @app.after_request
    def _after_response(response: Response) -> Response:
        for job in g.pop("after_response", []):
            response.call_on_close(_logged(job))
        return response


def _logged(job: Callable[[], None]) -> Callable[[], None]:
    def run() -> None:
        try:
            job()
        except Exception:  # after the response nobody else would hear of it
            log.exception("work left by a step for after its response failed")
    return run
