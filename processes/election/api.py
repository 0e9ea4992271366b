"""The election's REST endpoints under /api/v1/elections: cast a ballot, check a receipt, read a counted box."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify

from processes.election.ballot_pages import ballot_box, counted_box, election
from processes.election.ballots import Marks
from web.api import json_body
from web.auth import current_user
from web.openapi import (
    CASE_ID,
    ERRORS,
    ID,
    JSON_ERRORS,
    json_response,
    path_param,
    request_body,
)
from web.services import session
from workflow.cases.service import NotFound
from workflow.core.engine import InvalidData

bp = Blueprint("election_api", __name__, url_prefix="/api/v1/elections")


@bp.post("/<int:case_id>/ballot")
def cast(case_id: int) -> tuple[Response, int]:
    """The caller's ballot in the open round (as the web ballot): 201 with the receipt code, shown this once."""
    user = current_user(session())
    case = election(case_id, user)
    body = json_body()
    marks, write_ins = body.get("marks", {}), body.get("write_ins", [])
    if not isinstance(marks, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in marks.items()):
        raise InvalidData("marks 应为对象：候选人用户名 → yes/no/abstain", "marks must map candidates to yes/no/abstain",
                          fields={"marks": "应为对象"})
    if not isinstance(write_ins, list) or not all(isinstance(w, str) for w in write_ins):
        raise InvalidData("write_ins 应为用户名列表", "write_ins must be a list of user names",
                          fields={"write_ins": "应为列表"})
    code = ballot_box().cast(case.id, user, Marks(marks, tuple(w.strip() for w in write_ins if w.strip())))
    return jsonify({"receipt": code}), 201


@bp.post("/<int:case_id>/receipt")
def receipt(case_id: int) -> Response:
    """Whether a ballot with this receipt is in the election's box, and in which round."""
    case = election(case_id, current_user(session()))
    code = json_body().get("code")
    found = ballot_box().check_receipt(session(), case.id, code) if isinstance(code, str) and code.strip() else None
    if found is None:
        raise NotFound("没有找到与该回执码对应的选票", "No ballot with this receipt code")
    return jsonify({"round": found})


@bp.get("/<int:case_id>/rounds/<int:number>/ballots")
def ballots(case_id: int, number: int) -> Response:
    """A counted round's public box: the rules and every ballot, marks only — recount it with anything."""
    return jsonify(counted_box(election(case_id, current_user(session())), number)[1])


OPENAPI = {
    "/elections/{case_id}/ballot": {"post": {
        "summary": "投票 Cast the caller's ballot in the open round of an election (one per voter)",
        "parameters": [CASE_ID],
        "requestBody": request_body({"properties": {
            "marks": {"type": "object", "additionalProperties": {"enum": ["yes", "no", "abstain"]},
                      "description": "candidate user name → 赞成/反对/弃权; left out = 弃权"},
            "write_ins": {"type": "array", "items": {"type": "string"},
                          "description": "另选他人: user names of voters on the roll"}}}),
        "responses": {"201": json_response({"type": "object", "properties": {"receipt": {
            "type": "string", "example": "ABCD-EFGH-JKMN"}}}, "Cast; the receipt code, shown this once"),
            "409": {"$ref": "#/components/responses/Conflict"}, **JSON_ERRORS}}},
    "/elections/{case_id}/receipt": {"post": {
        "summary": "核对回执码 Is the ballot with this receipt in the count?",
        "parameters": [CASE_ID],
        "requestBody": request_body({"required": ["code"], "properties": {"code": {"type": "string"}}}),
        "responses": {"200": json_response({"type": "object", "properties": {"round": {"type": "integer"}}},
                                   "In the box of this round"), **JSON_ERRORS}}},
    "/elections/{case_id}/rounds/{number}/ballots": {"get": {
        "summary": "选票清单 A counted round's ballots (marks only, random order) and the rules to recount them",
        "parameters": [CASE_ID, path_param("number", ID)],
        "responses": {"200": json_response({"type": "object", "properties": {
            "round": {"type": "integer"}, "kind": {"enum": ["regular", "additional", "runoff"]},
            "seats": {"type": "integer"}, "candidates": {"type": "array", "items": {"type": "string"}},
            "eligible": {"type": "integer"}, "paper_issued": {"type": "integer"},
            "turnout": {"type": "string", "example": "2/3"}, "majority": {"type": "string", "example": "1/2"},
            "ballots": {"type": "array", "items": {"type": "object", "properties": {
                "paper": {"type": "boolean"}, "marks": {"type": "object"},
                "write_ins": {"type": "array", "items": {"type": "string"}}}}}}},
            "The public box"), **ERRORS}}}
}
