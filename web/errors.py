"""Every refusal and failure, never a bare 500: the JSON error body of docs/architecture.md §5 for the API, a page in the
site's layout (Chinese first, English beneath) for the browser."""
from __future__ import annotations

import logging

from flask import Blueprint, Flask, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from web.i18n import N_
from workflow.core.engine import ActionRefused

log = logging.getLogger(__name__)

CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 413: "too_large", 415: "unsupported_media_type", 422: "invalid", 429: "too_many_requests",
         500: "internal_error"}
MESSAGES = {  # N_: in the catalogue, so the error page's heading follows the language; the API keeps 中文
    400: N_("请求格式错误"), 401: N_("请先登录"), 403: N_("您没有权限执行此操作"), 404: N_("请求的内容不存在"),
    405: N_("不支持该请求方法"), 409: N_("操作冲突"), 413: N_("提交的内容过大"), 415: N_("请以 JSON 格式提交"),
    422: N_("提交的数据有误"), 429: N_("请求过于频繁，请稍后再试"), 500: N_("服务器内部错误，请稍后重试"),
}
CSRF_MESSAGE = (N_("页面已过期或缺少安全令牌，请刷新页面后重新提交"),
                "The page has expired or lacks its security token; reload it and submit again")


_JSON_BLUEPRINTS: set[str] = set()


def answers_in_json(bp: Blueprint) -> Blueprint:
    """A blueprint outside /api whose refusals are the API's JSON body too: a page's script reads them (the people
    search, web/people.py)."""
    _JSON_BLUEPRINTS.add(bp.name)
    return bp


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.blueprint in _JSON_BLUEPRINTS


def error_response(status: int, message: str, fields: dict[str, str] | None = None, message_en: str = ""):
    if not _wants_json():
        return render_template("error.html", status=status, message=message, message_en=message_en), status
    body = {"error": {"code": CODES.get(status, str(status)), "message": message, "fields": fields or {}}}
    if message_en:
        body["error"]["message_en"] = message_en
    response = jsonify(body)
    response.status_code = status
    return response


def register(app: Flask) -> None:
    @app.errorhandler(ActionRefused)
    def _refused(exc: ActionRefused):
        return error_response(exc.status, exc.message, exc.fields, exc.message_en)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return error_response(400, *CSRF_MESSAGE[:1], message_en=CSRF_MESSAGE[1])

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        response = make_response(error_response(status, MESSAGES.get(status, exc.name), message_en=exc.name))
        for name, value in exc.get_headers():  # e.g. a 405's Allow, which a client needs to know what to send
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error")
        return error_response(500, MESSAGES[500], message_en="Internal server error")
