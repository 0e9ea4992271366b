"""Issuing a stage document: build the template's context, render the PDF, store it by hash.

Runs before the write transaction that records the step (docs/architecture.md invariant 3: no lock is
held while a PDF renders); the bytes are content-addressed, so a render whose step then
loses a race leaves at most an unreferenced file, never a wrong link.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from workflow.core import display
from workflow.core.definition import Definition
from workflow.documents.pdf import PdfRenderer
from workflow.store.storage import BlobStore


@dataclass(frozen=True)
class Issued:
    stage: str
    title: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Opinion:
    """One history entry as documents show it."""

    trigger: str
    actor: str
    roles: tuple[str, ...]  # the principal's, when a delegate acted for them
    at: datetime
    comment: str
    acting_for: str | None = None  # 委托: the principal a delegate acted for (shown 张三（李四代）)


@dataclass(frozen=True)
class CaseSnapshot:
    number: str
    state: str
    submitter: str
    submitter_unit: str
    unit: str
    created_at: datetime
    due_date: date | None
    data: Mapping[str, Any]
    opinions: tuple[Opinion, ...]


class DocumentIssuer:
    def __init__(self, renderer: PdfRenderer, store: BlobStore, org_name: str):
        self.renderer, self.store, self.org_name = renderer, store, org_name
        renderer.env.filters.update(mask_name=display.mask_name, mask_id=display.mask_id)  # public notices (公示)

    def issue(self, definition: Definition, stage: str, case: CaseSnapshot, *, units: Mapping[str, str],
              names: Mapping[str, str], predecessor: str | None, rehandling: bool = False) -> Issued:
        context = self.context(definition, stage, case, units=units, names=names, predecessor=predecessor,
                               rehandling=rehandling)
        content = self.renderer.render(stage, context)
        digest = self.store.put(content)
        return Issued(stage, definition.documents[stage].zh, digest, len(content))

    def _images(self, definition: Definition, data: Mapping[str, Any]) -> list[dict[str, str]]:
        """The photos among the case's attachments, as files the renderer reads (an event summary's pictures)."""
        return [{"name": ref["name"], "src": self.store.path(ref["sha256"]).as_uri()}
                for f in definition.fields() if f.type == "files" for ref in data.get(f.name) or []
                if str(ref.get("type", "")).startswith("image/") and self.store.exists(ref["sha256"])]

    def context(self, definition: Definition, stage: str, case: CaseSnapshot, *, units: Mapping[str, str],
                names: Mapping[str, str], predecessor: str | None, rehandling: bool = False) -> dict[str, Any]:
        fields = display.data_text(definition, case.data, units)
        opinions = [{
            "action": display.action_label(definition, o.trigger),
            "actor": display.acting_name(o.actor, o.acting_for, names),
            "role": display.acting_role(definition, o.trigger, o.roles),
            "at": display.local(o.at),
            "comment": o.comment,
        } for o in case.opinions if o.trigger != "create"]
        state = definition.states[case.state]
        return {
            "org_name": self.org_name,
            "doc": {"key": stage, "title": definition.documents[stage].zh},
            "case": {
                "number": case.number, "workflow": definition.key, "workflow_label": definition.label.zh,
                "title": case.data.get("title", ""), "state": case.state, "state_label": state.label.zh,
                "submitter": case.submitter, "submitter_unit": case.submitter_unit, "unit": case.unit,
                "created_at": display.local(case.created_at), "due_date": case.due_date,
            },
            "fields": fields,
            "data": {f["key"]: f["value"] for f in fields},
            "raw": dict(case.data),
            "seconders": [names.get(u, u) for u in case.data.get("seconders", [])],
            "opinions": opinions,
            "event": opinions[-1] if opinions else None,
            "predecessor_hash": predecessor,
            "images": self._images(definition, case.data),
            "issued_at": display.local(case.opinions[-1].at) if case.opinions else None,
            "rehandling": rehandling,
        }
