"""The case page: data, the actions open to me with their forms, the timeline with each stage's PDF,
the process diagram, the documents; taking an action; the PDFs themselves."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from web.auth import current_user as signed_in_or_api
from web.auth import signed_in
from web.fields import posted_values, uploader
from web.i18n import acting_role, label, lang, message, step_label
from web.pages import page_blueprint, today
from web.people import resolved
from web.plugins import installed
from web.services import service, session
from workflow.accounts.users import actor_of, display_names
from workflow.cases import delegations, reminders
from workflow.cases.service import Conflict, NotFound
from workflow.core import attachments
from workflow.core.definition import Definition
from workflow.core.display import acting_name, data_text
from workflow.core.engine import SAVE_DRAFT, ActionRefused, InvalidData, NotOpen
from workflow.core.moves import MOVES, RECALL, SEND_BACK, TERMINATE
from workflow.core.reminding import remind_interval
from workflow.core.roles import ADMIN
from workflow.core.signing import ADD_SIGN, REMOVE_SIGN, SIGN_OFF
from workflow.core.tasks import COPY, DELEGATE, REASSIGN, TRANSFER, UNDELEGATE, VERBS
from workflow.documents import diagram
from workflow.store.models import Case, Document, HistoryEntry

bp = page_blueprint("cases", __name__)


def case_page(case: Case, errors: dict[str, dict[str, str]] | None = None,
              posted: dict[str, Any] | None = None, status: int = 200) -> tuple[str, int]:
    """`errors`/`posted`: a refused action form shown again with its messages and the input kept (`posted`:
    trigger, values, comment, and the refusal's message to show at the form)."""
    user = signed_in()
    sent = posted or {}
    definition = service().definition_of(case, session())
    documents = service().documents(session(), case)
    by_hash = {d.sha256: d for d in documents}
    events = service().history(session(), case)
    actions = service().actions_for(session(), case, user)
    people = display_names(session(), [v for e in events for v in _people_of(e)])
    timeline = [{"event": e, "label": step_label(definition, e.trigger), "who": _who(e, people),
                 "detail": _detail(definition, e, people),
                 "role": acting_role(definition, e.trigger, (e.acting_for or {}).get("roles") or e.actor_roles),
                 "from": definition.states[e.from_state].label if e.from_state in definition.states else None,
                 "to": definition.states[e.to_state].label, "documents": [by_hash[h] for h in e.documents if h in by_hash]}
                for e in events]
    forms = []
    for action in actions:
        prefill = any(t.prefill for t in definition.transitions_from(case.state, action.trigger))  # none for a move
        values = {f.name: case.data[f.name] for f in action.fields if prefill and f.name in case.data}
        again = sent.get("trigger") == action.trigger
        forms.append({"action": action, "values": sent["values"] if again else values,
                      "errors": (errors or {}).get(action.trigger, {}), "comment": sent.get("comment", "") if again
                      else "", "refusal": sent.get("refusal") if again else None})
    if sent.get("refusal") and not any(f["refusal"] for f in forms):
        flash(sent["refusal"], "danger")  # a step not offered (forged, or no longer): said at the top instead
    drafting = case.state == definition.initial and case.submitter_id == user.id
    tasks = _next_up(case, user, {a.trigger for a in actions}, errors or {}, posted or {})
    remind = None  # 催办: the applicant's, when the case waits on someone else; `after`: not before then
    others = [t for t in tasks if (t["task"].assignee or t["task"].person) != user.username]
    if case.submitter_id == user.id and others and not definition.states[case.state].final:
        last = reminders.last_reminder(session(), case.id)
        after = last + remind_interval(definition) if last else None
        remind = {"after": after if after and after > service().clock() else None}
    chain = _chain(definition, case, timeline, tasks)
    views = service().views(session(), case) if "auditor" in user.roles and definition.log_views else []
    return render_template("cases/show.html", case=case, definition=definition, drafting=drafting, views=views,
                           data=data_text(definition, case.data, service().units(session()), lang()), forms=forms,
                           timeline=timeline, documents=documents, units=service().units(session()),
                           read_only="auditor" in user.roles and not actions, tasks=tasks, remind=remind, chain=chain,
                           bar=_action_bar(actions, tasks),
                           cc=_cc_form(case, user, actions, errors or {}, posted or {}),
                           panels=installed(current_app).case_panels(session(), user, case)), status


MOVES_ON_BAR = (*MOVES, "return")  # not the bar's first button: the main step is
SHOWN_IN_CHAIN = {SIGN_OFF, "vote"}  # besides the steps that move the case: the opinions that decide one


def _chain(definition: Definition, case: Case, timeline: list[dict[str, Any]],
           tasks: list[dict[str, Any]]) -> dict[str, Any]:
    """The approval chain as 钉钉 shows it: the steps done (who, when, opinion), who is to act now, what may come
    next (the states the current one leads to, but the applicant's withdrawal and the ends of a refusal)."""
    done = [item for item in timeline if item["event"].from_state != item["event"].to_state
            or item["event"].trigger in SHOWN_IN_CHAIN]
    state = definition.states[case.state]
    following = [] if state.final else list(dict.fromkeys(
        t.dest for t in definition.transitions_from(case.state)
        if t.trigger != "withdraw" and t.dest != case.state and not t.public))
    return {"done": done, "now": None if state.final else state.label, "waiting": tasks,
            "next": [definition.states[s].label for s in following]}


def _action_bar(actions: list[Any], tasks: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The phone's action bar (同意 / 退回 / 转交 / 加签 / 更多): links to the forms of the page, the main step first."""
    steps = [a for a in actions if a.trigger not in ("withdraw", *MOVES_ON_BAR)]
    links = [(f"#act-{steps[0].trigger}", label(steps[0].label))] if steps else []
    back = next((a for a in actions if a.trigger in ("return", SEND_BACK)), None)
    if back is not None:
        links.append((f"#act-{back.trigger}", _("退回")))
    mine = next((t for t in tasks if t["mine"] and t["transfer"] and not t["task"].sign_position), None)
    if mine is not None:
        links += [(f"#transfer-{mine['task'].id}", _("转交")), (f"#add-sign-{mine['task'].id}", _("加签"))]
    signing = next((t for t in tasks if t["mine"] and t["task"].sign_position), None)
    if signing is not None:
        links.insert(0, (f"#sign-{signing['task'].id}", _("加签意见")))
    if links or actions:
        links.append(("#actions", _("更多")))
    return links


def _people_of(entry: HistoryEntry) -> list[str]:
    """The user names a history entry names besides its actor: the principal, a verb's from and to."""
    copied = entry.changes.get("users") if entry.trigger in (COPY, ADD_SIGN, REMOVE_SIGN) else None
    return [entry.actor_username, (entry.acting_for or {}).get("username") or "",
            *(str(entry.changes.get(k) or "") for k in ("to", "from") if entry.trigger in VERBS),
            *(str(name) for name in (copied if isinstance(copied, list) else []))]


def _who(entry: HistoryEntry, names: dict[str, str]) -> str:
    return acting_name(entry.actor_username, (entry.acting_for or {}).get("username"), names)


def _detail(definition: Definition, entry: HistoryEntry, names: dict[str, str]) -> str:
    """What a task verb did, in a few words (转交给 李四)."""
    def name(key: str) -> str:
        value = str(entry.changes.get(key) or "")
        return names.get(value) or value
    if entry.trigger == TRANSFER:
        return _("转交给 %(who)s", who=name("to"))
    if entry.trigger == DELEGATE:
        return _("%(principal)s 的任务交受托人 %(who)s 代办", principal=name("from"), who=name("to"))
    if entry.trigger == COPY:
        people = entry.changes.get("users")
        return _("抄送给 %(who)s", who="、".join(names.get(str(p)) or str(p) for p in people)) \
            if isinstance(people, list) else ""
    if entry.trigger == UNDELEGATE:
        return _("委托结束，任务交回 %(principal)s", principal=name("from"))
    people = entry.changes.get("users")
    who = "、".join(names.get(str(p)) or str(p) for p in people) if isinstance(people, list) else ""
    if entry.trigger == ADD_SIGN:
        where = {"before": _("在我之前"), "after": _("在我之后"), "parallel": _("与我并行")}
        return _("加签 %(who)s（%(where)s）", who=who, where=where.get(str(entry.changes.get("position")), ""))
    if entry.trigger == REMOVE_SIGN:
        return _("减签 %(who)s", who=who)
    if entry.trigger == SIGN_OFF:
        return _("同意") if entry.changes.get("opinion") == "agree" else _("不同意")
    if entry.trigger == SEND_BACK and entry.changes.get("to") in definition.states:
        return _("退回至「%(state)s」", state=label(definition.states[entry.changes["to"]].label))
    if entry.trigger == REASSIGN:
        return _("改派给 %(who)s", who=name("to"))
    if entry.trigger == TERMINATE and entry.changes.get("to") in definition.states:
        return _("终止于「%(state)s」", state=label(definition.states[entry.changes["to"]].label))
    if entry.trigger == RECALL:
        return _("撤回本人的「%(step)s」", step=step_label(definition, str(entry.changes.get("step") or "")))
    return ""


def _cc_form(case: Case, user: Any, actions: list[Any], errors: dict[str, dict[str, str]],
             posted: dict[str, Any]) -> dict[str, Any] | None:
    """抄送 on the case page: offered to whoever may take a step of it now (the verb also admits those who did); the
    administrator's 流程干预 is no step of the case."""
    if not any(a.trigger != TERMINATE for a in actions):
        return None
    again = posted.get("trigger") == "cc"
    return {"errors": errors.get("cc", {}), "users": posted.get("values", {}).get("users", "") if again else "",
            "comment": posted.get("comment", "") if again else ""}


def _next_up(case: Case, user: Any, offered: set[str], errors: dict[str, dict[str, str]],
             posted: dict[str, Any]) -> list[dict[str, Any]]:
    """Who is to act now (the open tasks), and what I may do with each: claim it, hand it on (a pool's task only
    when I am of the pool, or the delegate of one who is: a step I may take otherwise, as the applicant, does not
    make its pool mine)."""
    me = user.username
    tasks = service().open_tasks(session(), case.id)
    names = display_names(session(), [t.assignee for t in tasks] + [t.person for t in tasks]
                          + [t.delegated_from for t in tasks])
    standing = [actor_of(user), *delegations.principals_for(session(), me, case.workflow, case.submitter.username,
                                                           today())]
    shown = []
    for task in tasks:
        holder = task.assignee or task.person
        of_pool = any(task.pool_role in a.roles and task.pool_unit in (None, a.unit) for a in standing)
        mine = holder == me or (holder is None and of_pool and bool(offered & set(task.triggers)))
        key = f"transfer-{task.id}"
        shown.append({"task": task, "holder": names.get(holder, holder) if holder else None, "mine": mine,
                      "principal": names.get(task.delegated_from or "", task.delegated_from),
                      "claim": mine and task.claimable and task.assignee is None,
                      "transfer": mine and task.person != case.submitter.username,
                      "errors": errors.get(key, {}), "to": posted.get("values", {}).get("to", "")
                      if posted.get("trigger") == key else "",
                      "comment": posted.get("comment", "") if posted.get("trigger") == key else "",
                      "add_sign": _task_form(f"add_sign-{task.id}", errors, posted),
                      "reassign": _task_form(f"reassign-{task.id}", errors, posted) if ADMIN in user.roles
                      and not task.sign_position else None,
                      "sign": _task_form(f"sign_off-{task.id}", errors, posted)})
    return shown


def _task_form(key: str, errors: dict[str, dict[str, str]], posted: dict[str, Any]) -> dict[str, Any]:
    """A task verb's form as typed when it was refused (its errors under `key`), else empty."""
    again = posted.get("trigger") == key
    return {**(posted.get("values", {}) if again else {}), "errors": errors.get(key, {}),
            "comment": posted.get("comment", "") if again else ""}


@bp.get("/cases/<int:case_id>")
def show(case_id: int) -> tuple[str, int]:
    case = service().get_case(session(), case_id, signed_in())
    service().log_view(case, signed_in(), "page")
    return case_page(case)


@bp.post("/cases/<int:case_id>/actions/<trigger>")
def act(case_id: int, trigger: str) -> BaseResponse | tuple[str, int]:
    user = signed_in()
    version = request.form.get("version", type=int)
    comment = request.form.get("comment", "")
    values: dict = {}
    try:
        values = posted_values(request.form, request.files, uploader(user))
        if version is None:
            raise InvalidData("缺少事项版本号，请刷新页面后重试", "The case version is missing; reload the page")
        performed = service().perform(case_id, trigger, user, version, resolved(case_id, trigger, user, values),
                                      comment or None)
    except (Conflict, NotOpen) as refused:
        return moved_on(refused, case_id)
    except ActionRefused as refused:  # 403, a guard's 409, 422: the form again as typed, the reason at it
        return _refused(refused, case_id, trigger, user, values or posted_values(request.form), comment)
    flash(_("已完成「%(action)s」", action=label(performed.record.label)), "success")
    return redirect(url_for("cases.show", case_id=case_id))


def _refused(refused: ActionRefused, case_id: int, trigger: str, user: Any, values: dict[str, Any],
             comment: str) -> BaseResponse | tuple[str, int]:
    """A refused step shows the case page again with its status, the form as typed (an upload refused: the rest
    of it) and the message at the form, so nothing typed is lost; one who may not read the case gets the error
    page instead (get_case refuses)."""
    case = service().get_case(session(), case_id, user)
    shown = trigger  # the form to show again with its messages; a draft is saved from the first step's form
    if trigger == SAVE_DRAFT:
        shown = next((a.trigger for a in service().actions_for(session(), case, user)
                      if a.trigger != "withdraw"), trigger)
    posted = {"trigger": shown, "values": values, "comment": comment, "refusal": message(refused)}
    return case_page(case, {shown: refused.fields}, posted, status=refused.status)


def moved_on(refused: ActionRefused, case_id: int) -> BaseResponse:
    """Someone acted first (or the step is no longer open): say what happened, on the case as it is now."""
    flash(_("未能执行：%(reason)s。下面是事项的最新状态。", reason=message(refused)), "warning")
    return redirect(url_for("cases.show", case_id=case_id))


@lru_cache(maxsize=256)
def _diagram(version: str, current: str, taken: tuple[tuple[str, str], ...]) -> bytes:
    return diagram.svg(service().workflows.definition(version, None), current, list(taken))


@bp.get("/cases/<int:case_id>/diagram.svg")
def diagram_svg(case_id: int) -> Response:
    case = service().get_case(session(), case_id, signed_in())
    service().definition_of(case, session())  # loads the version into the registry if it is an old one
    taken = tuple((e.from_state, e.to_state) for e in service().history(session(), case) if e.from_state)
    return Response(_diagram(case.definition_version, case.state, taken), mimetype="image/svg+xml")


@bp.get("/documents/<int:document_id>")
def document(document_id: int) -> BaseResponse:
    return send_document(document_id, as_attachment=request.args.get("download") == "1")


def send_document(document_id: int, as_attachment: bool = False) -> BaseResponse:
    """A stage PDF, to whoever may read its case (opens in the browser unless asked to download). Who asks is
    settled first: without signing in, which ids exist is nobody's business (401 for every one)."""
    user = signed_in_or_api(session())
    doc = session().get(Document, document_id)
    if doc is None:
        raise NotFound("文件不存在", "No such document")
    service().log_view(service().get_case(session(), doc.case_id, user), user, f"document {doc.title}")
    path = service().store.path(doc.sha256)
    if not path.is_file():
        raise NotFound("文件已丢失，请联系管理员核查", "The document file is missing")
    return send_file(path, mimetype="application/pdf", download_name=f"{doc.title}-{doc.sha256[:8]}.pdf",
                     etag=doc.sha256, max_age=0, as_attachment=as_attachment)


@bp.get("/cases/<int:case_id>/attachments/<sha256>")
def attachment(case_id: int, sha256: str) -> BaseResponse:
    return send_attachment(case_id, sha256)


def send_attachment(case_id: int, sha256: str) -> BaseResponse:
    """An attachment of a case, to whoever may read the case — and only one the case's data really refers to."""
    user = signed_in_or_api(session())
    case = service().get_case(session(), case_id, user)
    fields = service().definition_of(case, session()).fields()
    found = next((ref for ref in attachments.references(fields, case.data) if ref["sha256"] == sha256), None)
    if found is None or not service().store.exists(sha256):
        raise NotFound("附件不存在", "No such attachment")
    service().log_view(case, user, f"attachment {found['name']}")
    return send_file(service().store.path(sha256), mimetype=found["type"], download_name=found["name"],
                     etag=sha256, max_age=0, as_attachment=request.args.get("download") == "1")
