"""Signing up for an event: places up to the capacity, then a waitlist in the order of signing up that moves up by
itself when a place frees; check-in at the venue by the organiser or by the member with the event's code.

Never more confirmed than the capacity, under any concurrency: every sign-up takes its turn on the event's sheet
row (an UPDATE, which PostgreSQL locks until the commit and SQLite's single writer orders anyway), and reads the
places taken on that same row in that same transaction. The case row is not touched, so a rush of sign-ups does
not collide with the organiser's steps.
"""
from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from processes.event.models import EventSheet, Signup
from workflow.cases.notifications import notify
from workflow.cases.service import Conflict, NotFound
from workflow.core.clock import Clock
from workflow.core.display import local_date
from workflow.core.engine import Forbidden, InvalidData, NotOpen
from workflow.store.db import Database
from workflow.store.models import Case, OrgUnit, User

ORGANISER_ROLES = frozenset({"union_chair"})  # besides the organiser who filed the plan (manages)
MAX_ANSWER = 100


@dataclass(frozen=True)
class Entry:
    """One line of the sign-up list, as the organiser and the printed sheet show it."""

    seq: int
    username: str
    name: str
    unit: str
    status: str
    answers: dict[str, str]
    checked_in: bool


class Registrations:
    def __init__(self, db: Database, clock: Clock):
        self.db, self.clock = db, clock

    # -- members ------------------------------------------------------------------------------------

    def sign_up(self, case_id: int, user: User, answers: Mapping[str, Any]) -> str:
        """A place ("confirmed") or a place in the queue ("waitlisted")."""
        now = self.clock()
        with self.db.read() as session:
            found = session.execute(_SHEET_AND_MINE, {"case_id": case_id, "user_id": user.id}).first()
        if found is None:
            raise NotFound("没有这项活动，或活动尚未发布", "No such published event")
        sheet, mine_id, mine_status = found[0], found[1], found[2]
        _check_open(sheet.status, sheet.deadline, local_date(now))
        check_audience(sheet, user)
        if mine_status in ("confirmed", "waitlisted"):
            raise Conflict("您已报名此活动", "You have already signed up")
        clean = _answers(sheet.questions, answers)
        try:
            with self.db.write_connection() as connection:
                turn = connection.execute(_TAKE_TURN, {"b_case_id": case_id}).first()
                if turn is None:  # closed (or cancelled) since the read above
                    raise NotOpen("报名已截止", "Sign-up has closed")
                seq, confirmed, capacity = turn
                status = "confirmed" if confirmed < capacity else "waitlisted"
                if status == "confirmed":
                    connection.execute(_TAKE_PLACE, {"b_case_id": case_id})
                row = {"seq": seq, "status": status, "answers": clean, "signed_up_at": now, "changed_at": now}
                if mine_id is None:
                    connection.execute(_ADD, {"case_id": case_id, "user_id": user.id, **row})
                elif connection.execute(_SIGN_UP_AGAIN, {"b_id": mine_id, **{f"b_{k}": v for k, v in row.items()}}
                                        ).rowcount != 1:
                    raise Conflict("您已报名此活动", "You have already signed up")
        except IntegrityError:  # the same member twice at once: the second insert meets the first
            raise Conflict("您已报名此活动", "You have already signed up") from None
        return status

    def cancel(self, case_id: int, user: User) -> tuple[int, ...]:
        """Give up a place or a place in the queue, until the deadline; the first in the queue moves up into a
        freed place and is told so in their inbox. The notifications written (to e-mail after the commit)."""
        now = self.clock()
        with self.db.transaction() as session:
            sheet = session.scalar(select(EventSheet).where(EventSheet.case_id == case_id).with_for_update())
            if sheet is None:
                raise NotFound("没有这项活动，或活动尚未发布", "No such published event")
            if sheet.status != "open" or local_date(now) > sheet.deadline:
                raise NotOpen("报名已截止，不能在网上取消；不能参加请告知活动组织者",
                              "Sign-up has closed; tell the organiser if you cannot come")
            mine = session.scalar(select(Signup).where(Signup.case_id == case_id, Signup.user_id == user.id,
                                                       Signup.status != "cancelled"))
            if mine is None:
                raise NotFound("您没有报名此活动", "You have not signed up")
            was, mine.status, mine.changed_at = mine.status, "cancelled", now
            if was != "confirmed":
                return ()
            first = session.scalar(select(Signup).where(Signup.case_id == case_id, Signup.status == "waitlisted")
                                   .order_by(Signup.seq).limit(1))
            if first is None:
                sheet.confirmed -= 1
                return ()
            first.status, first.changed_at = "confirmed", now
            title = session.scalar(select(Case.data["title"].as_string()).where(Case.id == case_id))
            return notify(session.connection(), [first.user_id], f"候补递补：您已获得「{title}」的名额",
                          f"有人取消了报名，您已从候补名单递补获得「{title}」的名额。如不能参加，请在报名截止前取消。",
                          f"/events/{case_id}", now)

    def check_in_with_code(self, case_id: int, user: User, code: str) -> None:
        """A member with a place checks in with the code shown at the venue."""
        with self.db.transaction() as session:
            sheet = _underway(session, case_id)
            if not secrets.compare_digest(code.strip().encode(), sheet.checkin_code.encode()):
                raise InvalidData("签到码不正确", "Wrong check-in code", fields={"code": "请核对现场公布的签到码"})
            mine = session.scalar(select(Signup).where(Signup.case_id == case_id, Signup.user_id == user.id))
            if mine is None or mine.status != "confirmed":
                raise Forbidden("您没有这项活动的名额，请联系活动组织者", "You have no place at this event")
            if mine.checked_in_at is None:
                mine.checked_in_at, mine.checked_in_by = self.clock(), user.id

    # -- the organiser ------------------------------------------------------------------------------

    def mark(self, case_id: int, organiser: User, username: str, present: bool) -> None:
        """The organiser ticks a member off the list (or takes a wrong tick back)."""
        with self.db.transaction() as session:
            check_organiser(session, case_id, organiser)
            _underway(session, case_id)
            signup = session.scalar(select(Signup).join(User, User.id == Signup.user_id).where(
                Signup.case_id == case_id, User.username == username, Signup.status == "confirmed"))
            if signup is None:
                raise NotFound("名单上没有此人（或其仍在候补）", "Not on the list of places")
            signup.checked_in_at, signup.checked_in_by = (self.clock(), organiser.id) if present else (None, None)

    # -- reading ------------------------------------------------------------------------------------

    @staticmethod
    def mine(session: Session, case_id: int, user_id: int) -> tuple[Signup, int] | None:
        """This member's live sign-up and, when waitlisted, their place in the queue (1 = next to move up)."""
        signup = session.scalar(select(Signup).where(Signup.case_id == case_id, Signup.user_id == user_id,
                                                     Signup.status != "cancelled"))
        if signup is None:
            return None
        ahead = 0 if signup.status == "confirmed" else session.scalar(
            select(func.count()).select_from(Signup).where(Signup.case_id == case_id, Signup.status == "waitlisted",
                                                           Signup.seq < signup.seq)) or 0
        return signup, ahead + (signup.status == "waitlisted")

    @staticmethod
    def entries(session: Session, case_id: int) -> list[Entry]:
        """Everyone signed up, places first and then the queue, each in the order of signing up."""
        rows = session.execute(
            select(Signup, User.username, User.display_name, OrgUnit.name)
            .join(User, User.id == Signup.user_id).outerjoin(OrgUnit, OrgUnit.id == User.unit_id)
            .where(Signup.case_id == case_id, Signup.status != "cancelled")
            .order_by(Signup.status, Signup.seq))  # confirmed < waitlisted
        return [Entry(s.seq, username, name, unit or "", s.status, dict(s.answers or {}), s.checked_in_at is not None)
                for s, username, name, unit in rows]


def check_audience(sheet: Any, user: User) -> None:
    """Only members of the units it is open to (all, if it names none); only women for a women workers' event."""
    if sheet.units and (user.unit is None or user.unit.code not in sheet.units):
        raise Forbidden("此活动只面向指定单位的会员，您所在单位不在参加范围内", "This event is not open to your unit")
    if sheet.women_only and user.gender != "female":
        raise Forbidden("此活动仅限女职工报名", "This event is for women workers only")


def manages(submitter_id: int, user: User) -> bool:
    """The organiser (who filed the plan) and the chair manage an event's sign-ups and check-in."""
    return submitter_id == user.id or bool(user.roles & ORGANISER_ROLES)


def check_organiser(session: Session, case_id: int, user: User) -> None:
    if not manages(session.scalar(select(Case.submitter_id).where(Case.id == case_id)), user):
        raise Forbidden("只有活动组织者可以管理报名和签到", "Only the organiser manages sign-ups and check-in")


def _check_open(status: str, deadline: date, today: date) -> None:
    if status != "open":
        raise NotOpen("此活动现在不接受报名", "This event is not taking sign-ups")
    if today > deadline:
        raise NotOpen(f"报名已于 {deadline.isoformat()} 截止", "Sign-up has closed")


def _underway(session: Session, case_id: int) -> EventSheet:
    sheet = session.get(EventSheet, case_id)
    if sheet is None or sheet.status != "underway":
        raise NotOpen("活动开始后才能签到", "Check-in opens when the event starts")
    return sheet


def _answers(asked: list[dict[str, Any]], given: Mapping[str, Any]) -> dict[str, str]:
    """Every question answered; a choice by one of its options."""
    clean, errors = {}, {}
    for i, question in enumerate(asked):
        answer = str(given.get(f"q{i}") or "").strip()
        if not answer:
            errors[f"q{i}"] = "必填"
        elif question["choices"] and answer not in question["choices"]:
            errors[f"q{i}"] = "请从选项中选择：" + "、".join(question["choices"])
        elif len(answer) > MAX_ANSWER:
            errors[f"q{i}"] = f"不能超过 {MAX_ANSWER} 个字符"
        clean[question["label"]] = answer
    if errors:
        raise InvalidData("请填写报名信息", "Please answer the questions", fields=errors)
    return clean


# A sign-up's statements, built once: a rush of sign-ups runs them hundreds of times a second.
_SHEET_AND_MINE = (select(EventSheet, Signup.id, Signup.status)
                   .outerjoin(Signup, (Signup.case_id == EventSheet.case_id) & (Signup.user_id == bindparam("user_id")))
                   .where(EventSheet.case_id == bindparam("case_id")))
# (an UPDATE may not name a bound value after a column of its table: hence b_...)
_TAKE_TURN = (update(EventSheet).where(EventSheet.case_id == bindparam("b_case_id"), EventSheet.status == "open")
              .values(last_seq=EventSheet.last_seq + 1)
              .returning(EventSheet.last_seq, EventSheet.confirmed, EventSheet.capacity))
_TAKE_PLACE = (update(EventSheet).where(EventSheet.case_id == bindparam("b_case_id"))
               .values(confirmed=EventSheet.confirmed + 1))
_ADD = insert(Signup)
_SIGN_UP_AGAIN = (update(Signup).where(Signup.id == bindparam("b_id"), Signup.status == "cancelled")
                  .values({name: bindparam(f"b_{name}") for name in ("seq", "status", "answers", "signed_up_at",
                                                                      "changed_at")})
                  .values(checked_in_at=None, checked_in_by=None))
