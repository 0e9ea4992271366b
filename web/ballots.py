"""The web ballot (网上投票) and the receipt check, for the voters of an election.

The cast answers with the receipt code in the page itself (never in a URL, which a log would keep), and the
receipt check is a POST for the same reason. Nothing here logs who voted or how.
"""
from __future__ import annotations

from flask import render_template, request
from werkzeug.datastructures import MultiDict

from workflow.ballots import BallotBox, Marks
from workflow.elections import current_round
from workflow.engine import ActionRefused, InvalidData
from workflow.models import Case
from workflow.services import NotFound

from .auth import signed_in
from .pages import page_blueprint
from .services import service, session

bp = page_blueprint("ballots", __name__, url_prefix="/elections")


def _election(case_id: int) -> Case:
    case = service().get_case(session(), case_id, signed_in())  # need-to-know, as for any case
    if service().definition_of(case, session()).key != "election":
        raise NotFound("这不是选举事项", "Not an election")
    return case


def _box() -> BallotBox:
    return BallotBox(service().db)


def _page(case: Case, status: int = 200, **extra: object) -> tuple[str, int]:
    current = current_round(session(), case.id)
    user = signed_in()
    return render_template("ballots/ballot.html", case=case, round=current,
                           names=(case.data.get("round") or {}).get("names", {}),
                           voted=_box().has_voted(session(), case.id, user.username), **extra), status


@bp.get("/<int:case_id>/ballot")
def ballot(case_id: int) -> tuple[str, int]:
    return _page(_election(case_id))


@bp.post("/<int:case_id>/ballot")
def cast(case_id: int) -> tuple[str, int]:
    case = _election(case_id)
    marks = _marks(request.form)
    try:
        code = _box().cast(case.id, signed_in(), marks)
    except InvalidData as refused:
        return _page(case, 422, error=refused.message, errors=refused.fields, posted=marks)
    except ActionRefused as refused:
        return _page(case, refused.status, error=refused.message)
    return render_template("ballots/receipt.html", case=case, code=code), 200


@bp.route("/<int:case_id>/receipt", methods=["GET", "POST"])
def receipt(case_id: int) -> tuple[str, int]:
    case = _election(case_id)
    if request.method == "GET":
        return render_template("ballots/check.html", case=case, checked=None), 200
    code = request.form.get("code", "").strip()
    found = _box().check_receipt(session(), case.id, code) if code else None
    return render_template("ballots/check.html", case=case, checked=code, found=found), 200 if found else 404


def _marks(form: MultiDict[str, str]) -> Marks:
    """mark_<username> = yes|no|abstain, one per candidate; write_in: the user names written in (另选他人)."""
    marks = {k.removeprefix("mark_"): v for k, v in form.items() if k.startswith("mark_")}
    return Marks(marks, tuple(w.strip() for w in form.getlist("write_in") if w.strip()))
