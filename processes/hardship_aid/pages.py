"""Reports: the hardship-aid figures per year and unit (table, chart, CSV) for the chair, the committees and auditors."""
from __future__ import annotations

from collections import defaultdict

from flask import Response, render_template, request

from processes.hardship_aid import report as reports
from web.auth import signed_in
from web.i18n import label
from web.pages import page_blueprint, today
from web.services import service, session
from workflow.core.engine import Forbidden

bp = page_blueprint("reports", __name__, url_prefix="/reports")


@bp.before_request
def _readers_only() -> None:
    if not reports.may_read(signed_in()):
        raise Forbidden("只有工会主席、工会委员会、经审委和审计可以查看统计报表", "Reports are for the chair, "
                        "the committees and auditors")


def _year() -> int:
    year = request.args.get("year", type=int)
    return year if year and 2000 <= year <= 2100 else today().year


def _category_label(key: str) -> str:
    definition = service().workflows.get("hardship_aid")
    f = definition.field("category") if definition else None
    choice = next((c for c in (f.choices if f else ()) if c.value == key), None)
    return label(choice.label) if choice else key


@bp.get("/hardship")
def hardship() -> str:
    year = _year()
    rows = reports.hardship(session(), service().workflows, year)
    by_unit: dict[str, float] = defaultdict(float)
    for row in rows:
        by_unit[row.unit] += row.paid
    top = max(by_unit.values(), default=0) or 1
    bars = [{"unit": unit, "paid": paid, "width": round(paid / top * 100, 1)} for unit, paid in sorted(by_unit.items())]
    totals = {"cases": sum(r.cases for r in rows), "approved": sum(r.approved for r in rows),
              "paid": sum(r.paid for r in rows)}
    return render_template("reports/hardship.html", year=year, rows=rows, bars=bars, totals=totals,
                           outcomes=reports.OUTCOME_LABELS, category=_category_label)


@bp.get("/hardship.csv")
def hardship_csv() -> Response:
    year = _year()
    text = reports.hardship_csv(reports.hardship(session(), service().workflows, year), _category_label)
    return Response(text.encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=hardship-aid-{year}.csv"})
