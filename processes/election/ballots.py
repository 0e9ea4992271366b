"""The ballot box of an election round: web ballots with receipts, paper ballots by the tellers, the public list.

Secrecy (docs/architecture.md invariant 5): casting writes two rows in one transaction — the voter's participation (the key is
round + voter, so the database itself refuses a second ballot) and the ballot (the key is the SHA-256 of a random
receipt code; marks only). Neither has a time; neither table has a row id of its own on SQLite; at the close of
voting both are rewritten (domain._mix) and the files scrubbed of the casts (workflow/store/scrub.py), so not even
their physical order or writing transaction is left. Until then whoever reads the files can pair them; committing
the two apart would not change that for a reader watching the files during voting, and would cost the cast its
all-or-nothing (a crash between them leaves a voter marked as voted without a ballot). Nothing here logs. The
receipt proves that a ballot is in the count, not what it says: the public list carries the marks without the
receipts, in an order of the marks alone.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Integer, String, bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from processes.election.domain import current_round
from processes.election.models import (
    Ballot,
    ElectionRound,
    PaperEntry,
    Participation,
    RollEntry,
)
from processes.election.tally import MARKS
from workflow.cases.service import Conflict, NotFound
from workflow.core.engine import Forbidden, InvalidData, NotOpen
from workflow.store.db import Database
from workflow.store.models import User

TELLERS = "election_committee"  # the role of the 监票人 and 计票人, who hand out and enter paper ballots
DESK_WATCHERS = frozenset({TELLERS, "auditor"})  # who may look at the tellers' desk (turnout, entries pending)
RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed back without doubt


def receipt_code() -> str:
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(12))
    return "-".join(raw[i:i + 4] for i in range(0, 12, 4))


def receipt_key(code: str) -> str:
    normal = "".join(c for c in code.upper() if c in RECEIPT_ALPHABET)
    return hashlib.sha256(normal.encode()).hexdigest()


@dataclass(frozen=True)
class Marks:
    """What a voter (or a teller, from paper) marked: 赞成/反对/弃权 per candidate, and 另选他人."""

    marks: dict[str, str]
    write_ins: tuple[str, ...] = ()

    def stored(self) -> dict[str, Any]:
        return {"marks": dict(self.marks), "write_ins": list(self.write_ins)}


class BallotBox:
    def __init__(self, db: Database):
        self.db = db

    # -- the web ballot ---------------------------------------------------------------------------

    def cast(self, case_id: int, user: User, marks: Marks) -> str:
        """One ballot for this voter in the open round; the receipt code, shown once and kept nowhere."""
        with self.db.read() as session:  # closed before the write: a caller never holds two connections
            current, roll_id = _open_round(session, case_id, user.username)
            if roll_id is None:
                raise Forbidden("您不在本次选举的选民名单中", "You are not on this election's voter roll")
            clean = validate(session, current, marks, web=True)
        code = receipt_code()
        try:
            with self.db.write_connection() as connection:
                # The voter's one ballot: a second one fails here, before any ballot is written.
                _take_part(connection, current.id, roll_id, "web")
                connection.execute(_ADD_BALLOT, {"id": receipt_key(code), "round_id": current.id,
                                                  "marks": clean.stored(), "paper": False})
        except IntegrityError:
            raise Conflict("您已投票（或已领取纸质选票），每人只能投一票", "You have already voted") from None
        return code

    def has_voted(self, session: Session, case_id: int, username: str) -> bool:
        current = current_round(session, case_id)
        roll_id = _roll_id(session, case_id, username)
        return current is not None and roll_id is not None and session.get(Participation, (current.id, roll_id)) is not None

    @staticmethod
    def awaiting(session: Session, username: str) -> list[tuple[int, int]]:
        """The open rounds this voter is on the roll of and has not taken part in yet: (case id, round number)."""
        return [(case_id, number) for case_id, number in session.execute(
            select(ElectionRound.case_id, ElectionRound.number)
            .join(RollEntry, (RollEntry.case_id == ElectionRound.case_id) & (RollEntry.username == username))
            .outerjoin(Participation, (Participation.round_id == ElectionRound.id)
                       & (Participation.roll_id == RollEntry.id))
            .where(ElectionRound.status == "open", Participation.roll_id.is_(None)).order_by(ElectionRound.case_id))]

    def check_receipt(self, session: Session, case_id: int, code: str) -> int | None:
        """The number of the round whose box holds the ballot with this receipt, or None."""
        return session.scalar(select(ElectionRound.number).join(Ballot, Ballot.round_id == ElectionRound.id)
                              .where(ElectionRound.case_id == case_id, Ballot.id == receipt_key(code)))

    # -- paper ballots (监票人/计票人) -------------------------------------------------------------

    def issue_paper(self, case_id: int, teller: User, voter: str) -> None:
        """A teller hands a paper ballot to a voter on the roll (by user name, or by a name only one voter has):
        that is the voter's participation in the round."""
        _check_teller(teller)
        with self.db.read() as session:
            current, roll_id = _open_round(session, case_id, _on_roll(session, case_id, voter, "voter"))
        try:
            with self.db.write_connection() as connection:
                _take_part(connection, current.id, roll_id, "paper")
        except IntegrityError:
            raise Conflict("此人已投票或已领取纸质选票", "Already voted or already given a paper ballot") from None

    def enter_paper(self, case_id: int, teller: User, marks: Marks) -> str:
        """Double entry: a returned paper ballot counts once two tellers have typed the same marks. The first entry
        waits ("pending"); a second teller's identical entry turns it into a ballot ("counted")."""
        _check_teller(teller)
        with self.db.read() as session:
            current = current_round(session, case_id)
            if current is None or current.status != "closed":
                raise NotOpen("纸质选票在投票结束后、计票前录入", "Paper ballots are entered after voting closes")
            clean = validate(session, current, marks, web=False)
        stored = clean.stored()
        with self.db.transaction() as session:
            waiting = session.scalars(select(PaperEntry).where(
                PaperEntry.round_id == current.id, PaperEntry.confirmed_by.is_(None),
                PaperEntry.entered_by != teller.id)).all()
            match = next((e for e in waiting if e.marks == stored), None)
            if match is None:
                session.add(PaperEntry(round_id=current.id, marks=stored, entered_by=teller.id))
                return "pending"
            match.confirmed_by = teller.id
            session.add(Ballot(id=secrets.token_hex(32), round_id=current.id, marks=stored, paper=True))
            return "counted"

    def discard_entry(self, case_id: int, entry_id: int, teller: User) -> None:
        """A teller takes back their own unconfirmed entry (a slip that no second entry will ever match)."""
        _check_teller(teller)
        with self.db.transaction() as session:
            entry = session.get(PaperEntry, entry_id)
            current = current_round(session, case_id)
            if entry is None or current is None or entry.round_id != current.id or entry.confirmed_by is not None:
                raise NotFound("没有这条待复核的录入", "No such entry awaiting a second teller")
            if entry.entered_by != teller.id:
                raise Forbidden("只能撤回自己录入的选票", "Only the teller who entered it may take it back")
            session.delete(entry)

    @staticmethod
    def pending(session: Session, round_id: int) -> list[tuple[PaperEntry, str]]:
        """The entries awaiting a second teller, with the name of the teller who typed each."""
        return [(entry, name) for entry, name in session.execute(
            select(PaperEntry, User.display_name).join(User, User.id == PaperEntry.entered_by)
            .where(PaperEntry.round_id == round_id, PaperEntry.confirmed_by.is_(None)).order_by(PaperEntry.id))]

    @staticmethod
    def counts(session: Session, round_id: int) -> dict[str, int]:
        """Who took part so far, on the web and on paper, and the paper ballots entered and awaiting entry."""
        def count(query: Any) -> int:
            return session.scalar(select(func.count()).select_from(query.subquery())) or 0
        taken = dict(session.execute(select(Participation.channel, func.count()).where(
            Participation.round_id == round_id).group_by(Participation.channel)).all())
        return {"web": taken.get("web", 0), "issued": taken.get("paper", 0),
                "returned": count(select(Ballot.id).where(Ballot.round_id == round_id, Ballot.paper.is_(True))),
                "pending": count(select(PaperEntry.id).where(PaperEntry.round_id == round_id,
                                                             PaperEntry.confirmed_by.is_(None)))}


def validate(session: Session, current: ElectionRound, marks: Marks, *, web: bool) -> Marks:
    """A web ballot must be valid before it is cast (more 赞成 than seats is refused, 422); a paper ballot is
    entered as it was marked — an over-marked one is counted void."""
    unknown = [k for k in marks.marks if k not in current.candidates]
    if unknown or any(v not in MARKS for v in marks.marks.values()):
        raise InvalidData("选票上有无效的标记", "The ballot has marks that are not on it", fields={"marks": "无效的标记"})
    written = [w.strip() for w in marks.write_ins if w.strip()]
    if current.kind == "runoff" and written:
        raise InvalidData("再次投票只能在票数相等的候选人中选择，不能另选他人", "No write-ins in a runoff",
                          fields={"write_ins": "不能另选他人"})
    write_ins = tuple(dict.fromkeys(_write_in(session, current, w) for w in written))
    full = {c: marks.marks.get(c, "abstain") for c in current.candidates}
    yes = sum(1 for v in full.values() if v == "yes") + len(write_ins)
    if web and yes > current.seats:
        raise InvalidData(f"赞成票不能多于应选名额（{current.seats} 名），请修改后再投",
                          f"At most {current.seats} yes marks", fields={"marks": f"最多只能赞成 {current.seats} 人"})
    return Marks(full, write_ins)


def is_teller(user: User) -> bool:
    return TELLERS in user.roles


def may_watch_desk(user: User) -> bool:
    """The tellers work at the desk; auditors may look (never at who cast which ballot)."""
    return bool(user.roles & DESK_WATCHERS)


def _check_teller(user: User) -> None:
    if not is_teller(user):
        raise Forbidden("只有选举委员会成员（监票人、计票人）可以发放和录入纸质选票",
                        "Only the election committee's tellers handle paper ballots")


def _on_roll(session: Session, case_id: int, given: str, field: str) -> str:
    """The user name of the voter on the roll that `given` names: a user name, or a name only one voter has (as a
    teller reads it off paper); else InvalidData on `field`."""
    if _roll_id(session, case_id, given) is not None:
        return given
    named = list(session.scalars(select(RollEntry.username).where(RollEntry.case_id == case_id,
                                                                   RollEntry.name == given).limit(2)))
    if len(named) != 1:
        why = f"选民中有多人名为「{given}」，请填写其用户名" if named else f"「{given}」不是本次选举的选民"
        raise InvalidData("须是本次选举选民名单中的人", "Must be a voter on this election's roll", fields={field: why})
    return named[0]


def _write_in(session: Session, current: ElectionRound, written: str) -> str:
    """The voter a write-in names, who must not be a candidate already."""
    username = _on_roll(session, current.case_id, written, "write_ins")
    if username in current.candidates:
        raise InvalidData("另选他人不能是候选人", "A write-in may not be a candidate",
                          fields={"write_ins": f"「{written}」已是候选人"})
    return username


# The statements of a cast are built once: building one costs SQLAlchemy more than SQLite takes to run it.
_OPEN_ROUND = (select(ElectionRound, RollEntry.id)
               .outerjoin(RollEntry, (RollEntry.case_id == ElectionRound.case_id)
                          & (RollEntry.username == bindparam("username")))
               .where(ElectionRound.case_id == bindparam("case_id")).order_by(ElectionRound.number.desc()).limit(1))
_TAKE_PART = (insert(Participation)
              .from_select(["round_id", "roll_id", "channel"],
                           select(bindparam("round_id", type_=Integer), bindparam("roll_id", type_=Integer),
                                  bindparam("channel", type_=String))
                           .where(ElectionRound.id == bindparam("round_id"), ElectionRound.status == "open")
                           .with_for_update(read=True))
              .returning(Participation.round_id))  # rowcount is -1 here on psycopg
_ADD_BALLOT = insert(Ballot)


def _open_round(session: Session, case_id: int, username: str) -> tuple[ElectionRound, int | None]:
    """The open round, and the roll entry of `username` (None if off the roll), in one query."""
    found = session.execute(_OPEN_ROUND, {"case_id": case_id, "username": username}).first()
    if found is None or found[0].status != "open":
        raise NotOpen("本次选举当前没有进行中的投票", "No round of this election is open for voting")
    return found[0], found[1]


def _take_part(connection: Connection, round_id: int, roll_id: int, channel: str) -> None:
    """Record the voter's participation, only while the round is still open: the insert reads the round's status
    itself (FOR SHARE waits for a closing step on PostgreSQL; on SQLite the write lock already orders them), so
    no separate check is needed. A second participation fails on the key (IntegrityError)."""
    taken = connection.execute(_TAKE_PART, {"round_id": round_id, "roll_id": roll_id, "channel": channel})
    if taken.first() is None:
        raise NotOpen("投票已结束", "Voting has closed")


def _roll_id(session: Session, case_id: int, username: str) -> int | None:
    return session.scalar(select(RollEntry.id).where(RollEntry.case_id == case_id, RollEntry.username == username))
