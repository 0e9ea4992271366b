"""我的申请 (the cases I filed) and 发起 (start a process: its first form, saved as a draft or submitted)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from web.auth import signed_in
from web.fields import posted_values, uploader
from web.i18n import label, message
from web.pages import page_blueprint, page_number, today
from web.services import service, session
from workflow.cases import worklists
from workflow.core import forms
from workflow.core.definition import Definition, Transition
from workflow.core.engine import ActionRefused, Forbidden, InvalidData

bp = page_blueprint("mine", __name__)


@bp.get("/requests")
def requests() -> str:
    workflow = request.args.get("workflow") or None
    page = worklists.my_requests(session(), signed_in(), page_number(), workflow=workflow)
    return render_template("mine/requests.html", page=page, workflow=workflow, workflows=service().workflows.current)


@bp.get("/start")
def start() -> str:
    user = signed_in()
    startable = [d for d in service().workflows.current.values() if d.start_roles & user.roles]
    return render_template("mine/start.html", startable=startable)


def _first_step(definition: Definition) -> Transition | None:
    steps = [t for t in definition.transitions_from(definition.initial) if t.trigger != "withdraw"]
    return steps[0] if steps else None


@bp.route("/start/<key>", methods=["GET", "POST"])
def start_form(key: str) -> Response | str | tuple[str, int]:
    user = signed_in()
    definition = service().workflows.get(key)
    if definition is None:
        abort(404)
    if not definition.start_roles & user.roles:
        raise Forbidden(f"您的角色不能发起「{definition.label.zh}」", f"You may not start '{definition.label.en}'")
    step = _first_step(definition)
    fields = step.fields if step else ()
    units = service().units(session())
    if request.method != "POST":  # GET and HEAD show the form; only a POST changes anything
        return render_template("mine/start_form.html", definition=definition, step=step, fields=fields, values={},
                               errors={}, units=units)
    try:
        values = posted_values(request.form, request.files, uploader(user))
    except InvalidData as refused:
        flash(message(refused), "danger")
        return render_template("mine/start_form.html", definition=definition, step=step, fields=fields,
                               values=posted_values(request.form), errors=refused.fields, units=units), 422
    submit = request.form.get("intent") == "submit" and step is not None
    if submit:
        try:  # check the whole form first: a refused submission leaves no half-made draft behind
            forms.validate(fields, values, today=today(), units=units)
        except forms.FormErrors as exc:
            flash(_("提交的数据有误，请按提示修改"), "danger")
            return render_template("mine/start_form.html", definition=definition, step=step, fields=fields,
                                   values=values, errors=exc.fields, units=units), 422
    try:
        case = service().create_case(user, key, values)
    except ActionRefused as refused:
        flash(message(refused), "danger")
        return render_template("mine/start_form.html", definition=definition, step=step, fields=fields,
                               values=values, errors=refused.fields, units=units), refused.status
    if not submit:
        flash(_("草稿已保存：%(number)s", number=case.number), "success")
        return redirect(url_for("cases.show", case_id=case.id))
    try:
        service().perform(case.id, step.trigger, user, case.version, values, request.form.get("comment") or None)
    except ActionRefused as refused:
        flash(_("已保存为草稿 %(number)s，但未能提交：%(reason)s", number=case.number, reason=message(refused)),
              "warning")
        return redirect(url_for("cases.show", case_id=case.id))
    flash(_("已提交：%(number)s（%(action)s）", number=case.number, action=label(step.label)), "success")
    return redirect(url_for("cases.show", case_id=case.id))
