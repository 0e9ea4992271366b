"""困难职工帮扶 through the service, on the shipped definitions and calendar, on SQLite and PostgreSQL: every path from
the application to the file, the 公示 closed by the timers after 5 working days, the committee's 会签 above the chair's
limit, and every stage PDF read back (the public notice with the name masked and nothing private)."""
from __future__ import annotations

from datetime import date, datetime

from support.hardship_desk import (
    APPLICATION,
    ROOT,
    CAST,
    CLOSES_AT,
    PUBLICITY_ENDS,
    VISIT,
    HardshipOffice,
)

from workflow.accounts.users import deactivate_user
from workflow.cases.timers import run_due
from workflow.core.definition_load import parse
from workflow.store.models import Case, DefinitionVersion, Timer, User


def _text(office: HardshipOffice, case_id: int, stage: str, nth: int = -1) -> str:
    texts = [text for s, text in office.pdfs(case_id) if s == stage]
    assert texts, f"no {stage} issued"
    return texts[nth]


# -- application and first review -------------------------------------------------------------------------------

def test_the_application_computes_per_capita_income_and_reads_back(office):
    case_id = office.apply()
    case = office.case(case_id)
    assert case.state == "submitted" and case.number.startswith("KN-2026-")
    assert case.data["per_capita_income"] == 1200.0
    text = _text(office, case_id, "hardship_application")
    for value in (case.number, "困难职工帮扶申请表", "张晓明", "第一车间", "重病", "4,800.00", "1,200.00", "3,000.00",
                  "6222021234567890123", "尿毒症", "第1页共1页", "前序文件：无", "家庭人均月收入（元）1,200.00"):
        assert value in text, value
    # computed, never taken from the applicant
    returned = office.apply()
    office.act("ganshi", returned, "return", comment="请补充诊断证明")
    assert office.refused("zhangxm", returned, "submit", {**APPLICATION, "per_capita_income": "100"}) == 422


def test_not_eligible_ends_the_case_with_the_reason(office):
    case_id = office.apply(monthly_income="28000")
    assert office.refused("hq_ganshi", case_id, "review",
                          {"eligibility": "not_eligible", "review_opinion": "x"}) == 403  # not the applicant's unit
    office.act("ganshi", case_id, "review", {"eligibility": "not_eligible",
                                             "review_opinion": "家庭人均月收入高于当地困难职工认定标准"})
    assert office.case(case_id).state == "not_eligible"
    text = _text(office, case_id, "hardship_review")
    for value in (office.case(case_id).number, "初审意见表", "不符合帮扶条件", "高于当地困难职工认定标准", "刘建华", "7,000.00"):
        assert value in text, value
    assert office.refused("zhangxm", case_id, "withdraw") == 409  # a final state


def test_returned_for_material_then_resubmitted(office):
    case_id = office.apply()
    assert office.refused("ganshi", case_id, "return") == 422  # a return says what is missing
    office.act("ganshi", case_id, "return", comment="请补充医院诊断证明和近三个月的医疗费用票据")
    assert office.case(case_id).state == "returned"
    assert office.refused("wangf", case_id, "submit", APPLICATION) == 403  # only the applicant resubmits
    office.act("zhangxm", case_id, "submit", {"monthly_income": "4000"})  # the rest as it was
    case = office.case(case_id)
    assert case.state == "submitted" and case.data["per_capita_income"] == 1000.0
    assert case.data["description"] == APPLICATION["description"]
    office.act("ganshi", case_id, "review", {"eligibility": "eligible", "review_opinion": "材料已补齐，符合条件"})
    assert office.case(case_id).state == "visiting"
    assert [s for s, _ in office.pdfs(case_id)] == ["hardship_application", "hardship_application", "hardship_review"]
    assert "4,000.00" in _text(office, case_id, "hardship_application")


def test_the_applicant_may_withdraw_before_review_only(office):
    first = office.apply()
    assert office.refused("ganshi", first, "withdraw") == 403
    office.act("zhangxm", first, "withdraw")
    assert office.case(first).state == "withdrawn"
    second = office.to_publicity()
    assert office.refused("zhangxm", second, "withdraw") == 409


def test_need_to_know_no_one_else_reads_the_file_before_the_notice(office):
    case_id = office.apply()
    with office.db.read() as session:
        case = session.get(Case, case_id)
        may = {name: office.service.may_view(session, case, office.users[name]) for name in CAST}
    assert {name for name, yes in may.items() if yes} == {"zhangxm", "ganshi", "song"}


# -- 公示 -----------------------------------------------------------------------------------------------------

def test_the_notice_masks_the_name_and_shows_nothing_private(office):
    case_id = office.to_publicity()
    case = office.case(case_id)
    assert case.state == "publicity" and case.due_date == PUBLICITY_ENDS
    stages = [s for s, _ in office.pdfs(case_id)]
    assert stages == ["hardship_application", "hardship_review", "hardship_visit", "hardship_notice"]
    visit = _text(office, case_id, "hardship_visit")
    for value in (case.number, "入户调查表", "刘建华、赵敏", "妻子透析治疗", "1,800.00", "2026年11月20日"):
        assert value in visit, value
    notice = _text(office, case_id, "hardship_notice")
    for value in (case.number, "困难职工帮扶公示", "张*明", "第一车间", "重病", "1,800.00", "2026年11月30日"):
        assert value in notice, value
    for private in ("张晓明", "晓明", "尿毒症", "透析", "6222", "4,800", "1,200", "刘建华"):
        assert private not in notice, private


def test_the_notice_closes_after_five_working_days_and_not_before(office):
    case_id = office.to_publicity()
    with office.db.read() as session:
        timer = session.query(Timer).filter_by(case_id=case_id).one()
    assert (timer.trigger, timer.due_at) == ("close_publicity", CLOSES_AT)
    assert not run_due(office.service, now=datetime(2026, 11, 27, 16, 0)).fired  # Friday: 4 working days
    assert not run_due(office.service, now=datetime(2026, 11, 30, 15, 59)).fired  # the last day is not over
    assert office.case(case_id).state == "publicity"
    assert office.refused("chair", case_id, "close_publicity") == 403  # only the timers close it
    office.close_publicity(case_id)
    assert office.case(case_id).state == "chair_review"  # 1,800 is within the chair's limit
    assert not run_due(office.service, now=datetime(2026, 12, 2)).fired  # once


def test_an_objection_sends_the_case_back_for_a_recheck(office):
    case_id = office.to_publicity()
    assert office.refused("song", case_id, "object", {"objection": "据了解其家庭另有经营收入"}) == 403  # auditors only read
    office.now = datetime(2026, 11, 25, 2, 0)
    office.act("wangf", case_id, "object", {"objection": "据了解申请人家庭另有门面出租收入，请核实"})
    assert office.case(case_id).state == "visiting"
    assert not run_due(office.service, now=CLOSES_AT).fired  # the first notice's timer is obsolete
    office.act("ganshi", case_id, "visit", {**VISIT, "visit_date": "2026-11-26", "recommended_amount": "1500",
                                            "findings": "复查核实：门面已于去年转让，无租金收入，原调查情况属实。"})
    case = office.case(case_id)
    assert case.state == "publicity" and case.due_date == date(2026, 12, 2)  # a new 5 working days from Wednesday
    recheck = _text(office, case_id, "hardship_visit")
    assert "异议复查" in recheck and "门面出租收入" in recheck and "1,500.00" in recheck
    notices = [t for s, t in office.pdfs(case_id) if s == "hardship_notice"]
    assert len(notices) == 2 and "1,500.00" in notices[1] and "门面" not in notices[1]
    assert len(run_due(office.service, now=datetime(2026, 12, 2, 16, 0)).fired) == 1
    assert office.case(case_id).state == "chair_review"


def test_objecting_gives_no_right_to_read_the_file(office):
    """Anyone may object during the 公示 (a public step) but that does not open the file to them, before or after."""
    case_id = office.to_publicity()

    def may_view(name: str) -> bool:
        with office.db.read() as session:
            return office.service.may_view(session, session.get(Case, case_id), office.users[name])

    assert not may_view("wangf")
    office.act("wangf", case_id, "object", {"objection": "据了解申请人家庭另有门面出租收入，请核实"})
    assert office.case(case_id).state == "visiting" and not may_view("wangf")


# -- approval, payment, receipt, file -------------------------------------------------------------------------

def test_chair_approval_payment_receipt_and_annual_reviews(office):
    case_id = office.to_publicity()
    office.close_publicity(case_id)
    assert office.refused("chair", case_id, "approve", {"amount_approved": "2500"}) == 409  # above the chair's limit
    assert office.refused("c1", case_id, "approve", {"amount_approved": "1800"}) == 403
    office.act("chair", case_id, "approve", {"amount_approved": "1800"}, "同意按建议金额给予帮扶")
    assert office.case(case_id).state == "approved"
    assert office.refused("cw", case_id, "pay", {"amount_paid": "1800.01", "paid_on": "2026-12-02",
                                                 "pay_method": "bank_transfer", "voucher_no": "记-2026-1203"}) == 409
    office.act("cw", case_id, "pay", {"amount_paid": "1800", "paid_on": "2026-12-02", "pay_method": "bank_transfer",
                                      "voucher_no": "记-2026-1203"})
    assert office.refused("cw", case_id, "confirm_receipt", {"received_on": "2026-12-03"}) == 422  # a paper receipt is described
    assert office.refused("wangf", case_id, "confirm_receipt", {"received_on": "2026-12-03"}) == 403
    office.act("zhangxm", case_id, "confirm_receipt", {"received_on": "2026-12-03"})
    assert office.case(case_id).state == "filed"
    number = office.case(case_id).number
    texts = dict(office.pdfs(case_id))
    assert list(texts) == ["hardship_application", "hardship_review", "hardship_visit", "hardship_notice",
                           "hardship_approval", "hardship_payment", "hardship_file_card"]
    expected = {
        "hardship_approval": ["审批表", "工会主席审批", "批准", "1,800.00", "同意按建议金额给予帮扶", "黄建国"],
        "hardship_payment": ["签收单", "张晓明", "6222021234567890123", "1,800.00", "2026年12月2日", "银行转账",
                             "记-2026-1203", "钱会计", "领款人签名"],
        "hardship_file_card": ["档案卡", "张晓明", "重病", "1,200.00", "1,800.00", "记-2026-1203", "2026年12月3日",
                               "申请人本人在线确认", "每年复核"],
    }
    for stage, values in expected.items():
        for value in (number, "第1页共", *values):
            assert value in texts[stage], (stage, value)
    assert "会签" not in texts["hardship_approval"].replace("会签表决", "")  # no committee on this path

    assert office.refused("hq_ganshi", case_id, "annual_review",
                          {"annual_result": "keep", "annual_opinion": "x" * 5}) == 403
    office.now = datetime(2027, 11, 20, 2, 0)
    office.act("ganshi", case_id, "annual_review", {"annual_result": "keep", "annual_opinion": "妻子仍在透析治疗，继续帮扶"})
    assert office.case(case_id).state == "filed"
    office.now = datetime(2028, 11, 20, 2, 0)
    office.act("ganshi", case_id, "annual_review", {"annual_result": "close", "annual_opinion": "妻子已完成肾移植，家庭已脱困"})
    assert office.case(case_id).state == "closed"
    assert office.verified(case_id)


def test_the_yearly_review_falls_due_a_year_on_and_is_marked_overdue_when_late(office):
    case_id = office.to_publicity()
    office.close_publicity(case_id)  # 00:00 on 1 December in Beijing: the steps below happen that day
    office.act("chair", case_id, "approve", {"amount_approved": "1800"})
    office.act("cw", case_id, "pay", {"amount_paid": "1800", "paid_on": "2026-12-01", "pay_method": "cash",
                                      "voucher_no": "记-2026-1201"})
    office.act("zhangxm", case_id, "confirm_receipt", {"received_on": "2026-12-01"})
    number = office.case(case_id).number
    assert office.case(case_id).due_date == date(2027, 12, 1)
    assert "2027年12月1日" in _text(office, case_id, "hardship_file_card")  # 下次复核期限

    # reviewed in time: a new card, the next review due a year after this one; last year's reminder lapses
    office.now = datetime(2027, 11, 20, 2, 0)
    office.act("ganshi", case_id, "annual_review", {"annual_result": "keep", "annual_opinion": "妻子仍在透析治疗，继续帮扶"})
    assert office.case(case_id).due_date == date(2028, 11, 19)
    cards = [text for stage, text in office.pdfs(case_id) if stage == "hardship_file_card"]
    assert len(cards) == 2
    for value in ("继续建档帮扶", "妻子仍在透析治疗", "2027年11月20日", "2028年11月19日", "2026年12月1日"):
        assert value in cards[1], value
    lapsed = run_due(office.service, now=datetime(2027, 12, 2))
    assert (lapsed.due, lapsed.obsolete, lapsed.reminded) == (1, 1, [])

    # the next year nobody reviews it: the timers mark it overdue, once
    late = run_due(office.service, now=datetime(2028, 11, 20))
    assert late.reminded == [f"{number} filed"]
    assert run_due(office.service, now=datetime(2028, 11, 21)).due == 0
    assert office.case(case_id).state == "filed" and office.verified(case_id)


def test_the_chair_may_reject(office):
    case_id = office.to_publicity()
    office.close_publicity(case_id)
    assert office.refused("chair", case_id, "reject") == 422  # with the reason
    office.act("chair", case_id, "reject", comment="经核实不符合本年度帮扶资金使用范围")
    assert office.case(case_id).state == "rejected"
    text = _text(office, case_id, "hardship_approval")
    assert "不予批准" in text and "不符合本年度帮扶资金使用范围" in text


def _to_committee(office: HardshipOffice, recommended: str = "3000") -> int:
    case_id = office.to_publicity(recommended)
    office.close_publicity(case_id)
    assert office.case(case_id).state == "committee_vote"
    return case_id


def test_above_the_limit_the_committee_passes_it_by_majority(office):
    case_id = _to_committee(office)
    assert office.case(case_id).data["countersign"]["committee_vote"]["voters"] == ["c1", "c2", "c3", "c4", "c5"]
    assert office.refused("chair", case_id, "approve", {"amount_approved": "2000"}) == 403  # not the chair's case now
    office.act("c1", case_id, "vote", {"decision": "approve"}, "情况属实，同意")
    assert office.refused("c1", case_id, "vote", {"decision": "approve"}) == 409  # one vote each
    office.act("c2", case_id, "vote", {"decision": "reject"}, "金额偏高，建议两千元")
    office.act("c3", case_id, "vote", {"decision": "approve"}, "同意")
    assert office.case(case_id).state == "committee_vote"
    office.act("c4", case_id, "vote", {"decision": "approve"}, "同意帮扶")
    assert office.case(case_id).state == "approved"  # 3 of 5: a majority, c5 need not vote
    assert office.refused("c5", case_id, "vote", {"decision": "approve"}) == 403  # the vote is over: not c5's case
    text = _text(office, case_id, "hardship_approval")
    for value in ("工会委员会会签", "陈刚", "林静", "何平", "郭涛", "金额偏高，建议两千元", "同意3票", "不同意1票", "未表决1人",
                  "会签通过", "批准金额（元）3,000.00"):
        assert value in text, value
    assert "马丽" not in text
    # Paid against the amount the committee passed: no more.
    assert office.refused("cw", case_id, "pay", {"amount_paid": "3000.5", "paid_on": "2026-12-04", "pay_method": "cash",
                                                 "voucher_no": "现-088"}) == 409
    office.act("cw", case_id, "pay", {"amount_paid": "3000", "paid_on": "2026-12-04", "pay_method": "cash",
                                      "voucher_no": "现-088"})
    office.act("cw", case_id, "confirm_receipt", {"received_on": "2026-12-04"}, "申请人已在纸质签收单上签字，原件存财务")
    assert office.case(case_id).state == "filed"
    card = _text(office, case_id, "hardship_file_card")
    assert "财务凭申请人签字的纸质签收单确认" in card and "现-088" in card
    assert office.verified(case_id)


def test_the_committee_fails_early_once_a_majority_is_impossible(office):
    case_id = _to_committee(office, "5000")
    for voter in ("c1", "c2", "c3"):
        office.act(voter, case_id, "vote", {"decision": "reject"}, "超出帮扶标准")
    assert office.case(case_id).state == "rejected"  # two still to vote, but 2 of 5 can no longer be a majority
    text = _text(office, case_id, "hardship_approval")
    assert "不予批准" in text and "同意0票" in text and "未表决2人" in text and "会签未通过" in text


def test_the_committee_fails_on_a_tie(office):
    with office.db.transaction() as session:
        deactivate_user(session, session.query(User).filter_by(username="c5").one())
    case_id = _to_committee(office)
    for voter, decision in (("c1", "approve"), ("c2", "reject"), ("c3", "approve")):
        office.act(voter, case_id, "vote", {"decision": decision})
        assert office.case(case_id).state == "committee_vote"
    office.act("c4", case_id, "vote", {"decision": "reject"}, "不同意")
    assert office.case(case_id).state == "rejected"  # 2 of 4 is not a majority
    assert "同意2票" in _text(office, case_id, "hardship_approval")
    assert office.verified(case_id)


# -- the report -------------------------------------------------------------------------------------------------

def test_every_state_but_the_draft_is_reported_under_an_outcome_the_report_has_a_column_for(office):
    """The outcomes come from the YAML's `report:` tags: a state left untagged would drop its cases from the
    figures, a tag the report does not know would count them in no column."""
    from processes.hardship_aid.report import OUTCOME_LABELS
    definition = office.service.workflows.get("hardship_aid")
    tags = {name: state.report for name, state in definition.states.items()}
    assert tags.pop(definition.initial) is None
    assert set(tags.values()) <= set(OUTCOME_LABELS) and None not in tags.values()


def test_a_case_begun_on_a_version_without_tags_is_reported_as_todays_text_reports_its_state(office):
    from processes.hardship_aid import report as reports
    source = (ROOT / "definitions" / "hardship_aid.yaml").read_text(encoding="utf-8")
    untagged = "".join(line for line in source.splitlines(keepends=True) if not line.strip().startswith("report:"))
    old = parse(untagged, "hardship_aid.yaml (before the tags)", ROOT / "templates" / "pdf")
    case_id = office.apply()
    with office.db.transaction() as session:
        session.add(DefinitionVersion(key=old.key, version=old.version, source=old.source,
                                      registered_at=datetime(2026, 1, 5)))
        session.get(Case, case_id).definition_version = old.version
    with office.db.read() as session:
        assert old.states["submitted"].report is None
        [row] = reports.hardship(session, office.service.workflows, 2026)
    assert dict(row.outcomes) == {"in_progress": 1}


def test_the_report_counts_outcomes_and_money_per_unit_and_category(office):
    from processes.hardship_aid import report as reports
    paid = office.to_publicity()
    voted = office.to_publicity(recommended="3000")
    assert len(run_due(office.service, now=CLOSES_AT).fired) == 2
    office.act("chair", paid, "approve", {"amount_approved": "1800"}, "同意")
    office.act("cw", paid, "pay", {"amount_paid": "1600", "paid_on": "2026-12-02", "pay_method": "cash",
                                   "voucher_no": "记-1"})
    refused = office.apply()
    office.act("ganshi", refused, "review", {"eligibility": "not_eligible", "review_opinion": "家庭人均收入高于标准"})
    for member in ("c1", "c2", "c3"):
        office.act(member, voted, "vote", {"decision": "approve"}, "同意")
    office.apply(category="disability")  # still in the first review
    with office.db.read() as session:
        rows = reports.hardship(session, office.service.workflows, 2026)
        assert reports.hardship(session, office.service.workflows, 2025) == []
    illness = next(r for r in rows if r.category == "serious_illness")
    assert (illness.cases, dict(illness.outcomes)) == (3, {"approved": 2, "not_eligible": 1})
    assert (illness.approved, illness.paid) == (1800 + 3000, 1600)  # the committee passed the recommended 3,000
    disability = next(r for r in rows if r.category == "disability")
    assert (disability.cases, dict(disability.outcomes)) == (1, {"in_progress": 1})
    text = reports.hardship_csv(rows, lambda key: {"serious_illness": "重病", "disability": "残疾"}[key])
    assert text.startswith("\ufeff单位,困难类别,件数") and ",重病,3,0,2,1,0,0,4800.00,1600.00" in text
