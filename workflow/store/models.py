"""The ORM of the generic tables: org units, users and roles, API tokens, definition versions, cases, their history,
tasks and documents, timers, uploads, notifications. A process's own tables live in its package (processes/<key>/models.py)
on the same Base, so one metadata creates and migrates them all."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from workflow.core.clock import system_now


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON}


class OrgUnit(Base):
    __tablename__ = "org_units"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=system_now)  # bookkeeping, shown only (clock.py)
    role_list: Mapped[list[str]] = mapped_column("roles", default=list)
    email: Mapped[str | None] = mapped_column(String(254))  # for notifications by e-mail; none: the inbox only
    gender: Mapped[str | None] = mapped_column(String(8))  # female | male; an event may be for women workers only
    unit: Mapped[OrgUnit | None] = relationship(lazy="joined")

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(self.role_list)


class ApiToken(Base):
    """Only the SHA-256 of a token is kept: a stolen database does not yield usable tokens."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=system_now)  # bookkeeping, shown only (clock.py)
    revoked: Mapped[bool] = mapped_column(default=False)
    user: Mapped[User] = relationship(lazy="joined")


class DefinitionVersion(Base):
    """Every definition text a case was ever started on, so the case can run and be replayed on it."""

    __tablename__ = "definition_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(Text)
    registered_at: Mapped[datetime]


class CaseCounter(Base):
    """The last number given per process prefix and year (TA-2026-0001)."""

    __tablename__ = "case_counters"
    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    workflow: Mapped[str] = mapped_column(String(64), index=True)
    definition_version: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(64), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(default=1)
    submitter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    due_date: Mapped[date | None]
    head_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    submitter: Mapped[User] = relationship(lazy="joined")
    unit: Mapped[OrgUnit | None] = relationship(lazy="joined")


class HistoryEntry(Base):
    """One step of a case's history. Append-only; each row carries its own hash and its predecessor's."""

    __tablename__ = "case_events"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    seq: Mapped[int]
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    actor_username: Mapped[str] = mapped_column(String(64))
    actor_roles: Mapped[list[str]] = mapped_column(default=list)
    actor_unit: Mapped[str | None] = mapped_column(String(32))
    trigger: Mapped[str] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(64))
    to_state: Mapped[str] = mapped_column(String(64))
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    comment: Mapped[str] = mapped_column(Text, default="")
    documents: Mapped[list[str]] = mapped_column(default=list)
    at: Mapped[datetime]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # 委托: the principal a delegate acted for ({username, roles, unit}); the principals whose new tasks the step
    # gave to their delegates ({principal: delegate}). Both hashed when present (workflow/core/history.py).
    acting_for: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    delegated: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    fallback: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # pool (role@unit) → who got its task: nobody held it
    actor: Mapped[User] = relationship(lazy="joined")
    case: Mapped[Case] = relationship()


Index("ix_case_events_actor", HistoryEntry.actor_id)
# "My requests", and the queue's steps that only the submitter may take (submit, evaluate ...) by state.
Index("ix_cases_submitter_state", Case.submitter_id, Case.state)


class Task(Base):
    """A task (任务) of a case: a seat in its current state, or one that was (docs/architecture.md § Tasks). The rows
    are what `workflow/core/tasks.py`'s board makes of the history, kept for the 待办 and 已办 queries; the history
    stays the record, and `audit verify` replays the board to check them."""

    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("case_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    number: Mapped[int]
    state: Mapped[str] = mapped_column(String(64))
    visit: Mapped[int]  # the seq of the step that entered the state
    triggers: Mapped[list[str]] = mapped_column(default=list)
    pool_role: Mapped[str | None] = mapped_column(String(64))
    pool_unit: Mapped[str | None] = mapped_column(String(32))
    person: Mapped[str | None] = mapped_column(String(64))    # a named seat: the voter, the submitter
    assignee: Mapped[str | None] = mapped_column(String(64))  # who holds it now; none: the pool
    delegated_from: Mapped[str | None] = mapped_column(String(64))  # the principal, while a delegate holds it
    sign_for: Mapped[int | None]  # 加签: the number of the task this signer was added to
    sign_position: Mapped[str | None] = mapped_column(String(8))  # 加签: before | after | parallel
    escalated_from: Mapped[str | None] = mapped_column(String(100))  # 上报: the pool (role@unit) it acts for
    claimable: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(8))            # open | done | closed | pending (后加签)
    done_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    closed_seq: Mapped[int | None]
    closed_at: Mapped[datetime | None]
    case: Mapped[Case] = relationship(lazy="joined")


# My named tasks; the pools' open tasks by role; a case's latest tasks; my 已办.
Index("ix_tasks_assignee", Task.status, Task.assignee)
Index("ix_tasks_pool", Task.status, Task.pool_role)
Index("ix_tasks_done_by", Task.done_by, Task.closed_at)


class Delegation(Base):
    """委托: a person's tasks go to a delegate for a date range, for all processes or some (docs/architecture.md
    § Tasks). Cancelling keeps the row: the steps taken under it name it."""

    __tablename__ = "delegations"
    id: Mapped[int] = mapped_column(primary_key=True)
    principal: Mapped[str] = mapped_column(String(64), index=True)
    delegate: Mapped[str] = mapped_column(String(64), index=True)
    starts: Mapped[date]
    ends: Mapped[date]  # the last day it covers
    workflows: Mapped[list[str]] = mapped_column(default=list)  # none: every process
    created_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]


class CaseCopy(Base):
    """抄送: a copy of a case for someone to read (a step's `cc`, or an approver's); `read_at` once they marked it
    read in 抄送我的."""

    __tablename__ = "case_copies"
    __table_args__ = (UniqueConstraint("case_id", "username"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    username: Mapped[str] = mapped_column(String(64), index=True)
    by: Mapped[str] = mapped_column(String(64))  # who copied it (the step's actor, for a step's `cc`)
    seq: Mapped[int]  # the history entry that copied it
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    case: Mapped[Case] = relationship(lazy="joined")


class Document(Base):
    """A stage document of a case. The bytes live once in storage, named by their SHA-256."""

    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    event_seq: Mapped[int]
    stage: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    created_at: Mapped[datetime]


class WebSession(Base):
    """A signed-in browser. The cookie carries a random id whose SHA-256 is kept here, so signing out
    (deleting the row) kills every copy of the cookie, and a stolen database yields no live sessions."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    user: Mapped[User] = relationship(lazy="joined")


class LoginFailure(Base):
    """A failed sign-in, counted per account and per client address to refuse password guessing for a while."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_address", "address", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str | None] = mapped_column(String(45))  # None: none was given (or recorded before 0010)
    at: Mapped[datetime]


class Timer(Base):
    """A deadline that acts when it passes: set in the same transaction that moves a case into the state.

    `case_version` is the version the case had on entering the state: the timer's step fires only on that version,
    so a case that has moved on makes the timer obsolete, and two runners cannot both fire it.
    """

    __tablename__ = "timers"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    case_version: Mapped[int]
    state: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime]  # naive UTC: the first moment after the deadline, Beijing midnight
    action: Mapped[str] = mapped_column(String(16))  # "fire" (take `trigger`), "remind", "escalate" (to `trigger`)
    trigger: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(200), default="")


Index("ix_timers_pending", Timer.done_at, Timer.due_at)


class Upload(Base):
    """Who uploaded which attachment: a case may only carry files its actor uploaded themself, so knowing a hash is
    not enough to attach (and then read) somebody else's medical certificate."""

    __tablename__ = "uploads"
    __table_args__ = (UniqueConstraint("user_id", "sha256"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(120))
    type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    at: Mapped[datetime]


class FileView(Base):
    """Someone other than the applicant read a case whose definition logs views (a hardship file): who, what, when."""

    __tablename__ = "file_views"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    what: Mapped[str] = mapped_column(String(120))   # "page", "document 入户调查表", "attachment 诊断证明.pdf", "api"
    at: Mapped[datetime]
    user: Mapped[User] = relationship(lazy="joined")


class Notification(Base):
    """A message in a user's inbox (消息), written in the transaction of the step that causes it; e-mailed after the
    commit when SMTP is configured and the user has an address (`emailed_at`; `email_attempts` counts failures)."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(300))  # a path in the app: /cases/12
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]
    email_attempts: Mapped[int] = mapped_column(default=0)


# The unread badge on every page (a user's unread, newest first), and the recent ones still to e-mail.
Index("ix_notifications_unread", Notification.user_id, Notification.read_at, Notification.id)
Index("ix_notifications_unmailed", Notification.emailed_at, Notification.created_at)
