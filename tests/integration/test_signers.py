"""加签 and 减签 through the service, on SQLite and PostgreSQL: a signer added before me or alongside me holds my step
until they have given their opinion, one added after me acts before anyone of the state my step leads to, a signer
who has not acted may be taken back, each is told, and `audit verify` replays all of it — and names a forged
opinion or a step taken while its signers were still to act."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update
from support.hardship_desk import VISIT as VISITED
from support.task_office import ELIGIBLE, forge, office_fixture  # noqa: F401 (the fixture)

from workflow.cases import task_verbs
from workflow.core.engine import ActionRefused
from workflow.store.models import Notification, Task

VISIT = {**VISITED, "recommended_amount": "1800"}


def _add(office, who, task_id, users, position, comment=""):
    return task_verbs.add_sign(office.service, task_id, office.users[who], users, position, comment)


def _sign(office, who, case_id, opinion="agree", comment="同意"):
    task = office.signer_task(case_id, who)
    return task_verbs.sign_off(office.service, task.id, office.users[who], opinion, comment)


def _letters(office, who: str) -> list[str]:
    with office.db.read() as session:
        return list(session.scalars(select(Notification.subject).where(Notification.user_id == office.users[who].id)))


def test_a_signer_before_me_holds_my_step_until_their_opinion_then_it_is_mine_again(office):
    case_id = office.apply()
    review = office.open_task(case_id, state="submitted")
    _add(office, "ganshi", review.id, ["li"], "before", "请核实家庭收入")
    assert office.open_task(case_id, number=review.number).assignee == "ganshi"  # taken for the pool, as if claimed
    assert any("加签" in s for s in _letters(office, "li"))
    assert "待加签人 li" in office.refusal("ganshi", case_id, "review", ELIGIBLE).message
    assert office.refusal("ganshi2", case_id, "review", ELIGIBLE).status == 409  # ganshi's now
    assert "review" not in office.actions("ganshi", case_id)
    assert office.may_read("li", case_id)  # a signer reads what they sign
    _sign(office, "li", case_id, "disagree", "收入证明缺失")
    assert any("不同意" in s for s in _letters(office, "ganshi"))
    office.act("ganshi", case_id, "review", ELIGIBLE)
    assert office.case(case_id).state == "visiting"
    assert office.problems(case_id) == []


def test_a_signer_alongside_me_holds_my_step_and_may_act_first(office):
    case_id = office.apply()
    review = office.open_task(case_id, state="submitted")
    _add(office, "ganshi", review.id, ["li", "song"], "parallel")
    _sign(office, "song", case_id)
    assert "待加签人 li" in office.refusal("ganshi", case_id, "review", ELIGIBLE).message
    _sign(office, "li", case_id)
    office.act("ganshi", case_id, "review", ELIGIBLE)
    assert office.problems(case_id) == []


def test_a_signer_after_me_acts_before_anyone_of_the_next_state(office):
    case_id = office.apply()
    review = office.open_task(case_id, state="submitted")
    _add(office, "ganshi", review.id, ["li"], "after")
    assert not any("加签" in s for s in _letters(office, "li"))  # not yet: after my step
    with pytest.raises(ActionRefused):  # nothing to sign yet
        task_verbs.sign_off(office.service, office.signer_task(case_id, "li").id, office.users["li"], "agree", "")
    office.act("ganshi", case_id, "review", ELIGIBLE)
    assert office.case(case_id).state == "visiting"
    assert any("加签" in s for s in _letters(office, "li"))
    assert "待加签人 li" in office.refusal("ganshi2", case_id, "visit", VISIT).message
    _sign(office, "li", case_id)
    office.act("ganshi2", case_id, "visit", VISIT)
    assert office.case(case_id).state == "publicity"
    assert office.problems(case_id) == []


def test_a_signer_who_has_not_acted_is_taken_back_and_one_who_has_is_not(office):
    case_id = office.apply()
    review = office.open_task(case_id, state="submitted")
    _add(office, "ganshi", review.id, ["li", "song"], "before")
    _sign(office, "song", case_id)
    with pytest.raises(ActionRefused) as refused:
        task_verbs.remove_sign(office.service, review.id, office.users["ganshi"], ["song"])
    assert refused.value.status == 422 and "users" in refused.value.fields
    with pytest.raises(ActionRefused) as refused:  # only who holds the task: ganshi's now
        task_verbs.remove_sign(office.service, review.id, office.users["ganshi2"], ["li"])
    assert refused.value.status == 409
    task_verbs.remove_sign(office.service, review.id, office.users["ganshi"], ["li"], "已自行核实")
    assert office.signer_task(case_id, "li").status == "closed"
    office.act("ganshi", case_id, "review", ELIGIBLE)
    assert office.problems(case_id) == []


@pytest.mark.parametrize("who, users, position, status, field", [
    ("ganshi", ["zhangxm"], "before", 422, "users"),    # the applicant
    ("ganshi", ["ganshi"], "before", 422, "users"),     # myself
    ("ganshi", ["nobody"], "before", 422, "users"),     # no such user
    ("ganshi", [], "before", 422, "users"),
    ("ganshi", [f"u{i}" for i in range(11)], "before", 422, "users"),
    ("ganshi", ["li"], "sideways", 422, "position"),
    ("hq_ganshi", ["li"], "before", 403, None),          # another unit's officer: not their task
    ("li", ["song"], "before", 403, None),
])
def test_a_refused_add_sign_leaves_the_case_as_it_was(office, who, users, position, status, field):
    case_id = office.apply()
    review = office.open_task(case_id, state="submitted")
    before = office.case(case_id).version
    with pytest.raises(ActionRefused) as refused:
        _add(office, who, review.id, users, position)
    assert refused.value.status == status and (field is None or field in refused.value.fields)
    assert office.case(case_id).version == before


def test_a_signer_cannot_take_someone_elses_opinion_and_a_signer_adds_no_signers(office):
    case_id = office.apply()
    review = office.open_task(case_id, state="submitted")
    _add(office, "ganshi", review.id, ["li"], "before")
    signer = office.signer_task(case_id, "li")
    with pytest.raises(ActionRefused) as refused:
        task_verbs.sign_off(office.service, signer.id, office.users["song"], "agree", "")
    assert refused.value.status == 403
    with pytest.raises(ActionRefused) as refused:
        task_verbs.sign_off(office.service, signer.id, office.users["li"], "maybe", "")
    assert refused.value.status == 422 and "opinion" in refused.value.fields
    with pytest.raises(ActionRefused):
        _add(office, "li", signer.id, ["song"], "before")


def test_a_forged_opinion_and_a_step_taken_while_a_signer_was_to_act_fail_the_replay(office):
    case_id = office.apply()
    review = office.open_task(case_id, state="submitted")
    _add(office, "ganshi", review.id, ["li"], "before")
    signer = office.signer_task(case_id, "li")
    seq = forge(office, case_id, "song", "sign_off", {"task": signer.number, "opinion": "agree"})
    with office.db.transaction() as session:  # the table made to agree with the forgery
        session.execute(update(Task).where(Task.id == signer.id).values(status="done", done_by="song"))
    [problem] = office.problems(case_id)
    assert problem.startswith(f"第 {seq} 步「sign_off」按流程定义不被允许：此加签任务不是您的"), problem


def test_a_step_recorded_before_the_signers_opinion_fails_the_replay(office):
    case_id = office.apply()
    review = office.open_task(case_id, state="submitted")
    _add(office, "ganshi", review.id, ["li"], "before")
    signer = office.signer_task(case_id, "li")
    with office.db.transaction() as session:  # the tasks table says li signed: the service lets the review through
        session.execute(update(Task).where(Task.id == signer.id).values(status="done", done_by="li"))
    office.act("ganshi", case_id, "review", ELIGIBLE)
    problems = office.problems(case_id)
    assert any("须待加签人 li" in p for p in problems), problems
