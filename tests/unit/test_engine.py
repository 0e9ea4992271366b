"""The engine on the proposal definition, without a database: every transition and every refusal."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from workflow.core.actor import Actor
from workflow.core.definition_load import load_file
from workflow.core.engine import ActionRefused, CaseView, Engine

DEFINITION = load_file(Path(__file__).resolve().parents[2] / "definitions" / "proposal.yaml", None)
TODAY = date(2026, 11, 23)
UNITS = {"CJ1": "第一车间", "HQ": "后勤保障部", "GH": "工会办公室"}

proposer = Actor("zhang", "张伟", frozenset({"representative"}), "CJ1")
wang = Actor("wang", "王芳", frozenset({"representative"}), "CJ1")
liu = Actor("liu", "刘洋", frozenset({"representative"}), "HQ")
committee = Actor("zhao", "赵敏", frozenset({"proposal_committee"}), "GH")
head_hq = Actor("zhou", "周磊", frozenset({"department_head"}), "HQ")
head_cj1 = Actor("sun", "孙强", frozenset({"department_head"}), "CJ1")
member = Actor("li", "李娜", frozenset({"member"}), "CJ1")

PROPOSAL = {"title": "关于改善食堂的提案", "category": "welfare", "reason": "就餐高峰排队时间长", "suggestion": "增加座位"}


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(DEFINITION)


class Walk:
    """A case carried along by the engine's records, as the service would store them."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.case = CaseView("draft", {}, proposer.username, "CJ1")

    def fire(self, trigger, actor, data=None, comment=None):
        record = self.engine.fire(self.case, trigger, actor, data, comment, today=TODAY, units=UNITS)
        self.case = CaseView(record.dest, record.data, self.case.submitter, self.case.unit, record.due_date)
        return record

    def refused(self, trigger, actor, data=None, comment=None) -> ActionRefused:
        before = self.case
        with pytest.raises(ActionRefused) as caught:
            self.fire(trigger, actor, data, comment)
        assert self.case == before
        return caught.value

    def to(self, state: str) -> "Walk":
        steps = {
            "seconding": [("submit", proposer, PROPOSAL, None)],
            "committee_review": [("second", wang, None, None), ("second", liu, None, None)],
            "handling": [("accept", committee, {"lead_unit": "HQ", "co_units": ["CJ1"]}, "同意立案")],
            "replied": [("reply", head_hq, {"reply": "已增加座位", "measures": "错峰就餐", "status": "resolved"}, None)],
            "evaluated": [("evaluate", proposer, {"satisfaction": "satisfied"}, "满意")],
        }
        for name, path in steps.items():
            for trigger, actor, data, comment in path:
                self.fire(trigger, actor, data, comment)
            if name == state:
                return self
        raise AssertionError(state)


def test_whole_path_with_documents_and_due_dates(engine):
    walk = Walk(engine)
    assert [a.trigger for a in engine.actions_for(walk.case, proposer)] == ["submit", "withdraw"]
    record = walk.fire("submit", proposer, PROPOSAL)
    assert (record.dest, record.documents) == ("seconding", ("proposal_form",))
    assert walk.fire("second", wang).dest == "seconding"
    record = walk.fire("second", liu)
    assert record.dest == "committee_review" and record.data["seconders"] == ["wang", "liu"]
    assert record.due_date == date(2026, 12, 8)  # 15 days (parameter)
    record = walk.fire("accept", committee, {"lead_unit": "HQ"})
    assert record.documents == ("acceptance_notice", "assignment_sheet")
    assert record.data["due_date"] == "2026-12-23" and record.due_date == date(2026, 12, 23)  # default 30 days
    assert walk.fire("reply", head_hq, {"reply": "已解决", "measures": "增加座位", "status": "resolved"}).dest == "replied"
    assert walk.fire("evaluate", proposer, {"satisfaction": "basically_satisfied"}, "基本满意").dest == "evaluated"
    record = walk.fire("archive", committee)
    assert (record.dest, record.documents) == ("archived", ("archive_result",))
    assert engine.actions_for(walk.case, committee) == []
    assert engine.machine.models == []  # the shared machine holds no case after a fire


def test_wrong_role_is_403(engine):
    walk = Walk(engine).to("committee_review")
    refusal = walk.refused("accept", proposer, {"lead_unit": "HQ"})
    assert refusal.status == 403 and "提案工作委员会" in refusal.message
    assert Walk(engine).refused("submit", member, PROPOSAL).status == 403


def test_action_not_open_in_this_state_is_409(engine):
    walk = Walk(engine).to("seconding")
    refusal = walk.refused("archive", committee)
    assert refusal.status == 409 and "征集附议" in refusal.message
    assert walk.refused("no_such_action", committee).status == 409


def test_invalid_data_is_422_with_chinese_field_errors(engine):
    walk = Walk(engine)
    refusal = walk.refused("submit", proposer, {"title": "x", "category": "sports", "reason": "好" * 2001,
                                                "unknown": 1})
    assert refusal.status == 422
    assert refusal.fields == {
        "title": "至少需要 2 个字符",
        "category": "无效的选项，可选：生产经营（production）、劳动保护（labour_protection）、生活福利（welfare）、"
                    "民主管理（democracy）、其他（other）",
        "reason": "不能超过 2000 个字符（当前 2001 个）",
        "suggestion": "此项为必填项",
        "unknown": "此操作不接受该字段",
    }
    walk.to("committee_review")
    refusal = walk.refused("accept", committee, {"lead_unit": "NOPE", "due_date": "2026-11-01"})
    assert refusal.fields == {"lead_unit": "未知的单位代码：NOPE", "due_date": "日期必须晚于今天"}
    assert walk.refused("accept", committee, {"lead_unit": "HQ", "due_date": "tomorrow"}).fields == {
        "due_date": "日期格式应为 YYYY-MM-DD"}


def test_seconding_own_proposal_or_twice_is_refused(engine):
    walk = Walk(engine).to("seconding")
    own = walk.refused("second", proposer)
    assert own.status == 403 and "本人" in own.message
    assert "second" not in [a.trigger for a in engine.actions_for(walk.case, proposer)]
    walk.fire("second", wang)
    twice = walk.refused("second", wang)
    assert twice.status == 409 and "重复" in twice.message
    assert walk.case.state == "seconding"


def test_seconders_threshold_is_the_parameter(engine):
    walk = Walk(engine).to("seconding")
    assert walk.fire("second", wang).dest == "seconding"
    assert walk.fire("second", liu).dest == "committee_review"


def test_reply_only_by_a_head_of_the_lead_unit(engine):
    walk = Walk(engine).to("handling")
    refusal = walk.refused("reply", head_cj1, {"reply": "答复", "measures": "措施", "status": "planned"})
    assert refusal.status == 403 and "HQ" in refusal.message
    assert [a.trigger for a in engine.actions_for(walk.case, head_hq)] == ["reply"]


def test_reject_ends_not_accepted(engine):
    walk = Walk(engine).to("committee_review")
    assert walk.refused("reject", committee, {}).fields == {"reject_reason": "此项为必填项"}
    record = walk.fire("reject", committee, {"reject_reason": "不属于提案范围", "forward_unit": "GH"})
    assert (record.dest, record.documents) == ("not_accepted", ("rejection_notice",))


def test_return_needs_a_comment_and_the_revision_goes_back_to_review(engine):
    walk = Walk(engine).to("committee_review")
    assert walk.refused("return", committee).fields == {"comment": "请填写意见"}
    assert walk.fire("return", committee, comment="请补充具体建议").dest == "returned"
    assert [a.trigger for a in engine.actions_for(walk.case, proposer)] == ["submit", "withdraw"]
    record = walk.fire("submit", proposer, {"suggestion": "增加座位 120 个并错峰就餐"})  # other fields kept
    assert record.dest == "committee_review" and record.data["title"] == PROPOSAL["title"]


def test_unsatisfied_gets_one_rehandling_then_closes(engine):
    walk = Walk(engine).to("replied")
    assert walk.refused("evaluate", proposer, {"satisfaction": "unsatisfied"}).fields == {"comment": "请填写意见"}
    record = walk.fire("evaluate", proposer, {"satisfaction": "unsatisfied"}, "措施不具体")
    assert record.dest == "handling" and record.data["rehandlings"] == 1
    assert record.documents == ("evaluation_form", "assignment_sheet")  # 再次交办
    walk.fire("reply", head_hq, {"reply": "补充答复", "measures": "具体措施", "status": "planned"})
    record = walk.fire("evaluate", proposer, {"satisfaction": "unsatisfied"}, "仍不满意")
    assert record.dest == "evaluated" and record.data["rehandlings"] == 1


def test_only_the_proposer_evaluates(engine):
    walk = Walk(engine).to("replied")
    assert walk.refused("evaluate", wang, {"satisfaction": "satisfied"}, "好").status == 403


def test_withdraw_by_the_proposer_before_review_only(engine):
    walk = Walk(engine).to("seconding")
    assert walk.refused("withdraw", wang).status == 403
    assert walk.fire("withdraw", proposer).dest == "withdrawn"
    late = Walk(engine).to("committee_review")
    assert late.refused("withdraw", proposer).status == 409


def test_the_shared_machine_is_left_clean_after_a_refusal(engine):
    walk = Walk(engine).to("seconding")
    walk.fire("second", wang)
    walk.refused("second", wang)
    assert engine.machine.models == []


def test_save_draft_is_the_authors_own_and_only_in_draft(engine):
    draft = CaseView("draft", {"title": "初稿"}, proposer.username, "CJ1")
    record = engine.fire(draft, "save_draft", proposer, {"title": "改稿", "category": "welfare"}, today=TODAY,
                         units=UNITS)
    assert (record.source, record.dest) == ("draft", "draft")
    assert record.changes == {"title": "改稿", "category": "welfare"} and record.documents == ()
    assert engine.form_fields("draft", "save_draft") == engine.draft_fields()
    assert not any(f.required for f in engine.draft_fields())
    with pytest.raises(ActionRefused) as other:
        engine.fire(draft, "save_draft", wang, {"title": "别人改的"}, today=TODAY, units=UNITS)
    assert other.value.status == 403
    with pytest.raises(ActionRefused) as wrong:
        engine.fire(draft, "save_draft", proposer, {"category": "nonsense"}, today=TODAY, units=UNITS)
    assert wrong.value.status == 422 and "category" in wrong.value.fields
    submitted = CaseView("seconding", PROPOSAL, proposer.username, "CJ1")
    with pytest.raises(ActionRefused) as late:
        engine.fire(submitted, "save_draft", proposer, {"title": "提交后再改"}, today=TODAY, units=UNITS)
    assert late.value.status == 409
