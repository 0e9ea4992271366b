"""Tasks through the CaseService, on SQLite and PostgreSQL: 签收 (claim) and 转交 (transfer) race with each other and
with the case's steps on its version, a claimed task leaves the others' 待办, a task handed on is the new holder's to
read and take, a 会签 vote handed on is cast in the seat's name, 已办 lists what I completed, and `audit verify`
replays all of it — and names a forged hand-over or a tasks table edited behind the history's back."""
from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import delete, update

from support.task_office import ELIGIBLE, Office, forge, office_fixture  # noqa: F401 (the fixture)
from support.threads import at_once as released_together

from workflow.cases import task_rows, task_verbs
from workflow.core.engine import ActionRefused
from workflow.store.db import Database
from workflow.store.models import Task


class HeldWrites:
    """The service's database, but each write waits until every racer has decided on its snapshot: the calls
    race on the same version, as two clicks in the same instant do."""

    def __init__(self, db: Database, parties: int):
        self._db, self._barrier = db, threading.Barrier(parties, timeout=10)

    def __getattr__(self, name: str):
        return getattr(self._db, name)

    @contextmanager
    def write_connection(self):
        try:
            self._barrier.wait()
        except threading.BrokenBarrierError:  # a racer refused before writing: nobody to wait for
            pass
        with self._db.write_connection() as connection:
            yield connection


def at_once(office: Office, *calls):
    """Run the calls in threads released together, each deciding on the same snapshot before any writes; what each
    returned or the ActionRefused it raised."""
    real, office.service.db = office.service.db, HeldWrites(office.service.db, len(calls))
    try:
        return released_together(*calls)
    finally:
        office.service.db = real


ROUNDS = 4


# -- races ---------------------------------------------------------------------------------------------------------

def test_two_officers_claiming_one_task_at_once_one_wins_the_other_gets_409(office):
    for _ in range(ROUNDS):
        case_id = office.apply()
        pool = office.open_task(case_id, state="submitted")
        results = at_once(office, lambda: office.claim("ganshi", pool.id), lambda: office.claim("ganshi2", pool.id))
        won = [who for who, r in zip(("ganshi", "ganshi2"), results) if isinstance(r, task_verbs.Done)]
        lost = [r for r in results if isinstance(r, ActionRefused)]
        assert len(won) == 1 and [r.status for r in lost] == [409], results
        claims = [e for e in office.entries(case_id) if e[2] == "claim"]
        assert [(actor, changes) for _, actor, _, _, _, changes, _ in claims] == [(won[0], {"task": pool.number})]
        assert office.open_task(case_id, state="submitted").assignee == won[0]
        assert office.case(case_id).version == 3  # create, submit, the one claim
        assert office.problems(case_id) == []


def test_a_transfer_racing_a_review_of_the_same_case_one_commits_the_other_gets_409(office):
    outcomes = set()
    for _ in range(ROUNDS):
        case_id = office.apply()
        pool = office.open_task(case_id, state="submitted")
        results = at_once(office, lambda: office.transfer("ganshi", pool.id, "ganshi2", "请你办理"),
                          lambda: office.act("ganshi2", case_id, "review", ELIGIBLE))
        committed = [r for r in results if not isinstance(r, ActionRefused)]
        assert len(committed) == 1 and [r.status for r in results if isinstance(r, ActionRefused)] == [409], results
        transferred = isinstance(committed[0], task_verbs.Done)
        outcomes.add(transferred)
        steps = [e[2] for e in office.entries(case_id)]
        assert steps == ["create", "submit", "transfer" if transferred else "review"]
        case = office.case(case_id)
        assert (case.state, case.version) == ("submitted" if transferred else "visiting", 3)
        if transferred:
            assert office.open_task(case_id, state="submitted").assignee == "ganshi2"
        assert office.problems(case_id) == []


# -- 待办 after a claim and a transfer ------------------------------------------------------------------------------

def test_a_claimed_task_leaves_the_other_officers_queue_and_stays_in_the_claimers(office):
    case_id = office.apply()
    pool = office.open_task(case_id, state="submitted")
    assert pool.pool_role == "grassroots_union" and pool.pool_unit == "CJ1" and pool.assignee is None
    assert office.queue("ganshi") == [pool.id] and office.queue("ganshi2") == [pool.id]
    assert office.queue("hq_ganshi") == []  # another unit's 干事
    done = office.claim("ganshi", pool.id)
    assert (done.case_id, done.seq, done.task_id) == (case_id, 3, pool.id)
    assert office.queue("ganshi") == [pool.id] and office.queue("ganshi2") == []
    assert office.actions("ganshi", case_id) == {"review", "return"}
    assert office.actions("ganshi2", case_id) == set()
    before = office.case(case_id)
    with pytest.raises(ActionRefused):
        office.act("ganshi2", case_id, "review", ELIGIBLE)
    with pytest.raises(ActionRefused):
        office.claim("ganshi2", pool.id)
    after = office.case(case_id)
    assert (after.state, after.version) == (before.state, before.version) == ("submitted", 3)
    assert office.open_task(case_id, state="submitted").assignee == "ganshi"
    office.act("ganshi", case_id, "review", ELIGIBLE)
    visit = office.open_task(case_id, state="visiting")
    assert visit.assignee is None and visit.claimable  # the home visit is the pool's again, to claim afresh
    assert office.queue("ganshi") == [visit.id] and office.queue("ganshi2") == [visit.id]
    assert office.problems(case_id) == []


def test_a_task_handed_to_a_colleague_is_theirs_to_read_and_take(office):
    case_id = office.apply()
    pool = office.open_task(case_id, state="submitted")
    office.claim("ganshi", pool.id)
    assert office.may_read("ganshi2", case_id)  # of the pool: still reads the case a colleague claimed
    done = office.transfer("ganshi", pool.id, " ganshi2 ", "本人出差，请代为初审")
    assert done.notified  # the new holder is told
    assert office.queue("ganshi2") == [pool.id] and office.queue("ganshi") == []
    assert office.may_read("ganshi2", case_id) and office.actions("ganshi2", case_id) == {"review", "return"}
    assert office.actions("ganshi", case_id) == set()
    with pytest.raises(ActionRefused) as taken:
        office.act("ganshi", case_id, "review", ELIGIBLE)
    assert taken.value.status == 409
    office.act("ganshi2", case_id, "review", ELIGIBLE, "已核实")
    history = office.entries(case_id)
    assert [(seq, actor, trigger) for seq, actor, trigger, *_ in history] == [
        (1, "zhangxm", "create"), (2, "zhangxm", "submit"), (3, "ganshi", "claim"), (4, "ganshi", "transfer"),
        (5, "ganshi2", "review")]
    _, _, _, source, dest, changes, comment = history[3]
    assert (source, dest, comment) == ("submitted", "submitted", "本人出差，请代为初审")
    assert changes == {"task": pool.number, "to": "ganshi2", "to_roles": ["grassroots_union"], "to_unit": "CJ1"}
    rows = {row[0]: row for row in office.rows(case_id)}
    assert (rows[pool.number][7], rows[pool.number][9], rows[pool.number][10]) == ("ganshi2", "done", "ganshi2")
    assert office.problems(case_id) == []


def test_a_countersign_vote_handed_on_is_cast_in_the_voters_name(office):
    case_id = office.to_vote()
    office.add_user("c9", ["union_committee"])  # joined the committee after the vote was frozen
    assert office.case(case_id).data["countersign"]["voting"]["voters"] == ["c1", "c2", "c3"]
    seat = office.open_task(case_id, person="c1")
    assert seat.assignee == "c1" and office.queue("c9") == [] and not office.may_read("c9", case_id)
    office.transfer("c1", seat.id, "c9", "出差期间请代为表决")
    assert office.queue("c9") == [seat.id] and seat.id not in office.queue("c1")
    assert office.may_read("c9", case_id) and office.actions("c9", case_id) == {"vote"}
    with pytest.raises(ActionRefused) as handed_on:
        office.act("c1", case_id, "vote", {"decision": "approve"})
    assert handed_on.value.status == 403
    office.act("c9", case_id, "vote", {"decision": "approve"}, "同意")
    votes = office.case(case_id).data["countersign"]["voting"]["votes"]
    assert votes == [{"voter": "c1", "decision": "approve"}]  # the seat's vote, not a fourth voter
    assert office.entries(case_id)[-1][1:3] == ("c9", "vote")
    assert office.actions("c9", case_id) == set() and office.actions("c1", case_id) == set()
    office.act("c2", case_id, "vote", {"decision": "approve"})
    assert office.case(case_id).state == "approved"
    assert office.done("c9") == [(case_id, "voting")]
    assert office.problems(case_id) == []


def test_done_lists_the_tasks_i_completed_most_recent_first(office):
    first, second = office.apply(), office.apply()
    office.act("ganshi", first, "review", ELIGIBLE)
    office.claim("ganshi", office.open_task(second, state="submitted").id)
    office.act("ganshi", second, "return", comment="请补充诊断证明")
    assert office.done("ganshi") == [(second, "submitted"), (first, "submitted")]
    assert office.done("zhangxm") == [(second, "draft"), (first, "draft")]
    assert office.done("ganshi2") == []  # the pool's task they did not take is closed for them, not done
    office.act("zhangxm", second, "submit", {})
    assert office.done("zhangxm")[0] == (second, "returned")
    assert office.problems(first, second) == []


# -- the audit -------------------------------------------------------------------------------------------------------

def test_a_forged_transfer_by_someone_who_never_held_the_task_fails_the_replay(office):
    case_id = office.apply()
    pool = office.open_task(case_id, state="submitted")
    office.claim("ganshi", pool.id)
    assert office.problems(case_id) == []
    seq = forge(office, case_id, "ganshi2", "transfer",
                               {"task": pool.number, "to": "ganshi2", "to_roles": ["grassroots_union"],
                                "to_unit": "CJ1"})
    with office.db.transaction() as session:  # the table made to agree with the forgery
        session.execute(update(Task).where(Task.id == pool.id).values(assignee="ganshi2"))
    assert office.problems(case_id) == [f"第 {seq} 步「transfer」按流程定义不被允许：只能转交自己的待办任务"]


def test_a_forged_transfer_to_someone_the_step_is_not_open_to_fails_the_replay(office):
    case_id = office.apply()
    pool = office.open_task(case_id, state="submitted")
    office.claim("ganshi", pool.id)
    seq = forge(office, case_id, "ganshi", "transfer",
                               {"task": pool.number, "to": "hq_ganshi", "to_roles": ["grassroots_union"],
                                "to_unit": "HQ"})
    with office.db.transaction() as session:
        session.execute(update(Task).where(Task.id == pool.id).values(assignee="hq_ganshi"))
    [problem] = office.problems(case_id)
    assert problem.startswith(f"第 {seq} 步「transfer」按流程定义不被允许：对方不能办理此步骤"), problem


def test_a_forged_claim_of_a_task_already_claimed_fails_the_replay(office):
    case_id = office.apply()
    pool = office.open_task(case_id, state="submitted")
    office.claim("ganshi", pool.id)
    seq = forge(office, case_id, "ganshi2", "claim", {"task": pool.number})
    [problem] = office.problems(case_id)
    assert problem.startswith(f"第 {seq} 步「claim」按流程定义不被允许"), problem


def test_a_tasks_row_edited_behind_the_historys_back_is_named(office):
    case_id = office.apply()
    pool = office.open_task(case_id, state="submitted")
    office.claim("ganshi", pool.id)
    other = office.apply()
    with office.db.transaction() as session:
        session.execute(update(Task).where(Task.id == pool.id).values(assignee="ganshi2"))
    assert office.problems(case_id) == [f"任务表的第 {pool.number} 号任务与历史记录重放的结果不符"]
    assert office.problems(other) == []
    with office.db.transaction() as session:
        session.execute(update(Task).where(Task.id == pool.id).values(assignee="ganshi"))
    assert office.problems(case_id) == []


# -- backfill ----------------------------------------------------------------------------------------------------------

def test_backfill_remakes_the_rows_of_a_case_as_the_service_wrote_them(office):
    hardship = office.apply()
    office.claim("ganshi", office.open_task(hardship, state="submitted").id)
    office.transfer("ganshi", office.open_task(hardship, state="submitted").id, "ganshi2")
    office.act("ganshi2", hardship, "review", ELIGIBLE)
    office.claim("ganshi", office.open_task(hardship, state="visiting").id)
    grant = office.to_vote()
    office.add_user("c9", ["union_committee"])
    office.transfer("c1", office.open_task(grant, person="c1").id, "c9")
    office.act("c9", grant, "vote", {"decision": "approve"})
    office.act("c2", grant, "vote", {"decision": "reject"})
    untouched = office.apply()
    written = {case_id: office.rows(case_id) for case_id in (hardship, grant, untouched)}
    assert len(written[hardship]) == 3 and len(written[grant]) == 4
    with office.db.transaction() as session:
        session.execute(delete(Task).where(Task.case_id.in_([hardship, grant])))
    assert office.rows(hardship) == [] and office.problems(hardship)  # the audit misses the rows
    with office.db.transaction() as session:
        made = task_rows.backfill(session, lambda case: office.service.definition_of(case, session), office.now)
    assert made == 2
    assert {case_id: office.rows(case_id) for case_id in written} == written
    assert office.queue("ganshi") == [office.open_task(hardship, state="visiting").id, office.open_task(untouched).id]
    assert office.problems(hardship, grant, untouched) == []
