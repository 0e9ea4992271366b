"""Who may use which route: every endpoint of the app for every role of workflow/core/roles.py and signed out, the CSRF
token on every form, and no change of state on any GET (nor HEAD).

PERMISSIONS declares, for every endpoint in `app.url_map`, who may use it; a route without a declaration fails
test_the_table_covers_every_endpoint. PROBES are the requests that exercise each endpoint and method, with real
ids: a proposal filed by a representative and submitted (征集附议), one already assigned to 后勤保障部 (办理中),
a draft, their PDFs, a user, a unit, an API token.

The personas are one user per role (the cast of tests/support/people.py, and the roles it lacks made here), the
representative who filed the cases (`submitter`) and `anonymous` (signed out). Expected answers:

- pages: the allowed status (200, or the redirect the route makes) for an allowed persona; 403 with a Chinese
  error page in the site's layout for a signed-in persona without the right (404 for someone else's notification:
  it is as unknown to them as a missing one); 302 to /login when signed out;
- API (/api/v1, Bearer token, and the browser's session cookie): 401 without a token, 403 without the right,
  both as the JSON error body of docs/architecture.md §5.

Every refused POST is checked against the whole database (every row of every table, and the stored files) before
and after. An allowed POST acts on a target made for it (a fresh case, user, unit, token), so that no check
depends on another: the big matrix shares one SQLite world per module (and xdist worker), which keeps it fast
(argon2 makes every sign-in and every password cost ~25 ms, WeasyPrint every PDF ~1 s). A smaller matrix runs
on PostgreSQL. Bugs found here are in KNOWN_BUGS: their tests are strict xfails until the app is fixed.
"""
from __future__ import annotations

import io
import itertools
import re
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from support.people import PROPOSAL, Browser, pdf_bytes, seed
from sqlalchemy import select

from bootstrap import domains
from workflow.accounts.users import (
    create_unit,
    create_user,
    deactivate_user,
    issue_token,
    new_token,
)
from workflow.cases.notifications import notify
from workflow.cases.service import CaseService
from workflow.core.roles import ROLES
from workflow.store.models import ApiToken, Base, Document, OrgUnit, Task, User

# -- who is who ----------------------------------------------------------------------------------------------

PERSONAS = ("anonymous", "submitter", *ROLES)
SIGNED_IN_PERSONAS = PERSONAS[1:]
PASSWORD = "password-123"
# One user per role (workflow/core/roles.py); `submitter` is the representative who filed the cases below.
USERNAMES = {
    "submitter": "zhang", "member": "li", "representative": "wang", "proposal_committee": "zhao",
    "department_head": "zhou", "grassroots_union": "gao", "union_chair": "huang", "union_committee": "lin",
    "audit_committee": "he", "election_committee": "ma", "finance": "luo", "auditor": "song", "admin": "boss",
}
# The roles the cast of tests/support/people.py lacks; units from tests/support/people.py.
EXTRA_USERS = {
    "gao": ("高静", "CJ1", ["grassroots_union"]), "huang": ("黄海", "GH", ["union_chair"]),
    "lin": ("林涛", "GH", ["union_committee"]), "he": ("何平", "GH", ["audit_committee"]),
    "ma": ("马丽", "GH", ["election_committee"]), "luo": ("罗刚", "HQ", ["finance"]),
    "boss": ("管理员", "GH", ["admin"]),
}


# -- who may use what ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    rule: str
    personas: frozenset[str] = frozenset()
    case: str | None = None  # "read" or "act": need-to-know on the case a probe names
    refused: int = 403       # what a signed-in persona without the right gets
    shown_again: bool = False  # a reader of the case refused the step gets the case page again, not an error page


ANYONE = Access("anyone, signed out too", frozenset(PERSONAS))
SIGNED_IN = Access("any signed-in user (or API token)", frozenset(SIGNED_IN_PERSONAS))
ADMIN = Access("the admin role only", frozenset({"admin"}))
AUDITOR = Access("the auditor role only", frozenset({"auditor"}))
REPORT_READER = Access("the chair, the union committee, the audit committee, auditors",
                       frozenset({"union_chair", "union_committee", "audit_committee", "auditor"}))
STARTER = Access("the roles that may start the process (proposal: representative)",
                 frozenset({"submitter", "representative"}))
CASE_READER = Access("need-to-know: the submitter, those who handle the case, auditors; others 403", case="read")
TELLER = Access("the election committee's tellers, then need-to-know", frozenset({"election_committee"}), case="read")
DESK_READER = Access("the tellers and auditors, then need-to-know", frozenset({"election_committee", "auditor"}),
                     case="read")
CASE_ACTOR = Access("need-to-know, then the engine: only who may take that step now", case="act")
STEP = Access("need-to-know, then the engine; a reader refused is shown the case page again (status kept, the "
              "reason in an alert), whoever may not read the case the error page", case="act", shown_again=True)
EVENT = Access("signed in, then the event's own rules (published, audience, organiser); the world's cases are no "
               "events: 404 to all", frozenset(SIGNED_IN_PERSONAS))
HANDLER = Access("need-to-know, then those who handle the case (filed it, took or may take a step)",
                 frozenset({"submitter", "representative"}), case="read")
INTERVENER = Access("the administrator (流程干预), then need-to-know", frozenset({"admin"}), case="read")
APPLICANT = Access("the case's applicant alone (催办)", frozenset({"submitter"}))
OWNER = Access("the notification's owner (the submitter's, here); to anyone else it does not exist",
               frozenset({"submitter"}), refused=404)

PERMISSIONS: dict[str, Access] = {
    "login.login": ANYONE, "login.choose_language": ANYONE, "api.openapi": ANYONE, "favicon": ANYONE,
    "login.logout": SIGNED_IN, "login.password": SIGNED_IN, "home.index": SIGNED_IN, "tasks.todo": SIGNED_IN,
    "tasks.done": SIGNED_IN, "mine.requests": SIGNED_IN, "mine.start": SIGNED_IN,
    "api.workflows": SIGNED_IN, "api.workflow": SIGNED_IN, "api.queue": SIGNED_IN, "api.upload": SIGNED_IN,
    "mine.start_form": STARTER, "api.create_case": STARTER,
    "cases.show": CASE_READER, "cases.diagram_svg": CASE_READER, "cases.document": CASE_READER,
    "cases.attachment": CASE_READER,
    "ballots.ballot": CASE_READER, "ballots.cast": CASE_READER, "ballots.receipt": CASE_READER,
    "ballots.box": CASE_READER, "ballots.box_json": CASE_READER, "ballots.box_csv": CASE_READER,
    "tellers.desk": DESK_READER, "tellers.issue": TELLER, "tellers.enter": TELLER, "tellers.discard": TELLER,
    "notices.index": SIGNED_IN, "notices.notice_pdf": SIGNED_IN, "notices.object_": SIGNED_IN,
    "reports.hardship": REPORT_READER, "reports.hardship_csv": REPORT_READER,
    "election_api.cast": CASE_READER, "election_api.receipt": CASE_READER, "election_api.ballots": CASE_READER,
    "api.get_case": CASE_READER, "api.document": CASE_READER, "api.attachment": CASE_READER,
    "cases.act": STEP, "api.act": CASE_ACTOR, "api.tasks": SIGNED_IN,
    "api.batch_approve": SIGNED_IN, "tasks.batch_approve": SIGNED_IN,
    "api.reassign": INTERVENER, "tasks.reassign": INTERVENER,
    "api.add_sign": CASE_ACTOR, "api.remove_sign": CASE_ACTOR, "api.sign_off": CASE_ACTOR,
    "tasks.add_sign": CASE_ACTOR, "tasks.remove_sign": CASE_ACTOR, "tasks.sign_off": CASE_ACTOR,
    "api.claim": CASE_ACTOR, "api.transfer": CASE_ACTOR, "tasks.claim": CASE_ACTOR, "tasks.transfer": CASE_ACTOR,
    "api.remind": APPLICANT, "tasks.remind": APPLICANT, "api.copy": HANDLER, "copies.copy": HANDLER,
    "api.copied": SIGNED_IN, "copies.index": SIGNED_IN, "copies.read": SIGNED_IN, "copies.read_all": SIGNED_IN,
    "delegation.show": SIGNED_IN, "delegation.set_": SIGNED_IN, "delegation.cancel": SIGNED_IN,
    "api.my_delegation": SIGNED_IN, "api.put_delegation": SIGNED_IN, "api.delete_delegation": SIGNED_IN,
    "auditing.search": AUDITOR, "auditing.verify_cases": AUDITOR, "auditing.dossier": AUDITOR,
    "auditing.export_csv": AUDITOR, "api.audit_verify": AUDITOR,
    "admin.index": ADMIN, "admin.users": ADMIN, "admin.new_user": ADMIN, "admin.user": ADMIN,
    "admin.edit_user": ADMIN, "admin.deactivate": ADMIN, "admin.reactivate": ADMIN,
    "admin.set_user_password": ADMIN, "admin.units": ADMIN, "admin.new_unit": ADMIN, "admin.rename": ADMIN,
    "admin.tokens": ADMIN, "admin.issue": ADMIN, "admin.revoke": ADMIN, "admin.definitions": ADMIN,
    "admin.definition_source": ADMIN,
    "inbox.index": SIGNED_IN, "inbox.read_all": SIGNED_IN, "inbox.read": OWNER,
    "events.index": SIGNED_IN, "events.show": EVENT, "events.sign_up": EVENT, "events.cancel": EVENT,
    "events.check_in": EVENT, "events.roster": EVENT, "events.mark": EVENT,
    "event_api.sign_up": EVENT, "event_api.cancel_signup": EVENT, "events.roster_pdf": EVENT, "events.annual_plan": REPORT_READER,
    "events.notice_pdf": EVENT, "people.search": CASE_READER,
}
NOT_OURS = {"static", "bootstrap.static"}  # files, no permission of their own

# Need-to-know on the world's cases (docs/architecture.md invariant 6; definitions/proposal.yaml `visibility`): a draft is its
# author's own (and the auditor's); every representative (to second) and the committee read a submitted proposal;
# the department heads of the units it is assigned to read it once it is 办理中; the auditor reads everything.
# Only another representative may second (附议): not the proposer, not the committee, not the auditor.
CASE_READERS = {
    "draft": frozenset({"submitter", "auditor"}),
    "seconding": frozenset({"submitter", "representative", "proposal_committee", "auditor", "admin"}),
    "handling": frozenset({"submitter", "representative", "proposal_committee", "auditor", "department_head", "admin"}),
}
CASE_ACTORS = {"seconding": frozenset({"representative"})}


@dataclass(frozen=True)
class Probe:
    """One request for one endpoint. Placeholders: {case} {document} {task} (of the probe's case), {user} (an active
    member), {inactive} (a deactivated one), {unit}, {token}, {version} (of the proposal definition),
    {notification} (an unread one of the submitter's), {n} (a number unique in the world)."""

    endpoint: str
    method: str
    path: str
    form: dict[str, Any] | None = None  # the form (pages) or JSON body (API) an allowed persona sends
    ok: int = 200                       # the status an allowed persona gets
    ok_signed_in: int | None = None     # ...if it differs for a signed-in one
    changes: bool = False               # an allowed POST changes the database
    fresh: str | None = None            # an allowed POST gets its own target of this kind (see World.fresh)
    case: str = "seconding"
    signs_out: bool = False             # an allowed POST ends the browser's session: it gets a browser of its own
    upload: bool = False                # the body is one small PDF, multipart (field `file`), not JSON
    json: bool = False                  # a page's JSON outside /api (the people search): answered as the API is

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/") or self.json

    @property
    def id(self) -> str:
        where = f"[{self.case}]" if "{case}" in self.path or "{document}" in self.path else ""
        query = "?" + self.path.split("?", 1)[1].split("=")[0] if "?" in self.path else ""
        return f"{self.method} {self.endpoint}{query}{where}"

    def allowed(self) -> frozenset[str]:
        access = PERMISSIONS[self.endpoint]
        if access.case == "read":  # a role first (when the route names one), then need-to-know
            return CASE_READERS[self.case] & access.personas if access.personas else CASE_READERS[self.case]
        if access.case == "act":
            return CASE_ACTORS[self.case]
        return access.personas


P = Probe
PROBES = [
    P("login.login", "GET", "/login", ok_signed_in=302),
    P("login.login", "POST", "/login", {"username": "", "password": ""}, ok=422, ok_signed_in=302),
    P("login.choose_language", "POST", "/lang", {"lang": "zh_CN", "next": "/"}, ok=302),
    P("login.logout", "POST", "/logout", ok=302, changes=True, signs_out=True),
    P("login.password", "GET", "/password"),
    P("login.password", "POST", "/password", {"current_password": PASSWORD, "new_password": "new-password-1",
                                              "new_password_again": "new-password-2"}, ok=422),
    P("home.index", "GET", "/"),
    P("favicon", "GET", "/favicon.ico"),
    P("tasks.todo", "GET", "/tasks/"),
    P("tasks.done", "GET", "/tasks/done"),
    P("mine.requests", "GET", "/requests"),
    P("mine.start", "GET", "/start"),
    P("mine.start_form", "GET", "/start/proposal"),
    P("mine.start_form", "POST", "/start/proposal", {**PROPOSAL, "intent": "draft"}, ok=302, changes=True),
    P("cases.show", "GET", "/cases/{case}"),
    P("cases.show", "GET", "/cases/{case}", case="handling"),
    P("cases.show", "GET", "/cases/{case}", case="draft"),
    P("cases.diagram_svg", "GET", "/cases/{case}/diagram.svg"),
    P("cases.diagram_svg", "GET", "/cases/{case}/diagram.svg", case="draft"),
    # A reader of the case who asks for a file it does not hold gets 404 (uploads: tests/web/test_attachments_web.py).
    P("cases.attachment", "GET", "/cases/{case}/attachments/" + "0" * 64, ok=404),
    P("api.attachment", "GET", "/api/v1/cases/{case}/attachments/" + "0" * 64, ok=404),
    # 公示 is open to everyone signed in; a proposal is never on notice (hardship: tests/web/test_notices.py).
    P("notices.index", "GET", "/notices/"),
    P("reports.hardship", "GET", "/reports/hardship?year=2026"),
    P("reports.hardship_csv", "GET", "/reports/hardship.csv?year=2026"),
    P("notices.notice_pdf", "GET", "/notices/{case}/notice.pdf", ok=404),
    P("notices.object_", "POST", "/notices/{case}/object", {"objection": "据了解另有收入，请核实", "version": 2}, ok=404),
    P("cases.document", "GET", "/documents/{document}"),
    P("ballots.ballot", "GET", "/elections/{case}/ballot", ok=404),  # the world's cases are proposals
    P("ballots.cast", "POST", "/elections/{case}/ballot", {"mark_x": "yes"}, ok=404),
    P("ballots.receipt", "GET", "/elections/{case}/receipt", ok=404),
    P("ballots.receipt", "POST", "/elections/{case}/receipt", {"code": "AAAA-BBBB-CCCC"}, ok=404),
    P("ballots.box", "GET", "/elections/{case}/rounds/1/ballots", ok=404),
    P("ballots.box_json", "GET", "/elections/{case}/rounds/1/ballots.json", ok=404),
    P("ballots.box_csv", "GET", "/elections/{case}/rounds/1/ballots.csv", ok=404),
    P("events.index", "GET", "/events"),
    P("events.index", "GET", "/events?view=list&month=2026-13"),
    P("events.show", "GET", "/events/{case}", ok=404),
    P("events.notice_pdf", "GET", "/events/{case}/notice.pdf", ok=404),
    P("events.sign_up", "POST", "/events/{case}/signup", {"q0": "M"}, ok=404),
    P("events.cancel", "POST", "/events/{case}/cancel", ok=404),
    P("events.check_in", "POST", "/events/{case}/checkin", {"code": "123456"}, ok=404),
    P("events.roster", "GET", "/events/{case}/list", ok=404),
    P("events.roster_pdf", "GET", "/events/{case}/sheet.pdf", ok=404),
    P("events.annual_plan", "GET", "/events/plan?year=2026"),
    P("events.mark", "POST", "/events/{case}/list/li", {"present": "1"}, ok=404),
    P("event_api.sign_up", "POST", "/api/v1/events/{case}/signup", {"answers": {}}, ok=404),
    P("event_api.cancel_signup", "POST", "/api/v1/events/{case}/cancel", ok=404),
    P("tellers.desk", "GET", "/elections/{case}/desk", ok=404),
    P("tellers.issue", "POST", "/elections/{case}/paper/issue", {"voter": "li"}, ok=404),
    P("tellers.enter", "POST", "/elections/{case}/paper/enter", {"mark_x": "yes"}, ok=404),
    P("tellers.discard", "POST", "/elections/{case}/paper/1/discard", ok=404),
    P("cases.document", "GET", "/documents/{document}", case="handling"),
    # The person picker's search: need-to-know on the case first; a proposal has no person field (400).
    # Its results and bounds: tests/web/test_people_web.py.
    P("people.search", "GET", "/people/search?q=张&case={case}&field=nominee", ok=400, json=True),
    P("cases.act", "POST", "/cases/{case}/actions/second", {"version": "2", "comment": "附议"}, ok=302,
      changes=True, fresh="case"),
    # The world's pool task of 附议 is everyone's to take, not claimed or handed on: those of the pool hear so (409;
    # a page: back to the case with the reason), the rest are refused. Claims and transfers: tests/web/test_tasks_api.py.
    P("tasks.claim", "POST", "/tasks/{task}/claim", ok=302),
    P("tasks.transfer", "POST", "/tasks/{task}/transfer", {"to": "liu", "comment": "请代为附议"}, ok=302),
    # 加签 on a 附议 (everyone's own share) is refused to its pool (back to the case) and to the rest; nobody signs a
    # task that is no signer's. 加签 itself: tests/integration/test_signers.py, tests/web/test_tasks_api.py.
    P("tasks.add_sign", "POST", "/tasks/{task}/add_sign", {"users": "liu", "position": "before"}, ok=302),
    P("tasks.remove_sign", "POST", "/tasks/{task}/remove_sign", {"user": "liu"}, ok=422),
    P("tasks.sign_off", "POST", "/tasks/{task}/sign_off", {"opinion": "agree"}, ok=403),
    # Everyone may name a delegate for themself; the world never keeps one (a refused form, a cancel of none), so
    # that no probe changes another's outcome. Delegations: tests/integration/test_delegation.py.
    P("tasks.remind", "POST", "/tasks/remind/{case}", ok=302, changes=True, fresh="case"),
    P("tasks.reassign", "POST", "/tasks/{task}/reassign", {"to": "liu", "comment": "代表出差"}, ok=302, changes=True,
      fresh="case"),
    # 批量同意 answers every signed-in user with one result per task; each task is checked as its own step
    # (tests/web/test_batch.py, tests/integration/test_batch.py): here, a task nobody has.
    P("tasks.batch_approve", "POST", "/tasks/batch", {"task_ids": "999999", "trigger": "second"}, ok=200),
    P("copies.copy", "POST", "/cc/cases/{case}", {"users": "target", "comment": "请知悉"}, ok=302, changes=True,
      fresh="case"),
    P("copies.index", "GET", "/cc/"),
    # Nobody in the world has a copy of their own to mark (marking: tests/integration/test_copies.py).
    P("copies.read", "POST", "/cc/1/read", ok=302),
    P("copies.read_all", "POST", "/cc/read-all", ok=302),
    P("delegation.show", "GET", "/me/delegation/"),
    P("delegation.set_", "POST", "/me/delegation/", {"to": "", "from": "2026-11-23", "until": "2026-11-30"}, ok=422),
    P("delegation.cancel", "POST", "/me/delegation/cancel", ok=302),
    P("auditing.search", "GET", "/audit/"),
    P("auditing.verify_cases", "GET", "/audit/verify"),
    P("auditing.verify_cases", "GET", "/audit/verify?case={case}"),
    P("auditing.dossier", "GET", "/audit/cases/{case}/dossier.pdf"),
    P("auditing.export_csv", "GET", "/audit/export.csv"),
    P("admin.index", "GET", "/admin/", ok=302),
    P("admin.users", "GET", "/admin/users"),
    P("admin.new_user", "GET", "/admin/users/new"),
    P("admin.new_user", "POST", "/admin/users/new", {"username": "new{n}", "display_name": "新用户", "unit": "CJ1",
                                                     "roles": "admin", "password": "new-password-1"},
      ok=302, changes=True),
    P("admin.user", "GET", "/admin/users/{user}"),
    P("admin.edit_user", "POST", "/admin/users/{user}", {"display_name": "改了名", "unit": "GH", "roles": "admin"},
      ok=302, changes=True, fresh="user"),
    P("admin.deactivate", "POST", "/admin/users/{user}/deactivate", ok=302, changes=True, fresh="user"),
    P("admin.reactivate", "POST", "/admin/users/{inactive}/reactivate", ok=302, changes=True, fresh="inactive"),
    P("admin.set_user_password", "POST", "/admin/users/{user}/password", {"password": "hijacked-pass-1"}, ok=302,
      changes=True, fresh="user"),
    P("admin.units", "GET", "/admin/units"),
    P("admin.new_unit", "POST", "/admin/units", {"code": "U{n}", "name": "新单位"}, ok=302, changes=True),
    P("admin.rename", "POST", "/admin/units/{unit}/rename", {"name": "改了名的单位"}, ok=302, changes=True,
      fresh="unit"),
    P("admin.tokens", "GET", "/admin/tokens"),
    P("admin.issue", "POST", "/admin/tokens", {"username": "target"}, changes=True),
    P("admin.revoke", "POST", "/admin/tokens/{token}/revoke", ok=302, changes=True, fresh="token"),
    P("admin.definitions", "GET", "/admin/definitions"),
    P("admin.definition_source", "GET", "/admin/definitions/{version}"),
    P("api.openapi", "GET", "/api/v1/openapi.json"),
    P("api.workflows", "GET", "/api/v1/workflows"),
    P("api.workflow", "GET", "/api/v1/workflows/proposal"),
    P("api.create_case", "POST", "/api/v1/cases", {"workflow": "proposal", "data": PROPOSAL}, ok=201, changes=True),
    P("api.get_case", "GET", "/api/v1/cases/{case}"),
    P("api.get_case", "GET", "/api/v1/cases/{case}", case="handling"),
    P("api.get_case", "GET", "/api/v1/cases/{case}", case="draft"),
    P("api.act", "POST", "/api/v1/cases/{case}/actions/second", {"version": 2, "data": {}, "comment": "附议"},
      changes=True, fresh="case"),
    P("api.queue", "GET", "/api/v1/queue"),
    P("api.tasks", "GET", "/api/v1/tasks"),
    P("api.tasks", "GET", "/api/v1/tasks?status=done"),
    P("api.batch_approve", "POST", "/api/v1/tasks/batch", {"task_ids": [999999], "trigger": "second"}),
    P("api.claim", "POST", "/api/v1/tasks/{task}/claim", ok=409),
    P("api.reassign", "POST", "/api/v1/tasks/{task}/reassign", {"to": "liu", "comment": "代表出差"}, changes=True,
      fresh="case"),
    P("api.add_sign", "POST", "/api/v1/tasks/{task}/add_sign", {"users": ["liu"], "position": "before"}, ok=409),
    P("api.remove_sign", "POST", "/api/v1/tasks/{task}/remove_sign", {"users": ["liu"]}, ok=422),
    P("api.sign_off", "POST", "/api/v1/tasks/{task}/sign_off", {"opinion": "agree"}, ok=403),
    P("api.transfer", "POST", "/api/v1/tasks/{task}/transfer", {"to": "liu", "comment": "请代为附议"}, ok=409),
    P("api.remind", "POST", "/api/v1/cases/{case}/remind", changes=True, fresh="case"),
    P("api.copy", "POST", "/api/v1/cases/{case}/cc", {"users": ["target"], "comment": "请知悉"}, changes=True,
      fresh="case"),
    P("api.copied", "GET", "/api/v1/cc"),
    P("api.my_delegation", "GET", "/api/v1/me/delegation"),
    P("api.put_delegation", "PUT", "/api/v1/me/delegation", {"to": "", "from": "2026-11-23", "until": "2026-11-30"},
      ok=422),
    P("api.delete_delegation", "DELETE", "/api/v1/me/delegation", ok=404),
    P("election_api.cast", "POST", "/api/v1/elections/{case}/ballot", {"marks": {"x": "yes"}}, ok=404),
    P("election_api.receipt", "POST", "/api/v1/elections/{case}/receipt", {"code": "AAAA-BBBB-CCCC"}, ok=404),
    P("election_api.ballots", "GET", "/api/v1/elections/{case}/rounds/1/ballots", ok=404),
    P("api.upload", "POST", "/api/v1/uploads", ok=201, changes=True, upload=True),
    P("api.document", "GET", "/api/v1/documents/{document}"),
    P("api.document", "GET", "/api/v1/documents/{document}", case="handling"),
    P("api.audit_verify", "GET", "/api/v1/audit/verify"),
    P("inbox.index", "GET", "/inbox"),
    P("inbox.read", "POST", "/inbox/{notification}/read", ok=302, changes=True, fresh="notification"),
    P("inbox.read_all", "POST", "/inbox/read-all", ok=302, changes=True, fresh="unread"),
]
GETS = [p for p in PROBES if p.method == "GET"]
PAGE_POSTS = [p for p in PROBES if p.method == "POST" and not p.api]
API_POSTS = [p for p in PROBES if p.method != "GET" and p.api]  # POST, PUT, DELETE

ENDPOINTS = [p for i, p in enumerate(PROBES) if p.endpoint not in {q.endpoint for q in PROBES[:i]}]  # one each

# Bugs found here, expected to fail (strict) until fixed: {(test, probe id or endpoint): reason}. The first three
# (a signed-out OPTIONS on /admin and /audit was a 500; HEAD on /start/<key> and /admin/users/new acted as a POST)
# are fixed.
KNOWN_BUGS: dict[tuple[str, str], str] = {}


def params(test: str, probes: list[Probe], by_endpoint: bool = False) -> list[Any]:
    def marks(key: str) -> list[Any]:
        return [pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[(test, key)])] if (test, key) in KNOWN_BUGS else []
    return [pytest.param(p, id=p.endpoint if by_endpoint else p.id, marks=marks(p.endpoint if by_endpoint else p.id))
            for p in probes]


# -- the world: users, cases, targets ------------------------------------------------------------------------


@dataclass
class World:
    app: Any
    service: Any
    users: dict[str, User]                  # by username
    tokens: dict[str, str]                  # API tokens by username
    browsers: dict[str, Browser]            # signed in, by persona ("anonymous": signed out)
    cases: dict[str, dict[str, int]]        # "seconding"/"handling"/"draft" -> {"case": id, "document": id}
    shared: dict[str, Any]                  # the targets refused requests aim at
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))
    tokens_of: weakref.WeakKeyDictionary = field(default_factory=weakref.WeakKeyDictionary)

    @classmethod
    def build(cls, app: Any, service: Any, personas: tuple[str, ...] = PERSONAS) -> World:
        _cast, tokens = seed(service)
        with service.db.transaction() as session:
            made = {}
            for username, (display, unit, roles) in {**EXTRA_USERS, "target": ("目标用户", "CJ1", ["member"]),
                                                     "gone": ("已停用用户", "CJ1", ["member"])}.items():
                made[username] = create_user(session, username, PASSWORD, roles, unit, display)
                tokens[username] = issue_token(session, made[username])
            session.flush()
            deactivate_user(session, made["gone"])
        with service.db.read() as session:
            users = {u.username: u for u in session.scalars(select(User))}
            unit_id = session.scalar(select(OrgUnit.id).where(OrgUnit.code == "CJ1"))
            token_id = session.scalar(select(ApiToken.id).where(ApiToken.user_id == users["target"].id))
        world = cls(app, service, users, tokens, {}, {}, {
            "user": users["target"].id, "inactive": users["gone"].id, "unit": unit_id, "token": token_id,
            "version": service.workflows.get("proposal").version})
        world.shared.update(world.fresh("notification"))
        world.cases["seconding"] = world.new_case(pdf=True)
        handling = world.new_case(pdf=True)
        steps = (("wang", "second", {}), ("liu", "second", {}), ("zhao", "accept", {"lead_unit": "HQ"}))
        for version, (who, trigger, data) in enumerate(steps, start=2):  # to 办理中 for 后勤保障部 (its PDF: 提案表)
            world.quiet.perform(handling["case"], trigger, users[who], version, data, None)
        world.cases["handling"] = handling
        world.cases["draft"] = {"case": service.create_case(users["zhang"], "proposal", PROPOSAL).id}
        world.browsers = {p: Browser(app, None if p == "anonymous" else USERNAMES[p]) for p in personas}
        return world

    @property
    def quiet(self) -> CaseService:
        """The case service without stage PDFs (WeasyPrint takes ~1 s a PDF): for cases no probe reads a PDF of."""
        return CaseService(self.service.db, self.service.workflows, self.service.store, domains=domains())

    def new_case(self, pdf: bool = False) -> dict[str, int]:
        """A proposal filed by the submitter and submitted: 征集附议, version 2 (with its 提案表 if `pdf`)."""
        zhang = self.users["zhang"]
        case = self.service.create_case(zhang, "proposal", PROPOSAL)
        (self.service if pdf else self.quiet).perform(case.id, "submit", zhang, 1, {}, None)
        with self.service.db.read() as session:
            document = session.scalar(select(Document.id).where(Document.case_id == case.id))
            task = session.scalar(select(Task.id).where(Task.case_id == case.id, Task.pool_role == "representative",
                                                        Task.status == "open"))
        return {"case": case.id, "document": document, "task": task}

    def csrf_of(self, browser: Browser) -> str:
        """The browser's CSRF token, fetched once (it lives as long as the session: WTF_CSRF_TIME_LIMIT=None)."""
        if browser not in self.tokens_of:
            self.tokens_of[browser] = browser.csrf_token()
        return self.tokens_of[browser]

    def fresh(self, kind: str) -> dict[str, int]:
        """A target for one allowed POST alone."""
        n = next(self.counter)
        if kind == "case":
            return self.new_case()
        if kind in ("notification", "unread"):  # an unread one of the submitter's; one for everybody
            with self.service.db.write_connection() as connection:
                owners = [self.users["zhang"].id] if kind == "notification" else [u.id for u in self.users.values()]
                made = notify(connection, owners, "待办：测试消息", "测试", "/", self.service.clock())
            return {"notification": made[0]}
        with self.service.db.transaction() as session:
            if kind in ("user", "inactive"):
                user = create_user(session, f"fresh{n}", PASSWORD, ["member"], "CJ1", "临时用户")
                session.flush()
                if kind == "inactive":
                    deactivate_user(session, user)
                return {kind: user.id}
            if kind == "unit":
                unit = create_unit(session, f"F{n}", "临时单位")
                session.flush()
                return {"unit": unit.id}
            if kind == "token":
                row, _token = new_token(session, session.get(User, self.users["target"].id))
                return {"token": row.id}
        raise ValueError(kind)

    def targets(self, probe: Probe, fresh: bool = False) -> dict[str, Any]:
        values = {**self.shared, **self.cases[probe.case], "n": next(self.counter)}
        if fresh and probe.fresh:
            values.update(self.fresh(probe.fresh))
        return values

    def fingerprint(self) -> dict[str, Any]:
        """Every row of every table, and the stored files."""
        with self.service.db.read() as session:
            rows = {table.name: [tuple(r) for r in session.execute(select(table).order_by(*table.primary_key))]
                    for table in Base.metadata.sorted_tables}
        root = Path(self.service.store.root)
        rows["(storage)"] = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
        return rows


def changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [name for name in before if before[name] != after[name]]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    """One SQLite world for the big matrix of this module."""
    from bootstrap import create_app
    root = tmp_path_factory.mktemp("permissions")
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": f"sqlite:///{root / 'uf.db'}",
                      "UNIONFLOW_STORAGE": str(root / "storage")})
    service = app.extensions["unionflow"]
    service.db.create_all()
    yield World.build(app, service)
    service.db.dispose()


# -- requests and verdicts -----------------------------------------------------------------------------------

CJK = re.compile(r"[\u4e00-\u9fff]")
HEADING = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)


def fill(value: Any, targets: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return value.format_map(targets)
    if isinstance(value, dict):
        return {k: fill(v, targets) for k, v in value.items()}
    return value


def send(world: World, persona: str, probe: Probe, targets: dict[str, Any], channel: str = "page",
         browser: Browser | None = None, method: str | None = None):
    """channel: "page" (the persona's browser; a form with its CSRF token), "token" (a bare client with the
    persona's Bearer token) or "cookie" (the persona's browser session on the API, with X-CSRFToken)."""
    method = method or probe.method
    path, body = probe.path.format_map(targets), fill(probe.form, targets)
    browser = browser or world.browsers[persona]
    if channel == "page":
        if method == "POST":
            return browser.post(path, {**(body or {}), "csrf_token": world.csrf_of(browser)}, csrf=False)
        return browser.client.open(path, method=method)
    if channel == "token":
        client = world.app.test_client()
        headers = {} if persona == "anonymous" else {"Authorization": f"Bearer {world.tokens[USERNAMES[persona]]}"}
    else:
        client = browser.client
        headers = {"X-CSRFToken": world.csrf_of(browser)} if method not in ("GET", "HEAD") else {}
    return client.open(path, method=method, headers=headers, **carried(probe, body))


def carried(probe: Probe, body: Any) -> dict[str, Any]:
    """How an API probe carries its body: JSON, or for an upload one small PDF as multipart."""
    if not probe.upload:
        return {"json": body}
    return {"data": {"file": (io.BytesIO(pdf_bytes(next(UPLOADS))), "诊断证明.pdf")}}  # a new file every time


UPLOADS = (f"upload {n}" for n in itertools.count())


def channels(probe: Probe) -> tuple[str, ...]:
    return ("token", "cookie") if probe.api else ("page",)


def expected(persona: str, probe: Probe) -> tuple[int, str]:
    """The status this persona should get and what it means: ok, sign in (302 to /login), unauthorized, forbidden."""
    if persona in probe.allowed():
        return (probe.ok_signed_in if probe.ok_signed_in and persona != "anonymous" else probe.ok), "ok"
    if persona == "anonymous":
        return (401, "unauthorized") if probe.api else (302, "sign in")
    refused = PERMISSIONS[probe.endpoint].refused
    return refused, "forbidden" if refused == 403 else "not_found"


def verdict(persona: str, probe: Probe, response: Any, head: bool = False) -> str | None:
    """None if the response is what this persona should get, else what is wrong with it."""
    want, meaning = expected(persona, probe)
    status, location = response.status_code, response.headers.get("Location", "")
    if status != want:
        return f"expected {want} ({meaning}), got {status} {location}"
    if meaning == "ok":
        return f"allowed, but sent to sign in ({location})" if status == 302 and location.startswith("/login?") \
            else None
    if meaning == "sign in":
        return None if location.startswith("/login?next=") else f"signed out: sent to {location}, not /login"
    if head:
        return None
    if probe.api:
        body = response.get_json(silent=True)
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict) or error.get("code") != meaning or not CJK.search(error.get("message", "")):
            return f"{status} without the JSON error ({meaning}, Chinese message): {str(body)[:120]}"
        return None
    if PERMISSIONS[probe.endpoint].shown_again and persona in CASE_READERS[probe.case]:
        return case_page_problem(response)
    return error_page_problem(response)


def case_page_problem(response: Any) -> str | None:
    """A step refused on its case page: the case page again, in the layout, the reason in a Chinese alert."""
    page = response.get_data(as_text=True)
    alert = re.search(r'<div class="alert alert-danger" role="alert"[^>]*>(.*?)</div>', page, re.S)
    if response.mimetype != "text/html" or "工会流程平台" not in page or 'data-testid="case-number"' not in page:
        return f"{response.status_code} is not the case page again: {page[:200]!r}"
    if not alert or not CJK.search(alert.group(1)):
        return f"{response.status_code} case page without the reason in a Chinese alert"
    return None


def error_page_problem(response: Any, wanted: str | None = None) -> str | None:
    """A refusal page: HTML in the site's layout, a Chinese heading (and `wanted` in it, if given)."""
    page = response.get_data(as_text=True)
    heading = HEADING.search(page)
    if response.mimetype != "text/html" or "工会流程平台" not in page or "error-page" not in page:
        return f"{response.status_code} is not an error page in the site's layout: {page[:200]!r}"
    if not heading or not CJK.search(heading.group(1)) or (wanted and wanted not in heading.group(1)):
        return f"{response.status_code} page without a Chinese message{f' ({wanted})' if wanted else ''}"
    return None


def check(world: World, probe: Probe, personas: tuple[str, ...]) -> list[str]:
    """Every persona against one probe: the problems found (none, if all is as declared)."""
    problems = []
    if probe.method == "GET":
        for persona, channel in itertools.product(personas, channels(probe)):
            response = send(world, persona, probe, world.targets(probe), channel)
            if problem := verdict(persona, probe, response):
                problems.append(f"{persona} ({channel}): {problem}")
        return problems
    allowed = [p for p in personas if p in probe.allowed()]
    refused = [p for p in personas if p not in probe.allowed()]
    before = world.fingerprint()
    for persona, channel in itertools.product(refused, channels(probe)):
        response = send(world, persona, probe, world.targets(probe), channel)
        if problem := verdict(persona, probe, response):
            problems.append(f"{persona} ({channel}): {problem}")
    if tables := changed(before, world.fingerprint()):
        problems.append(f"refused POSTs changed {tables}")
    for persona, channel in itertools.product(allowed, channels(probe)):
        browser = None
        if probe.signs_out and persona != "anonymous":
            browser = Browser(world.app, USERNAMES[persona])
        targets = world.targets(probe, fresh=True)
        before = world.fingerprint()
        response = send(world, persona, probe, targets, channel, browser)
        if problem := verdict(persona, probe, response):
            problems.append(f"{persona} ({channel}): {problem}")
        elif bool(changed(before, world.fingerprint())) != probe.changes:
            problems.append(f"{persona} ({channel}): allowed POST {'changed nothing' if probe.changes else 'changed'}")
    return problems


# -- 1. the table ---------------------------------------------------------------------------------------------


def test_the_table_covers_every_endpoint(world):
    rules = [r for r in world.app.url_map.iter_rules() if r.endpoint not in NOT_OURS]
    endpoints = {r.endpoint for r in rules}
    assert sorted(endpoints - set(PERMISSIONS)) == [], "routes without a declared permission"
    assert sorted(set(PERMISSIONS) - endpoints) == [], "permissions declared for routes the app does not have"
    methods = {(r.endpoint, m) for r in rules for m in r.methods - {"HEAD", "OPTIONS"}}
    assert methods == {(p.endpoint, p.method) for p in PROBES}, "every method of every route has a probe"
    adapter = world.app.url_map.bind("localhost")
    for probe in PROBES:  # each probe reaches the endpoint it names
        path = probe.path.format_map(world.targets(probe)).split("?")[0]
        assert adapter.match(path, probe.method)[0] == probe.endpoint, probe.id
    assert set(USERNAMES) == {"submitter", *ROLES}, "one user per role of workflow/core/roles.py"
    with world.service.db.read() as session:
        for persona, username in USERNAMES.items():
            roles = session.scalar(select(User).where(User.username == username)).roles
            assert persona == "submitter" or persona in roles, (persona, username, roles)


# -- 2. every endpoint x every persona ------------------------------------------------------------------------


@pytest.mark.parametrize("probe", params("matrix", PROBES))
def test_who_may_use_each_route(world, probe):
    problems = check(world, probe, PERSONAS)
    assert not problems, "\n".join(problems)


# -- 3. CSRF --------------------------------------------------------------------------------------------------


def csrf_persona(probe: Probe) -> str:
    """Someone allowed to send the form, so that only the missing token can refuse it; for the tellers' forms, whom
    the world's cases (proposals) allow nobody, a teller: the token is checked before the role and the case."""
    allowed = probe.allowed() or PERMISSIONS[probe.endpoint].personas
    return "anonymous" if "anonymous" in allowed else next(p for p in SIGNED_IN_PERSONAS if p in allowed)


def page_csrf_problems(world: World, probe: Probe) -> list[str]:
    persona = csrf_persona(probe)
    browser = Browser(world.app, USERNAMES[persona]) if probe.signs_out else world.browsers[persona]
    targets = world.targets(probe, fresh=True)
    stranger = Browser(world.app, None).csrf_token()  # a valid token, of another session
    problems = []
    before = world.fingerprint()
    for name, form in (("no token", fill(probe.form or {}, targets)),
                       ("another session's token", {**fill(probe.form or {}, targets), "csrf_token": stranger})):
        response = browser.post(probe.path.format_map(targets), form, csrf=False)
        if response.status_code != 400:
            problems.append(f"{persona}, {name}: expected 400, got {response.status_code}")
        elif problem := error_page_problem(response, "安全令牌"):
            problems.append(f"{persona}, {name}: {problem}")
    if tables := changed(before, world.fingerprint()):
        problems.append(f"a POST without a valid CSRF token changed {tables}")
    return problems


@pytest.mark.parametrize("probe", params("csrf", PAGE_POSTS))
def test_every_form_needs_its_csrf_token(world, probe):
    problems = page_csrf_problems(world, probe)
    assert not problems, "\n".join(problems)


def api_csrf_problems(world: World, probe: Probe) -> list[str]:
    """The API with the browser's cookie: a state-changing POST, PUT or DELETE needs X-CSRFToken (a Bearer token
    needs none)."""
    persona = next(p for p in SIGNED_IN_PERSONAS if p in probe.allowed())
    browser = world.browsers[persona]
    targets = world.targets(probe, fresh=True)
    path, body = probe.path.format_map(targets), fill(probe.form, targets)
    problems = []
    before = world.fingerprint()
    for name, headers in (("no header", {}), ("a forged header", {"X-CSRFToken": "forged"}),
                          ("another session's token", {"X-CSRFToken": Browser(world.app, None).csrf_token()})):
        response = browser.client.open(path, method=probe.method, headers=headers, **carried(probe, body))
        error = (response.get_json(silent=True) or {}).get("error") or {}
        if response.status_code != 400 or error.get("code") != "bad_request" or "安全令牌" not in error.get(
                "message", ""):
            problems.append(f"{persona}, {name}: expected 400 bad_request (安全令牌), got {response.status_code} "
                            f"{error}")
    if tables := changed(before, world.fingerprint()):
        problems.append(f"a cookie POST without the CSRF header changed {tables}")
    response = browser.client.open(path, method=probe.method, headers={"X-CSRFToken": browser.csrf_token()},
                                   **carried(probe, body))
    if response.status_code != probe.ok:
        problems.append(f"{persona}, with the header: expected {probe.ok}, got {response.status_code} "
                        f"{response.get_data(as_text=True)[:200]}")
    elif probe.changes and not changed(before, world.fingerprint()):
        problems.append(f"{persona}, with the header: nothing changed")
    return problems


@pytest.mark.parametrize("probe", params("api_csrf", API_POSTS))
def test_the_api_with_a_session_cookie_needs_the_csrf_header(world, probe):
    problems = api_csrf_problems(world, probe)
    assert not problems, "\n".join(problems)


# -- 4. no change on GET --------------------------------------------------------------------------------------

GET_PERSONAS = ("admin", "auditor", "representative", "submitter", "anonymous")


@pytest.mark.parametrize("probe", params("get", GETS))
def test_a_get_changes_nothing(world, probe):
    problems = []
    for persona, channel in itertools.product(GET_PERSONAS, channels(probe)):
        before = world.fingerprint()
        response = send(world, persona, probe, world.targets(probe), channel)
        assert response.status_code < 500, (persona, channel, response.status_code)
        if tables := changed(before, world.fingerprint()):
            problems.append(f"{persona} ({channel}): GET {response.status_code} changed {tables}")
    assert not problems, "\n".join(problems)


# -- the methods Flask adds by itself -------------------------------------------------------------------------


def some_personas(probe: Probe) -> tuple[str, ...]:
    """Signed out, a plain member, and someone allowed (if anyone signed in is)."""
    allowed = [p for p in SIGNED_IN_PERSONAS if p in probe.allowed()]
    return tuple(dict.fromkeys(("anonymous", "member", *allowed[:1])))


@pytest.mark.parametrize("probe", params("head", GETS))
def test_head_is_answered_like_get_and_changes_nothing(world, probe):
    problems = []
    for persona, channel in itertools.product(some_personas(probe), channels(probe)):
        before = world.fingerprint()
        response = send(world, persona, probe, world.targets(probe), channel, method="HEAD")
        if problem := verdict(persona, probe, response, head=True):
            problems.append(f"{persona} ({channel}): {problem}")
        if tables := changed(before, world.fingerprint()):
            problems.append(f"{persona} ({channel}): HEAD changed {tables}")
    assert not problems, "\n".join(problems)


FORMS = [p for p in PAGE_POSTS if (p.endpoint, "GET") in {(g.endpoint, g.method) for g in GETS}]


@pytest.mark.parametrize("probe", params("head_form", FORMS))
def test_a_head_with_a_form_is_no_submission(world, probe):
    """HEAD is GET without the body: a form sent with it (and, HEAD being a safe method, no CSRF token) is no
    submission."""
    persona = csrf_persona(probe)
    targets = world.targets(probe, fresh=True)
    before = world.fingerprint()
    response = world.browsers[persona].client.open(probe.path.format_map(targets), method="HEAD",
                                                   data=fill(probe.form, targets))
    get = next(g for g in GETS if g.endpoint == probe.endpoint)
    assert (response.status_code, changed(before, world.fingerprint())) == (expected(persona, get)[0], []), \
        response.headers.get("Location")


@pytest.mark.parametrize("probe", params("options", ENDPOINTS, by_endpoint=True))
def test_options_is_never_a_500_nor_shows_anything(world, probe):
    problems = []
    for persona in ("anonymous", "member", "admin"):
        response = send(world, persona, probe, world.targets(probe), "page", method="OPTIONS")
        if response.status_code not in (200, 302, 401, 403) or (response.status_code == 200 and response.data):
            problems.append(f"{persona}: OPTIONS {response.status_code} {response.data[:100]!r}")
    assert not problems, "\n".join(problems)


# -- the same on PostgreSQL, smaller --------------------------------------------------------------------------

PG_PERSONAS = ("anonymous", "submitter", "member", "representative", "department_head", "auditor", "admin")
PG_PROBES = ("GET home.index", "GET cases.show[seconding]", "GET cases.show[handling]",
             "POST cases.act[seconding]", "POST mine.start_form", "GET admin.users", "POST admin.deactivate",
             "GET auditing.search", "GET api.get_case[handling]", "POST api.act[seconding]",
             "POST api.create_case", "GET api.audit_verify", "GET api.document[seconding]", "GET inbox.index",
             "POST inbox.read")


def test_a_smaller_matrix_on_postgresql(app, service, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("on SQLite the whole matrix runs above")
    world = World.build(app, service, PG_PERSONAS)
    probes = {p.id: p for p in PROBES}
    problems = [f"{probe}: {problem}" for probe in PG_PROBES for problem in check(world, probes[probe], PG_PERSONAS)]
    problems += [f"csrf: {p}" for p in page_csrf_problems(world, probes["POST admin.deactivate"])]
    problems += [f"api csrf: {p}" for p in api_csrf_problems(world, probes["POST api.act[seconding]"])]
    assert not problems, "\n".join(problems)
