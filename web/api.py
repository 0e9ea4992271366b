"""REST API under /api/v1 (DESIGN §5). JSON in, JSON out; errors as {"error": {...}}."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from workflow import attachments, worklists
from workflow.audit import verify
from workflow.ballots import Marks
from workflow.engine import InvalidData
from workflow.models import Case
from workflow.services import NotFound

from . import serialize
from .auth import current_user, require_role
from .ballots import ballot_box, counted_box, election
from .cases import send_attachment, send_document
from .events import mailed, registrations
from .inputs import BadRequest, parse
from .openapi import OPENAPI
from .services import fresh_session, service, session

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _body() -> dict[str, Any]:
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
    return jsonify(OPENAPI)


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
    body = _body()
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
    body = _body()
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
    user = current_user(session())
    waiting = worklists.queue(service(), session(), user, per_page=1_000_000).items
    return jsonify([serialize.case_summary(service(), session(), c) for c in waiting])


@bp.get("/documents/<int:document_id>")
def document(document_id: int) -> BaseResponse:
    return send_document(document_id)


@bp.post("/elections/<int:case_id>/ballot")
def cast(case_id: int) -> tuple[Response, int]:
    """The caller's ballot in the open round (as the web ballot): 201 with the receipt code, shown this once."""
    user = current_user(session())
    case = election(case_id, user)
    body = _body()
    marks, write_ins = body.get("marks", {}), body.get("write_ins", [])
    if not isinstance(marks, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in marks.items()):
        raise InvalidData("marks 应为对象：候选人用户名 → yes/no/abstain", "marks must map candidates to yes/no/abstain",
                          fields={"marks": "应为对象"})
    if not isinstance(write_ins, list) or not all(isinstance(w, str) for w in write_ins):
        raise InvalidData("write_ins 应为用户名列表", "write_ins must be a list of user names",
                          fields={"write_ins": "应为列表"})
    code = ballot_box().cast(case.id, user, Marks(marks, tuple(w.strip() for w in write_ins if w.strip())))
    return jsonify({"receipt": code}), 201


@bp.post("/elections/<int:case_id>/receipt")
def receipt(case_id: int) -> Response:
    """Whether a ballot with this receipt is in the election's box, and in which round."""
    case = election(case_id, current_user(session()))
    code = _body().get("code")
    found = ballot_box().check_receipt(session(), case.id, code) if isinstance(code, str) and code.strip() else None
    if found is None:
        raise NotFound("没有找到与该回执码对应的选票", "No ballot with this receipt code")
    return jsonify({"round": found})


@bp.get("/elections/<int:case_id>/rounds/<int:number>/ballots")
def ballots(case_id: int, number: int) -> Response:
    """A counted round's public box: the rules and every ballot, marks only — recount it with anything."""
    return jsonify(counted_box(election(case_id, current_user(session())), number)[1])


@bp.post("/events/<int:case_id>/signup")
def sign_up(case_id: int) -> tuple[Response, int]:
    """The caller signs up for a published event: 201 with "confirmed" (a place) or "waitlisted" (and where)."""
    user = current_user(session())
    answers = _body().get("answers", {})
    if not isinstance(answers, dict):
        raise InvalidData("answers 应为对象：q0、q1… → 回答", "answers must map q0, q1 ... to answers",
                          fields={"answers": "应为对象"})
    status = registrations().sign_up(case_id, user, answers)
    return jsonify(_signup(case_id, user.id) | {"status": status}), 201


@bp.post("/events/<int:case_id>/cancel")
def cancel_signup(case_id: int) -> Response:
    """The caller gives up their place (or their place in the queue) before the deadline."""
    mailed(registrations().cancel(case_id, current_user(session())))
    return jsonify({"status": "cancelled"})


def _signup(case_id: int, user_id: int) -> dict[str, Any]:
    found = registrations().mine(fresh_session(), case_id, user_id)
    return {"status": found[0].status, "position": found[1]} if found else {"status": None}


@bp.get("/audit/verify")
def audit_verify() -> Response:
    user = current_user(session())
    require_role(user, "auditor")
    report = verify(session(), service().store, service().workflows)
    return jsonify(report.as_dict())
