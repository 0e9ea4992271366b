"""公示: the cases on public notice, for everyone signed in — the applicant's name masked, the notice itself as its
vetted PDF — and the objection anyone may file (a public step: it opens nothing else of the file)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from web.auth import signed_in
from web.fields import posted_values
from web.i18n import label, message
from web.pages import page_blueprint
from web.services import service, session
from workflow.cases.notices import cases_on_notice, on_notice
from workflow.cases.service import NotFound
from workflow.core.display import mask_name
from workflow.core.engine import ActionRefused, InvalidData
from workflow.store.models import Case

bp = page_blueprint("notices", __name__, url_prefix="/notices")


def _case(case_id: int) -> Case:
    case = session().get(Case, case_id)
    if case is None:
        raise NotFound("事项不存在", "No such case")
    return case


def _listing(errors: dict[int, dict[str, str]] | None = None, posted: dict[int, dict[str, str]] | None = None,
             status: int = 200) -> tuple[str, int]:
    items = []
    for case in cases_on_notice(session(), service().workflows):
        definition, step = on_notice(session(), service().workflows, case)
        items.append({"case": case, "definition": definition, "step": step, "name": mask_name(case.submitter.display_name),
                      "errors": (errors or {}).get(case.id, {}), "values": (posted or {}).get(case.id, {})})
    return render_template("notices.html", items=items, units=service().units(session())), status


@bp.get("/")
def index() -> tuple[str, int]:
    return _listing()


@bp.get("/<int:case_id>/notice.pdf")
def notice_pdf(case_id: int) -> Response:
    case = _case(case_id)
    definition, _step = on_notice(session(), service().workflows, case)
    stage = definition.states[case.state].document
    doc = service().latest_document(session(), case_id, stage) if stage else None
    if doc is None:
        raise NotFound("公示文书不存在", "No notice document")
    return send_file(service().store.path(doc.sha256), mimetype="application/pdf",
                     download_name=f"{doc.title}-{case.number}.pdf", etag=doc.sha256, max_age=0)


@bp.post("/<int:case_id>/object")
def object_(case_id: int) -> Response | tuple[str, int]:
    _definition, step = on_notice(session(), service().workflows, _case(case_id))
    values = posted_values(request.form)
    try:
        service().perform(case_id, step.trigger, signed_in(), request.form.get("version", type=int) or 0, values,
                          request.form.get("comment") or None)
    except InvalidData as refused:
        flash(message(refused), "danger")
        return _listing({case_id: refused.fields}, {case_id: values}, 422)
    except ActionRefused as refused:
        if refused.status != 409:
            raise
        flash(_("未能提交：%(reason)s", reason=message(refused)), "warning")
        return redirect(url_for("notices.index"))
    flash(_("已提交「%(action)s」，工会将进行复查", action=label(step.label)), "success")
    return redirect(url_for("notices.index"))
