"""The OpenAPI 3.1 description served at /api/v1/openapi.json."""
from __future__ import annotations

from typing import Any


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {str(code): {"$ref": f"#/components/responses/{name}"} for code, name in
          ((400, "BadRequest"), (401, "Unauthorized"), (403, "Forbidden"), (404, "NotFound"))}
JSON_ERRORS = {**ERRORS, "413": {"$ref": "#/components/responses/TooLarge"},
               "422": {"$ref": "#/components/responses/Invalid"}}  # a JSON body: too large, or a bad string in it
ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}  # a larger id is no such thing (web.MAX_ID)
NAME = {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}
CASE_ID = {"name": "case_id", "in": "path", "required": True, "schema": ID}


def _path(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": {"type": "object", **schema}}}}

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "UnionFlow 工会流程平台 API", "version": "1",
             "description": "Cases of the union's processes: file, act, follow, audit. "
                            "Authenticate with `Authorization: Bearer TOKEN` (`flask --app wsgi users token NAME`)."},
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "paths": {
        "/openapi.json": {"get": {
            "summary": "接口说明 This description (OpenAPI 3.1), open to everyone", "security": [],
            "responses": {"200": _json({"type": "object", "required": ["openapi", "paths"]}, "The description")}}},
        "/elections/{case_id}/ballot": {"post": {
            "summary": "投票 Cast the caller's ballot in the open round of an election (one per voter)",
            "parameters": [CASE_ID],
            "requestBody": _body({"properties": {
                "marks": {"type": "object", "additionalProperties": {"enum": ["yes", "no", "abstain"]},
                          "description": "candidate user name → 赞成/反对/弃权; left out = 弃权"},
                "write_ins": {"type": "array", "items": {"type": "string"},
                              "description": "另选他人: user names of voters on the roll"}}}),
            "responses": {"201": _json({"type": "object", "properties": {"receipt": {
                "type": "string", "example": "ABCD-EFGH-JKMN"}}}, "Cast; the receipt code, shown this once"),
                "409": {"$ref": "#/components/responses/Conflict"}, **JSON_ERRORS}}},
        "/elections/{case_id}/receipt": {"post": {
            "summary": "核对回执码 Is the ballot with this receipt in the count?",
            "parameters": [CASE_ID],
            "requestBody": _body({"required": ["code"], "properties": {"code": {"type": "string"}}}),
            "responses": {"200": _json({"type": "object", "properties": {"round": {"type": "integer"}}},
                                       "In the box of this round"), **JSON_ERRORS}}},
        "/elections/{case_id}/rounds/{number}/ballots": {"get": {
            "summary": "选票清单 A counted round's ballots (marks only, random order) and the rules to recount them",
            "parameters": [CASE_ID, _path("number", ID)],
            "responses": {"200": _json({"type": "object", "properties": {
                "round": {"type": "integer"}, "kind": {"enum": ["regular", "additional", "runoff"]},
                "seats": {"type": "integer"}, "candidates": {"type": "array", "items": {"type": "string"}},
                "eligible": {"type": "integer"}, "paper_issued": {"type": "integer"},
                "turnout": {"type": "string", "example": "2/3"}, "majority": {"type": "string", "example": "1/2"},
                "ballots": {"type": "array", "items": {"type": "object", "properties": {
                    "paper": {"type": "boolean"}, "marks": {"type": "object"},
                    "write_ins": {"type": "array", "items": {"type": "string"}}}}}}},
                "The public box"), **ERRORS}}},
        "/events/{case_id}/signup": {"post": {
            "summary": "活动报名 Sign the caller up for a published event: a place, or the waitlist when it is full",
            "parameters": [CASE_ID],
            "requestBody": _body({"properties": {"answers": {
                "type": "object", "additionalProperties": {"type": "string"},
                "description": "the event's questions in order, q0, q1 …: an answer each (one of its choices)"}}}),
            "responses": {"201": _json({"type": "object", "properties": {
                "status": {"enum": ["confirmed", "waitlisted"]},
                "position": {"type": "integer", "description": "place in the waitlist (1 = next); 0 with a place"}}},
                "Signed up"), "409": {"$ref": "#/components/responses/Conflict"}, **JSON_ERRORS}}},
        "/events/{case_id}/cancel": {"post": {
            "summary": "取消报名 Give up the caller's place (the first on the waitlist moves up), until the deadline",
            "parameters": [CASE_ID],
            "responses": {"200": _json({"type": "object", "properties": {"status": {"const": "cancelled"}}},
                                       "Cancelled"), "409": {"$ref": "#/components/responses/Conflict"}, **ERRORS}}},
        "/workflows": {"get": {"summary": "流程列表 The processes in force", "responses": {
            "200": _json({"type": "array", "items": _ref("WorkflowSummary")}, "The processes"), **ERRORS}}},
        "/workflows/{key}": {"get": {
            "summary": "流程定义 One process definition (states, transitions, fields, parameters)",
            "parameters": [_path("key", NAME)],
            "responses": {"200": _json({"type": "object"}, "The definition"), **ERRORS}}},
        "/cases": {"post": {
            "summary": "创建事项 Open a case in its initial state (a draft)",
            "requestBody": _body({"required": ["workflow"], "properties": {
                "workflow": {"type": "string", "example": "proposal"},
                "data": {"type": "object", "description": "the first step's fields (GET /workflows/KEY)"}}}),
            "responses": {"201": _json(_ref("Case"), "The new case"), **JSON_ERRORS}}},
        "/cases/{case_id}": {"get": {
            "summary": "事项详情 A case with the actions open to the caller, its history and documents",
            "parameters": [CASE_ID], "responses": {"200": _json(_ref("Case"), "The case"), **ERRORS}}},
        "/cases/{case_id}/actions/{trigger}": {"post": {
            "summary": "办理 Take an action",
            "parameters": [CASE_ID, _path("trigger", NAME)],
            "requestBody": _body({"required": ["version"], "properties": {
                "version": {"type": "integer", "description": "the case version you read"},
                "data": {"type": "object", "description": "the step's fields"}, "comment": {"type": "string"}}}),
            "responses": {"200": _json({"anyOf": [_ref("Case"), {
                "type": "object", "required": ["id", "number", "trigger", "seq"], "description":
                "a public step (an objection) taken by someone who may not read the case: what was recorded, "
                "without the file", "properties": {"id": {"type": "integer"}, "number": {"type": "string"},
                                                   "trigger": {"type": "string"}, "seq": {"type": "integer"}}}]},
                "The case after the action"),
                          "409": {"$ref": "#/components/responses/Conflict"}, **JSON_ERRORS}}},
        "/uploads": {"post": {
            "summary": "上传附件 Upload an attachment (PDF, JPEG or PNG, checked by content, 10 MB at most)",
            "description": "Put the returned reference in a `files` field of a case's data (POST /cases or an "
                           "action). A case may carry only the caller's own uploads.",
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}}}}}},
            "responses": {"201": _json(_ref("Attachment"), "The stored attachment's reference"),
                          "413": {"$ref": "#/components/responses/TooLarge"},
                          "422": {"$ref": "#/components/responses/Invalid"}, **ERRORS}}},
        "/cases/{case_id}/attachments/{sha256}": {"get": {
            "summary": "附件 An attachment the case's data refers to (to whoever may read the case)",
            "parameters": [CASE_ID, _path("sha256", {"type": "string", "pattern": "^[0-9a-f]{64}$"})],
            "responses": {"200": {"description": "The file", "content": {"application/pdf": {}, "image/jpeg": {},
                                                                         "image/png": {}}}, **ERRORS}}},
        "/queue": {"get": {"summary": "待办 Cases waiting on the caller", "responses": {
            "200": _json({"type": "array", "items": _ref("CaseSummary")}, "The queue"), **ERRORS}}},
        "/documents/{document_id}": {"get": {
            "summary": "阶段文件 A stage document (PDF)",
            "parameters": [_path("document_id", ID)],
            "responses": {"200": {"description": "The PDF", "content": {"application/pdf": {}}}, **ERRORS}}},
        "/audit/verify": {"get": {
            "summary": "完整性校验 Verify every hash chain, document and transition (auditor)",
            "responses": {"200": _json({"type": "object"}, "The report"), **ERRORS}}},
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
                "code": {"type": "string"}, "message": {"type": "string", "description": "中文说明"},
                "message_en": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}}},
            "WorkflowSummary": {"type": "object", "properties": {
                "key": {"type": "string"}, "label": {"type": "string"}, "version": {"type": "string"},
                "number_prefix": {"type": "string"}, "start_roles": {"type": "array", "items": {"type": "string"}}}},
            "Attachment": {"type": "object", "required": ["sha256", "name", "type", "size"], "properties": {
                "sha256": {"type": "string"}, "name": {"type": "string"},
                "type": {"enum": ["application/pdf", "image/jpeg", "image/png"]}, "size": {"type": "integer"}}},
            "CaseSummary": {"type": "object", "properties": {
                "id": {"type": "integer"}, "number": {"type": "string", "example": "TA-2026-0001"},
                "workflow": {"type": "string"}, "title": {"type": "string"}, "state": {"type": "string"},
                "state_label": {"type": "string"}, "version": {"type": "integer"},
                "submitter": {"type": "string"}, "unit": {"type": ["string", "null"]},
                "due_date": {"type": ["string", "null"], "format": "date"}, "url": {"type": "string"}}},
            "Case": {"allOf": [_ref("CaseSummary"), {"type": "object", "properties": {
                "data": {"type": "object"},
                "actions": {"type": "array", "items": {"type": "object", "properties": {
                    "trigger": {"type": "string"}, "label": {"type": "string"},
                    "comment_required": {"type": "boolean"},
                    "fields": {"type": "array", "items": {"type": "object"}}}}},
                "history": {"type": "array", "items": {"type": "object", "properties": {
                    "seq": {"type": "integer"}, "trigger": {"type": "string"}, "actor": {"type": "string"},
                    "from": {"type": ["string", "null"]}, "to": {"type": "string"},
                    "at": {"type": "string", "format": "date-time"}, "comment": {"type": "string"},
                    "document": {"type": ["object", "null"]}, "hash": {"type": "string"}}}},
                "documents": {"type": "array", "items": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "stage": {"type": "string"}, "sha256": {"type": "string"},
                    "url": {"type": "string"}}}}}}]},
        },
        "responses": {name: _json(_ref("Error"), text) for name, text in (
            ("BadRequest", "请求格式错误 Malformed request"), ("Unauthorized", "未登录 No valid token"),
            ("Forbidden", "无权限 Not yours to take"), ("NotFound", "不存在 No such thing"),
            ("Conflict", "冲突：版本过期或当前状态不能执行 Stale version or action not open"),
            ("Invalid", "数据有误，见 fields Invalid data, see fields"),
            ("TooLarge", "提交的内容过大 The request is too large"))},
    },
}
