"""Counting an election round: the strict 2/3 and 1/2 limits, void ballots and rounds, ties and runoffs."""
from __future__ import annotations

import json
import random
from fractions import Fraction

import pytest

from processes.election.tally import Ballot, RoundRules, Tally, count


def yes(*keys: str, paper: bool = False, write_ins: tuple[str, ...] = ()) -> Ballot:
    return Ballot({k: "yes" for k in keys}, write_ins, paper)


def marks(paper: bool = False, **m: str) -> Ballot:
    return Ballot(m, (), paper)


def blanks(n: int, paper: bool = False) -> list[Ballot]:
    """Ballots that vote for no one: they only make up the turnout."""
    return [Ballot({}, (), paper) for _ in range(n)]


def rules(eligible: int, seats: int, *candidates: str, **kw) -> RoundRules:
    return RoundRules(eligible, seats, candidates, **kw)


def person(t: Tally, key: str):
    return next(p for p in t.people if p.key == key)


# --- turnout ----------------------------------------------------------------------------------------------

def test_turnout_exactly_two_thirds_voids_the_round():
    t = count(rules(9, 1, "a"), [yes("a")] * 6)
    assert not t.round_valid and t.outcome == "void"
    assert t.void_reason == "投票人数 6 人，未超过应到选举人数 9 人的三分之二，选举无效"
    assert t.elected == () and t.unfilled == 1
    assert person(t, "a").yes == 6  # still counted for the report


def test_one_voter_more_than_two_thirds_makes_it_valid():
    t = count(rules(9, 1, "a"), [yes("a")] * 7)
    assert t.round_valid and t.void_reason == "" and t.outcome == "decided"
    assert [e.key for e in t.elected] == ["a"]


def test_other_turnout_fraction_is_written_as_n_over_d():
    t = count(rules(8, 1, "a", turnout=Fraction(3, 4)), [yes("a")] * 6)
    assert t.void_reason == "投票人数 6 人，未超过应到选举人数 8 人的3/4，选举无效"


def test_float_fractions_are_refused():
    with pytest.raises(TypeError):
        RoundRules(9, 1, ("a",), turnout=0.6667)


# --- majority ---------------------------------------------------------------------------------------------

def test_yes_exactly_half_of_the_roll_is_not_enough():
    # 10 on the roll, 9 vote: a has 5 yes — more than half of the ballots, but not more than half of the roll
    t = count(rules(10, 1, "a"), [yes("a")] * 5 + [marks(a="no")] * 4)
    assert t.round_valid and t.elected == () and t.outcome == "unfilled" and t.unfilled == 1
    assert (person(t, "a").yes, person(t, "a").no, person(t, "a").abstain) == (5, 4, 0)


def test_one_yes_more_than_half_is_elected():
    t = count(rules(10, 1, "a"), [yes("a")] * 6 + [marks(a="no")] * 3)
    assert [(e.key, e.yes) for e in t.elected] == [("a", 6)]
    assert t.elected[0].rule == "赞成票 6 票，超过应到选举人数 10 人的半数"
    assert t.outcome == "decided" and t.unfilled == 0


def test_unfilled_seats():
    t = count(rules(10, 3, "a", "b", "c"), [yes("a", "b")] * 6 + [yes("c")] * 3)
    assert [e.key for e in t.elected] == ["a", "b"]
    assert t.outcome == "unfilled" and t.unfilled == 1 and t.tied == () and t.runoff_seats == 0
    assert person(t, "c").abstain == 6  # left unmarked on a valid ballot


# --- void ballots -----------------------------------------------------------------------------------------

def test_over_marked_ballot_is_void_but_counts_toward_turnout():
    t = count(rules(9, 1, "a", "b"), [yes("a", "b")] + [yes("a")] * 6)  # 1 seat, yes to 2
    assert (t.cast, t.valid, t.void) == (7, 6, 1)
    assert t.round_valid  # 7 > 6: the void ballot is what makes the turnout
    assert person(t, "a").yes == 6 and person(t, "b").yes == 0 and person(t, "b").abstain == 6


def test_write_in_counts_toward_the_yes_limit():
    t = count(rules(3, 1, "a"), [yes("a", write_ins=("x",))] * 3)
    assert t.void == 3 and person(t, "a").yes == 0


@pytest.mark.parametrize("bad", [
    Ballot({"zed": "yes"}),  # not a candidate
    Ballot({"zed": "no"}),  # even a no for a non-candidate
    Ballot({}, ("a",)),  # a write-in that is a candidate
    Ballot({}, ("x", "x")),  # the same write-in twice
])
def test_malformed_ballot_is_void(bad: Ballot):
    t = count(rules(3, 2, "a", "b"), [bad, yes("a"), yes("a")])
    assert (t.cast, t.valid, t.void) == (3, 2, 1)
    assert person(t, "a").yes == 2 and [p.key for p in t.people] == ["a", "b"]


def test_unknown_mark_value_is_a_bug_not_a_void_ballot():
    with pytest.raises(ValueError):
        count(rules(3, 1, "a"), [marks(a="maybe")])


# --- paper ballots ----------------------------------------------------------------------------------------

def test_more_paper_returned_than_issued_voids_the_round():
    ballots = [yes("a", paper=True)] * 12 + [yes("a")] * 3
    t = count(rules(20, 1, "a", paper_issued=11), ballots)
    assert (t.cast, t.web, t.paper_returned, t.paper_issued) == (15, 3, 12, 11)
    assert not t.round_valid and t.outcome == "void" and t.elected == () and t.unfilled == 1
    assert t.void_reason == "收回选票 12 张，多于发出的 11 张，本轮选举无效"


def test_paper_returned_up_to_issued_is_fine():
    t = count(rules(20, 1, "a", paper_issued=12), [yes("a", paper=True)] * 12 + [yes("a")] * 3)
    assert t.round_valid and [e.key for e in t.elected] == ["a"]


# --- more passes than seats -------------------------------------------------------------------------------

def test_more_passed_than_seats_highest_win():
    # 12 on the roll, 2 seats: a 9, b 8, c 7 all pass (> 6); the two highest take the seats
    t = count(rules(12, 2, "a", "b", "c"), [yes("a", "b")] * 5 + [yes("a", "c")] * 4 + [yes("b", "c")] * 3)
    assert [(p.key, p.yes) for p in t.people] == [("a", 9), ("b", 8), ("c", 7)]
    assert [(e.key, e.yes) for e in t.elected] == [("a", 9), ("b", 8)]
    assert t.elected[1].rule == "赞成票 8 票，超过应到选举人数 12 人的半数，按得票多少取足应选名额"
    assert t.outcome == "decided" and t.tied == () and t.runoff_seats == 0 and t.unfilled == 0


def test_no_seat_filling_remark_when_passes_fit_the_seats():
    t = count(rules(9, 2, "a", "b", "c"), [yes("a", "b")] * 6 + [yes("c")] * 3)
    assert [e.rule for e in t.elected] == ["赞成票 6 票，超过应到选举人数 9 人的半数"] * 2


def test_other_majority_fraction_is_written_as_n_over_d():
    t = count(rules(10, 1, "a", "b", majority=Fraction(1, 5)), [yes("a")] * 5 + [yes("b")] * 3)
    assert [e.key for e in t.elected] == ["a"]
    assert t.elected[0].rule == "赞成票 5 票，超过应到选举人数 10 人的1/5，按得票多少取足应选名额"


def test_tie_for_the_last_seat_needs_a_runoff():
    # 11 on the roll, 2 seats: a 9, b 6, c 6 all pass (> 5.5) — a is elected, b and c go to a runoff for one seat
    ballots = [yes("a", "b")] * 5 + [yes("a", "c")] * 4 + [yes("b", "c")] + [yes("c")]
    t = count(rules(11, 2, "a", "b", "c"), ballots)
    assert [p.yes for p in t.people] == [9, 6, 6]
    assert [e.key for e in t.elected] == ["a"]
    assert t.elected[0].rule == "赞成票 9 票，超过应到选举人数 11 人的半数，按得票多少取足应选名额"
    assert t.outcome == "runoff" and t.tied == ("b", "c") and t.runoff_seats == 1 and t.unfilled == 0


def test_tie_across_every_seat():
    t = count(rules(9, 2, "a", "b", "c"), [yes("a", "b")] * 3 + [yes("b", "c")] * 3 + [yes("a", "c")] * 3)
    assert t.elected == () and t.tied == ("a", "b", "c") and t.runoff_seats == 2 and t.outcome == "runoff"


def test_equal_yes_within_the_seats_is_no_tie():
    t = count(rules(9, 2, "a", "b", "c"), [yes("a", "b")] * 8 + [yes("c")] * 1)
    assert [e.key for e in t.elected] == ["a", "b"] and t.tied == () and t.outcome == "decided"


# --- write-ins --------------------------------------------------------------------------------------------

def test_write_in_elected():
    t = count(rules(9, 1, "a"), [yes(write_ins=("zhang",))] * 5 + [yes("a")] * 2 + [yes(write_ins=("li",))])
    assert [(e.key, e.yes) for e in t.elected] == [("zhang", 5)]
    assert [(p.key, p.yes, p.write_in) for p in t.people] == [("a", 2, False), ("zhang", 5, True), ("li", 1, True)]


def test_write_ins_only_on_void_ballots_are_not_listed():
    t = count(rules(3, 1, "a"), [Ballot({}, ("x", "x"))] + [yes("a")] * 2)
    assert [p.key for p in t.people] == ["a"]


# --- runoff -----------------------------------------------------------------------------------------------

def test_runoff_highest_wins_without_majority():
    t = count(rules(10, 1, "b", "c", kind="runoff"), [yes("b")] * 4 + [yes("c")] * 3 + blanks(1))
    assert [(e.key, e.yes) for e in t.elected] == [("b", 4)]  # 4 of 10: no majority needed
    assert t.elected[0].rule == "再次投票得票最多（4 票）"
    assert t.outcome == "decided"


def test_runoff_tied_again():
    t = count(rules(10, 1, "b", "c", kind="runoff"), [yes("b")] * 4 + [yes("c")] * 4)
    assert t.elected == () and t.tied == ("b", "c") and t.runoff_seats == 1 and t.outcome == "runoff"


def test_runoff_zero_yes_not_elected():
    t = count(rules(10, 2, "b", "c", kind="runoff"), [yes("b")] * 5 + [marks(c="no")] * 3)
    assert [e.key for e in t.elected] == ["b"] and t.outcome == "unfilled" and t.unfilled == 1


def test_runoff_ballot_with_write_in_is_void():
    t = count(rules(9, 1, "b", "c", kind="runoff"), [yes(write_ins=("x",))] * 5 + [yes("c")] * 2)
    assert t.void == 5 and [e.key for e in t.elected] == ["c"]


# --- storage and size -------------------------------------------------------------------------------------

def test_to_dict_round_trips_through_json():
    t = count(rules(11, 2, "a", "b", "c"),
              [yes("a", "b")] * 5 + [yes("a", "c")] * 4 + [yes("b", "c")] + [yes("c")] + [Ballot({}, ("x",))])
    d = t.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert isinstance(d["people"], list) and isinstance(d["tied"], list)
    assert Tally.from_dict(json.loads(json.dumps(d))) == t
    void = count(rules(9, 1, "a"), [yes("a")])
    assert Tally.from_dict(json.loads(json.dumps(void.to_dict()))) == void


def test_five_thousand_ballots_fifteen_candidates():
    rng = random.Random(7)
    candidates = tuple(f"c{i:02d}" for i in range(15))
    ballots, expect_yes = [], dict.fromkeys(candidates, 0)
    for i in range(5000):
        chosen = rng.sample(candidates, rng.randint(0, 5))
        m = {k: "yes" for k in chosen}
        m.update({k: "no" for k in rng.sample([c for c in candidates if c not in chosen], 3)})
        if i % 100 == 0:  # over-marked: void
            m = {k: "yes" for k in candidates[:6]}
        else:
            for k in chosen:
                expect_yes[k] += 1
        ballots.append(Ballot(m, (), i % 10 == 0))
    t = count(rules(6000, 5, *candidates, paper_issued=600), ballots)
    assert (t.cast, t.void, t.valid, t.paper_returned, t.web) == (5000, 50, 4950, 500, 4500)
    assert {p.key: p.yes for p in t.people} == expect_yes
    assert all(p.yes + p.no + p.abstain == 4950 for p in t.people)
    assert sum(p.no for p in t.people) == 4950 * 3
    assert t.round_valid and t.outcome == "unfilled"  # ~1650 yes each, far from 3000
