"""The person picker's server side: `GET /people/search?q=…&case=ID&field=NAME` answers, as JSON, the people that
`member` field of that case may name (workflow/cases/people.py asks the case's process), to whoever may read the
case and take a step with that field now; a posted person field's text resolved to its user name before the step.

The widget is static/person-picker.js on the fields templates/_macros.html renders. Refusals here are the API's
JSON error body (web/errors.py), for the script to show: 400 bad input, 401 not signed in, 403/404 the case.
"""
from __future__ import annotations

import unicodedata
from typing import Any

from flask import Blueprint, Response, jsonify, request

from web.auth import current_user
from web.errors import answers_in_json
from web.inputs import BadRequest
from web.pages import query_id
from web.services import service, session
from workflow.cases import people
from workflow.core.engine import Forbidden
from workflow.core.forms import clean_text, shown_name
from workflow.store.models import Case, User

bp = answers_in_json(Blueprint("people", __name__))


@bp.get("/people/search")
def search() -> Response:
    """Signed in by the session (or an API token); a GET, so no CSRF token. Bounded: q at most QUERY_MAX
    characters, at most MAX_RESULTS people, and `more` when there were more."""
    user = current_user(session())
    text = _query(request.args.get("q"))
    case_id, field = query_id("case"), request.args.get("field", "")
    if case_id is None:
        raise BadRequest("缺少事项编号（case）", "The case (case=ID) is missing")
    if not field.strip():
        raise BadRequest("缺少字段名（field）", "The field (field=NAME) is missing")
    case = service().get_case(session(), case_id, user)  # 404 no such case, 403 not one this user may read
    _check_field(case, user, field)
    domain = service().domains.get(service().definition_of(case, session()).key)
    found, more = people.search(session(), text, people.eligible(domain, session(), case, field))
    return jsonify({"people": [{"username": p.username, "name": p.name, "unit": p.unit, "label": p.label}
                               for p in found], "more": more})


def _query(raw: str | None) -> str:
    """The search text: NFKC (full-width typing finds Latin user names), within bounds, no control character."""
    text = (raw or "").strip()
    if len(text) > people.QUERY_MAX:  # before NFKC, whose time grows with the text
        raise BadRequest(f"查找内容不能超过 {people.QUERY_MAX} 个字符", f"Search for at most {people.QUERY_MAX} characters")
    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        raise BadRequest("请输入要查找的姓名或用户名", "Type a name or a user name to search for")
    if not clean_text(text):
        raise BadRequest("查找内容包含无效字符", "The search holds an invalid character")
    return text[:people.QUERY_MAX]


def _check_field(case: Case, user: User, field: str) -> None:
    """A person field of a step out of the case's state (400 if none), and one this user may take now (403)."""
    definition = service().definition_of(case, session())
    if not any(f.type == "member" and f.name == field for t in definition.transitions_from(case.state)
               for f in t.fields):
        raise BadRequest(f"此事项当前没有可选择人员的「{shown_name(field)}」一项",
                         f"The case has no person field '{shown_name(field)}' now")
    if not any(f.type == "member" and f.name == field for a in service().actions_for(session(), case, user)
               for f in a.fields):
        raise Forbidden("您当前不能办理需要填写此项的操作", "You may not take a step with this field now")


def resolved(case_id: int, trigger: str, user: User, values: Any) -> Any:
    """The posted values with each person field's text as the user name it names (a name, a label as the picker
    shows it, or a user name); InvalidData on the fields that name nobody, several people or someone the process
    does not admit. Left as posted for a case this user may not read: the step refuses that by itself."""
    case = service().snapshot(session(), case_id)
    fields = service().workflows.engine(case.definition_version, session()).form_fields(case.state, trigger)
    if not any(f.type == "member" for f in fields) or not service().may_view(session(), case, user):
        return values
    domain = service().domains.get(service().definition_of(case, session()).key)
    return people.resolve_fields(session(), domain, case, fields, values)


@bp.app_template_global("person_of")
def person_of(value: Any) -> people.Person | None:
    """The person a person field's value (a user name) names, to show it as 孙强（sunqiang，第一车间）."""
    return people.named(session(), value)
