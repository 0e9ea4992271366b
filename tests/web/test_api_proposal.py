"""A whole congress proposal through the REST API, each step as its own user, on SQLite and PostgreSQL."""
from __future__ import annotations

from support.people import PROPOSAL


def test_a_proposal_from_filing_to_archive(api):
    case = api.create("zhang")
    assert case["number"].startswith("TA-") and case["state"] == "draft" and case["version"] == 1
    assert case["data"] == PROPOSAL
    assert [a["trigger"] for a in case["actions"]] == ["submit", "withdraw"]
    assert [h["trigger"] for h in case["history"]] == ["create"]

    case = api.act("zhang", case, "submit")  # the draft's data is submitted as it stands
    assert case["state"] == "seconding" and case["version"] == 2
    assert case["history"][-1]["document"]["stage"] == "proposal_form"

    api.act("wang", case, "second", comment="同意")
    case = api.act("liu", case, "second")
    assert case["state"] == "committee_review" and case["data"]["seconders"] == ["wang", "liu"]
    assert case["due_date"]  # the committee has 15 days

    queue = api.get("zhao", "/queue").json
    assert [c["number"] for c in queue] == [case["number"]]
    case = api.act("zhao", case, "accept", {"lead_unit": "HQ", "co_units": ["CJ1"]}, "同意立案")
    assert case["state"] == "handling"
    assert [d["stage"] for d in case["history"][-1]["documents"]] == ["acceptance_notice", "assignment_sheet"]
    assert api.get("sun", "/queue").json == [] and len(api.get("zhou", "/queue").json) == 1

    case = api.act("zhou", case, "reply", {"reply": "已制定改造方案。", "measures": "增设座位。", "status": "planned"})
    case = api.act("zhang", case, "evaluate", {"satisfaction": "satisfied"}, "满意")
    case = api.act("zhao", case, "archive", comment="办理完毕")
    assert case["state"] == "archived" and case["actions"] == []

    history = case["history"]
    assert [h["trigger"] for h in history] == ["create", "submit", "second", "second", "accept", "reply", "evaluate",
                                               "archive"]
    assert [h["seq"] for h in history] == list(range(1, 9))
    assert history[4]["actor"] == "zhao" and history[4]["comment"] == "同意立案"
    stages = [d["stage"] for d in case["documents"]]
    assert stages == ["proposal_form", "acceptance_notice", "assignment_sheet", "reply_letter", "evaluation_form",
                      "archive_result"]

    pdf = api.get("zhang", case["documents"][0]["url"].removeprefix("/api/v1"))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")

    report = api.get("song", "/audit/verify").json
    assert report["ok"] and report["cases_checked"] == 1 and report["cases"][0]["events"] == 8


def test_workflows_and_openapi(api):
    listing = api.get("zhang", "/workflows").json
    assert [w["key"] for w in listing] == ["election", "event", "hardship_aid", "proposal"]  # every definition under definitions/
    detail = api.get("zhang", "/workflows/proposal").json
    assert detail["parameters"]["min_seconders"] == 2
    assert {s["name"] for s in detail["states"]} >= {"draft", "archived"}
    assert api.get("zhang", "/workflows/nope").status_code == 404
    spec = api.get(None, "/openapi.json").json
    assert spec["openapi"].startswith("3.") and "/cases/{case_id}/actions/{trigger}" in spec["paths"]


def test_unsatisfied_evaluation_sends_it_back_once(api):
    case = api.walk_to("replied")
    case = api.act("zhang", case, "evaluate", {"satisfaction": "unsatisfied"}, "措施不具体")
    assert case["state"] == "handling" and case["data"]["rehandlings"] == 1
    case = api.act("zhou", case, "reply", {"reply": "补充答复。", "measures": "具体措施。", "status": "resolved"})
    case = api.act("zhang", case, "evaluate", {"satisfaction": "unsatisfied"}, "仍不满意")
    assert case["state"] == "evaluated"


def test_rejected_and_returned_and_withdrawn(api):
    rejected = api.walk_to("committee_review")
    rejected = api.act("zhao", rejected, "reject", {"reject_reason": "不属于提案范围。", "forward_unit": "GH"})
    assert rejected["state"] == "not_accepted" and rejected["documents"][-1]["stage"] == "rejection_notice"

    returned = api.walk_to("committee_review")
    returned = api.act("zhao", returned, "return", comment="请补充具体措施")
    assert returned["state"] == "returned"
    returned = api.act("zhang", returned, "submit", {"suggestion": "增设座位一百二十个，分两批错峰就餐。"})
    assert returned["state"] == "committee_review"
    assert returned["data"]["suggestion"].startswith("增设座位") and returned["data"]["title"] == PROPOSAL["title"]

    withdrawn = api.act("zhang", api.walk_to("seconding"), "withdraw", comment="重新考虑")
    assert withdrawn["state"] == "withdrawn" and withdrawn["actions"] == []
