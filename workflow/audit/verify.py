"""Integrity verification: every case's hash chain, its stored documents, and a replay of its history.

The replay runs each recorded step through the engine of the definition version the
case started on, as the recorded actor (with the roles and unit they had then), and
checks that the engine reaches the recorded state and writes the recorded data: a
history that verifies is one the process allowed, not merely one nobody edited. The
tasks are replayed beside it (workflow/cases/task_rows.py): a step or a verb (签收, 转交, 委托)
the tasks did not allow is named, a delegate's step or move that no delegation covered
then, and a tasks table that says otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.cases import delegations as delegation_rules
from workflow.cases import task_rows
from workflow.cases.registry import UnknownVersion, Workflows
from workflow.core import moves
from workflow.core.actor import Actor
from workflow.core.definition import Definition
from workflow.core.display import local_date
from workflow.core.engine import ActionRefused, CaseView, TransitionRecord
from workflow.core.history import GENESIS, hash_of_entry
from workflow.core.seats import Task as BoardTask
from workflow.core.tasks import DELEGATE, UNDELEGATE
from workflow.store.models import (
    Case,
    Delegation,
    Document,
    HistoryEntry,
    OrgUnit,
    Task,
)
from workflow.store.storage import BlobStore, sha256_of


@dataclass
class CaseReport:
    case_id: int
    number: str
    entries: int = 0
    documents: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.case_id, "number": self.number, "ok": self.ok, "events": self.entries,
                "documents": self.documents, "problems": self.problems}


@dataclass
class AuditReport:
    cases: list[CaseReport]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.cases)

    @property
    def broken(self) -> list[CaseReport]:
        return [c for c in self.cases if not c.ok]

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "cases_checked": len(self.cases), "cases_broken": len(self.broken),
                "cases": [c.as_dict() for c in self.cases]}


def verify(session: Session, store: BlobStore, workflows: Workflows, case_ids: list[int] | None = None) -> AuditReport:
    units = dict(session.execute(select(OrgUnit.code, OrgUnit.name)).all())
    given = list(session.scalars(select(Delegation)))  # a small table: every delegation ever set
    query = select(Case).order_by(Case.id)
    if case_ids is not None:
        query = query.where(Case.id.in_(case_ids))
    return AuditReport([_verify_case(session, store, workflows, case, units, given)
                        for case in session.scalars(query)])


def _verify_case(session: Session, store: BlobStore, workflows: Workflows, case: Case,
                 units: dict[str, str], delegations: list[Delegation]) -> CaseReport:
    report = CaseReport(case.id, case.number)
    entries = list(session.scalars(select(HistoryEntry).where(HistoryEntry.case_id == case.id).order_by(HistoryEntry.seq)))
    documents = list(session.scalars(select(Document).where(Document.case_id == case.id)))
    report.entries, report.documents = len(entries), len(documents)
    problems = report.problems
    _check_chain(case, entries, problems)
    _check_documents(store, entries, documents, problems)
    try:
        definition = workflows.definition(case.definition_version, session)
    except UnknownVersion:
        problems.append(f"流程定义版本 {case.definition_version[:12]} 不存在，无法重放")
        return report
    rows = list(session.scalars(select(Task).where(Task.case_id == case.id)))
    _replay(workflows, definition, case, entries, units, problems, rows, delegations)
    return report


def _check_chain(case: Case, entries: list[HistoryEntry], problems: list[str]) -> None:
    prev = GENESIS
    for expected, entry in enumerate(entries, start=1):
        if entry.seq != expected:
            problems.append(f"第 {expected} 条记录缺失或序号被改动（见到序号 {entry.seq}）")
        if entry.prev_hash != prev:
            problems.append(f"第 {entry.seq} 条记录的前序哈希不符：记录被删除、插入或调换了顺序")
        if hash_of_entry(entry, case.number) != entry.hash:
            problems.append(f"第 {entry.seq} 条记录（{entry.trigger}）的内容被改动：哈希不符")
        prev = entry.hash
    head = entries[-1].hash if entries else GENESIS
    if case.head_hash != head:
        problems.append("案件的链头哈希与最后一条记录不符：最后的记录被删除或替换")


def _check_documents(store: BlobStore, entries: list[HistoryEntry], documents: list[Document],
                     problems: list[str]) -> None:
    rows = {(d.event_seq, d.sha256): d for d in documents}
    referenced = set()
    for entry in entries:
        for digest in entry.documents:
            referenced.add((entry.seq, digest))
            doc = rows.get((entry.seq, digest))
            title = doc.title if doc else digest[:12]
            if doc is None:
                problems.append(f"第 {entry.seq} 条记录引用的文件 {digest[:12]} 没有登记")
            if not store.exists(digest):
                problems.append(f"第 {entry.seq} 条记录的文件《{title}》缺失（{digest[:12]}）")
            elif sha256_of(store.get(digest)) != digest:
                problems.append(f"第 {entry.seq} 条记录的文件《{title}》被改动：内容与哈希 {digest[:12]} 不符")
    for key, doc in rows.items():
        if key not in referenced:
            problems.append(f"文件《{doc.title}》（{doc.sha256[:12]}）不属于任何记录")


class _Mismatch(Exception):
    """The engine replayed a step to another state or other data than recorded."""


def _replay(workflows: Workflows, definition: Definition, case: Case, entries: list[HistoryEntry],
            units: dict[str, str], problems: list[str], rows: list[Task], delegations: list[Delegation]) -> None:
    if not entries:
        problems.append("案件没有任何记录")
        return
    first = entries[0]
    if first.trigger != "create" or first.to_state != definition.initial:
        problems.append(f"第 1 条记录应为创建（进入「{definition.states[definition.initial].label.zh}」）")
        return
    engine = workflows.engine(definition.version)
    unit = case.unit.code if case.unit else None

    def fire(entry: HistoryEntry, view: CaseView, actor: Actor) -> tuple[CaseView, bool]:
        if entry.trigger in moves.MOVES:  # 退回, 撤回: by the path the replayed history took
            trail = moves.trail_of((e.actor_username, e.trigger, e.from_state, e.to_state)
                                   for e in entries if e.seq < entry.seq)
            record = moves.take(engine, view, entry.trigger, actor, {"to": entry.changes.get("to")}, entry.comment,
                                today=local_date(entry.at), trail=trail)
            return _checked(entry, record, view), False
        fields = {f.name for f in engine.form_fields(view.state, entry.trigger)}
        form = {k: v for k, v in entry.changes.items() if k in fields}
        frozen = ((entry.changes.get("countersign") or {}).get(entry.to_state) or {}).get("voters", [])
        facts = {k: entry.changes[k] for k in engine.facts_of(view.state, entry.trigger) if k in entry.changes}
        record = engine.fire(view, entry.trigger, actor, form, entry.comment, today=local_date(entry.at), units=units,
                             electorate=lambda role: frozen,  # who held the role then
                             facts=facts)  # what the domain established then
        return _checked(entry, record, view), record.restart

    try:
        tasks, view = task_rows.replay(definition, entries, unit, fire,
                                       lambda view, actor: {a.trigger for a in engine.actions_for(view, actor)},
                                       partial(_vouch, delegations, definition.key, first.actor_username))
    except task_rows.StepRefused as refused:
        problems.append(f"第 {refused.entry.seq} 步「{refused.entry.trigger}」按流程定义不被允许：{refused.refused.message}")
        return
    except _Mismatch as mismatch:
        problems.append(str(mismatch))
        return
    if case.state != view.state:
        problems.append(f"案件当前状态「{case.state}」与历史记录重放的结果「{view.state}」不符")
    elif case.data != view.data:
        problems.append("案件当前数据与历史记录重放的结果不符")
    _check_tasks(tasks, rows, problems)


def _checked(entry: HistoryEntry, record: TransitionRecord, view: CaseView) -> CaseView:
    """The case after a replayed step, once the step is found to be what the history recorded."""
    if record.source != entry.from_state or record.dest != entry.to_state:
        raise _Mismatch(f"第 {entry.seq} 步记录为 {entry.from_state}→{entry.to_state}，"
                        f"按流程定义应为 {record.source}→{record.dest}")
    if record.changes != entry.changes:
        raise _Mismatch(f"第 {entry.seq} 步记录的数据与按流程定义重放的结果不符")
    return CaseView(record.dest, record.data, view.submitter, view.unit, record.due_date)


def _vouch(given: list[Delegation], workflow: str, submitter: str, entry: HistoryEntry) -> None:
    """Refuse a recorded step or move that names a delegation (委托) which did not cover it then."""
    claims = []  # (principal, delegate, ended)
    if entry.acting_for:
        claims.append((str(entry.acting_for.get("username")), entry.actor_username, False))
    claims += [(principal, delegate, False) for principal, delegate in (entry.delegated or {}).items()]
    if entry.trigger in (DELEGATE, UNDELEGATE):
        claims.append((str(entry.changes.get("from")), str(entry.changes.get("to")), entry.trigger == UNDELEGATE))
    for principal, delegate, ended in claims:
        if delegate == submitter:
            raise ActionRefused("受托人不能办理自己提交的事项", "A delegate never acts on a case they filed")
        if ended:
            named = next((d for d in given if d.id == entry.changes.get("delegation")), None)
            problem = delegation_rules.check(named, principal, delegate, workflow, entry.at, ended=True)
        else:
            problem = delegation_rules.find(given, principal, delegate, workflow, entry.at)
        if problem:
            raise ActionRefused(f"委托记录不符（{principal}→{delegate}）：{problem}",
                                f"No delegation {principal}→{delegate} covers this")


def _check_tasks(replayed: dict[int, BoardTask], rows: list[Task], problems: list[str]) -> None:
    """The tasks table says what the replayed history says: each task's seat, steps and stay, who holds it, and
    whether it is done."""
    def facts(t: Any) -> tuple[Any, ...]:
        if isinstance(t, BoardTask):
            return (t.state, t.visit, sorted(t.triggers), t.seat.role, t.seat.unit, t.seat.person, t.claimable,
                    t.status, t.assignee, t.done_by, t.delegated_from, t.sign_for, t.sign_position, t.escalated_from)
        return (t.state, t.visit, sorted(t.triggers), t.pool_role, t.pool_unit, t.person, t.claimable, t.status,
                t.assignee, t.done_by, t.delegated_from, t.sign_for, t.sign_position, t.escalated_from)

    stored = {row.number: facts(row) for row in rows}
    for number in sorted(set(stored) | set(replayed)):
        if stored.get(number) != (facts(replayed[number]) if number in replayed else None):
            problems.append(f"任务表的第 {number} 号任务与历史记录重放的结果不符")
