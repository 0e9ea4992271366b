"""The event's REST endpoints under /api/v1/events: sign up, cancel."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from processes.event.pages import mailed, registrations
from web.api import json_body
from web.auth import current_user
from web.openapi import CASE_ID, ERRORS, JSON_ERRORS, json_response, request_body
from web.services import fresh_session, session
from workflow.core.engine import InvalidData

bp = Blueprint("event_api", __name__, url_prefix="/api/v1/events")


@bp.post("/<int:case_id>/signup")
def sign_up(case_id: int) -> tuple[Response, int]:
    """The caller signs up for a published event: 201 with "confirmed" (a place) or "waitlisted" (and where)."""
    user = current_user(session())
    answers = json_body().get("answers", {})
    if not isinstance(answers, dict):
        raise InvalidData("answers 应为对象：q0、q1… → 回答", "answers must map q0, q1 ... to answers",
                          fields={"answers": "应为对象"})
    status = registrations().sign_up(case_id, user, answers)
    return jsonify(_signup(case_id, user.id) | {"status": status}), 201


@bp.post("/<int:case_id>/cancel")
def cancel_signup(case_id: int) -> Response:
    """The caller gives up their place (or their place in the queue) before the deadline."""
    mailed(registrations().cancel(case_id, current_user(session())))
    return jsonify({"status": "cancelled"})


def _signup(case_id: int, user_id: int) -> dict[str, Any]:
    found = registrations().mine(fresh_session(), case_id, user_id)
    return {"status": found[0].status, "position": found[1]} if found else {"status": None}


OPENAPI = {
    "/events/{case_id}/signup": {"post": {
        "summary": "活动报名 Sign the caller up for a published event: a place, or the waitlist when it is full",
        "parameters": [CASE_ID],
        "requestBody": request_body({"properties": {"answers": {
            "type": "object", "additionalProperties": {"type": "string"},
            "description": "the event's questions in order, q0, q1 …: an answer each (one of its choices)"}}}),
        "responses": {"201": json_response({"type": "object", "properties": {
            "status": {"enum": ["confirmed", "waitlisted"]},
            "position": {"type": "integer", "description": "place in the waitlist (1 = next); 0 with a place"}}},
            "Signed up"), "409": {"$ref": "#/components/responses/Conflict"}, **JSON_ERRORS}}},
    "/events/{case_id}/cancel": {"post": {
        "summary": "取消报名 Give up the caller's place (the first on the waitlist moves up), until the deadline",
        "parameters": [CASE_ID],
        "responses": {"200": json_response({"type": "object", "properties": {"status": {"const": "cancelled"}}},
                                   "Cancelled"), "409": {"$ref": "#/components/responses/Conflict"}, **ERRORS}}}
}
