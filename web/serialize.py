"""JSON shapes of the REST API (docs/architecture.md §5)."""
from __future__ import annotations

from typing import Any

from flask import url_for
from sqlalchemy.orm import Session

from web.errors import CODES
from workflow.cases.batch import Outcome
from workflow.cases.service import CaseService
from workflow.core.definition import Definition, Field
from workflow.core.display import acting_role, action_label, case_title
from workflow.core.engine import Action
from workflow.core.signing import SIGN_OFF
from workflow.store.models import Case, Document, HistoryEntry, Task, User


def field_json(f: Field) -> dict[str, Any]:
    out: dict[str, Any] = {"name": f.name, "label": f.label.zh, "label_en": f.label.en, "type": f.type,
                           "required": f.required}
    for key, value in (("min_length", f.min_length), ("max_length", f.max_length), ("min", f.minimum),
                       ("max", f.maximum), ("default_days", f.default_days)):
        if value is not None:
            out[key] = value
    if f.choices:
        out["choices"] = [{"value": c.value, "label": c.label.zh, "label_en": c.label.en} for c in f.choices]
    return out


def action_json(action: Action) -> dict[str, Any]:
    return {"trigger": action.trigger, "label": action.label.zh, "label_en": action.label.en,
            "comment_required": action.comment_required, "fields": [field_json(f) for f in action.fields]}


def document_json(doc: Document) -> dict[str, Any]:
    return {"id": doc.id, "stage": doc.stage, "title": doc.title, "sha256": doc.sha256, "size": doc.size,
            "url": url_for("api.document", document_id=doc.id)}


def history_json(definition: Definition, entry: HistoryEntry, docs: dict[str, Document]) -> dict[str, Any]:
    linked = [document_json(docs[h]) for h in entry.documents if h in docs]
    return {"seq": entry.seq, "trigger": entry.trigger, "label": action_label(definition, entry.trigger),
            "actor": entry.actor_username, "actor_name": entry.actor.display_name,
            "role": acting_role(definition, entry.trigger, entry.actor_roles),
            "from": entry.from_state, "to": entry.to_state, "at": entry.at.isoformat() + "Z",
            "comment": entry.comment, "changes": entry.changes,
            "document": linked[0] if linked else None, "documents": linked, "hash": entry.hash}


def case_summary(service: CaseService, session: Session, case: Case) -> dict[str, Any]:
    definition = service.definition_of(case, session)
    title = case_title(definition, case.data, case.submitter.display_name, case.number)
    return {"id": case.id, "number": case.number, "workflow": case.workflow, "title": title,
            "state": case.state, "state_label": definition.states[case.state].label.zh, "version": case.version,
            "submitter": case.submitter.username, "unit": case.unit.code if case.unit else None,
            "due_date": case.due_date.isoformat() if case.due_date else None,
            "created_at": case.created_at.isoformat() + "Z", "url": url_for("api.get_case", case_id=case.id)}


def task_json(task: Task, triggers: list[str]) -> dict[str, Any]:
    """A task (docs/architecture.md § Tasks); `triggers`: the steps the caller may take through it now."""
    return {"id": task.id, "case_id": task.case_id, "case_number": task.case.number, "workflow": task.case.workflow,
            "state": task.state, "status": task.status, "triggers": triggers, "assignee": task.assignee,
            "pool": {"role": task.pool_role, "unit": task.pool_unit} if task.pool_role else None,
            "claimable": task.claimable and task.assignee is None, "delegated_from": task.delegated_from,
            "created_at": task.created_at.isoformat() + "Z",
            "due_at": task.case.due_date.isoformat() if task.case.due_date else None,
            "done_by": task.done_by, "closed_at": task.closed_at.isoformat() + "Z" if task.closed_at else None,
            "number": task.number, "sign_for": task.sign_for, "sign_position": task.sign_position}


def tasks_json(tasks: list[Task], actions: list[Action], me: str) -> list[dict[str, Any]]:
    """Tasks of one case, each with the caller's open steps through it (an added signer's: their opinion)."""
    offered = [a.trigger for a in actions]

    def mine(t: Task) -> list[str]:
        if t.status != "open":
            return []
        if t.sign_position:
            return [SIGN_OFF] if t.assignee == me else []
        return [a for a in offered if a in t.triggers]
    return [task_json(t, mine(t)) for t in tasks]


def outcome_json(outcome: Outcome) -> dict[str, Any]:
    """One task of a batch (批量同意): done, or why not in the API's error shape."""
    refused = outcome.refused
    return {"task_id": outcome.task_id, "case_id": outcome.case_id, "case_number": outcome.case_number,
            "status": "done" if refused is None else CODES.get(refused.status, str(refused.status)),
            "error": None if refused is None else {"message": refused.message, "message_en": refused.message_en,
                                                   "fields": refused.fields}}


def case_json(service: CaseService, session: Session, case: Case, user: User) -> dict[str, Any]:
    definition = service.definition_of(case, session)
    documents = service.documents(session, case)
    by_hash = {d.sha256: d for d in documents}
    actions = service.actions_for(session, case, user)
    return {
        **case_summary(service, session, case),
        "definition_version": case.definition_version,
        "data": case.data,
        "actions": [action_json(a) for a in actions],
        "tasks": tasks_json(service.open_tasks(session, case.id), actions, user.username),
        "history": [history_json(definition, e, by_hash) for e in service.history(session, case)],
        "documents": [document_json(d) for d in documents],
    }


def definition_json(definition: Definition, summary: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"key": definition.key, "label": definition.label.zh, "label_en": definition.label.en,
                           "version": definition.version, "number_prefix": definition.number_prefix,
                           "start_roles": sorted(definition.start_roles)}
    if summary:
        return out
    out.update(
        initial=definition.initial,
        parameters=dict(definition.parameters),
        states=[{"name": s.name, "label": s.label.zh, "label_en": s.label.en, "final": s.final,
                 "document": s.document} for s in definition.states.values()],
        transitions=[{"trigger": t.trigger, "label": t.label.zh, "source": list(t.sources), "dest": t.dest,
                      "roles": sorted(t.roles), "unit": t.unit, "document": t.document,
                      "comment_required": t.comment_required, "fields": [field_json(f) for f in t.fields]}
                     for t in definition.transitions],
        documents={k: v.zh for k, v in definition.documents.items()},
    )
    return out
