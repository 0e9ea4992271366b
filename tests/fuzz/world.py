"""The world the fuzzers probe: the cast of tests/support/people.py, an election open for voting, a published event, a
hardship draft of an ordinary member, proposals as a draft, being seconded and under committee review — so that
generated requests reach real cases, not only 404s. And `stored`, what a refused request must leave as it was."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from support.election_desk import CANDIDATES, ElectionOffice
from support.event_desk import PLAN as EVENT_PLAN
from support.people import Api, seed
from sqlalchemy import func, select

from workflow.accounts.users import create_user
from workflow.store.models import Base, Case

MEMBER, COMMITTEE = "v05", "zhao"  # a member of 第一车间 on the election's roll and in the event's audience; 提案工作委员会
TRIGGERS = {"hardship_draft": ["save_draft", "submit", "withdraw"], "proposal_draft": ["save_draft", "submit"],
            "proposal_seconding": ["second", "withdraw"], "proposal_review": ["accept", "reject", "return"],
            "election": ["close_voting", "nominate"], "event": ["cancel", "object"]}  # steps to try on each case


@dataclass
class World:
    tokens: dict[str, str]      # MEMBER and COMMITTEE → their API tokens
    cases: dict[str, int]       # what each case is → its id
    documents: list[int]
    storage: Path

    def stored(self, db) -> tuple:
        """Every table's row count, every case's state, version and head, and the files kept."""
        with db.read() as session:
            counts = tuple(session.scalar(select(func.count()).select_from(table))
                           for table in Base.metadata.sorted_tables)
            cases = tuple(session.execute(select(Case.id, Case.state, Case.version, Case.head_hash)
                                          .order_by(Case.id)).all())
        files = sum(1 for path in self.storage.rglob("*") if path.is_file()) if self.storage.exists() else 0
        return counts, cases, files

    @staticmethod
    def version(db, case_id: int) -> int:
        """The case's version now, as a caller who just read it would send it."""
        with db.read() as session:
            return session.get(Case, case_id).version


def build(app, database_url: str, tmp_path: Path) -> World:
    service = app.extensions["unionflow"]
    users, tokens = seed(service)
    office = ElectionOffice(database_url, tmp_path)
    try:
        election = office.to_candidates(CANDIDATES)
        office.act("xuan", election, "open_voting")
        with office.db.transaction() as session:
            create_user(session, "zuzhi", "password-123", ["grassroots_union", "member"], "CJ1", "孙组织")
        office.users = office.load_users()
        event = office.service.create_case(office.users["zuzhi"], "event", {}).id
        office.act("zuzhi", event, "submit_plan", EVENT_PLAN)
        office.act("chair", event, "approve")
        office.act("zuzhi", event, "publish")
        tokens.update(office.api_tokens([MEMBER]))
        hardship = service.create_case(office.users[MEMBER], "hardship_aid", {}).id
    finally:
        office.db.dispose()
    api = Api(app.test_client(), tokens)
    seconding = api.walk_to("seconding")
    review = api.walk_to("committee_review")
    cases = {"election": election, "event": event, "hardship_draft": hardship, "proposal_draft": api.create()["id"],
             "proposal_seconding": seconding["id"], "proposal_review": review["id"]}
    documents = [d["id"] for d in review["documents"]]
    return World({MEMBER: tokens[MEMBER], COMMITTEE: tokens[COMMITTEE]}, cases, documents,
                 Path(app.config["UNIONFLOW_STORAGE"]))
