"""工作台: what waits on me, what I have open, what is overdue, what happened lately on my cases, and the panels
the installed processes add (a ballot to cast)."""
from __future__ import annotations

from flask import current_app, render_template

from web.auth import signed_in
from web.pages import page_blueprint, today
from web.plugins import installed
from web.services import service, session
from workflow.cases import worklists

bp = page_blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    user = signed_in()
    waiting = worklists.queue(service(), session(), user, per_page=5, today=today())
    return render_template("home.html", waiting=waiting, open_count=worklists.open_requests(service(), session(), user),
                           activity=worklists.recent_activity(session(), user),
                           panels=installed(current_app).home_panels(session(), user))
