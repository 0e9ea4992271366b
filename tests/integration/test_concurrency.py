"""DESIGN invariant 1: twenty actors firing the same action on one case — one wins, nineteen get 409."""
from __future__ import annotations

import threading

from people import PROPOSAL, seed
from workflow.engine import ActionRefused
from workflow.models import Case, CaseEvent


def test_twenty_threads_one_success_one_event(service):
    users, _ = seed(service, extra_reps=True)
    case = service.create_case(users["zhang"], "proposal", PROPOSAL)
    service.perform(case.id, "submit", users["zhang"], 1, {})
    reps = [users[name] for name in sorted(users) if name.startswith("rep")]
    assert len(reps) == 20
    barrier = threading.Barrier(len(reps))
    outcomes: list[object] = []

    def second(user):
        barrier.wait()
        try:
            outcomes.append(service.perform(case.id, "second", user, 2, {}).seq)
        except ActionRefused as refused:
            outcomes.append(refused.status)

    threads = [threading.Thread(target=second, args=(u,)) for u in reps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o for o in outcomes if o == 409) == [409] * 19
    assert [o for o in outcomes if o != 409] == [3]
    with service.db.read() as session:
        events = session.query(CaseEvent).filter_by(case_id=case.id, trigger="second").all()
        stored = session.get(Case, case.id)
    assert len(events) == 1 and stored.version == 3 and len(stored.data["seconders"]) == 1
