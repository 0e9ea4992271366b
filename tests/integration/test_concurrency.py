"""docs/architecture.md invariant 1: twenty actors firing the same action on one case — one wins, nineteen get 409; and the rows
that two creates may both be first to make (a year's counter, a definition version) never cost either of them."""
from __future__ import annotations

import threading
from datetime import datetime

from support.people import PROPOSAL, seed
from support.threads import at_once
from sqlalchemy import delete, func, select

from bootstrap import domains
from workflow.cases.service import CaseService
from workflow.core.clock import ManualClock
from workflow.core.engine import ActionRefused
from workflow.store.models import Case, HistoryEntry, DefinitionVersion


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
        entries = session.query(HistoryEntry).filter_by(case_id=case.id, trigger="second").all()
        stored = session.get(Case, case.id)
    assert len(entries) == 1 and stored.version == 3 and len(stored.data["seconders"]) == 1


PAIRS = 50


def test_two_first_creates_of_a_year_both_succeed(service):
    """On 1 January two members file at once: the year's counter row does not exist yet, and both make it."""
    users, _ = seed(service)
    numbers = []
    for i in range(PAIRS):
        service.clock = ManualClock(datetime(2031 + i, 1, 1, 1, 0))  # a new year for every pair
        made = at_once(*(lambda u=u: service.create_case(u, "proposal", PROPOSAL)
                          for u in (users["zhang"], users["wang"])))
        assert all(isinstance(case, Case) for case in made), made
        numbers.append(sorted(case.number for case in made))
    assert numbers == [[f"TA-{2031 + i}-0001", f"TA-{2031 + i}-0002"] for i in range(PAIRS)]


def test_two_hosts_registering_a_new_definition_version_both_succeed(service):
    """After a definition changes, two hosts may both be first to store the new version with their first case."""
    users, _ = seed(service)
    hosts = [CaseService(service.db, service.workflows, service.store, clock=service.clock, domains=domains()) for _ in range(2)]
    for _ in range(PAIRS):
        with service.db.transaction() as session:  # the version is new again: neither host has registered it
            session.execute(delete(DefinitionVersion))
        made = at_once(*(lambda host=host, u=u: host.create_case(u, "proposal", PROPOSAL)
                          for host, u in zip(hosts, (users["zhang"], users["wang"]))))
        assert all(isinstance(case, Case) for case in made), made
        for host in hosts:
            host._registered.clear()
    with service.db.read() as session:
        stored = session.scalars(select(DefinitionVersion.version)).all()
        assert sorted(stored) == sorted(d.version for d in service.workflows.current.values())  # each once
        assert session.scalar(select(func.count()).select_from(Case)) == 2 * PAIRS
