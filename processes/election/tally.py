"""Counting one round of a union election (工会基层组织选举工作条例): valid ballots, turnout, who is elected.

Pure rules, no database and no web: the caller hands over the frozen roll's size, the seats, the candidates and
the ballots; `count` returns a `Tally` that can be stored as JSON and shown in the report.

- Every ballot is cast, void ones too: a 废票 counts toward turnout but toward no one.
- A ballot is void if it says 赞成 to more people than there are seats (write-ins included), marks someone who is
  not a candidate, or writes in a candidate or the same person twice. In a runoff (再次投票) only the tied
  candidates stand, so any write-in voids the ballot.
- The round is void if more paper ballots come back than were handed out, or if no more than `turnout` of the
  roll voted. Both limits are strict and computed with Fractions: 6 of 9 is exactly 2/3 and not enough.
- regular / additional: elected only with 赞成 > `majority` of the roll (not of the ballots cast). More passes
  than seats: the highest take the seats; equal 赞成 across the last seat is a tie, settled by a runoff.
- runoff: no majority needed, the most 赞成 win; a runoff can tie again. Nobody is elected with 0 赞成.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterable, Mapping

KINDS = ("regular", "additional", "runoff")
MARKS = ("yes", "no", "abstain")
_FRACTION_WORDS = {Fraction(2, 3): "三分之二", Fraction(1, 2): "半数"}


def _words(f: Fraction) -> str:
    return _FRACTION_WORDS.get(f, f"{f.numerator}/{f.denominator}")


@dataclass(frozen=True)
class RoundRules:
    eligible: int  # voters on the frozen roll: the denominator of every rule
    seats: int
    candidates: tuple[str, ...]  # ballot order
    kind: str = "regular"
    turnout: Fraction = Fraction(2, 3)
    majority: Fraction = Fraction(1, 2)  # ignored in a runoff
    paper_issued: int = 0

    def __post_init__(self) -> None:
        # Refuse a float fraction: Fraction(0.6667) is not 2/3, and a boundary vote would be miscounted.
        if not isinstance(self.turnout, Fraction) or not isinstance(self.majority, Fraction):
            raise TypeError("turnout and majority must be Fractions")
        if self.kind not in KINDS:
            raise ValueError(f"unknown round kind {self.kind!r}")
        if self.eligible < 1 or self.seats < 1 or self.paper_issued < 0:
            raise ValueError("eligible and seats must be positive, paper_issued not negative")
        if len(set(self.candidates)) != len(self.candidates):
            raise ValueError("duplicate candidate")


@dataclass(frozen=True)
class Ballot:
    marks: Mapping[str, str]  # candidate key -> "yes" | "no" | "abstain"; left out = abstain
    write_ins: tuple[str, ...] = ()  # 另选他人: each one a 赞成 for that member
    paper: bool = False  # entered by the tellers


@dataclass(frozen=True)
class PersonCount:
    key: str
    yes: int
    no: int
    abstain: int
    write_in: bool


@dataclass(frozen=True)
class Elected:
    key: str
    yes: int
    rule: str  # why, in Chinese, for the report


@dataclass(frozen=True)
class Tally:
    kind: str
    eligible: int
    seats: int
    cast: int
    valid: int
    void: int
    web: int
    paper_returned: int
    paper_issued: int
    round_valid: bool
    void_reason: str  # "" when valid
    people: tuple[PersonCount, ...]  # candidates in ballot order, then write-ins by yes desc, key
    elected: tuple[Elected, ...]
    tied: tuple[str, ...]
    runoff_seats: int
    unfilled: int
    outcome: str  # "void" | "runoff" | "unfilled" | "decided"

    def to_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["people"] = [vars(p).copy() for p in self.people]
        d["elected"] = [vars(e).copy() for e in self.elected]
        d["tied"] = list(self.tied)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Tally:
        return cls(**{
            **d,
            "people": tuple(PersonCount(**p) for p in d["people"]),
            "elected": tuple(Elected(**e) for e in d["elected"]),
            "tied": tuple(d["tied"]),
        })


def _is_void(rules: RoundRules, b: Ballot) -> bool:
    for key, mark in b.marks.items():
        if mark not in MARKS:  # not a voter's choice but a caller's bug: refuse rather than guess
            raise ValueError(f"unknown mark {mark!r} for {key!r}")
    if any(key not in rules.candidates for key in b.marks):
        return True
    if rules.kind == "runoff" and b.write_ins:
        return True
    if len(set(b.write_ins)) != len(b.write_ins) or any(w in rules.candidates for w in b.write_ins):
        return True
    return sum(m == "yes" for m in b.marks.values()) + len(b.write_ins) > rules.seats


def count(rules: RoundRules, ballots: Iterable[Ballot]) -> Tally:
    """Count one round; a void round still reports every person's counts."""
    cast = valid = paper_returned = 0
    yes = dict.fromkeys(rules.candidates, 0)
    no = dict.fromkeys(rules.candidates, 0)
    written: dict[str, int] = {}
    for b in ballots:
        cast += 1
        paper_returned += b.paper
        if _is_void(rules, b):
            continue
        valid += 1
        for key, mark in b.marks.items():
            if mark == "yes":
                yes[key] += 1
            elif mark == "no":
                no[key] += 1
        for w in b.write_ins:
            written[w] = written.get(w, 0) + 1

    people = tuple(PersonCount(k, yes[k], no[k], valid - yes[k] - no[k], False) for k in rules.candidates) + tuple(
        PersonCount(k, n, 0, 0, True) for k, n in sorted(written.items(), key=lambda kv: (-kv[1], kv[0]))
    )

    reasons = []
    if paper_returned > rules.paper_issued:
        reasons.append(f"收回选票 {paper_returned} 张，多于发出的 {rules.paper_issued} 张，本轮选举无效")
    if cast <= rules.turnout * rules.eligible:
        reasons.append(
            f"投票人数 {cast} 人，未超过应到选举人数 {rules.eligible} 人的{_words(rules.turnout)}，选举无效"
        )
    base = dict(
        kind=rules.kind, eligible=rules.eligible, seats=rules.seats, cast=cast, valid=valid, void=cast - valid,
        web=cast - paper_returned, paper_returned=paper_returned, paper_issued=rules.paper_issued, people=people,
    )
    if reasons:
        return Tally(**base, round_valid=False, void_reason="；".join(reasons), elected=(), tied=(),
                     runoff_seats=0, unfilled=rules.seats, outcome="void")

    # Stable sort over `people`: equal 赞成 keep ballot order, then write-in name.
    if rules.kind == "runoff":
        pool = sorted((p for p in people if p.yes > 0), key=lambda p: -p.yes)
    else:
        pool = sorted((p for p in people if p.yes > rules.majority * rules.eligible), key=lambda p: -p.yes)

    tied: tuple[str, ...] = ()
    winners = pool[: rules.seats]
    if len(pool) > rules.seats and pool[rules.seats - 1].yes == pool[rules.seats].yes:
        tie = pool[rules.seats].yes
        winners = [p for p in pool if p.yes > tie]
        tied = tuple(p.key for p in pool if p.yes == tie)

    def rule(p: PersonCount) -> str:
        if rules.kind == "runoff":
            return f"再次投票得票最多（{p.yes} 票）"
        text = f"赞成票 {p.yes} 票，超过应到选举人数 {rules.eligible} 人的{_words(rules.majority)}"
        return text + "，按得票多少取足应选名额" if len(pool) > rules.seats else text

    elected = tuple(Elected(p.key, p.yes, rule(p)) for p in winners)
    runoff_seats = rules.seats - len(elected) if tied else 0
    unfilled = 0 if tied else rules.seats - len(elected)
    outcome = "runoff" if tied else "unfilled" if unfilled else "decided"
    return Tally(**base, round_valid=True, void_reason="", elected=elected, tied=tied,
                 runoff_seats=runoff_seats, unfilled=unfilled, outcome=outcome)
