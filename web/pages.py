"""What every page blueprint shares: sign-in required, the page number, today's date, the template globals."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Flask, current_app, request
from flask_login import login_required

from web import MAX_ID
from web.i18n import lang
from web.services import service, session
from workflow.cases.service import NotFound
from workflow.core import display
from workflow.core.display import chinese_date, local, local_date
from workflow.store.models import Case


def page_blueprint(name: str, import_name: str, **kwargs: object) -> Blueprint:
    """A blueprint whose every view needs a signed-in user."""
    bp = Blueprint(name, import_name, **kwargs)  # type: ignore[arg-type]

    @bp.before_request
    @login_required
    def _signed_in() -> None:
        return None

    return bp


MAX_PAGE = 100_000  # beyond any list here; the offset it makes still fits a database integer


def page_number() -> int:
    return min(max(1, request.args.get("page", 1, type=int) or 1), MAX_PAGE)


def query_id(name: str) -> int | None:
    """An id in the query string (None without one); more than an id column holds is no such thing."""
    value = request.args.get(name, type=int)
    if value is not None and not 0 <= value <= MAX_ID:
        raise NotFound("请求的内容不存在", "No such thing")
    return value


def today() -> date:
    """Today in Beijing, by the application's one clock (workflow/core/clock.py)."""
    return local_date(service().clock())


def definition_of(case: Case):  # noqa: ANN201 (the Definition of the case's version)
    return service().definition_of(case, session())


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(definition_of=definition_of,
                                 case_title=lambda c: display.case_title(definition_of(c), c.data,
                                                                         c.submitter.display_name, c.number, lang()),
                                 case_final=lambda c: definition_of(c).states[c.state].final)
    app.jinja_env.filters["local"] = lambda moment: local(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"
    app.jinja_env.filters["day"] = lambda day: day.isoformat() if lang() == "en" else chinese_date(day)

    @app.context_processor
    def _globals() -> dict[str, object]:
        return {"org_name": current_app.config["UNIONFLOW_ORG_NAME"], "today": today()}
