"""Elections around the engine: what the steps of an election case need from outside the case.

The election case (definitions/election.yaml) carries the plan, the nominations, the reviews and, as facts the
engine records in the hash-chained history, the frozen voter roll's size and digest, each round's candidates and
each round's tally. The rows live beside it — the roll, the rounds, the participation and the ballot box
(processes/election/ballots.py) — and are written in the very transaction that takes the step (CaseService.perform).
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from datetime import date
from fractions import Fraction
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from processes.election import tally, voter_list
from processes.election.models import (
    Ballot,
    ElectionRound,
    PaperEntry,
    Participation,
    RollEntry,
)
from processes.election.strokes import stroke_key
from workflow.cases import people
from workflow.cases.domain import CaseRef, Prepared
from workflow.core.engine import InvalidData, NotOpen, TransitionRecord
from workflow.store.db import Database
from workflow.store.models import Case, OrgUnit, User
from workflow.store.scrub import scrub

log = logging.getLogger(__name__)
_NOT_A_VOTER = "「{given}」不是本次选举的选民"  # a candidate is a voter (so a write-in, a voter on the roll, is one too)


class ElectionDomain:
    """The `election` process's domain: prepares the facts of a step and writes its rows with it."""

    def prepare(self, session: Session, case: CaseRef, trigger: str, user: User, data: Mapping[str, Any],
                today: date, parameters: Mapping[str, Any]) -> Prepared | None:
        if trigger == "open_voting":
            return self._open_voting(session, case, parameters, today.isoformat())
        step = {"submit_plan": self._submit_plan, "nominate": self._nominate, "close_voting": self._close_voting,
                "count": self._count, "next_round": self._next_round}.get(trigger)
        return step(session, case, user, data, today.isoformat()) if step else None

    def after(self, connection: Connection, case_id: int, record: TransitionRecord,
              prepared: Prepared) -> tuple[()]:
        if record.trigger == "open_voting":
            connection.execute(insert(RollEntry), [{"case_id": case_id, **row} for row in prepared.payload])
        if record.trigger in ("open_voting", "next_round"):
            this = prepared.facts["round"]
            connection.execute(insert(ElectionRound).values(
                case_id=case_id, number=this["number"], kind=this["kind"], seats=this["seats"],
                candidates=this["candidates"], status="open", opened_on=date.fromisoformat(this["opened_on"])))
        elif record.trigger == "close_voting":
            closed = prepared.facts["voting_closed"]
            connection.execute(update(ElectionRound).where(ElectionRound.id == prepared.payload)
                               .values(status="closed", closed_on=date.fromisoformat(closed["on"])))
            _mix(connection, prepared.payload)
        elif record.trigger == "count":
            connection.execute(update(ElectionRound).where(ElectionRound.id == prepared.payload)
                               .values(status="counted", tally=prepared.facts["tally"]))
        return ()  # a step of an election tells nobody more than the step's own notifications do

    # -- the steps ---------------------------------------------------------------------------------

    def _submit_plan(self, session: Session, case: CaseRef, user: User, data: Mapping[str, Any],
                     today: str) -> None:
        """An imported voter list is checked line by line when the plan is filed, not on voting day."""
        listed = str(data.get("voter_list") or "").strip()
        if data.get("roll_source") == "list":
            voter_list.parse(session, listed)
        elif listed:
            raise InvalidData("选民名单来源为“选举范围内单位的全体会员”时，不需要导入名单", "No list is imported for a roll of units",
                              fields={"voter_list": "请清空名单，或把选民名单来源改为“导入的选民名单”"})

    def eligible_people(self, session: Session, case: CaseRef | Case, field: str) -> people.Eligible | None:
        """Who a person field of an election names: a nominee is a voter of the election (a member of a unit in
        scope, or on the imported list); a reviewed candidate a nominee who accepted (workflow/cases/people.py)."""
        plan = case.data
        if field == "nominee":
            if plan.get("roll_source") == "list":
                listed = sorted(voter_list.listed_usernames(plan.get("voter_list") or ""))
                # literal: a list of thousands would pass the bound-parameter limits of SQLite and PostgreSQL
                voters = User.username.in_(bindparam("listed", listed, expanding=True, literal_execute=True))
                return people.Eligible(voters & OrgUnit.id.is_not(None), _NOT_A_VOTER)
            return people.Eligible(OrgUnit.code.in_(plan.get("scope_units") or []), _NOT_A_VOTER)
        if field == "candidate":
            accepted = [n["username"] for n in plan.get("nominations") or [] if n["accepted"]]
            return people.Eligible(User.username.in_(accepted), "「{given}」不是已接受提名的被提名人")
        return None

    def _nominate(self, session: Session, case: CaseRef, user: User, data: Mapping[str, Any],
                  today: str) -> Prepared:
        """The nominee, resolved (by user name, or by a name one voter has): a voter of the election, not
        nominated already."""
        given = str(data.get("nominee") or "").strip()
        if not given:
            return Prepared({"nomination": {}})  # the form's own check names the missing field
        try:
            person = people.resolve(session, given, people.eligible(self, session, case, "nominee"))
        except people.Unresolved as why:
            raise InvalidData("被提名人不在本次选举范围内，或须从列表中选择", "The nominee is not one voter of this election",
                              fields={"nominee": str(why)}) from None
        if any(n["username"] == person.username for n in case.data.get("nominations") or []):
            raise InvalidData("此人已被提名", "Already nominated", fields={"nominee": f"{person.name} 已被提名"})
        return Prepared({"nomination": {"username": person.username, "name": person.name, "unit": person.unit,
                                        "by": user.username, "by_name": user.display_name,
                                        "accepted": True if person.username == user.username else None}})

    def _open_voting(self, session: Session, case: CaseRef, parameters: Mapping[str, Any], today: str) -> Prepared:
        """The roll frozen with the counting rules of the whole election (the definition's parameters now)."""
        plan = case.data
        candidates = _qualified(plan)
        seats, mode = int(plan["seats"]), plan["mode"]
        _check_margin(len(candidates), seats, mode, Fraction(str(plan.get("margin_percent") or 0)) / 100)
        try:
            roll = _electorate(session, plan)
        except InvalidData as wrong:  # an account on the imported list was closed since the plan was filed
            raise NotOpen(f"{wrong.message}：{wrong.fields.get('voter_list', '')}", wrong.message_en) from None
        if len(roll) < 1:
            raise NotOpen("选举范围内没有在册会员，无法开始投票", "There is no voter in the election's scope")
        names = {n["username"]: n["name"] for n in plan.get("nominations") or []}
        order = sorted(candidates, key=lambda u: _ballot_position(plan, u, names[u]))
        digest = hashlib.sha256("\n".join(sorted(r["username"] for r in roll)).encode()).hexdigest()
        rules = {k: str(Fraction(str(parameters.get(k, default)))) for k, default in (("turnout", "2/3"),
                                                                                     ("majority", "1/2"))}
        return Prepared({"roll": {"eligible": len(roll), "digest": digest, "frozen_on": today, **rules},
                         "round": _round(1, "regular", seats, order, names, today)}, payload=roll)

    def _close_voting(self, session: Session, case: CaseRef, user: User, data: Mapping[str, Any],
                      today: str) -> Prepared:
        current = current_round(session, case.id)
        if current is None or current.status != "open":
            raise NotOpen("没有正在进行的投票", "No round is open")
        return Prepared({"voting_closed": {"round": current.number, "on": today}}, payload=current.id,
                        afterwards=scrub_box)

    def _count(self, session: Session, case: CaseRef, user: User, data: Mapping[str, Any],
               today: str) -> Prepared:
        current = current_round(session, case.id)
        if current is None or current.status != "closed":
            raise NotOpen("本轮投票尚未结束，不能计票", "The round is not closed yet")
        pending = session.scalar(select(func.count()).select_from(PaperEntry).where(
            PaperEntry.round_id == current.id, PaperEntry.confirmed_by.is_(None)))
        if pending:
            raise NotOpen(f"还有 {pending} 张纸质选票只录入了一次，须由另一名计票人复核录入后才能计票",
                          f"{pending} paper ballot(s) await a second teller's entry")
        result = count_round(session, current, case.data)
        known = voter_names(session, case)
        elected = [*(case.data.get("elected") or []), *({
            "username": e.key, "name": known.get(e.key, e.key), "round": current.number, "yes": e.yes,
            "rule": e.rule} for e in result.elected)]
        names = {p.key: known.get(p.key, p.key) for p in result.people}  # write-ins too, for the report
        return Prepared({"tally": {"round": current.number, **result.to_dict()}, "elected": elected,
                         "ballot_names": names}, payload=current.id,
                        afterwards=scrub_box)  # again: the close's scrub may have found the files held

    def _next_round(self, session: Session, case: CaseRef, user: User, data: Mapping[str, Any],
                    today: str) -> Prepared:
        last = case.data.get("tally") or {}
        current = current_round(session, case.id)
        if current is None or current.status != "counted":
            raise NotOpen("本轮尚未计票", "The round is not counted yet")
        outcome = last.get("outcome")
        if outcome == "runoff":  # 票数相等: vote again among the tied
            kind, seats, people = "runoff", last["runoff_seats"], list(last["tied"])
        elif outcome == "unfilled":  # 另行选举 among the candidates of the round who were not elected
            chosen = {e["key"] for e in last["elected"]}
            kind, seats, people = "additional", last["unfilled"], [u for u in current.candidates if u not in chosen]
        elif outcome == "void":  # 选举无效: the same round again
            kind, seats, people = current.kind, current.seats, list(current.candidates)
        else:
            raise NotOpen("本轮选举已产生全部当选人，无需再次投票", "Every seat is filled")
        known = voter_names(session, case)
        names = {p: known.get(p, p) for p in people}
        return Prepared({"round": _round(current.number + 1, kind, seats, people, names, today)})


def count_round(session: Session, current: ElectionRound, plan: Mapping[str, Any]) -> tally.Tally:
    """The tally of a closed round: the recount of its public box, so the count and any recount are one function."""
    return recount(public_box(session, current, plan))


def public_box(session: Session, current: ElectionRound, plan: Mapping[str, Any]) -> dict[str, Any]:
    """A round's box as anyone with the right may take it away: the rules it is counted by and every ballot,
    marks only. Nothing in it names a voter, and its order is the marks' own (candidate by candidate in the
    ballot's order, 赞成 before 反对 before 弃权, then the write-ins): the list is the same whoever cast the ballots
    and whatever their receipts, so no receipt and no order of casting tells where a ballot stands in it."""
    roll = plan.get("roll") or {}
    eligible = session.scalar(select(func.count()).select_from(RollEntry).where(RollEntry.case_id == current.case_id))
    issued = session.scalar(select(func.count()).select_from(Participation).where(
        Participation.round_id == current.id, Participation.channel == "paper"))
    return {"round": current.number, "kind": current.kind, "seats": current.seats,
            "candidates": list(current.candidates), "eligible": eligible or 0, "paper_issued": issued or 0,
            "turnout": str(roll.get("turnout") or "2/3"), "majority": str(roll.get("majority") or "1/2"),
            "ballots": sorted(({"paper": b.paper, "marks": b.marks.get("marks") or {},
                                "write_ins": b.marks.get("write_ins") or []}
                               for b in session.scalars(select(Ballot).where(Ballot.round_id == current.id))),
                              key=lambda b: _by_marks(b, current.candidates))}


_MARK_RANK = {mark: n for n, mark in enumerate(tally.MARKS)}


def _by_marks(ballot: Mapping[str, Any], candidates: list[str]) -> tuple[Any, ...]:
    return (tuple(_MARK_RANK.get(ballot["marks"].get(c), len(_MARK_RANK)) for c in candidates),
            tuple(ballot["write_ins"]), ballot["paper"])


def recount(box: Mapping[str, Any]) -> tally.Tally:
    """Count an exported box (public_box) from itself alone."""
    rules = tally.RoundRules(eligible=box["eligible"], seats=box["seats"], candidates=tuple(box["candidates"]),
                             kind=box["kind"], turnout=Fraction(box["turnout"]), majority=Fraction(box["majority"]),
                             paper_issued=box["paper_issued"])
    return tally.count(rules, (tally.Ballot(marks=dict(b["marks"]), write_ins=tuple(b["write_ins"]),
                                            paper=bool(b["paper"])) for b in box["ballots"]))


# -- helpers -----------------------------------------------------------------------------------------


def current_round(session: Session, case_id: int) -> ElectionRound | None:
    """The latest round of an election (the one open, closed or counted now)."""
    return session.scalar(select(ElectionRound).where(ElectionRound.case_id == case_id)
                          .order_by(ElectionRound.number.desc()).limit(1))


def round_numbered(session: Session, case_id: int, number: int) -> ElectionRound | None:
    return session.scalar(select(ElectionRound).where(ElectionRound.case_id == case_id, ElectionRound.number == number))


def voter_names(session: Session, case: CaseRef | Case) -> dict[str, str]:
    """Every name a ballot of this election may carry: the roll's (candidates and write-ins), and the nominees' for
    whoever the roll lacks."""
    names = {n["username"]: n["name"] for n in case.data.get("nominations") or []}
    names.update(session.execute(select(RollEntry.username, RollEntry.name).where(RollEntry.case_id == case.id)).all())
    return names


def _round(number: int, kind: str, seats: int, candidates: list[str], names: Mapping[str, str],
           today: str) -> dict[str, Any]:
    return {"number": number, "kind": kind, "seats": seats, "candidates": list(candidates),
            "names": {u: names[u] for u in candidates}, "opened_on": today}


def _qualified(plan: Mapping[str, Any]) -> list[str]:
    reviews = plan.get("reviews") or {}
    return [n["username"] for n in plan.get("nominations") or []
            if n["accepted"] and (reviews.get(n["username"]) or {}).get("qualified")]


def _check_margin(candidates: int, seats: int, mode: str, margin: Fraction) -> None:
    """差额: more candidates than seats, by at least the plan's ratio; 等额: exactly as many."""
    if mode == "uncontested":
        if candidates != seats:
            raise NotOpen(f"等额选举的候选人数应等于应选名额：应选 {seats} 名，现有合格候选人 {candidates} 名",
                          f"An uncontested election needs exactly {seats} candidates, not {candidates}")
        return
    if candidates <= seats or Fraction(candidates - seats, seats) < margin:
        needed = seats + max(1, -(-(margin * seats).numerator // (margin * seats).denominator))
        raise NotOpen(f"差额不足：应选 {seats} 名，差额比例不低于 {float(margin * 100):g}%，候选人至少应有 {needed} 名，"
                      f"现有合格候选人 {candidates} 名",
                      f"Too few candidates for a contested election: {seats} seats need at least {needed}, "
                      f"there are {candidates}")


def _ballot_position(plan: Mapping[str, Any], username: str, name: str) -> tuple[Any, ...]:
    """By surname strokes (姓氏笔画), or by the positions the committee gave in the review, strokes breaking ties."""
    if plan.get("ballot_order") == "committee":
        position = ((plan.get("reviews") or {}).get(username) or {}).get("position")
        return (position if position is not None else 10**6, stroke_key(name))
    return (stroke_key(name),)


def _electorate(session: Session, plan: Mapping[str, Any]) -> list[dict[str, str]]:
    """The voters of the plan: its imported list, or every member of the units in scope."""
    if plan.get("roll_source") == "list":
        return voter_list.parse(session, plan.get("voter_list") or "")
    return _roll_of_units(session, plan.get("scope_units") or [])


def _roll_of_units(session: Session, units: list[str]) -> list[dict[str, str]]:
    """Every active account of the units in scope, as the roll's rows (the system account belongs to no unit)."""
    rows = session.execute(select(User.username, User.display_name, OrgUnit.name)
                           .join(OrgUnit, OrgUnit.id == User.unit_id)
                           .where(OrgUnit.code.in_(units), User.active.is_(True)).order_by(User.username))
    return [{"username": u, "name": n, "unit": unit} for u, n, unit in rows]


def _mix(connection: Connection, round_id: int) -> None:
    """At the close of voting, write the box and the participation again: ballots in the order of their random
    keys, participation in roll order, all in this one transaction — so no row keeps the order or the transaction
    it was cast in (on PostgreSQL a row's position and xmin would otherwise tell). The files still hold the casts
    until scrub_box has run, once this transaction has committed."""
    ballots = connection.execute(select(Ballot.id, Ballot.round_id, Ballot.marks, Ballot.paper)
                                 .where(Ballot.round_id == round_id).order_by(Ballot.id)).mappings().all()
    taken = connection.execute(select(Participation.round_id, Participation.roll_id, Participation.channel)
                               .where(Participation.round_id == round_id)
                               .order_by(Participation.roll_id)).mappings().all()
    connection.execute(delete(Ballot).where(Ballot.round_id == round_id))
    connection.execute(delete(Participation).where(Participation.round_id == round_id))
    if ballots:
        connection.execute(insert(Ballot), [dict(b) for b in ballots])
    if taken:
        connection.execute(insert(Participation), [dict(p) for p in taken])


def scrub_box(db: Database) -> None:
    """After the close (and again after the count), leave nothing of the casts in the files (docs/architecture.md invariant 5): no WAL
    frame and no old row version of the rewritten box and participation (workflow/store/scrub.py)."""
    if not scrub(db, Ballot.__tablename__, Participation.__tablename__):
        log.warning("The ballot boxes' files are not scrubbed: other sessions held older snapshots past the busy "
                    "timeout. The casts stay readable in the files until the next close or count scrubs them.")
