"""The OpenAPI 3.1 description served at /api/v1/openapi.json: the generic API's paths here, each installed
process's own beside them (`Process.openapi`, with the helpers below)."""
from __future__ import annotations

from typing import Any

from web.plugins import Installed


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def json_response(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {str(code): {"$ref": f"#/components/responses/{name}"} for code, name in
          ((400, "BadRequest"), (401, "Unauthorized"), (403, "Forbidden"), (404, "NotFound"))}
JSON_ERRORS = {**ERRORS, "413": {"$ref": "#/components/responses/TooLarge"},
               "422": {"$ref": "#/components/responses/Invalid"}}  # a JSON body: too large, or a bad string in it
ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}  # a larger id is no such thing (web.MAX_ID)
NAME = {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}
CASE_ID = {"name": "case_id", "in": "path", "required": True, "schema": ID}


def path_param(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def request_body(schema: dict[str, Any]) -> dict[str, Any]:
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
            "responses": {"200": json_response({"type": "object", "required": ["openapi", "paths"]}, "The description")}}},
        "/workflows": {"get": {"summary": "流程列表 The processes in force", "responses": {
            "200": json_response({"type": "array", "items": ref("WorkflowSummary")}, "The processes"), **ERRORS}}},
        "/workflows/{key}": {"get": {
            "summary": "流程定义 One process definition (states, transitions, fields, parameters)",
            "parameters": [path_param("key", NAME)],
            "responses": {"200": json_response({"type": "object"}, "The definition"), **ERRORS}}},
        "/cases": {"post": {
            "summary": "创建事项 Open a case in its initial state (a draft)",
            "requestBody": request_body({"required": ["workflow"], "properties": {
                "workflow": {"type": "string", "example": "proposal"},
                "data": {"type": "object", "description": "the first step's fields (GET /workflows/KEY)"}}}),
            "responses": {"201": json_response(ref("Case"), "The new case"), **JSON_ERRORS}}},
        "/cases/{case_id}": {"get": {
            "summary": "事项详情 A case with the actions open to the caller, its history and documents",
            "parameters": [CASE_ID], "responses": {"200": json_response(ref("Case"), "The case"), **ERRORS}}},
        "/cases/{case_id}/actions/{trigger}": {"post": {
            "summary": "办理 Take an action",
            "description": "Besides the definition's steps: `send_back` (退回至…, `data: {\"to\": state}` among the "
                           "choices the case's `actions` list) and `recall` (撤回 of your own last step); both need "
                           "a comment.",
            "parameters": [CASE_ID, path_param("trigger", NAME)],
            "requestBody": request_body({"required": ["version"], "properties": {
                "version": {"type": "integer", "description": "the case version you read"},
                "data": {"type": "object", "description": "the step's fields"}, "comment": {"type": "string"}}}),
            "responses": {"200": json_response({"anyOf": [ref("Case"), {
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
            "responses": {"201": json_response(ref("Attachment"), "The stored attachment's reference"),
                          "413": {"$ref": "#/components/responses/TooLarge"},
                          "422": {"$ref": "#/components/responses/Invalid"}, **ERRORS}}},
        "/cases/{case_id}/attachments/{sha256}": {"get": {
            "summary": "附件 An attachment the case's data refers to (to whoever may read the case)",
            "parameters": [CASE_ID, path_param("sha256", {"type": "string", "pattern": "^[0-9a-f]{64}$"})],
            "responses": {"200": {"description": "The file", "content": {"application/pdf": {}, "image/jpeg": {},
                                                                         "image/png": {}}}, **ERRORS}}},
        "/queue": {"get": {"summary": "待办 Cases waiting on the caller, one per open task (with its `task_id`)",
                           "responses": {"200": json_response({"type": "array", "items": {"allOf": [
                               ref("CaseSummary"), {"type": "object", "properties": {"task_id": {"type": "integer"}}}]}},
                               "The queue"), **ERRORS}}},
        "/tasks": {"get": {
            "summary": "任务 My open tasks; ?status=done: the tasks I completed (已办)",
            "parameters": [{"name": "status", "in": "query", "schema": {"enum": ["open", "done"]}},
                           {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}}],
            "responses": {"200": {**json_response({"type": "array", "items": ref("Task")}, "The tasks, 200 a page"),
                                  "headers": {"X-Total-Count": {"schema": {"type": "integer"}}}},
                          "422": {"$ref": "#/components/responses/Invalid"}, **ERRORS}}},
        "/tasks/batch": {"post": {
            "summary": "批量同意 One step with one opinion through several tasks of the same step",
            "description": "Each task is its own step of its own case (history, notifications, stage PDF); a stale or "
                           "refused one is reported in its result and the rest go through. 422 for the whole "
                           "request only when it is malformed, its tasks are of different steps, or the step asks "
                           "for a form (taken case by case).",
            "requestBody": request_body({"required": ["task_ids", "trigger"], "properties": {
                "task_ids": {"type": "array", "items": ID, "minItems": 1, "maxItems": 100},
                "trigger": {"type": "string"}, "comment": {"type": "string", "maxLength": 2000}}}),
            "responses": {"200": json_response({"type": "object", "required": ["done", "refused", "results"],
                                                "properties": {
                "done": {"type": "integer"}, "refused": {"type": "integer"},
                "results": {"type": "array", "items": {"type": "object", "required": ["task_id", "status", "error"],
                                                       "properties": {
                    "task_id": {"type": "integer"}, "case_id": {"type": ["integer", "null"]},
                    "case_number": {"type": ["string", "null"]},
                    "status": {"type": "string", "description": "done, or the error code (conflict, forbidden, "
                                                                "not_found, invalid)"},
                    "error": {"type": ["object", "null"]}}}}}}, "One result per task, in the order given"),
                          **JSON_ERRORS}}},
        "/tasks/{task_id}/claim": {"post": {
            "summary": "签收 Claim a pool's task (where its step may be claimed): it becomes yours alone",
            "parameters": [path_param("task_id", ID)],
            "responses": {"200": json_response(ref("Task"), "The task, now yours"),
                          "409": {"$ref": "#/components/responses/Conflict"}, **JSON_ERRORS}}},
        "/tasks/{task_id}/transfer": {"post": {
            "summary": "转交 Hand your task to someone who may take its step, with a comment",
            "parameters": [path_param("task_id", ID)],
            "requestBody": request_body({"required": ["to"], "properties": {
                "to": {"type": "string", "description": "the user name of the new holder"},
                "comment": {"type": "string", "maxLength": 2000}}}),
            "responses": {"200": json_response(ref("Task"), "The task, now theirs"),
                          "409": {"$ref": "#/components/responses/Conflict"}, **JSON_ERRORS}}},
        "/tasks/{task_id}/add_sign": {"post": {
            "summary": "加签 Named people give their opinion on your task: before you (your step waits for them), "
                       "alongside you (it waits for them too) or after you (before anyone of the next state)",
            "parameters": [path_param("task_id", ID)],
            "requestBody": request_body({"required": ["users", "position"], "properties": {
                "users": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 10},
                "position": {"enum": ["before", "after", "parallel"]},
                "comment": {"type": "string", "maxLength": 2000}}}),
            "responses": {"200": json_response(ref("Task"), "Your task, now yours (a pool's is taken for you)"),
                          "409": {"$ref": "#/components/responses/Conflict"}, **JSON_ERRORS}}},
        "/tasks/{task_id}/remove_sign": {"post": {
            "summary": "减签 Take back signers you added who have not given their opinion yet",
            "parameters": [path_param("task_id", ID)],
            "requestBody": request_body({"required": ["users"], "properties": {
                "users": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 10},
                "comment": {"type": "string", "maxLength": 2000}}}),
            "responses": {"200": json_response(ref("Task"), "Your task"),
                          "409": {"$ref": "#/components/responses/Conflict"}, **JSON_ERRORS}}},
        "/tasks/{task_id}/reassign": {"post": {
            "summary": "流程干预·改派 The administrator gives an open task to a named person, with a reason",
            "description": "The new holder takes the task with its seat's role and unit; both they and the one it "
                           "was taken from are told. Ending a case: POST /cases/{id}/actions/terminate.",
            "parameters": [path_param("task_id", ID)],
            "requestBody": request_body({"required": ["to", "comment"], "properties": {
                "to": {"type": "string"}, "comment": {"type": "string", "minLength": 1, "maxLength": 2000}}}),
            "responses": {"200": json_response(ref("Task"), "The task, now theirs"),
                          "409": {"$ref": "#/components/responses/Conflict"}, **JSON_ERRORS}}},
        "/tasks/{task_id}/sign_off": {"post": {
            "summary": "加签意见 An added signer gives their opinion; whoever added them is told",
            "parameters": [path_param("task_id", ID)],
            "requestBody": request_body({"required": ["opinion"], "properties": {
                "opinion": {"enum": ["agree", "disagree"]}, "comment": {"type": "string", "maxLength": 2000}}}),
            "responses": {"200": json_response(ref("Task"), "The signer's task, done"),
                          "409": {"$ref": "#/components/responses/Conflict"}, **JSON_ERRORS}}},
        "/cases/{case_id}/remind": {"post": {
            "summary": "催办 The applicant reminds whoever the case waits on (inbox and e-mail)",
            "description": "At most once per case in the definition's `remind_hours` (default 4): sooner is 429, "
                           "with the time left in the message.",
            "parameters": [CASE_ID],
            "responses": {"200": json_response({"type": "object", "properties": {
                "case_id": {"type": "integer"}, "seq": {"type": "integer"},
                "reminded": {"type": "integer", "description": "how many people were told"}}}, "Reminded"),
                "409": {"$ref": "#/components/responses/Conflict"},
                "429": {"$ref": "#/components/responses/TooMany"}, **ERRORS}}},
        "/cases/{case_id}/cc": {"post": {
            "summary": "抄送 One who handles the case copies named people, who may then read it",
            "parameters": [CASE_ID],
            "requestBody": request_body({"required": ["users"], "properties": {
                "users": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 20},
                "comment": {"type": "string", "maxLength": 2000}}}),
            "responses": {"200": json_response({"type": "object", "properties": {
                "case_id": {"type": "integer"}, "seq": {"type": "integer"}, "notified": {"type": "integer"}}},
                "Copied"), "409": {"$ref": "#/components/responses/Conflict"}, **JSON_ERRORS}}},
        "/cc": {"get": {
            "summary": "抄送我的 The cases copied to me, unread first",
            "parameters": [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}}],
            "responses": {"200": json_response({"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "integer"}, "case_id": {"type": "integer"}, "case_number": {"type": "string"},
                "workflow": {"type": "string"}, "title": {"type": "string"}, "state": {"type": "string"},
                "by": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"},
                "read": {"type": "boolean"}}}}, "My copies"), **ERRORS}}},
        "/me/delegation": {
            "get": {"summary": "我的委托 My delegation in force or to come (null: none)", "responses": {
                "200": json_response({"anyOf": [ref("Delegation"), {"type": "null"}]}, "The delegation"), **ERRORS}},
            "put": {
                "summary": "设置委托 Name a delegate for a date range (replaces the one in force or to come)",
                "description": "While it is in force the caller's new and pending tasks go to the delegate, who may "
                               "also take the steps of the caller's pools; those still open come back when it ends.",
                "requestBody": request_body({"required": ["to", "from", "until"], "properties": {
                    "to": {"type": "string", "description": "the delegate's user name"},
                    "from": {"type": "string", "format": "date"}, "until": {"type": "string", "format": "date"},
                    "workflows": {"type": "array", "items": {"type": "string"}, "maxItems": 50,
                                  "description": "process keys; none or empty: every process"}}}),
                "responses": {"200": json_response(ref("Delegation"), "The delegation"), **JSON_ERRORS}},
            "delete": {"summary": "取消委托 Cancel my delegation: what the delegate holds still comes back",
                       "responses": {"204": {"description": "Cancelled"}, **ERRORS}}},
        "/documents/{document_id}": {"get": {
            "summary": "阶段文件 A stage document (PDF)",
            "parameters": [path_param("document_id", ID)],
            "responses": {"200": {"description": "The PDF", "content": {"application/pdf": {}}}, **ERRORS}}},
        "/audit/verify": {"get": {
            "summary": "完整性校验 Verify every hash chain, document and transition (auditor)",
            "responses": {"200": json_response({"type": "object"}, "The report"), **ERRORS}}},
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
            "Delegation": {"type": "object", "required": ["id", "to", "from", "until", "workflows", "in_force"],
                           "properties": {
                "id": {"type": "integer"}, "to": {"type": "string"}, "from": {"type": "string", "format": "date"},
                "until": {"type": "string", "format": "date"}, "workflows": {"type": "array", "items": {"type": "string"}},
                "in_force": {"type": "boolean"}}},
            "Task": {"type": "object", "required": ["id", "case_id", "state", "triggers", "assignee", "pool"],
                     "properties": {
                "id": {"type": "integer"}, "case_id": {"type": "integer"}, "case_number": {"type": "string"},
                "workflow": {"type": "string"}, "state": {"type": "string"}, "status": {"enum": ["open", "done", "closed", "pending"]},
                "triggers": {"type": "array", "items": {"type": "string"}, "description": "what the caller may do"},
                "assignee": {"type": ["string", "null"], "description": "who holds it; null: the pool's"},
                "pool": {"type": ["object", "null"], "properties": {"role": {"type": "string"},
                                                                    "unit": {"type": ["string", "null"]}}},
                "claimable": {"type": "boolean"}, "delegated_from": {"type": ["string", "null"]},
                "number": {"type": "integer", "description": "the task's number within its case"},
                "sign_for": {"type": ["integer", "null"], "description": "加签: the number of the task signed"},
                "sign_position": {"enum": ["before", "after", "parallel", None],
                                  "description": "加签: an added signer's task (its trigger: sign_off)"},
                "created_at": {"type": "string", "format": "date-time"},
                "due_at": {"type": ["string", "null"], "format": "date"}}},
            "Case": {"allOf": [ref("CaseSummary"), {"type": "object", "properties": {
                "data": {"type": "object"},
                "tasks": {"type": "array", "items": ref("Task"), "description": "the open tasks: who acts next"},
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
        "responses": {name: json_response(ref("Error"), text) for name, text in (
            ("BadRequest", "请求格式错误 Malformed request"), ("Unauthorized", "未登录 No valid token"),
            ("Forbidden", "无权限 Not yours to take"), ("NotFound", "不存在 No such thing"),
            ("Conflict", "冲突：版本过期或当前状态不能执行 Stale version or action not open"),
            ("Invalid", "数据有误，见 fields Invalid data, see fields"),
            ("TooLarge", "提交的内容过大 The request is too large"),
            ("TooMany", "过于频繁，message 说明还需等待多久 Too soon: the message says how long to wait"))},
    },
}


def described(processes: Installed) -> dict[str, Any]:
    """The description with the installed processes' paths."""
    extra = {path: item for p in processes.processes for path, item in p.openapi.items()}
    return {**OPENAPI, "paths": {**OPENAPI["paths"], **extra}}
