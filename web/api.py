"""REST API under /api/v1 (README § Using the API). JSON in, JSON out; errors as {"error": {...}}. A process adds its
own endpoints beside these (web/plugins.py), with `json_body` for theirs."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from web import serialize
from web.auth import current_user, require_role
from web.cases import send_attachment, send_document
from web.delegation import delegation_json
from web.inputs import BadRequest, parse
from web.openapi import described
from web.pages import page_number, today
from web.plugins import installed
from web.services import fresh_session, service, session
from workflow.audit.verify import verify
from workflow.cases import (
    batch,
    copies,
    delegation_moves,
    delegations,
    reminders,
    task_verbs,
    worklists,
)
from workflow.cases.service import NotFound
from workflow.core import attachments
from workflow.core.engine import InvalidData
from workflow.store.models import Case, Task, User

bp = Blueprint("api", __name__, url_prefix="/api/v1")
TASKS_PER_PAGE = 200


def json_body() -> dict[str, Any]:
    payload = parse(request.get_data(cache=True), request.content_length) if request.is_json else None
    if not isinstance(payload, dict):
        raise BadRequest("请求体应为 JSON 对象", "The request body must be a JSON object")
    return payload


def _data(body: dict[str, Any]) -> dict[str, Any]:
    """The form data of a create or an action: an object, or nothing (no field given)."""
    data = body.get("data", {})
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidData("data 应为对象", "data must be an object", fields={"data": "应为对象"})
    return data


def url_for_case(case_id: int) -> str:
    return url_for("api.get_case", case_id=case_id)


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(described(installed(current_app)))


@bp.get("/workflows")
def workflows() -> Response:
    current_user(session())
    return jsonify([serialize.definition_json(d, summary=True) for d in service().workflows.current.values()])


@bp.get("/workflows/<key>")
def workflow(key: str) -> Response:
    current_user(session())
    definition = service().workflows.get(key)
    if definition is None:
        raise NotFound(f"未知的流程：{key}", f"Unknown workflow: {key}")
    return jsonify(serialize.definition_json(definition))


@bp.post("/cases")
def create_case() -> tuple[Response, int, dict[str, str]]:
    user = current_user(session())
    body = json_body()
    if not isinstance(body.get("workflow"), str):
        raise InvalidData("请指定流程", "workflow is required", fields={"workflow": "此项为必填项"})
    created = service().create_case(user, body["workflow"], _data(body))
    fresh = fresh_session()
    case = service().get_case(fresh, created.id, user)
    return jsonify(serialize.case_json(service(), fresh, case, user)), 201, {"Location": url_for_case(case.id)}


@bp.get("/cases/<int:case_id>")
def get_case(case_id: int) -> Response:
    user = current_user(session())
    case = service().get_case(session(), case_id, user)
    service().log_view(case, user, "api")
    return jsonify(serialize.case_json(service(), session(), case, user))


@bp.post("/cases/<int:case_id>/actions/<trigger>")
def act(case_id: int, trigger: str) -> Response:
    user = current_user(session())
    body = json_body()
    version = body.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise InvalidData("请提供事项的版本号（version），以免覆盖他人的处理", "version (integer) is required",
                          fields={"version": "此项为必填项，应为整数"})
    performed = service().perform(case_id, trigger, user, version, _data(body), body.get("comment"))
    fresh = fresh_session()
    case = fresh.get(Case, case_id)
    if not service().may_view(fresh, case, user):  # a public step (an objection): taken, but the file stays closed
        return jsonify({"id": case_id, "number": case.number, "trigger": trigger, "seq": performed.seq})
    return jsonify(serialize.case_json(service(), fresh, case, user))


@bp.post("/uploads")
def upload() -> tuple[Response, int]:
    """One attachment, checked by content and stored; the reference it returns goes into a `files` field of a case's
    data (POST /cases or an action), which accepts only the caller's own uploads."""
    user = current_user(session())
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        raise BadRequest("请以 multipart/form-data 上传一个文件，字段名为 file",
                         "Send one file as multipart/form-data in the field 'file'")
    try:
        reference = service().accept_upload(user, sent.filename, sent.read())
    except attachments.AttachmentRefused as exc:
        raise InvalidData("附件未被接受", "The attachment was refused", fields={"file": str(exc)}) from None
    return jsonify(reference), 201


@bp.get("/cases/<int:case_id>/attachments/<sha256>")
def attachment(case_id: int, sha256: str) -> BaseResponse:
    return send_attachment(case_id, sha256)


@bp.get("/queue")
def queue() -> Response:
    """The cases of my open tasks, each with the task's id."""
    user = current_user(session())
    waiting = worklists.queue(service(), session(), user, per_page=1_000_000).items
    return jsonify([{**serialize.case_summary(service(), session(), t.case), "task_id": t.id} for t in waiting])


@bp.get("/tasks")
def tasks() -> Response:
    """My open tasks, or with ?status=done the ones I completed (已办), TASKS_PER_PAGE a page (?page=N)."""
    user = current_user(session())
    status = request.args.get("status", "open")
    if status not in ("open", "done"):
        raise InvalidData("status 应为 open 或 done", "status must be open or done", fields={"status": "open 或 done"})
    page = page_number()
    if status == "done":
        listed = worklists.done(session(), user, page, TASKS_PER_PAGE)
        rows = [serialize.task_json(item["task"], []) for item in listed.items]
    else:
        listed = worklists.queue(service(), session(), user, page=page, per_page=TASKS_PER_PAGE)
        rows = [serialize.tasks_json([t], service().actions_for(session(), t.case, user), user.username)[0]
                for t in listed.items]
    response = jsonify(rows)
    response.headers["X-Total-Count"] = str(listed.total)
    return response


@bp.post("/tasks/batch")
def batch_approve() -> Response:
    """批量同意: one step with one opinion through each of these tasks; one result per task, in the order given."""
    body = json_body()
    outcomes = batch.approve(service(), current_user(session()), body.get("task_ids"), body.get("trigger"),
                             body.get("comment"))
    return jsonify({"done": sum(o.done for o in outcomes), "refused": sum(not o.done for o in outcomes),
                    "results": [serialize.outcome_json(o) for o in outcomes]})


@bp.post("/tasks/<int:task_id>/claim")
def claim(task_id: int) -> Response:
    user = current_user(session())
    return _task_answer(task_verbs.claim(service(), task_id, user), user)


@bp.post("/tasks/<int:task_id>/transfer")
def transfer(task_id: int) -> Response:
    user = current_user(session())
    body = json_body()
    return _task_answer(task_verbs.transfer(service(), task_id, user, body.get("to"), body.get("comment")), user)


@bp.post("/tasks/<int:task_id>/add_sign")
def add_sign(task_id: int) -> Response:
    """加签: named people give their opinion on my task, before, after or alongside me."""
    user = current_user(session())
    body = json_body()
    done = task_verbs.add_sign(service(), task_id, user, body.get("users"), body.get("position"), body.get("comment"))
    return _task_answer(done, user)


@bp.post("/tasks/<int:task_id>/remove_sign")
def remove_sign(task_id: int) -> Response:
    """减签: take back signers I added who have not given their opinion yet."""
    user = current_user(session())
    body = json_body()
    return _task_answer(task_verbs.remove_sign(service(), task_id, user, body.get("users"), body.get("comment")), user)


@bp.post("/tasks/<int:task_id>/sign_off")
def sign_off(task_id: int) -> Response:
    """An added signer's opinion: {"opinion": "agree"|"disagree", "comment": "..."}."""
    user = current_user(session())
    body = json_body()
    return _task_answer(task_verbs.sign_off(service(), task_id, user, body.get("opinion"), body.get("comment")), user)


@bp.post("/tasks/<int:task_id>/reassign")
def reassign(task_id: int) -> Response:
    """流程干预: the administrator gives an open task to a named person, with a reason."""
    user = current_user(session())
    body = json_body()
    return _task_answer(task_verbs.reassign(service(), task_id, user, body.get("to"), body.get("comment")), user)


@bp.post("/cases/<int:case_id>/remind")
def remind(case_id: int) -> Response:
    """催办: the applicant reminds whoever the case waits on (429 with the time left if too soon)."""
    done = reminders.remind(service(), case_id, current_user(session()))
    return jsonify({"case_id": done.case_id, "seq": done.seq, "reminded": len(done.notified)})


@bp.post("/cases/<int:case_id>/cc")
def copy(case_id: int) -> Response:
    """抄送: one who handles the case copies named people, who may then read it."""
    body = json_body()
    done = task_verbs.copy(service(), case_id, current_user(session()), body.get("users"), body.get("comment"))
    return jsonify({"case_id": done.case_id, "seq": done.seq, "notified": len(done.notified)})


@bp.get("/cc")
def copied() -> Response:
    """抄送我的: the cases copied to me, unread first (200 a page, ?page=N)."""
    user = current_user(session())
    listed = copies.mine(session(), user, page_number(), TASKS_PER_PAGE)
    response = jsonify([{"id": c.id, "case_id": c.case_id, "case_number": c.case.number, "workflow": c.case.workflow,
                         "title": c.case.data.get("title", ""), "state": c.case.state, "by": c.by,
                         "created_at": c.created_at.isoformat() + "Z", "read": c.read_at is not None}
                        for c in listed.items])
    response.headers["X-Total-Count"] = str(listed.total)
    return response


@bp.get("/me/delegation")
def my_delegation() -> Response:
    """My delegation (委托) in force or to come, or null."""
    user = current_user(session())
    return jsonify(delegation_json(delegations.current(session(), user, today())))


@bp.put("/me/delegation")
def put_delegation() -> Response:
    user = current_user(session())
    body = json_body()
    made = delegation_moves.set_delegation(service(), user, body.get("to"), body.get("from"), body.get("until"),
                                           body.get("workflows"))
    return jsonify(delegation_json(made))


@bp.delete("/me/delegation")
def delete_delegation() -> tuple[str, int]:
    user = current_user(session())
    if not delegation_moves.cancel(service(), user):
        raise NotFound("您没有委托", "You have no delegation")
    return "", 204


def _task_answer(done: task_verbs.Done, user: User) -> Response:
    """The task as it is after the verb, with what the caller may still do through it."""
    fresh = fresh_session()
    task = fresh.get(Task, done.task_id)
    return jsonify(serialize.tasks_json([task], service().actions_for(fresh, task.case, user), user.username)[0])


@bp.get("/documents/<int:document_id>")
def document(document_id: int) -> BaseResponse:
    return send_document(document_id)


@bp.get("/audit/verify")
def audit_verify() -> Response:
    user = current_user(session())
    require_role(user, "auditor")
    report = verify(session(), service().store, service().workflows)
    return jsonify(report.as_dict())
