"""活动: the calendar of published events, an event's page (sign up, cancel, check in with the venue's code), and the
organiser's list (who has a place, who waits, who came).

An event is published once its sheet exists (the `publish` step): from then on every signed-in member may read its
notice — it is the union's public business — and those in its audience may sign up. The plan with its budget stays
on the case page, for those who may read the case.
"""
from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from processes.event import listing
from processes.event.models import EventSheet
from processes.event.signups import Registrations, check_audience
from web.auth import signed_in
from web.i18n import lang, message
from web.pages import definition_of, page_blueprint, today
from web.services import service, session
from workflow.cases.service import NotFound
from workflow.core.display import chinese_date, data_text, local
from workflow.core.engine import ActionRefused
from workflow.core.forms import DATE_MIN
from workflow.store.models import Case

bp = page_blueprint("events", __name__, url_prefix="/events")


def registrations() -> Registrations:
    return Registrations(service().db, service().clock)


def _month(arg: str | None) -> date:
    """The month asked for (YYYY-MM), else this one; the calendar links to the months either side, so not 9999-12."""
    try:
        year, month = (int(part) for part in (arg or "").split("-"))
        if DATE_MIN.year <= year < date.max.year:
            return date(year, month, 1)
    except ValueError:
        pass
    return today().replace(day=1)


@bp.get("")
def index() -> str:
    """The month's events (or the list of what is coming), the viewer's own sign-ups marked."""
    user, first = signed_in(), _month(request.args.get("month"))
    as_list = request.args.get("view") == "list"
    days = calendar.monthrange(first.year, first.month)[1]
    last = first.replace(day=days)
    span = (today().isoformat(), "9999-12-31") if as_list else (first.isoformat(), last.isoformat())
    events = listing.between(session(), user, *span)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    by_day: dict[date, list[listing.Listed]] = {}
    for event in events:
        by_day.setdefault(event.day, []).append(event)
    return render_template("events/index.html", events=events, weeks=weeks, by_day=by_day, first=first,
                           listing=as_list, previous=(first - timedelta(days=1)).strftime("%Y-%m"),
                           following=(last + timedelta(days=1)).strftime("%Y-%m"),
                           plan=listing.may_read_plan(user))


@bp.get("/plan")
def annual_plan() -> str:
    """全年活动计划: every event of a year past its draft, with its budget, what was spent and who came (staff)."""
    listing.check_plan_reader(signed_in())
    year = request.args.get("year", type=int) or today().year
    rows, totals = listing.annual_plan(session(), service().workflows, year)
    events = [(case, confirmed, definition_of(case).states[case.state].label) for case, confirmed in rows]
    return render_template("events/plan.html", events=events, year=year, totals=totals)


def _page(case_id: int, status: int = 200, **extra: Any) -> tuple[str, int]:
    user = signed_in()
    case, sheet = listing.published(session(), case_id)
    definition = definition_of(case)
    shown = {f["key"]: f["value"] for f in data_text(definition, case.data, service().units(session()), lang())}
    try:
        check_audience(sheet, user)
        eligible = None
    except ActionRefused as refused:
        eligible = message(refused)
    return render_template("events/show.html", case=case, sheet=sheet, shown=shown,
                           waiting=listing.waiting(session(), case.id),
                           mine=registrations().mine(session(), case.id, user.id), not_eligible=eligible,
                           manage=listing.reads_list(case, user), **extra), status


@bp.get("/<int:case_id>")
def show(case_id: int) -> tuple[str, int]:
    return _page(case_id)


@bp.get("/<int:case_id>/notice.pdf")
def notice_pdf(case_id: int) -> Response:
    """The published 活动通知, for every member (the plan and its budget stay on the case page)."""
    case, _sheet = listing.published(session(), case_id)
    notice = service().latest_document(session(), case.id, "event_notice")
    if notice is None:
        raise NotFound("活动通知不存在", "No event notice")
    return send_file(service().store.path(notice.sha256), mimetype="application/pdf", etag=notice.sha256, max_age=0,
                     download_name=f"活动通知-{case.number}.pdf")


def _act(case_id: int, step: Callable[[], str]) -> Response | tuple[str, int]:
    """Take a member's step (which says what it did); a refusal shows the page again with the reason. (The step
    itself finds the event's sheet or answers 404: no case is loaded on the way to a sign-up.)"""
    try:
        done = step()
    except ActionRefused as refused:
        return _page(case_id, refused.status, error=message(refused), errors=refused.fields)
    flash(done, "success")
    return redirect(url_for("events.show", case_id=case_id))


@bp.post("/<int:case_id>/signup")
def sign_up(case_id: int) -> Response | tuple[str, int]:
    def step() -> str:
        if registrations().sign_up(case_id, signed_in(), request.form) == "confirmed":
            return _("报名成功，您已获得名额")
        return _("名额已满，您已进入候补名单，有人取消时按报名先后递补")
    return _act(case_id, step)


@bp.post("/<int:case_id>/cancel")
def cancel(case_id: int) -> Response | tuple[str, int]:
    def step() -> str:
        mailed(registrations().cancel(case_id, signed_in()))
        return _("已取消报名")
    return _act(case_id, step)


def mailed(notified: tuple[int, ...]) -> None:
    """Hand the notifications a sign-up step wrote to the mailer, as the case steps do (web/inbox.py)."""
    if notified and service().on_notified is not None:
        service().on_notified(notified)


@bp.post("/<int:case_id>/checkin")
def check_in(case_id: int) -> Response | tuple[str, int]:
    def step() -> str:
        registrations().check_in_with_code(case_id, signed_in(), request.form.get("code", ""))
        return _("签到成功")
    return _act(case_id, step)


def _list_reader(case_id: int) -> tuple[Case, EventSheet, bool]:
    """The organiser and the chair manage an event's list; the 经审委 and auditors may read it. (…, manages?)"""
    case, sheet = listing.published(session(), case_id)
    return case, sheet, listing.list_access(case, signed_in())


@bp.get("/<int:case_id>/list")
def roster(case_id: int) -> tuple[str, int]:
    """The organiser's list: places, the queue, answers, who came; ticking people off once the event starts."""
    case, sheet, manage = _list_reader(case_id)
    return render_template("events/roster.html", case=case, sheet=sheet, manage=manage,
                           entries=registrations().entries(session(), case.id)), 200


@bp.get("/<int:case_id>/<any(list, sheet):kind>.pdf")
def roster_pdf(case_id: int, kind: str) -> Response:
    """报名名单 (places and queue, with the answers) or 签到表 (the places, a line each to sign at the door)."""
    case, sheet, _manage = _list_reader(case_id)
    entries = registrations().entries(session(), case.id)
    title = "报名名单" if kind == "list" else "签到表"
    data = case.data
    pdf = service().issuer.renderer.render("event_roster", {  # type: ignore[union-attr]
        "org_name": current_app.config["UNIONFLOW_ORG_NAME"], "doc": {"key": "event_roster", "title": title},
        "case": {"number": case.number, "title": data["title"], "submitter": case.submitter.display_name},
        "event": {"date": chinese_date(date.fromisoformat(data["event_date"])), "time": data["event_time"],
                  "place": data["place"], "capacity": sheet.capacity},
        "sheet_kind": kind, "questions": sheet.questions, "issued_at": local(service().clock()),
        "places": [e for e in entries if e.status == "confirmed"],
        "queue": [e for e in entries if e.status == "waitlisted"]})
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f"inline; filename={case.number}-{kind}.pdf", "Cache-Control": "no-store"})


@bp.post("/<int:case_id>/list/<username>")
def mark(case_id: int, username: str) -> Response:
    case, _sheet = listing.published(session(), case_id)  # (Registrations.mark checks the organiser)
    present = request.form.get("present") == "1"
    try:
        registrations().mark(case.id, signed_in(), username, present)
    except ActionRefused as refused:
        flash(message(refused), "danger")
    return redirect(url_for("events.roster", case_id=case.id) + f"#u-{username}")
