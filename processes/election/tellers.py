"""监票/计票台: the election committee's desk for a round — turnout so far, paper ballots handed out during the
vote and entered after it by two tellers (double entry), the entries awaiting a second teller.

Tellers are members of the election committee; auditors may look. The desk never shows who cast which ballot,
nor the marks another teller typed (the second entry must be typed from the paper, not copied from the screen).
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from processes.election.ballot_pages import ballot_box, election, marks_from, roll_of
from processes.election.ballots import is_teller, may_watch_desk
from processes.election.models import ElectionRound
from web.auth import signed_in
from web.i18n import message
from web.pages import page_blueprint
from web.services import session
from workflow.core.engine import ActionRefused, Forbidden, InvalidData
from workflow.store.models import Case, User

bp = page_blueprint("tellers", __name__, url_prefix="/elections")


def _desk(case_id: int, *, teller: bool) -> tuple[Case, User]:
    user = signed_in()
    if not (is_teller(user) if teller else may_watch_desk(user)):
        raise Forbidden("只有选举委员会成员（监票人、计票人）可以使用计票台", "Only the election committee's tellers may")
    return election(case_id, user), user


def _page(case: Case, user: User, status: int = 200, **extra: object) -> tuple[str, int]:
    box = ballot_box()
    rounds = list(session().scalars(select(ElectionRound).where(ElectionRound.case_id == case.id)
                                    .order_by(ElectionRound.number)))
    current = rounds[-1] if rounds else None
    return render_template("tellers/desk.html", case=case, rounds=[(r, box.counts(session(), r.id)) for r in rounds],
                           current=current, roll=roll_of(case), teller=is_teller(user), me=user.id,
                           names=(case.data.get("round") or {}).get("names", {}),
                           pending=box.pending(session(), current.id) if current else [], **extra), status


@bp.get("/<int:case_id>/desk")
def desk(case_id: int) -> tuple[str, int]:
    case, user = _desk(case_id, teller=False)
    return _page(case, user)


@bp.post("/<int:case_id>/paper/issue")
def issue(case_id: int) -> Response | tuple[str, int]:
    case, user = _desk(case_id, teller=True)
    voter = request.form.get("voter", "").strip()
    try:
        if not voter:
            raise InvalidData("请填写领取选票的选民", "Who receives the ballot?", fields={"voter": "必填"})
        ballot_box().issue_paper(case.id, user, voter)
    except ActionRefused as refused:
        return _page(case, user, refused.status, error=message(refused), issue_errors=refused.fields, voter=voter)
    flash(_("已向 %(voter)s 发出纸质选票", voter=voter), "success")
    return redirect(url_for("tellers.desk", case_id=case.id))


@bp.post("/<int:case_id>/paper/enter")
def enter(case_id: int) -> Response | tuple[str, int]:
    case, user = _desk(case_id, teller=True)
    marks = marks_from(request.form)
    try:
        outcome = ballot_box().enter_paper(case.id, user, marks)
    except ActionRefused as refused:
        return _page(case, user, refused.status, error=message(refused), errors=refused.fields, posted=marks)
    flash(_("两名计票人录入一致，这张选票已计入票箱") if outcome == "counted"
          else _("已录入，等待另一名计票人复核录入"), "success")
    return redirect(url_for("tellers.desk", case_id=case.id))


@bp.post("/<int:case_id>/paper/<int:entry_id>/discard")
def discard(case_id: int, entry_id: int) -> Response:
    case, user = _desk(case_id, teller=True)
    ballot_box().discard_entry(case.id, entry_id, user)
    flash(_("已撤回这次录入"), "success")
    return redirect(url_for("tellers.desk", case_id=case.id))

