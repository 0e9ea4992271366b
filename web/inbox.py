"""消息: my notifications, newest first, marked read one by one or all at once; the unread badge of every page;
and the e-mail of a step's notifications, sent once its response has gone out (when SMTP is configured)."""
from __future__ import annotations

import logging
import os

from flask import (
    Flask,
    current_app,
    flash,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from web.auth import signed_in
from web.pages import page_blueprint, page_number
from web.services import service, session
from workflow.cases.notifications import (
    Mailer,
    deliver_pending,
    inbox,
    mark_all_read,
    mark_read,
    unread_count,
)
from workflow.cases.service import NotFound

bp = page_blueprint("inbox", __name__, url_prefix="/inbox")
log = logging.getLogger(__name__)
MAIL_NOW = 50  # e-mails sent after a step's response; more (a call to every member) wait for `timers run`


@bp.get("")
def index() -> str:
    return render_template("inbox.html", page=inbox(session(), signed_in().id, page_number()))


@bp.post("/<int:notification_id>/read")
def read(notification_id: int) -> Response:
    """Mark it read; with `open`, go to the page it is about, else back to the list."""
    with service().db.transaction() as db_session:
        link = mark_read(db_session, signed_in().id, notification_id, service().clock())
    if link is None:
        raise NotFound("消息不存在", "No such message")
    if request.form.get("open") and link.startswith("/") and not link.startswith("//"):
        return redirect(link)
    return redirect(url_for(".index", page=request.form.get("page", type=int) or None))


@bp.post("/read-all")
def read_all() -> Response:
    with service().db.transaction() as db_session:
        count = mark_all_read(db_session, signed_in().id, service().clock())
    flash(_("已将 %(count)s 条消息标为已读", count=count), "success")
    return redirect(url_for(".index"))


def unread() -> int:
    """The signed-in user's unread count, read once per request (base.html shows it on every page)."""
    if "unread" not in g:
        g.unread = unread_count(session(), signed_in().id)
    return g.unread


def mailer() -> Mailer | None:
    return current_app.extensions["unionflow.mailer"]


def init_app(app: Flask) -> None:
    """The badge; the mailer from UNIONFLOW_SMTP_* (the app's config first, then the environment); and, with one,
    each request's new notifications e-mailed after its response."""
    app.jinja_env.globals["unread_messages"] = unread
    settings = {**os.environ, **{k: str(v) for k, v in app.config.items() if k.startswith("UNIONFLOW_")}}
    configured = app.extensions["unionflow.mailer"] = Mailer.from_env(settings)
    if configured is None:
        return
    cases = app.extensions["unionflow"]

    def noted(ids: tuple[int, ...]) -> None:
        if has_request_context():  # the timers e-mail theirs at the end of their run
            g.setdefault("notified", []).extend(ids)

    def send(ids: list[int]) -> None:
        try:
            deliver_pending(cases.db, configured, cases.clock(), MAIL_NOW, only=ids[:MAIL_NOW])
        except Exception:  # best effort after the response: whatever failed is retried by `timers run`
            log.exception("e-mail after the request failed")

    app.extensions["unionflow"].on_notified = noted

    @app.after_request
    def _mail_after(response: Response) -> Response:
        ids = g.pop("notified", None)
        if ids:
            response.call_on_close(lambda: send(ids))
        return response
