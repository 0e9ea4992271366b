"""待办 (my open tasks, exactly what the engine allows), 已办 (the tasks I completed), and the task verbs taken from a
case page: 签收, 转交 and 催办, and 批量同意 from the 待办 (docs/architecture.md § Tasks)."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from web.auth import signed_in
from web.cases import case_page, moved_on
from web.fields import typed_people
from web.i18n import message
from web.pages import page_blueprint, page_number, today
from web.services import service, session
from workflow.cases import batch, reminders, task_verbs, worklists
from workflow.cases.service import Conflict
from workflow.core.engine import InvalidData, NotOpen
from workflow.core.reminding import TooSoon
from workflow.core.seats import Taken
from workflow.store.models import Case

bp = page_blueprint("tasks", __name__, url_prefix="/tasks")


@bp.get("/")
def todo() -> str:
    user = signed_in()
    filters = worklists.Filters(workflow=request.args.get("workflow") or None,
                                state=request.args.get("state") or None, unit=request.args.get("unit") or None)
    page = worklists.queue(service(), session(), user, filters, page_number(), today=today())
    workflows = service().workflows.current
    definition = workflows.get(filters.workflow or "")
    states = definition.states.values() if definition else []
    steps = batch.batchable(definition, filters.state) if definition and filters.state in definition.states else []
    return render_template("tasks/todo.html", page=page, filters=filters, workflows=workflows, states=states,
                           steps=steps, units=service().units(session()))


@bp.post("/batch")
def batch_approve() -> tuple[str, int]:
    """批量同意 from the 待办: each chosen task its own step; the page reports each case, done or why not."""
    user = signed_in()
    try:
        ids = [int(i) for i in request.form.getlist("task_ids")]
    except ValueError:
        ids = None  # refused below with the field named
    try:
        outcomes = batch.approve(service(), user, ids, request.form.get("trigger"), request.form.get("comment", ""))
    except InvalidData as refused:
        flash(message(refused), "danger")
        return render_template("tasks/batch.html", outcomes=[], cases={}), 422
    cases = {c.id: c for c in session().scalars(select(Case).where(Case.id.in_([o.case_id for o in outcomes])))}
    return render_template("tasks/batch.html", outcomes=outcomes, cases=cases), 200


@bp.get("/done")
def done() -> str:
    return render_template("tasks/done.html", page=worklists.done(session(), signed_in(), page_number()))


@bp.post("/<int:task_id>/claim")
def claim(task_id: int) -> BaseResponse:
    case_id = task_verbs.case_of(session(), task_id)
    try:
        done = task_verbs.claim(service(), task_id, signed_in())
    except (Conflict, Taken, NotOpen) as refused:
        return moved_on(refused, case_id)
    flash(_("已签收，此任务由您办理"), "success")
    return redirect(url_for("cases.show", case_id=done.case_id))


@bp.post("/<int:task_id>/transfer")
def transfer(task_id: int) -> BaseResponse | tuple[str, int]:
    to = request.form.get("to", "")
    return _task_form(task_id, f"transfer-{task_id}", {"to": to},
                      lambda user, comment: task_verbs.transfer(service(), task_id, user, to, comment), _("已转交"))


@bp.post("/<int:task_id>/reassign")
def reassign(task_id: int) -> BaseResponse | tuple[str, int]:
    """流程干预 from the case page: the administrator gives the task to a named person, with a reason."""
    to = request.form.get("to", "")
    return _task_form(task_id, f"reassign-{task_id}", {"to": to},
                      lambda user, comment: task_verbs.reassign(service(), task_id, user, to, comment), _("已改派"))


@bp.post("/<int:task_id>/add_sign")
def add_sign(task_id: int) -> BaseResponse | tuple[str, int]:
    """加签 from the case page: user names in one box, where they come (before, after, alongside), a note."""
    typed, position = request.form.get("users", ""), request.form.get("position", "")
    return _task_form(task_id, f"add_sign-{task_id}", {"users": typed, "position": position},
                      lambda user, comment: task_verbs.add_sign(service(), task_id, user, typed_people(typed),
                                                                position, comment), _("已加签，等待加签人办理"))


@bp.post("/<int:task_id>/remove_sign")
def remove_sign(task_id: int) -> BaseResponse | tuple[str, int]:
    """减签 from the case page: one signer's button."""
    who = request.form.get("user", "")
    return _task_form(task_id, f"remove_sign-{task_id}", {},
                      lambda user, comment: task_verbs.remove_sign(service(), task_id, user, [who], comment),
                      _("已减签"))


@bp.post("/<int:task_id>/sign_off")
def sign_off(task_id: int) -> BaseResponse | tuple[str, int]:
    """An added signer's opinion from the case page."""
    opinion = request.form.get("opinion", "")
    return _task_form(task_id, f"sign_off-{task_id}", {"opinion": opinion},
                      lambda user, comment: task_verbs.sign_off(service(), task_id, user, opinion, comment),
                      _("已提交加签意见"))


def _task_form(task_id: int, key: str, values: dict[str, str], verb: Any, done: str) -> BaseResponse | tuple[str, int]:
    """A task verb's form on the case page: to the case with a flash; someone quicker, back to the case as it is now;
    invalid, the case page again with what was typed and why (under `key`)."""
    user = signed_in()
    case_id = task_verbs.case_of(session(), task_id)
    comment = request.form.get("comment", "")
    try:
        verb(user, comment)
    except (Conflict, Taken, NotOpen) as refused:
        return moved_on(refused, case_id)
    except InvalidData as refused:
        flash(message(refused), "danger")
        case = service().get_case(session(), case_id, user)
        return case_page(case, {key: refused.fields}, {"trigger": key, "values": values, "comment": comment},
                         status=422)
    flash(done, "success")
    return redirect(url_for("cases.show", case_id=case_id))


@bp.post("/remind/<int:case_id>")
def remind(case_id: int) -> BaseResponse:
    """催办 from the case page: the applicant reminds whoever the case waits on."""
    try:
        reminders.remind(service(), case_id, signed_in())
    except (TooSoon, NotOpen, Conflict) as refused:
        return moved_on(refused, case_id)
    flash(_("已催办：已通知当前办理人"), "success")
    return redirect(url_for("cases.show", case_id=case_id))
