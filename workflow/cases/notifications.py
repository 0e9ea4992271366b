"""消息: the inbox every step writes to, and the e-mail that follows it when SMTP is configured.

Inbox rows are inserted with Core on the caller's connection, so they commit with the step that causes them
(docs/architecture.md invariant 1) or not at all. E-mail never goes out inside a write transaction: `deliver_pending` runs after
the commit (right after a step, best effort, and again from `flask --app wsgi timers run`). A notification is
claimed for sending by setting `emailed_at` first, so two senders never mail it twice; a failed send clears it
again and counts the attempt. A sender that dies between the claim and the send loses that e-mail, never the inbox
row. Old notifications are not mailed any more: an e-mail about a step days ago would only confuse.
"""
from __future__ import annotations

import logging
import os
import smtplib
import ssl
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import Connection, bindparam, func, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from workflow.cases.paging import PER_PAGE, Page
from workflow.store.db import Database
from workflow.store.models import Notification, User

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5                     # failed sends before an e-mail is given up (the inbox row stays)
MAIL_WITHIN = timedelta(days=3)      # older notifications are not e-mailed any more
TLS_MODES = ("starttls", "ssl", "none")

_TABLE = Notification.__table__
_INSERT = _TABLE.insert().returning(_TABLE.c.id)


@dataclass(frozen=True)
class Letter:
    """One inbox row to write: to whom, what, and the page it is about."""

    user_id: int
    subject: str
    body: str
    link: str


# -- the inbox ------------------------------------------------------------------------------------


def post(connection: Connection, letters: Iterable[Letter], at: datetime) -> tuple[int, ...]:
    """Write these inbox rows in the caller's transaction, in one multi-row insert, dated `at` (the step's time);
    their ids."""
    rows = [{"user_id": letter.user_id, "subject": letter.subject[:200], "body": letter.body, "link": letter.link,
             "created_at": at, "email_attempts": 0} for letter in letters]
    if not rows:
        return ()
    if len(rows) == 1:  # most steps tell one person: a plain INSERT, without the batching of a many-row one
        return (connection.execute(_INSERT, rows[0]).scalar_one(),)
    return tuple(connection.execute(_INSERT, rows).scalars())


def notify(connection: Connection, user_ids: Iterable[int], subject: str, body: str, link: str,
           at: datetime) -> tuple[int, ...]:
    """The same message to several users, in the caller's transaction; the new rows' ids."""
    return post(connection, [Letter(user_id, subject, body, link) for user_id in dict.fromkeys(user_ids)], at)


# Every page counts the unread: the statement is built once.
_UNREAD = (select(func.count()).select_from(_TABLE)
           .where(_TABLE.c.user_id == bindparam("user_id"), _TABLE.c.read_at.is_(None)))


def unread_count(session: Session, user_id: int) -> int:
    """The badge of every page: one COUNT on the (user, read_at) index."""
    return session.scalar(_UNREAD, {"user_id": user_id}) or 0


def inbox(session: Session, user_id: int, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """A user's notifications, newest first."""
    total = session.scalar(select(func.count()).select_from(_TABLE).where(_TABLE.c.user_id == user_id)) or 0
    items = list(session.scalars(select(Notification).where(Notification.user_id == user_id)
                                 .order_by(Notification.id.desc()).limit(per_page).offset((page - 1) * per_page)))
    return Page(items, total, page, per_page)


def mark_read(session: Session, user_id: int, notification_id: int, at: datetime) -> str | None:
    """Mark one of the user's notifications read (the first reading counts); its link, or None when the user has
    no such notification (someone else's is as unknown as a missing one)."""
    return session.execute(update(Notification)
                           .where(Notification.id == notification_id, Notification.user_id == user_id)
                           .values(read_at=func.coalesce(Notification.read_at, at))
                           .returning(Notification.link).execution_options(synchronize_session=False)).scalar()


def mark_all_read(session: Session, user_id: int, at: datetime) -> int:
    """Mark all of the user's unread notifications read; how many there were."""
    return session.execute(update(Notification)
                           .where(Notification.user_id == user_id, Notification.read_at.is_(None))
                           .values(read_at=at).execution_options(synchronize_session=False)).rowcount


# -- e-mail ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mailer:
    """An SMTP server to send through, from UNIONFLOW_SMTP_* (see `from_env`); the standard library does the rest."""

    host: str
    port: int = 25
    user: str = ""
    password: str = ""
    sender: str = "unionflow@localhost"
    tls: str = "none"        # starttls | ssl | none
    base_url: str = ""       # https://union.example.com: links in e-mails are absolute
    timeout: float = 10.0    # seconds, for connecting and each command: a dead server must not hold a worker long

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Mailer | None:
        """None without UNIONFLOW_SMTP_HOST (notifications stay in the inbox); a bad setting stops the start."""
        host = environ.get("UNIONFLOW_SMTP_HOST", "").strip()
        if not host:
            return None
        port = environ.get("UNIONFLOW_SMTP_PORT", "").strip() or "25"
        tls = environ.get("UNIONFLOW_SMTP_TLS", "").strip().lower() or "none"
        if not port.isdigit():
            raise ValueError(f"UNIONFLOW_SMTP_PORT must be a port number, not {port!r}")
        if tls not in TLS_MODES:
            raise ValueError(f"UNIONFLOW_SMTP_TLS must be one of {', '.join(TLS_MODES)}, not {tls!r}")
        return cls(host=host, port=int(port), user=environ.get("UNIONFLOW_SMTP_USER", ""),
                   password=environ.get("UNIONFLOW_SMTP_PASSWORD", ""),
                   sender=environ.get("UNIONFLOW_SMTP_FROM", "").strip() or cls.sender, tls=tls,
                   base_url=environ.get("UNIONFLOW_BASE_URL", "").strip().rstrip("/"))

    def connect(self) -> smtplib.SMTP:
        if self.tls == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                                 context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.tls == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if self.user:
            smtp.login(self.user, self.password)
        return smtp

    def letter(self, to: str, subject: str, body: str, link: str) -> EmailMessage:
        """A UTF-8 e-mail (the subject RFC 2047-encoded, the body base64) ending with the full link."""
        message = EmailMessage()
        message["Subject"] = subject
        message["From"] = self.sender
        message["To"] = to
        message["Date"] = formatdate(localtime=True)
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2].strip("> ") or "localhost")
        message.set_content(f"{body}\n\n查看 / Open: {self.base_url}{link}\n", charset="utf-8", cte="base64")
        return message


@dataclass
class Delivery:
    sent: int = 0
    failed: int = 0  # left for a later try, unless this was the last one allowed


_PENDING = (select(Notification.id, Notification.subject, Notification.body, Notification.link, User.email)
            .join(User, User.id == Notification.user_id)
            .where(Notification.emailed_at.is_(None), Notification.email_attempts < MAX_ATTEMPTS,
                   User.email.is_not(None), User.active.is_(True))
            .order_by(Notification.id))


def deliver_pending(db: Database, mailer: Mailer, now: datetime, limit: int = 100, *,
                    only: Collection[int] | None = None) -> Delivery:
    """E-mail up to `limit` recent notifications not yet e-mailed whose user has an address (of `only`, if given).
    "Recent" is by `now`, the service's clock: the clock that dated the notifications (docs/architecture.md invariant 8).

    Call it outside any transaction. An SMTP failure never raises: it is logged (without the message) and the
    notification is left for the next run, up to MAX_ATTEMPTS tries."""
    query = _PENDING.where(Notification.created_at >= now - MAIL_WITHIN).limit(limit)
    if only is not None:
        query = query.where(Notification.id.in_(list(only)))
    with db.read() as session:
        pending = {row.id: row for row in session.execute(query)}
    if not pending:
        return Delivery()
    with db.transaction() as session:  # the claim: whoever sets emailed_at first sends it
        claimed = list(session.scalars(update(Notification)
                                       .where(Notification.id.in_(list(pending)), Notification.emailed_at.is_(None))
                                       .values(emailed_at=now).returning(Notification.id)
                                       .execution_options(synchronize_session=False)))
    failed = _send(mailer, [pending[i] for i in sorted(claimed)])
    if failed:
        with db.transaction() as session:
            session.execute(update(Notification).where(Notification.id.in_(failed))
                            .values(emailed_at=None, email_attempts=Notification.email_attempts + 1)
                            .execution_options(synchronize_session=False))
    return Delivery(sent=len(claimed) - len(failed), failed=len(failed))


def _send(mailer: Mailer, rows: list[Row]) -> list[int]:
    """Send over one connection; the ids that did not go."""
    if not rows:
        return []
    try:
        smtp = mailer.connect()
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("SMTP %s:%s: cannot connect (%s); %d notification(s) left for a later try",
                    mailer.host, mailer.port, exc, len(rows))
        return [row.id for row in rows]
    failed = []
    try:
        for index, row in enumerate(rows):
            try:
                smtp.send_message(mailer.letter(row.email, row.subject, row.body, row.link))
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
                log.warning("SMTP refused notification %s (%s %s)", row.id, type(exc).__name__,
                            getattr(exc, "smtp_code", ""))
                failed.append(row.id)
            except (smtplib.SMTPException, OSError) as exc:  # the connection is gone: the rest wait too
                log.warning("SMTP %s:%s failed at notification %s (%s); %d left for a later try",
                            mailer.host, mailer.port, row.id, exc, len(rows) - index)
                return failed + [r.id for r in rows[index:]]
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
    return failed
