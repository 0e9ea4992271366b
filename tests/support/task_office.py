"""The tasks' office for the integration tests: 困难职工帮扶 and a small 会签 process (tests/integration/definitions/
grant.yaml) through the service as named people, and a forger of history entries that only the replay can tell."""
from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from support.desk import Desk
from support.hardship_desk import APPLICATION

from bootstrap import domains, load_workflows
from workflow.accounts.users import create_user, ensure_unit
from workflow.audit.verify import verify
from workflow.cases import task_verbs, worklists
from workflow.cases.service import CaseService
from workflow.core.engine import Forbidden
from workflow.core.history import hash_of_entry
from workflow.store.db import Database
from workflow.store.models import Case, HistoryEntry, Task, User
from workflow.store.storage import BlobStore

ROOT = Path(__file__).resolve().parents[2]
MONDAY = datetime(2026, 11, 23, 2, 0)  # 10:00 in Beijing
CAST = {  # username: (name, unit, roles)
    "zhangxm": ("张晓明", "CJ1", ["member"]),
    "ganshi": ("刘建华", "CJ1", ["grassroots_union"]),
    "ganshi2": ("陈晓燕", "CJ1", ["grassroots_union"]),
    "hq_ganshi": ("周磊", "HQ", ["grassroots_union"]),
    "song": ("宋洁", "GH", ["auditor"]),
    "li": ("李娜", "GH", ["member"]),
    **{f"c{i}": (f"委员{i}", "GH", ["union_committee"]) for i in (1, 2, 3)},
}
ELIGIBLE = {"eligibility": "eligible", "review_opinion": "符合困难职工帮扶条件"}
FIELDS = ("number", "state", "visit", "triggers", "pool_role", "pool_unit", "person", "assignee", "claimable",
          "status", "done_by", "closed_seq")


class Office(Desk):
    """困难职工帮扶 and a small 会签 process (tests/integration/definitions/grant.yaml), without stage PDFs."""

    def __init__(self, database_url: str, tmp_path: Path):
        folder = tmp_path / "definitions"
        folder.mkdir()
        shutil.copy(ROOT / "definitions" / "hardship_aid.yaml", folder)
        shutil.copytree(ROOT / "definitions" / "calendar", folder / "calendar")
        shutil.copy(ROOT / "tests" / "integration" / "definitions" / "grant.yaml", folder)
        self.now = MONDAY
        self.db = Database(database_url)
        self.db.create_all()
        self.service = CaseService(self.db, load_workflows(folder, None), BlobStore(tmp_path / "storage"),
                                   clock=self.tick, domains=domains())
        with self.db.transaction() as session:
            for code, name in {"GH": "工会办公室", "CJ1": "第一车间", "HQ": "后勤保障部"}.items():
                ensure_unit(session, code, name)
            for username, (name, unit, roles) in CAST.items():
                create_user(session, username, "password-123", roles, unit, name)
        self.users = self.load_users()

    def tick(self) -> datetime:
        """A second later at each step, so that 已办 has an order."""
        self.now += timedelta(seconds=1)
        return self.now

    def add_user(self, username: str, roles: list[str], unit: str = "GH") -> User:
        with self.db.transaction() as session:
            create_user(session, username, "password-123", roles, unit, username)
        self.users = self.load_users()
        return self.users[username]

    def apply(self) -> int:
        """A hardship application of 第一车间, submitted: its first review is the unit's 干事' pool task."""
        case = self.service.create_case(self.users["zhangxm"], "hardship_aid", {})
        self.act("zhangxm", case.id, "submit", APPLICATION)
        return case.id

    def to_vote(self) -> int:
        """A grant in its committee 会签: c1, c2 and c3 vote."""
        case = self.service.create_case(self.users["li"], "grant", {})
        self.act("li", case.id, "submit", {"amount": 3500})
        return case.id

    def open_task(self, case_id: int, **where) -> Task:
        with self.db.read() as session:
            found = [t for t in self.service.open_tasks(session, case_id)
                     if all(getattr(t, k) == v for k, v in where.items())]
        assert len(found) == 1, found
        return found[0]

    def signer_task(self, case_id: int, who: str) -> Task:
        """The latest task of an added signer (加签), whatever its status."""
        with self.db.read() as session:
            return session.scalars(select(Task).where(Task.case_id == case_id, Task.assignee == who,
                                                      Task.sign_position.is_not(None))
                                   .order_by(Task.number.desc())).first()

    def rows(self, case_id: int) -> list[tuple]:
        with self.db.read() as session:
            return [tuple(getattr(t, f) if f != "triggers" else sorted(t.triggers) for f in FIELDS)
                    for t in session.scalars(select(Task).where(Task.case_id == case_id).order_by(Task.number))]

    def claim(self, who: str, task_id: int) -> task_verbs.Done:
        return task_verbs.claim(self.service, task_id, self.users[who])

    def transfer(self, who: str, task_id: int, to: str, comment: str = "") -> task_verbs.Done:
        return task_verbs.transfer(self.service, task_id, self.users[who], to, comment)

    def queue(self, who: str) -> list[int]:
        with self.db.read() as session:
            return [t.id for t in worklists.queue(self.service, session, session.merge(self.users[who])).items]

    def done(self, who: str) -> list[tuple[int, str]]:
        with self.db.read() as session:
            return [(item["task"].case_id, item["task"].state) for item in worklists.done(session, self.users[who]).items]

    def may_read(self, who: str, case_id: int) -> bool:
        with self.db.read() as session:
            try:
                self.service.get_case(session, case_id, self.users[who])
            except Forbidden:
                return False
            return True

    def actions(self, who: str, case_id: int) -> set[str]:
        with self.db.read() as session:
            return {a.trigger for a in self.service.actions_for(session, session.get(Case, case_id), self.users[who])}

    def entries(self, case_id: int) -> list[tuple]:
        with self.db.read() as session:
            return [(e.seq, e.actor_username, e.trigger, e.from_state, e.to_state, e.changes, e.comment)
                    for e in session.scalars(select(HistoryEntry).where(HistoryEntry.case_id == case_id)
                                             .order_by(HistoryEntry.seq))]

    def problems(self, *case_ids: int) -> list[str]:
        with self.db.read() as session:
            report = verify(session, self.service.store, self.service.workflows, list(case_ids) or None)
        assert len(report.cases) == (len(case_ids) or len(report.cases))
        return [p for c in report.cases for p in c.problems]


@pytest.fixture(name="office")
def office_fixture(database_url, tmp_path):
    """The office on a fresh database (imported by the test modules that use it, beside the hardship office)."""
    office = Office(database_url, tmp_path)
    yield office
    office.db.dispose()


def forge(office: Office, case_id: int, who: str, trigger: str, changes: dict) -> int:
    """Add a step to the history as if `who` had taken it, and rehash the chain to the case's head: only the
    replay can tell."""
    user = office.users[who]
    with office.db.transaction() as session:
        case = session.get(Case, case_id)
        seq = case.version + 1
        entry = HistoryEntry(case_id=case_id, seq=seq, actor_id=user.id, actor_username=user.username,
                             actor_roles=sorted(user.roles), actor_unit=user.unit.code if user.unit else None,
                             trigger=trigger, from_state=case.state, to_state=case.state, changes=changes,
                             comment="", documents=[], at=office.service.clock(), prev_hash=case.head_hash, hash="")
        entry.hash = hash_of_entry(entry, case.number)
        session.add(entry)
        case.version, case.head_hash = seq, entry.hash
    return seq
