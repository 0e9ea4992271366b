"""The web ballot (网上投票), the receipt check, and each counted round's public box with its recount.

The cast answers with the receipt code in the page itself (never in a URL, which a log would keep), and the
receipt check is a POST for the same reason. Nothing here logs who voted or how. Once a round is counted its box
is open to everyone who may read the election: every ballot (marks only), the rules it is counted by, and the
recount of those ballots set beside the published tally; the box downloads as JSON or CSV to recount elsewhere.
"""
from __future__ import annotations

import csv
import io
import json
from typing import Any

from flask import Response, render_template, request
from sqlalchemy import Row, select
from werkzeug.datastructures import MultiDict

from processes.election.ballots import BallotBox, Marks
from processes.election.domain import (
    current_round,
    public_box,
    recount,
    round_numbered,
    voter_names,
)
from processes.election.models import ElectionRound, RollEntry
from web.auth import signed_in
from web.pages import page_blueprint, page_number
from web.services import service, session
from workflow.cases.service import NotFound
from workflow.cases.worklists import Page
from workflow.core.engine import ActionRefused, InvalidData
from workflow.store.models import Case, User

bp = page_blueprint("ballots", __name__, url_prefix="/elections")
PER_PAGE = 200
MARK_TEXT = {"yes": "赞成", "no": "反对", "abstain": "弃权"}


def election(case_id: int, user: User) -> Case:
    """The election this user may read (need-to-know, as for any case), or 404."""
    case = service().get_case(session(), case_id, user)
    if service().definition_of(case, session()).key != "election":
        raise NotFound("这不是选举事项", "Not an election")
    return case


def counted_box(case: Case, number: int) -> tuple[ElectionRound, dict[str, Any]]:
    """A counted round and its public box; before the count nobody sees a box, not even the committee."""
    found = round_numbered(session(), case.id, number)
    if found is None:
        raise NotFound("没有这一轮投票", "No such round")
    if found.status != "counted":
        raise NotFound("本轮尚未计票，选票清单在计票后公开", "The ballots are published once the round is counted")
    return found, public_box(session(), found, case.data)


def ballot_box() -> BallotBox:
    return BallotBox(service().db)


def roll_of(case: Case) -> list[Row[tuple[str, str, str]]]:
    """The voters on the roll (user name, name, unit): whom a teller may hand a paper ballot, whom one may write in."""
    return list(session().execute(select(RollEntry.username, RollEntry.name, RollEntry.unit)
                                  .where(RollEntry.case_id == case.id).order_by(RollEntry.username)))


def _page(case: Case, status: int = 200, **extra: object) -> tuple[str, int]:
    current = current_round(session(), case.id)
    user = signed_in()
    return render_template("ballots/ballot.html", case=case, round=current, roll=roll_of(case),
                           names=(case.data.get("round") or {}).get("names", {}),
                           voted=ballot_box().has_voted(session(), case.id, user.username), **extra), status


@bp.get("/<int:case_id>/ballot")
def ballot(case_id: int) -> tuple[str, int]:
    return _page(election(case_id, signed_in()))


@bp.post("/<int:case_id>/ballot")
def cast(case_id: int) -> tuple[str, int]:
    case = election(case_id, signed_in())
    marks = marks_from(request.form)
    try:
        code = ballot_box().cast(case.id, signed_in(), marks)
    except InvalidData as refused:
        return _page(case, 422, error=refused.message, errors=refused.fields, posted=marks)
    except ActionRefused as refused:
        return _page(case, refused.status, error=refused.message)
    return render_template("ballots/receipt.html", case=case, code=code), 200


@bp.route("/<int:case_id>/receipt", methods=["GET", "POST"])
def receipt(case_id: int) -> tuple[str, int]:
    case = election(case_id, signed_in())
    if request.method == "GET":
        return render_template("ballots/check.html", case=case, checked=None), 200
    code = request.form.get("code", "").strip()
    found = ballot_box().check_receipt(session(), case.id, code) if code else None
    return render_template("ballots/check.html", case=case, checked=code, found=found), 200 if found else 404


@bp.get("/<int:case_id>/rounds/<int:number>/ballots")
def box(case_id: int, number: int) -> tuple[str, int]:
    case = election(case_id, signed_in())
    counted, public = counted_box(case, number)
    again = recount(public).to_dict()
    published = counted.tally or {}
    number_, ballots = page_number(), public["ballots"]
    page = Page(ballots[(number_ - 1) * PER_PAGE:number_ * PER_PAGE], len(ballots), number_, PER_PAGE)
    return render_template("ballots/box.html", case=case, round=counted, box=public, recounted=again,
                           agrees=again == {k: v for k, v in published.items() if k != "round"},
                           names=voter_names(session(), case), page=page, first=(number_ - 1) * PER_PAGE), 200


@bp.get("/<int:case_id>/rounds/<int:number>/ballots.json")
def box_json(case_id: int, number: int) -> Response:
    case = election(case_id, signed_in())
    _, public = counted_box(case, number)
    return Response(json.dumps(public, ensure_ascii=False, indent=1), mimetype="application/json", headers={
        "Content-Disposition": f"attachment; filename={case.number}-round-{number}-ballots.json"})


@bp.get("/<int:case_id>/rounds/<int:number>/ballots.csv")
def box_csv(case_id: int, number: int) -> Response:
    case = election(case_id, signed_in())
    _, public = counted_box(case, number)
    names = voter_names(session(), case)
    out = io.StringIO()
    out.write("\ufeff")  # Excel opens UTF-8 with its mark as Chinese, not as mojibake
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["序号", "方式", *(names.get(c, c) for c in public["candidates"]), "另选他人"])
    for i, b in enumerate(public["ballots"], start=1):
        writer.writerow([i, "纸质" if b["paper"] else "网上",
                         *(MARK_TEXT[b["marks"].get(c, "abstain")] for c in public["candidates"]),
                         "、".join(names.get(w, w) for w in b["write_ins"])])
    return Response(out.getvalue().encode("utf-8"), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename={case.number}-round-{number}-ballots.csv"})


def marks_from(form: MultiDict[str, str]) -> Marks:
    """mark_<username> = yes|no|abstain, one per candidate; write_in: the user names written in (另选他人)."""
    marks = {k.removeprefix("mark_"): v for k, v in form.items() if k.startswith("mark_")}
    return Marks(marks, tuple(w.strip() for w in form.getlist("write_in") if w.strip()))
