"""The case dossier (案卷): the whole case as one PDF, to file or to hand to an inspector.

Cover (封面), table of contents (卷内目录), the history (办理记录), every stage document
exactly as stored, and the closing note (卷内备考表) with the integrity check.

One WeasyPrint layout renders the pages the dossier writes itself, with one blank slot
page for each page of each stored document, so that the table of contents and the
footer's "第 x 页 共 y 页" count the whole volume in a single pass; pypdf then puts the
stored pages into their slots and adds the bookmarks. A stored document that is gone,
altered or unreadable is not enclosed: a 文书缺失 page stands in its place, naming the
recorded SHA-256, and the dossier is still produced.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.audit.journal import Line, lines, units
from workflow.audit.verify import verify
from workflow.cases.registry import Workflows
from workflow.core import display
from workflow.documents.pdf import PdfRenderer
from workflow.store.models import Case, Document
from workflow.store.storage import BlobStore, sha256_of

TEMPLATE = "dossier"


@dataclass
class Enclosure:
    """One stage document of the volume (卷内文件), or the reason it could not be enclosed."""

    index: int
    title: str
    stage: str
    seq: int          # the history step that issued it
    action: str
    at: datetime      # Beijing time
    sha256: str
    size: int
    pages: int = 0
    problem: str | None = None
    reader: PdfReader | None = field(default=None, repr=False)

    @property
    def anchor(self) -> str:
        return f"doc-{self.index}"

    @property
    def bookmark(self) -> str:
        return f"{self.index}. {self.title}" + ("（文书缺失）" if self.problem else "")


def build_dossier(session: Session, case: Case, workflows: Workflows, store: BlobStore, renderer: PdfRenderer,
                  org_name: str, *, compiled_at: datetime, compiled_by: str | None = None) -> bytes:
    """The dossier of one case as PDF bytes. `compiled_by` names who compiled it (立卷人), `compiled_at` is
    naive UTC like every stored time (the service's clock)."""
    definition = workflows.definition(case.definition_version, session)
    history = lines(session, case, definition, units(session))
    steps = {line.seq: line for line in history}
    rows = session.scalars(select(Document).where(Document.case_id == case.id)
                           .order_by(Document.event_seq, Document.id))
    enclosures = [_enclose(store, i, doc, steps.get(doc.event_seq))
                  for i, doc in enumerate(rows, start=1)]
    check = verify(session, store, workflows, [case.id]).cases[0]
    state = definition.states.get(case.state)
    context: dict[str, Any] = {
        "org_name": org_name,
        "doc": {"key": TEMPLATE, "title": "案卷"},
        "case": {
            "number": case.number, "workflow_label": definition.label.zh, "title": case.data.get("title", ""),
            "submitter": case.submitter.display_name,
            "submitter_unit": case.submitter.unit.name if case.submitter.unit else "",
            "unit": case.unit.name if case.unit else "",
            "created_at": display.local(case.created_at), "updated_at": display.local(case.updated_at),
            "state_label": state.label.zh if state else case.state, "final": bool(state and state.final),
        },
        "history": [_row(line, enclosures) for line in history],
        "enclosures": enclosures,
        "enclosed_pages": sum(e.pages for e in enclosures),
        "missing": [e for e in enclosures if e.problem],
        "check": check,
        "head_hash": case.head_hash,
        "compiled_at": display.local(compiled_at),
        "compiled_by": compiled_by,
    }
    layout = renderer.layout(TEMPLATE, context)
    anchors: dict[str, int] = {}
    for number, page in enumerate(layout.pages):
        for name in page.anchors:  # a part that runs over several pages names each of them: keep the first
            anchors.setdefault(name, number)
    written = PdfReader(io.BytesIO(layout.write_pdf()))
    return _assemble(written, anchors, enclosures, {
        "/Title": f"案卷 {case.number} {context['case']['title']}".strip(), "/Author": org_name,
        "/Subject": f"{definition.label.zh} {case.number}", "/Keywords": f"{case.number} 案卷 {definition.key}",
        "/Creator": "UnionFlow 工会流程平台"})


def _enclose(store: BlobStore, index: int, doc: Document, step: Line | None) -> Enclosure:
    found = Enclosure(index, doc.title, doc.stage, doc.event_seq,
                      step.action if step else "", step.at if step else display.local(doc.created_at),
                      doc.sha256, doc.size)
    try:
        content = store.get(doc.sha256)
    except FileNotFoundError:
        found.problem = "存储中找不到该文件"
        return found
    except OSError as exc:
        found.problem = f"文件无法读取（{exc.strerror or exc}）"
        return found
    if sha256_of(content) != doc.sha256:
        found.problem = "存储的文件与登记的 SHA-256 不符（文件已被改动），未编入本卷"
        return found
    try:
        reader = PdfReader(io.BytesIO(content))
        found.pages = len(reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError):
        found.pages = 0
    if found.pages == 0:
        found.problem = "文件无法作为 PDF 读取"
    else:
        found.reader = reader
    return found


def _row(line: Line, enclosures: list[Enclosure]) -> dict[str, Any]:
    numbers = {e.sha256: e.index for e in enclosures if e.seq == line.seq}
    return {"seq": line.seq, "at": line.at, "date": display.chinese_date(line.at.date()), "time": f"{line.at:%H:%M}",
            "actor": line.actor_name, "unit": line.unit, "role": line.role,
            "action": line.action, "from": line.from_label if line.from_state else "", "to": line.to_label,
            "comment": line.comment, "hash": line.hash,
            "documents": [{"index": numbers.get(h), "sha256": h} for h in line.documents]}


def _assemble(written: PdfReader, anchors: dict[str, int], enclosures: list[Enclosure],
              metadata: dict[str, str]) -> bytes:
    """The laid-out pages with each enclosed document's pages put into its slots, and the bookmarks."""
    slots: dict[int, Any] = {}
    for e in enclosures:
        if e.reader is not None:
            first = anchors[e.anchor]
            for offset, page in enumerate(e.reader.pages):
                slots[first + offset] = page
    writer = PdfWriter()
    for number, page in enumerate(written.pages):
        stored = slots.get(number)
        if stored is None:
            writer.add_page(page)
        else:  # the stored page, with the slot's 卷内页号 stamped over it (the stored file itself is untouched)
            writer.add_page(stored).merge_page(page)
    writer.add_outline_item(title="封面", page_number=anchors["cover"])
    writer.add_outline_item(title="卷内目录", page_number=anchors["contents"])
    writer.add_outline_item(title="办理记录", page_number=anchors["history"])
    for e in enclosures:
        writer.add_outline_item(title=e.bookmark, page_number=anchors[e.anchor])
    writer.add_outline_item(title="卷内备考表", page_number=anchors["notes"])
    writer.add_metadata(metadata)
    writer.page_mode = "/UseOutlines"
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
