"""The event's tables: the sign-up sheet of a published event and the members' sign-ups."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow.store.models import Base


class EventSheet(Base):
    """The sign-up sheet of a published event: its rules, copied from the approved plan when it is published, and
    the counters every sign-up takes its turn on (one row per event, so a rush of sign-ups never touches the case).
    `status` follows the case: open (sign-up) → closed → underway (check-in) → finished, or cancelled."""

    __tablename__ = "event_sheets"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(12))
    capacity: Mapped[int]
    confirmed: Mapped[int] = mapped_column(default=0)       # sign-ups holding a place now
    last_seq: Mapped[int] = mapped_column(default=0)        # the order of signing up, per event
    deadline: Mapped[date]                                  # the last day to sign up or cancel
    units: Mapped[list[str]] = mapped_column(JSON, default=list)  # unit codes it is open to; [] = every member
    women_only: Mapped[bool] = mapped_column(default=False)
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{label, choices}] at sign-up
    checkin_code: Mapped[str] = mapped_column(String(8))    # shown at the venue for members to check in themselves


class Signup(Base):
    """A member's sign-up to an event: a place (confirmed) or a place in the queue (waitlisted, in `seq` order),
    or cancelled; checked in at the venue or not (a confirmed sign-up never checked in is a no-show)."""

    __tablename__ = "event_signups"
    __table_args__ = (UniqueConstraint("case_id", "user_id"), Index("ix_event_signups_queue", "case_id", "status", "seq"))
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    seq: Mapped[int]
    status: Mapped[str] = mapped_column(String(12))         # confirmed | waitlisted | cancelled
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    signed_up_at: Mapped[datetime]
    changed_at: Mapped[datetime]                            # cancelled or moved up from the waitlist
    checked_in_at: Mapped[datetime | None]
    checked_in_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # the organiser, or the member by code
