"""我的委托: name a delegate for a date range, for all processes or some, and cancel it (docs/architecture.md § Tasks;
the rules in workflow/cases/delegations.py, the moves in workflow/cases/delegation_moves.py)."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from web.auth import signed_in
from web.i18n import message
from web.pages import page_blueprint, today
from web.services import service, session
from workflow.cases import delegation_moves, delegations
from workflow.core.engine import InvalidData
from workflow.store.models import Delegation

bp = page_blueprint("delegation", __name__, url_prefix="/me/delegation")


def delegation_json(found: Delegation | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {"id": found.id, "to": found.delegate, "from": found.starts.isoformat(), "until": found.ends.isoformat(),
            "workflows": list(found.workflows), "in_force": found.starts <= today() <= found.ends}


@bp.get("/")
def show() -> str:
    return _page()


@bp.post("/")
def set_() -> BaseResponse | tuple[str, int]:
    form = request.form
    chosen = form.getlist("workflows")
    try:
        delegation_moves.set_delegation(service(), signed_in(), form.get("to", ""), form.get("from", ""),
                                        form.get("until", ""), chosen or None)
    except InvalidData as refused:
        flash(message(refused), "danger")
        return _page(refused.fields, {"to": form.get("to", ""), "from": form.get("from", ""),
                                      "until": form.get("until", ""), "workflows": chosen}), 422
    flash(_("委托已设置：期间您的待办交由受托人办理"), "success")
    return redirect(url_for("delegation.show"))


@bp.post("/cancel")
def cancel() -> BaseResponse:
    if delegation_moves.cancel(service(), signed_in()):
        flash(_("委托已取消，受托人尚未办理的任务已交回给您"), "success")
    return redirect(url_for("delegation.show"))


def _page(errors: dict[str, str] | None = None, typed: dict[str, Any] | None = None) -> str:
    found = delegations.current(session(), signed_in(), today())
    return render_template("delegation/show.html", delegation=delegation_json(found), errors=errors or {},
                           typed=typed or {}, workflows=service().workflows.current, today=today())
