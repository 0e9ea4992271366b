"""退回 to a chosen earlier state and 撤回 of my own step, through the service on the shipped 困难职工帮扶, SQLite and
PostgreSQL: the chair sends a case back to the visit and the redone visit comes straight back to the chair; only
states on the case's path and in the definition's list; an officer recalls a review while nobody has acted since,
and not once someone has; both are history steps the audit replays — and a forged one is named."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update
from support.hardship_desk import VISIT

from workflow.core.engine import ActionRefused
from workflow.store.models import Case, HistoryEntry, Task

ELIGIBLE = {"eligibility": "eligible", "review_opinion": "符合困难职工帮扶条件"}


def _at_the_chair(office) -> int:
    case_id = office.to_publicity()
    office.close_publicity(case_id)
    assert office.case(case_id).state == "chair_review"
    return case_id


def _moves(office, who: str, case_id: int) -> dict[str, tuple]:
    with office.db.read() as session:
        actions = office.service.actions_for(session, session.get(Case, case_id), office.users[who])
    return {a.trigger: tuple(c.value for f in a.fields for c in f.choices) for a in actions
            if a.trigger in ("send_back", "recall")}


def test_the_chair_sends_the_case_back_to_the_visit_and_it_comes_straight_back(office):
    case_id = _at_the_chair(office)
    assert _moves(office, "chair", case_id) == {"send_back": ("visiting", "submitted", "draft")}  # nearest first
    assert _moves(office, "ganshi", case_id) == {}
    refused = office.refusal("chair", case_id, "send_back", {"to": "publicity"}, "请补充")  # on the path, not listed
    assert refused.status == 422 and "to" in refused.fields
    assert office.refusal("chair", case_id, "send_back", {"to": "visiting"}).fields == {"comment": "此项为必填项"}
    assert office.refusal("ganshi", case_id, "send_back", {"to": "visiting"}, "x").status == 403
    office.act("chair", case_id, "send_back", {"to": "visiting"}, "请核实家庭收入证明")
    case = office.case(case_id)
    assert case.state == "visiting" and case.data["resubmit_to"] == "chair_review"
    office.act("ganshi", case_id, "visit", {**VISIT, "recommended_amount": "1600"})
    case = office.case(case_id)
    assert case.state == "chair_review" and "resubmit_to" not in case.data  # not through a second 公示
    assert office.verified(case_id)


def test_an_officer_recalls_a_review_while_nobody_has_acted_since(office):
    case_id = office.apply()
    office.act("ganshi", case_id, "review", ELIGIBLE)
    assert "recall" in _moves(office, "ganshi", case_id)
    assert office.refusal("ganshi", case_id, "recall").fields == {"comment": "此项为必填项"}
    assert office.refusal("hq_ganshi", case_id, "recall", comment="x").status in (403, 409)
    office.act("ganshi", case_id, "recall", comment="评审意见有误，重新评审")
    assert office.case(case_id).state == "submitted"
    with office.db.read() as session:
        tasks = session.scalars(select(Task).where(Task.case_id == case_id, Task.status == "open")).all()
        assert [t.state for t in tasks] == ["submitted"]
        steps = [e.trigger for e in session.scalars(select(HistoryEntry).where(HistoryEntry.case_id == case_id)
                                                    .order_by(HistoryEntry.seq))]
    assert steps == ["create", "submit", "review", "recall"]  # the review stays on record
    office.act("ganshi", case_id, "review", ELIGIBLE)
    assert office.verified(case_id)


def test_no_recall_once_someone_else_has_acted_nor_of_a_step_not_mine(office):
    case_id = office.apply()
    office.act("ganshi", case_id, "review", ELIGIBLE)
    visit = office.service.open_tasks  # the visit's pool task, claimed by a colleague: someone has acted
    with office.db.read() as session:
        task = visit(session, case_id)[0]
    from workflow.cases import task_verbs
    task_verbs.claim(office.service, task.id, office.users["ganshi"])
    with pytest.raises(ActionRefused) as refused:
        office.act("ganshi", case_id, "recall", comment="撤回")
    assert refused.value.status == 409 and "其后已有人办理" in refused.value.message
    assert "recall" not in _moves(office, "zhangxm", case_id)


def test_a_forged_send_back_to_a_state_off_the_path_fails_the_replay(office):
    case_id = _at_the_chair(office)
    office.act("chair", case_id, "send_back", {"to": "submitted"}, "重新评审")
    with office.db.transaction() as session:  # the entry rewritten to a state the case never reached
        entry = session.scalars(select(HistoryEntry).where(HistoryEntry.case_id == case_id)
                                .order_by(HistoryEntry.seq.desc())).first()
        session.execute(update(HistoryEntry).where(HistoryEntry.id == entry.id)
                        .values(changes={**entry.changes, "to": "returned"}))
    with office.db.read() as session:
        from workflow.audit.verify import verify
        report = verify(session, office.service.store, office.service.workflows, [case_id])
    assert not report.ok


def test_the_case_page_offers_the_moves_and_the_timeline_says_where_to(office, app):
    from support.people import Browser
    case_id = _at_the_chair(office)
    chair = Browser(app, "chair")
    page = chair.get(f"/cases/{case_id}").get_data(as_text=True)
    assert f'action="/cases/{case_id}/actions/send_back"' in page and 'value="visiting"' in page
    version = office.case(case_id).version
    sent = chair.post(f"/cases/{case_id}/actions/send_back", {"version": str(version), "to": "submitted",
                                                              "comment": "请重新评审"})
    assert sent.status_code == 302
    assert office.case(case_id).state == "submitted"
    page = chair.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "退回至「待初审」" in page
