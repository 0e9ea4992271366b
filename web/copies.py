"""抄送我的 (the cases copied to me, unread first; marked read by a button, never by looking) and 抄送 from a case
page (workflow/cases/copies.py, workflow/cases/task_verbs.py `copy`)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from web.auth import signed_in
from web.cases import case_page, moved_on
from web.fields import typed_people
from web.i18n import message
from web.pages import page_blueprint, page_number
from web.services import service, session
from workflow.cases import copies, task_verbs
from workflow.cases.service import Conflict
from workflow.core.engine import InvalidData

bp = page_blueprint("copies", __name__, url_prefix="/cc")


@bp.get("/")
def index() -> str:
    return render_template("copies/index.html", page=copies.mine(session(), signed_in(), page_number()))


@bp.post("/<int:copy_id>/read")
def read(copy_id: int) -> BaseResponse:
    copies.mark_read(service().db, signed_in(), service().clock(), copy_id)
    return redirect(url_for("copies.index"))


@bp.post("/read-all")
def read_all() -> BaseResponse:
    copies.mark_read(service().db, signed_in(), service().clock())
    return redirect(url_for("copies.index"))


@bp.post("/cases/<int:case_id>")
def copy(case_id: int) -> BaseResponse | tuple[str, int]:
    """抄送 from the case page: user names, one per line or separated by commas or spaces."""
    user = signed_in()
    typed, comment = request.form.get("users", ""), request.form.get("comment", "")
    people = typed_people(typed)
    try:
        task_verbs.copy(service(), case_id, user, people, comment)
    except Conflict as refused:
        return moved_on(refused, case_id)
    except InvalidData as refused:
        flash(message(refused), "danger")
        case = service().get_case(session(), case_id, user)
        return case_page(case, {"cc": refused.fields}, {"trigger": "cc", "values": {"users": typed},
                                                        "comment": comment}, status=422)
    flash(_("已抄送"), "success")
    return redirect(url_for("cases.show", case_id=case_id))
