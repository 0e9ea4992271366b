"""Application services: open a case, take an action, list what waits on someone.

Each action runs in three steps: read a snapshot and let the engine decide (no lock),
render the stage documents and find who is to be told (no lock), then one short write
transaction that re-checks the case's version and commits the state, the entry, the
document links and the notifications together (docs/architecture.md invariant 1). Two actors racing on
one case: one commits, the other gets 409.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from workflow.accounts.users import actor_of
from workflow.cases import (
    copies,
    delegations,
    entries,
    fallbacks,
    notifications,
    readers,
    recipients,
    signers,
    standing,
    task_rows,
    trails,
    turns,
    uploads,
)
from workflow.cases.domain import CaseRef, Domain, case_ref
from workflow.cases.entries import INSERT_ENTRY, history_row
from workflow.cases.registry import Workflows
from workflow.core import attachments, forms, moves
from workflow.core.actor import Actor
from workflow.core.clock import Clock, system_now
from workflow.core.deadlines import timer_row
from workflow.core.definition import Definition
from workflow.core.display import local_date
from workflow.core.engine import (
    Action,
    ActionRefused,
    CaseView,
    Forbidden,
    InvalidData,
    NotOpen,
    TransitionRecord,
)
from workflow.core.history import GENESIS
from workflow.core.lazy import LazyMapping
from workflow.core.seats import OPEN
from workflow.core.tasks import Board
from workflow.documents.issuer import CaseSnapshot, DocumentIssuer, Issued, Opinion
from workflow.store.db import Database, insert_new
from workflow.store.models import (
    Case,
    CaseCounter,
    Document,
    FileView,
    HistoryEntry,
    OrgUnit,
    Timer,
    User,
)
from workflow.store.models import Task as TaskRow
from workflow.store.storage import BlobStore


class NotFound(ActionRefused):
    status = 404


class Conflict(ActionRefused):
    status = 409


NOT_ON_NOTICE = ("该事项当前不在公示期，不能提出异议", "The case is not on public notice now")
STALE = ("该事项已被他人处理或已更新，请刷新后查看最新状态再操作",
         "The case was changed by someone else; reload it and try again")


@dataclass
class CaseService:
    db: Database
    workflows: Workflows
    store: BlobStore
    issuer: DocumentIssuer | None = None  # None: no stage PDFs (benchmarks of the bare service path)
    clock: Clock = system_now  # the one clock of the application (workflow/core/clock.py)
    domains: Mapping[str, Domain] = field(default_factory=dict)  # by process key: the installed plug-ins'
    # Called after a step's commit with the ids of the notifications it wrote (the web e-mails them then).
    on_notified: Callable[[tuple[int, ...]], None] | None = None
    # Runs what a step leaves for after its commit (Prepared.afterwards): at once here; the web runs it once its
    # response is sent, when the request's own read session (a SQLite checkpoint would wait for it) is closed.
    run_afterwards: Callable[[Callable[[], None]], None] = field(default=lambda job: job())

    def __post_init__(self) -> None:
        self._registered: set[str] = set()

    # -- reading --------------------------------------------------------------------------------

    def units(self, session: Session) -> dict[str, str]:
        return dict(session.execute(select(OrgUnit.code, OrgUnit.name)).all())

    def lazy_units(self, session: Session) -> Mapping[str, str]:
        """The unit table, read only if a form actually has a unit field."""
        return LazyMapping(lambda: self.units(session))

    def definition_of(self, case: Case | CaseRef, session: Session) -> Definition:
        return self.workflows.definition(case.definition_version, session)

    @staticmethod
    def view(case: Case | CaseRef) -> CaseView:
        ref = case_ref(case)
        return CaseView(ref.state, ref.data, ref.submitter, ref.unit, ref.due_date)

    def get_case(self, session: Session, case_id: int, user: User) -> Case:
        """The case, if this user may read it (docs/architecture.md invariant 6: need-to-know)."""
        case = session.scalar(_CASE_BY_ID, {"id": case_id})
        if case is None:
            raise NotFound("事项不存在", "No such case")
        if not self.may_view(session, case, user):
            raise Forbidden("您无权查看此事项", "You may not view this case")
        return case

    @staticmethod
    def snapshot(session: Session, case_id: int) -> CaseRef:
        """The case as a step sees it, read in one query without a lock (docs/architecture.md §2)."""
        row = session.execute(_SNAPSHOT, {"case_id": case_id}).one_or_none()
        if row is None:
            raise NotFound("事项不存在", "No such case")
        return CaseRef(**row._mapping)

    def may_view(self, session: Session, case: Case | CaseRef, user: User, delegated: bool = True) -> bool:
        """Need-to-know (workflow/cases/readers.py); `delegated`: also as the delegate of a principal who may."""
        return readers.may_view(self, session, case, user, delegated)

    def log_view(self, case: Case, user: User, what: str) -> None:
        """Record a reading of a file whose process logs them (docs/architecture.md invariant 6), unless by its applicant."""
        if case.submitter_id == user.id or not self.workflows.definition(case.definition_version).log_views:
            return
        with self.db.transaction() as session:
            session.add(FileView(case_id=case.id, user_id=user.id, what=what[:120], at=self.clock()))

    def views(self, session: Session, case: Case) -> list[FileView]:
        return list(session.scalars(select(FileView).where(FileView.case_id == case.id)
                                    .order_by(FileView.at.desc(), FileView.id.desc())))

    @staticmethod
    def holders(session: Session, role: str) -> list[str]:
        """The usernames of the active accounts that hold a role now (a 会签's voters)."""
        return sorted(name for name, roles in session.execute(select(User.username, User.role_list)
                                                              .where(User.active.is_(True))) if role in roles)

    def actions_for(self, session: Session, case: Case | CaseRef, user: User) -> list[Action]:
        """What this user may do on the case now: what the engine offers them, less the steps whose tasks are
        someone else's, with the steps of a named seat handed to them (a 会签 vote passed on)."""
        engine = self.workflows.engine(case.definition_version, session)
        view, actor, board = self.view(case), actor_of(user), task_rows.board(session, case.id)
        steps = standing.offered(board, engine, view, actor)
        steps += standing.as_delegate(session, board, engine, view, actor, local_date(self.clock()),
                                      {a.trigger for a in steps})
        return steps + moves.offered(engine, view, actor, trails.trail_for(self.definition_of(case, session), session, case, user))

    @staticmethod
    def open_tasks(session: Session, case_id: int) -> list[TaskRow]:
        """Who is to act on the case now: its open tasks (docs/architecture.md § Tasks)."""
        return list(session.scalars(select(TaskRow).where(TaskRow.case_id == case_id, TaskRow.status == OPEN)
                                    .order_by(TaskRow.number)))

    def history(self, session: Session, case: Case) -> list[HistoryEntry]:
        return list(session.scalars(select(HistoryEntry).where(HistoryEntry.case_id == case.id).order_by(HistoryEntry.seq)))

    def documents(self, session: Session, case: Case) -> list[Document]:
        return list(session.scalars(select(Document).where(Document.case_id == case.id).order_by(Document.id)))

    def latest_document(self, session: Session, case_id: int, stage: str) -> Document | None:
        """The last PDF issued at a stage (a notice issued again replaces the earlier), if its file is stored."""
        found = session.scalar(select(Document).where(Document.case_id == case_id, Document.stage == stage)
                               .order_by(Document.id.desc()).limit(1))
        return found if found is not None and self.store.exists(found.sha256) else None

    # -- writing --------------------------------------------------------------------------------

    def create_case(self, user: User, workflow: str, data: Mapping[str, Any] | None) -> Case:
        definition = self.workflows.get(workflow)
        if definition is None:
            raise NotFound(f"未知的流程：{workflow}", f"Unknown workflow: {workflow}")
        if not user.roles & definition.start_roles:
            raise Forbidden(f"您的角色不能发起「{definition.label.zh}」", f"You may not start '{definition.label.en}'")
        if data is not None and not isinstance(data, Mapping):  # e.g. [] would have made an empty draft
            raise InvalidData("数据格式错误，应为对象", "data must be an object", fields={"data": "应为对象"})
        now = self.clock()
        draft_fields = self.workflows.engine(definition.version).draft_fields()
        with self.db.read() as session:
            data = uploads.own(session, user, draft_fields, data)
            try:
                clean = forms.validate(draft_fields, data or {}, today=local_date(now), units=self.lazy_units(session))
            except forms.FormErrors as exc:
                raise InvalidData("提交的数据有误，请按提示修改", "Invalid data", fields=exc.fields) from None
        with self.db.transaction() as session:
            if definition.version not in self._registered:
                self.workflows.register(session, now)
                session.flush()
                self._registered.add(definition.version)
            case = Case(number=self._next_number(session, definition.number_prefix, now.year), workflow=definition.key,
                        definition_version=definition.version, state=definition.initial, data=clean, version=1,
                        submitter_id=user.id, unit_id=user.unit_id, created_at=now, updated_at=now)
            session.add(case)
            session.flush()
            entry = history_row(case_id=case.id, case_number=case.number, seq=1, actor=user, trigger="create",
                              source=None, dest=definition.initial, changes=clean, comment="", documents=[], at=now,
                              prev_hash=GENESIS)
            session.connection().execute(INSERT_ENTRY, entry)
            view = CaseView(definition.initial, clean, user.username, user.unit.code if user.unit else None)
            task_rows.write(session.connection(), case.id,
                            Board().step(definition, "", view, user.username, None, 1), now)
            case.head_hash = entry["hash"]
        return case

    def perform(self, case_id: int, trigger: str, user: User, version: int, data: Mapping[str, Any] | None,
                comment: str | None = None) -> Performed:
        now = self.clock()
        with self.db.read() as session:
            case = self.snapshot(session, case_id)
            public = trigger in self.definition_of(case, session).public_triggers()  # e.g. an objection to a 公示
            outsider = not self.may_view(session, case, user)
            if outsider and not public:
                raise Forbidden("您无权查看此事项", "You may not view this case")
            if version != case.version:
                raise Conflict(*STALE)
            definition = self.definition_of(case, session)
            engine = self.workflows.engine(case.definition_version, session)
            data = uploads.own(session, user, engine.form_fields(case.state, trigger), data)
            units = self.lazy_units(session)
            domain = self.domains.get(definition.key)
            prepared = domain.prepare(session, case, trigger, user, data or {}, local_date(now),
                                      definition.parameters) if domain else None
            board = task_rows.board(session, case_id)
            actor = actor_of(user)
            try:
                if trigger in moves.MOVES:  # 退回, 撤回: decided by the path the case took
                    through, principal = board.moving(actor), None
                    record = moves.take(engine, self.view(case), trigger, actor, data, comment, today=local_date(now),
                                        trail=trails.trail(session, case_id))
                else:
                    through, principal = standing.through(session, board, engine, self.view(case), trigger, actor,
                                                          local_date(now))
                    record = engine.fire(self.view(case), trigger, Board.acting_as(through, actor, principal), data,
                                         comment, today=local_date(now), units=units,
                                         electorate=lambda role: self.holders(session, role),
                                         facts=prepared.facts if prepared else None)
            except NotOpen:
                if outsider:  # the refusal would name the state of a case this user may not read
                    raise NotOpen(*NOT_ON_NOTICE) from None
                raise
            tasks = board.step(definition, case.state, CaseView(record.dest, record.data, case.submitter, case.unit,
                                                                record.due_date),
                               user.username, through, version + 1, record.restart,
                               delegations.delegates_of(session, definition.key, case.submitter, local_date(now)))
            fallen = fallbacks.find(session, definition, tasks, case.submitter_id)  # a pool nobody holds
            Board.fall_back(tasks, fallen)
            issued = []
            if self.issuer is not None and record.documents:
                issued = self._issue(session, definition, session.get(Case, case_id), user, record, now, units,
                                     principal)
            letters = recipients.letters(session, engine, case, record, user.id)  # found here: no lock is held
            copied = copies.step_copies(session, definition, record, case, user.username)  # the step's 抄送
            letters += copies.letters(definition, case, copied, user.display_name)
            letters += signers.letters(session, definition, case, tasks, user.display_name)  # 后加签, now open
            letters += fallbacks.letters(session, definition, case, record.dest, fallen)
            letters += turns.letters(session, definition, case, record, tasks)  # 依次: the next approver
            number, prev_hash = case.number, case.head_hash
        seq = version + 1  # one entry per version: the create entry is seq 1 at version 1
        entry = history_row(case_id=case_id, case_number=number, seq=seq, actor=user, trigger=trigger,
                          source=record.source, dest=record.dest, changes=record.changes, comment=record.comment,
                          documents=[d.sha256 for d in issued], at=now, prev_hash=prev_hash,
                          acting_for=entries.acting_for(principal), delegated=entries.delegated(tasks),
                          fallback=fallen or None)
        with self.db.write_connection() as connection:
            moved = connection.execute(_MOVE_CASE, {
                "case_id": case_id, "expected": version, "state": record.dest, "data": record.data,
                "due_date": record.due_date, "version": seq, "head_hash": entry["hash"], "updated_at": now})
            if moved.rowcount != 1:  # someone else moved the case since our snapshot
                raise Conflict(*STALE)
            connection.execute(INSERT_ENTRY, entry)
            task_rows.write(connection, case_id, tasks, now)
            copies.write(connection, case_id, seq, user.username, copied, now)
            deadline = definition.states[record.dest].deadline
            if record.deadline_set and record.due_date and deadline and (deadline.expire_trigger or deadline.remind
                                                                         or deadline.escalate):
                connection.execute(_INSERT_TIMER, timer_row(case_id, seq, record.dest, deadline, record.due_date))
            if prepared is not None:
                letters = [*letters, *domain.after(connection, case_id, record, prepared)]  # type: ignore[union-attr]
            if issued:
                connection.execute(_INSERT_DOCUMENT, [
                    {"case_id": case_id, "event_seq": seq, "stage": d.stage, "title": d.title, "sha256": d.sha256,
                     "size": d.size, "created_at": now} for d in issued])
            notified = notifications.post(connection, letters, now)
        if prepared is not None and prepared.afterwards is not None:
            self.run_afterwards(partial(prepared.afterwards, self.db))
        if notified and self.on_notified is not None:
            self.on_notified(notified)
        return Performed(case_id, seq, record, tuple(issued), notified)

    def accept_upload(self, user: User, name: str, content: bytes) -> dict[str, Any]:
        """Check and store one upload and note it as this user's (only then may their cases carry it); the reference
        to put in a `files` field. AttachmentRefused (in Chinese) when the bytes are not an accepted file."""
        reference = attachments.accept(self.store, name, content)
        with self.db.transaction() as session:
            uploads.record(session, user, reference, self.clock())
        return reference

    # -- internals ------------------------------------------------------------------------------

    def _issue(self, session: Session, definition: Definition, case: Case, user: User, record: TransitionRecord,
               now: datetime, units: Mapping[str, str], principal: Actor | None) -> list[Issued]:
        entries = self.history(session, case)
        opinions = [Opinion(e.trigger, e.actor_username, tuple((e.acting_for or {}).get("roles") or e.actor_roles),
                            e.at, e.comment, (e.acting_for or {}).get("username")) for e in entries]
        opinions.append(Opinion(record.trigger, user.username, tuple(principal.roles if principal else user.roles),
                                now, record.comment, principal.username if principal else None))
        people = ({o.actor for o in opinions} | {o.acting_for for o in opinions if o.acting_for}
                  | set(record.data.get("seconders", [])) | {case.submitter.username})
        names = dict(session.execute(select(User.username, User.display_name).where(User.username.in_(people))).all())
        snapshot = CaseSnapshot(
            number=case.number, state=record.dest, submitter=case.submitter.display_name,
            submitter_unit=case.submitter.unit.name if case.submitter.unit else "—",
            unit=case.unit.name if case.unit else "—", created_at=case.created_at, due_date=record.due_date,
            data=record.data, opinions=tuple(opinions))
        predecessor = session.scalar(select(Document.sha256).where(Document.case_id == case.id)
                                     .order_by(Document.id.desc()).limit(1))
        revisit = any(e.to_state == record.dest for e in entries)  # e.g. 再次交办 after an unsatisfied evaluation
        issued = []
        for stage in record.documents:
            doc = self.issuer.issue(definition, stage, snapshot, units=units, names=names, predecessor=predecessor,
                                    rehandling=revisit)
            issued.append(doc)
            predecessor = doc.sha256
        return issued

    @staticmethod
    def _next_number(session: Session, prefix: str, year: int) -> str:
        """The next number of the year (TA-2026-0001). The year's counter row is made by whichever create comes first
        (on 1 January two may both be first: the other's insert then does nothing), and the increment takes the row's
        lock, so numbers never repeat and never fail."""
        session.execute(insert_new(session, CaseCounter).values(prefix=prefix, year=year, last=0))
        last = session.execute(update(CaseCounter).where(CaseCounter.prefix == prefix, CaseCounter.year == year)
                               .values(last=CaseCounter.last + 1).returning(CaseCounter.last)).scalar_one()
        return f"{prefix}-{year}-{last:04d}"



_SNAPSHOT = (select(Case.id, Case.number, Case.definition_version, Case.state, Case.data, Case.version,
                    Case.head_hash, Case.submitter_id, User.username.label("submitter"),
                    OrgUnit.code.label("unit"), Case.due_date)
             .join(User, User.id == Case.submitter_id).outerjoin(OrgUnit, OrgUnit.id == Case.unit_id)
             .where(Case.id == bindparam("case_id")))
_CASE_BY_ID = select(Case).where(Case.id == bindparam("id"))  # every case page: built once, as below

# The write path's statements, compiled once: building them per call cost more than the commit.
_CASES = Case.__table__
_MOVE_CASE = (_CASES.update()
              .where(_CASES.c.id == bindparam("case_id"), _CASES.c.version == bindparam("expected"))
              .values(state=bindparam("state"), data=bindparam("data"), due_date=bindparam("due_date"),
                      version=bindparam("version"), head_hash=bindparam("head_hash"),
                      updated_at=bindparam("updated_at")))
_INSERT_DOCUMENT = Document.__table__.insert()
_INSERT_TIMER = Timer.__table__.insert()


@dataclass(frozen=True)
class Performed:
    case_id: int
    seq: int
    record: TransitionRecord
    documents: tuple[Issued, ...]
    notified: tuple[int, ...] = ()  # the inbox rows the step wrote
