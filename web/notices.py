"""公示: the cases on public notice, for everyone signed in — the applicant's name masked, the notice itself as its
vetted PDF — and the objection anyone may file (a public step: it opens nothing else of the file)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select
from werkzeug.wrappers import Response

from web.auth import signed_in
from web.fields import posted_values
from web.i18n import label, message
from web.pages import page_blueprint
from web.services import service, session
from workflow.cases.service import NotFound
from workflow.core.definition import Definition, Transition
from workflow.core.display import mask_name
from workflow.core.engine import ActionRefused, InvalidData
from workflow.store.models import Case, Document

bp = page_blueprint("notices", __name__, url_prefix="/notices")


def _public_steps(definition: Definition) -> dict[str, Transition]:
    """The states of a process that are on public notice, with the public step open there."""
    return {source: t for t in definition.transitions if t.public for source in t.sources}


def _on_notice(case: Case) -> tuple[Definition, Transition]:
    definition = service().definition_of(case, session())
    step = _public_steps(definition).get(case.state)
    if step is None:
        raise NotFound("该事项不在公示期内", "This case is not on public notice")
    return definition, step


def _listing(errors: dict[int, dict[str, str]] | None = None, posted: dict[int, dict[str, str]] | None = None,
             status: int = 200) -> tuple[str, int]:
    wanted = []
    for version in session().scalars(select(Case.definition_version).distinct()):  # few versions; small query
        states = list(_public_steps(service().workflows.definition(version, session())))
        if states:
            wanted.append(and_(Case.definition_version == version, Case.state.in_(states)))
    cases = list(session().scalars(select(Case).where(or_(*wanted)).order_by(Case.due_date, Case.id))) if wanted else []
    items = []
    for case in cases:
        definition, step = _on_notice(case)
        items.append({"case": case, "definition": definition, "step": step, "name": mask_name(case.submitter.display_name),
                      "errors": (errors or {}).get(case.id, {}), "values": (posted or {}).get(case.id, {})})
    return render_template("notices.html", items=items, units=service().units(session())), status


@bp.get("/")
def index() -> tuple[str, int]:
    return _listing()


@bp.get("/<int:case_id>/notice.pdf")
def notice_pdf(case_id: int) -> Response:
    case = session().get(Case, case_id)
    if case is None:
        raise NotFound("事项不存在", "No such case")
    definition, _step = _on_notice(case)
    stage = definition.states[case.state].document
    doc = session().scalar(select(Document).where(Document.case_id == case_id, Document.stage == stage)
                           .order_by(Document.id.desc()).limit(1)) if stage else None
    if doc is None or not service().store.exists(doc.sha256):
        raise NotFound("公示文书不存在", "No notice document")
    return send_file(service().store.path(doc.sha256), mimetype="application/pdf",
                     download_name=f"{doc.title}-{case.number}.pdf", etag=doc.sha256, max_age=0)


@bp.post("/<int:case_id>/object")
def object_(case_id: int) -> Response | tuple[str, int]:
    case = session().get(Case, case_id)
    if case is None:
        raise NotFound("事项不存在", "No such case")
    _definition, step = _on_notice(case)
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
