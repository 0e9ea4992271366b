"""The auditor's room: search every case, read any case, verify integrity, the dossier PDF, CSV of histories.

Everything here reads; nothing changes a case. Only the auditor role may enter (checked on every request).
"""
from __future__ import annotations

from datetime import date

from flask import Response, render_template, request
from flask_babel import gettext as _

from web.auth import require_role, signed_in
from web.pages import page_blueprint, page_number, query_id, today
from web.services import service, session
from workflow.audit.dossier import build_dossier
from workflow.audit.export import histories_csv
from workflow.audit.verify import verify
from workflow.cases import worklists
from workflow.core.engine import InvalidData
from workflow.core.forms import parse_day
from workflow.store.models import Case

bp = page_blueprint("auditing", __name__, url_prefix="/audit")
EXPORT_LIMIT = 10_000  # cases per CSV: a whole year of a large union


@bp.before_request
def _auditors_only() -> None:
    require_role(signed_in(), "auditor")


def _day(name: str) -> tuple[date | None, str | None]:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None, None
    try:
        return parse_day(raw), None
    except ValueError:
        return None, _("日期格式应为 YYYY-MM-DD")


def _criteria() -> tuple[worklists.Search, dict[str, str]]:
    since, since_error = _day("since")
    until, until_error = _day("until")
    errors = {k: v for k, v in (("since", since_error), ("until", until_error)) if v}
    if since and until and since > until:
        errors["until"] = _("结束日期不能早于开始日期")
    criteria = worklists.Search(number=request.args.get("number") or None,
                                workflow=request.args.get("workflow") or None,
                                state=request.args.get("state") or None, since=since, until=until,
                                person=request.args.get("person") or None)
    return criteria, errors


@bp.get("/")
def search() -> tuple[str, int]:
    criteria, errors = _criteria()
    page = worklists.search(session(), criteria, page_number()) if not errors else worklists.Page([], 0)
    workflows = service().workflows.current
    states = workflows[criteria.workflow].states.values() if criteria.workflow in workflows else []
    return render_template("auditing/search.html", page=page, criteria=criteria, errors=errors, workflows=workflows,
                           states=states, args=request.args.to_dict(flat=True),
                           query={k: v for k, v in request.args.items() if k != "page"}), 422 if errors else 200


@bp.get("/verify")
def verify_cases() -> tuple[str, int]:
    """Verify one case (?case=ID) or every case the search matches."""
    case_id = query_id("case")
    if case_id is not None:
        ids = [service().get_case(session(), case_id, signed_in()).id]
    else:
        criteria, errors = _criteria()
        if errors:
            return render_template("auditing/verify.html", report=None, errors=errors), 422
        ids = list(session().scalars(worklists.search_query(criteria).with_only_columns(Case.id)))
    report = verify(session(), service().store, service().workflows, ids)
    return render_template("auditing/verify.html", report=report, errors={}, single=case_id is not None), 200


@bp.get("/cases/<int:case_id>/dossier.pdf")
def dossier(case_id: int) -> Response:
    user = signed_in()
    case = service().get_case(session(), case_id, user)
    service().log_view(case, user, "dossier")
    pdf = build_dossier(session(), case, service().workflows, service().store, service().issuer.renderer,
                        service().issuer.org_name, compiled_by=user.display_name,
                        compiled_at=service().clock())
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f"inline; filename*=UTF-8''{case.number}-dossier.pdf"})


@bp.get("/export.csv")
def export_csv() -> Response:
    criteria, errors = _criteria()
    if errors:
        raise InvalidData("查询条件有误：" + "；".join(errors.values()), "Invalid search", fields=errors)
    cases = list(session().scalars(worklists.search_query(criteria).order_by(Case.id).limit(EXPORT_LIMIT)))
    text = histories_csv(session(), cases, service().workflows)
    stamp = today().isoformat()
    return Response(text.encode("utf-8"), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=unionflow-histories-{stamp}.csv"})
