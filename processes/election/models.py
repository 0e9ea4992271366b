"""The election's tables (invariant 5: who voted and what was voted share no key, no order and no time)."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow.store.models import Base


class ElectionRound(Base):
    """One round of voting of an election case, with its own candidates, seats, ballots and receipts.

    Only dates are kept (the day it opened and closed), nothing finer than the election itself."""

    __tablename__ = "election_rounds"
    __table_args__ = (UniqueConstraint("case_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    number: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))          # regular | additional | runoff
    seats: Mapped[int]
    candidates: Mapped[list[str]] = mapped_column(JSON)     # usernames, in ballot order
    status: Mapped[str] = mapped_column(String(16))         # open | closed | counted
    opened_on: Mapped[date]
    closed_on: Mapped[date | None]
    tally: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class RollEntry(Base):
    """A voter on an election's roll, frozen when voting opens: the count of entries is every rule's denominator."""

    __tablename__ = "election_roll"
    __table_args__ = (UniqueConstraint("case_id", "username"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    username: Mapped[str] = mapped_column(String(64))       # the account (every voter on the roll has one)
    name: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(100))


class Participation(Base):
    """Who took part in a round, on the web or on paper — nothing else: no time, no ballot, no insertion order
    (the key is the voter, the table has no row id of its own on SQLite and is rewritten in roll order at close)."""

    __tablename__ = "election_participation"
    __table_args__ = {"sqlite_with_rowid": False}
    round_id: Mapped[int] = mapped_column(ForeignKey("election_rounds.id"), primary_key=True)
    roll_id: Mapped[int] = mapped_column(ForeignKey("election_roll.id"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))         # web | paper (a paper ballot was issued)


class Ballot(Base):
    """One ballot in a round's box: the marks and nothing about the voter. The key is the SHA-256 of the voter's
    receipt code (random for a paper ballot), so the box's order is random; rewritten in that order at close."""

    __tablename__ = "election_ballots"
    __table_args__ = {"sqlite_with_rowid": False}
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("election_rounds.id"), index=True)
    marks: Mapped[dict[str, Any]] = mapped_column(JSON)     # {"marks": {username: yes|no|abstain}, "write_ins": [...]}
    paper: Mapped[bool] = mapped_column(default=False)


class PaperEntry(Base):
    """A returned paper ballot as one teller typed it, waiting for a second teller to type the same marks
    (double entry); matched, it becomes a Ballot. Tellers are named — the voter never is."""

    __tablename__ = "election_paper_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("election_rounds.id"), index=True)
    marks: Mapped[dict[str, Any]] = mapped_column(JSON)
    entered_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
