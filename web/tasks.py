"""待办 (what waits on me, exactly what the engine allows) and 已办 (what I acted on)."""
from __future__ import annotations

from flask import render_template, request

from web.auth import signed_in
from web.pages import page_blueprint, page_number, today
from web.services import service, session
from workflow.cases import worklists

bp = page_blueprint("tasks", __name__, url_prefix="/tasks")


@bp.get("/")
def todo() -> str:
    user = signed_in()
    filters = worklists.Filters(workflow=request.args.get("workflow") or None,
                                state=request.args.get("state") or None, unit=request.args.get("unit") or None)
    page = worklists.queue(service(), session(), user, filters, page_number(), today=today())
    workflows = service().workflows.current
    states = workflows[filters.workflow].states.values() if filters.workflow in workflows else []
    return render_template("tasks/todo.html", page=page, filters=filters, workflows=workflows, states=states,
                           units=service().units(session()))


@bp.get("/done")
def done() -> str:
    return render_template("tasks/done.html", page=worklists.done(session(), signed_in(), page_number()))
