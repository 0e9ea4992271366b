"""会签 in the engine: votes recorded with their opinions, the rule met or no longer reachable, one vote each."""
from __future__ import annotations

from datetime import date

import pytest

from workflow.core.actor import Actor
from workflow.core.definition import DefinitionError
from workflow.core.definition_load import parse
from workflow.core.engine import ActionRefused, CaseView, Engine

TODAY = date(2026, 11, 23)
COMMITTEE = [f"c{i}" for i in range(1, 6)]  # five committee members
SOURCE = """
key: grant
label: {zh: 补助审批, en: Grant}
number_prefix: BZ
initial: draft
roles: [member, union_committee]
parameters: {quorum: 2}
states:
  - {name: draft, label: {zh: 草稿, en: Draft}}
  - name: voting
    label: {zh: 委员会会签, en: Committee vote}
    countersign: {voters: {role: union_committee}, rule: RULE, at_least: {param: quorum}, pass: approved, fail: rejected}
  - {name: approved, label: {zh: 已批准, en: Approved}, final: true}
  - {name: rejected, label: {zh: 未批准, en: Rejected}, final: true}
transitions:
  - trigger: submit
    label: {zh: 提交, en: Submit}
    source: draft
    dest: voting
    roles: [member]
"""


def engine(rule: str) -> Engine:
    return Engine(parse(SOURCE.replace("RULE", rule), "grant.yaml", None))


def member(name: str) -> Actor:
    return Actor(name, name, frozenset({"union_committee"}))


class Vote:
    def __init__(self, rule: str):
        self.engine = engine(rule)
        applicant = Actor("li", "李娜", frozenset({"member"}))
        record = self.engine.fire(CaseView("draft", {}, "li", None), "submit", applicant, {}, today=TODAY, units={},
                                  electorate=lambda role: COMMITTEE if role == "union_committee" else [])
        self.case = CaseView(record.dest, record.data, "li", None)

    def __call__(self, voter: str, decision: str, opinion: str = "") -> str:
        record = self.engine.fire(self.case, "vote", member(voter), {"decision": decision}, opinion, today=TODAY,
                                  units={})
        self.case = CaseView(record.dest, record.data, "li", None)
        return record.dest


def test_entering_freezes_the_voters_and_each_vote_is_recorded():
    vote = Vote("majority")
    assert vote.case.data["countersign"]["voting"] == {"voters": COMMITTEE, "votes": []}
    assert vote("c1", "approve", "同意补助") == "voting"
    assert vote.case.data["countersign"]["voting"]["votes"] == [{"voter": "c1", "decision": "approve"}]
    assert "decision" not in vote.case.data


def test_majority_passes_at_the_third_approval_of_five():
    vote = Vote("majority")
    assert [vote("c1", "approve"), vote("c2", "reject"), vote("c3", "approve")] == ["voting"] * 3
    assert vote("c4", "approve") == "approved"


def test_majority_fails_early_once_it_cannot_be_reached():
    vote = Vote("majority")
    assert [vote("c1", "reject"), vote("c2", "reject")] == ["voting", "voting"]
    assert vote("c3", "reject") == "rejected"  # two votes left could make at most 2 of 5 approvals


def test_all_any_and_at_least():
    assert Vote("all")("c1", "reject") == "rejected"
    unanimous = Vote("all")
    assert [unanimous(c, "approve") for c in COMMITTEE] == ["voting"] * 4 + ["approved"]
    assert Vote("any")("c1", "approve") == "approved"
    at_least = Vote("at_least")
    assert [at_least("c1", "approve"), at_least("c2", "approve")] == ["voting", "approved"]


def test_a_voter_votes_once_and_only_voters_vote():
    vote = Vote("majority")
    vote("c1", "approve")
    with pytest.raises(ActionRefused) as twice:
        vote("c1", "approve")
    assert twice.value.status == 409 and "只能表决一次" in twice.value.message
    with pytest.raises(ActionRefused) as outsider:
        vote("c9", "approve")  # holds the role, but was not on the committee when the vote opened
    assert outsider.value.status == 403
    with pytest.raises(ActionRefused) as bad:
        vote("c2", "maybe")
    assert bad.value.status == 422 and "decision" in bad.value.fields
    actions = [a.trigger for a in vote.engine.actions_for(vote.case, member("c2"))]
    assert actions == ["vote"] and vote.engine.actions_for(vote.case, member("c1")) == []


def test_the_validator_checks_a_countersign():
    with pytest.raises(DefinitionError) as broken:
        parse(SOURCE.replace("RULE", "majority").replace("pass: approved", "pass: nowhere"), "grant.yaml", None)
    assert "unknown state 'nowhere'" in str(broken.value)
    with pytest.raises(DefinitionError) as role:
        parse(SOURCE.replace("RULE", "majority").replace("{role: union_committee}", "{role: finance}"), "grant.yaml",
              None)
    assert "role 'finance' is not declared" in str(role.value)


def ratio_vote(share: str) -> Vote:
    vote = Vote.__new__(Vote)
    vote.engine = Engine(parse(SOURCE.replace("RULE", "ratio").replace("at_least: {param: quorum}",
                                                                       f"ratio: {share}"), "grant.yaml", None))
    record = vote.engine.fire(CaseView("draft", {}, "li", None), "submit", Actor("li", "李娜", frozenset({"member"})),
                              {}, today=TODAY, units={}, electorate=lambda role: COMMITTEE)
    vote.case = CaseView(record.dest, record.data, "li", None)
    return vote


def test_a_ratio_needs_that_share_of_the_voters_rounded_up():
    half = ratio_vote("0.5")  # 2.5 of 5: three approvals
    assert [half("c1", "approve"), half("c2", "approve"), half("c3", "approve")] == ["voting", "voting", "approved"]
    three_fifths = ratio_vote("0.6")  # exactly three
    assert [three_fifths(c, "reject") for c in ("c1", "c2", "c3")] == ["voting", "voting", "rejected"]
    everyone = ratio_vote("1")
    assert everyone("c1", "reject") == "rejected"


def test_sequential_takes_the_voters_in_order_and_any_refusal_ends_it():
    vote = Vote("sequential")
    assert [a.trigger for a in vote.engine.actions_for(vote.case, member("c2"))] == []  # not c2's turn
    with pytest.raises(ActionRefused) as early:
        vote("c2", "approve")
    assert "尚未轮到您" in early.value.message
    assert [vote(c, "approve") for c in COMMITTEE[:4]] == ["voting"] * 4
    assert vote("c5", "approve") == "approved"
    assert Vote("sequential")("c1", "reject") == "rejected"


def test_the_validator_checks_the_approver_modes():
    ratio = SOURCE.replace("RULE", "ratio")
    with pytest.raises(DefinitionError) as missing:
        parse(ratio, "grant.yaml", None)
    assert "rule 'ratio' needs ratio" in str(missing.value)
    with pytest.raises(DefinitionError) as too_big:
        parse(ratio.replace("at_least: {param: quorum}", "ratio: 1.5"), "grant.yaml", None)
    assert "ratio" in str(too_big.value)
    with pytest.raises(DefinitionError) as field:
        parse(SOURCE.replace("RULE", "all").replace("{role: union_committee}", "{field: reviewers}"), "grant.yaml",
              None)
    assert "field 'reviewers' is not a field of any step" in str(field.value)
