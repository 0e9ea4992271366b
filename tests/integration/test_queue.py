"""The queue in SQL is exactly what the engine offers: compared with a brute-force check of every case."""
from __future__ import annotations

from support.people import PROPOSAL

from workflow.accounts.users import create_user
from workflow.cases import worklists
from workflow.core.display import local_date
from workflow.core.moves import MOVES
from workflow.store.models import Case, User


def _walk(service, users, steps):
    case = service.create_case(users["zhang"], "proposal", PROPOSAL)
    for version, (trigger, who, data) in enumerate(steps, start=1):
        service.perform(case.id, trigger, users[who], version, data)
    return case.id


def test_queue_matches_the_engine_for_everyone(service, people):
    users, _ = people
    with service.db.transaction() as session:  # a name in Chinese: stored escaped in the JSON of seconders
        create_user(session, "张三", "password-123", ["representative"], "HQ", "张三")
    with service.db.read() as session:
        users["张三"] = session.query(User).filter_by(username="张三").one()
    accept = ("accept", "zhao", {"lead_unit": "HQ"})
    paths = [
        [],                                                           # a draft: nobody's but zhang's (submit)
        [("submit", "zhang", {})],                                    # seconding: wang, liu
        [("submit", "zhang", {}), ("second", "wang", {})],            # seconding: liu only
        [("submit", "zhang", {}), ("second", "张三", {})],             # seconding: not 张三 again
        [("submit", "zhang", {}), ("second", "wang", {}), ("second", "liu", {})],  # committee
        [("submit", "zhang", {}), ("second", "wang", {}), ("second", "liu", {}), accept],  # HQ head
        [("submit", "zhang", {}), ("second", "wang", {}), ("second", "liu", {}),
         ("accept", "zhao", {"lead_unit": "CJ1"})],                                         # CJ1 head
    ]
    ids = [_walk(service, users, path) for path in paths]
    with service.db.read() as session:
        for name, user in users.items():
            expected = [c.id for c in session.query(Case).order_by(Case.id)
                        if any(a.trigger not in ("withdraw", *MOVES) for a in service.actions_for(session, c, user))]
            page = worklists.queue(service, session, session.merge(user), per_page=100,
                                   today=local_date(service.clock()))
            assert sorted(t.case_id for t in page.items) == expected, name
            assert page.total == len(expected), name
    assert ids


def test_queue_pages_and_filters(service, people):
    users, _ = people
    for _ in range(5):
        _walk(service, users, [("submit", "zhang", {})])
    with service.db.read() as session:
        wang = session.merge(users["wang"])
        first = worklists.queue(service, session, wang, page=1, per_page=2)
        third = worklists.queue(service, session, wang, page=3, per_page=2)
        assert first.total == 5 and first.pages == 3 and len(first.items) == 2 and len(third.items) == 1
        assert worklists.queue(service, session, wang, worklists.Filters(state="committee_review")).total == 0
        assert worklists.queue(service, session, wang, worklists.Filters(unit="CJ1")).total == 5
        assert worklists.queue(service, session, wang, worklists.Filters(unit="HQ")).total == 0
