"""工作台: what waits on me (a ballot to cast too), what I have open, what is overdue, what happened lately on my
cases."""
from __future__ import annotations

from flask import render_template

from workflow import worklists
from workflow.ballots import BallotBox
from workflow.models import Case

from .auth import signed_in
from .pages import page_blueprint, today
from .services import service, session

bp = page_blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    user = signed_in()
    waiting = worklists.queue(service(), session(), user, per_page=5, today=today())
    ballots = [(session().get(Case, case_id), number) for case_id, number in BallotBox.awaiting(session(), user.username)]
    return render_template("home.html", waiting=waiting, open_count=worklists.open_requests(service(), session(), user),
                           activity=worklists.recent_activity(session(), user), ballots=ballots)
