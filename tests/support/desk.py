"""A desk to take steps on cases through the service as named people, for the integration tests."""
from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from bootstrap import domains, load_workflows
from workflow.accounts.passwords import hash_password, token_digest
from workflow.cases.service import CaseService
from workflow.core.engine import ActionRefused
from workflow.documents.issuer import DocumentIssuer
from workflow.documents.pdf import PdfRenderer
from workflow.store.db import Database
from workflow.store.models import ApiToken, Case, OrgUnit, User
from workflow.store.storage import BlobStore

ROOT = Path(__file__).resolve().parents[2]


class Desk:
    """Subclasses set `db`, `service` and `users` (by username), and move `now` for the service's clock."""

    def open(self, database_url: str, tmp_path: Path, now: datetime, issuing: bool = False) -> None:
        """A fresh database and the service on it, at `now`. `issuing`: with the stage documents rendered
        (WeasyPrint, about a second each), into the storage the app of the web tests reads (tmp_path/storage)."""
        self.now = now
        self.db = Database(database_url)
        self.db.create_all()
        store = BlobStore(tmp_path / "storage")
        templates = ROOT / "templates" / "pdf"
        issuer = DocumentIssuer(PdfRenderer(templates), store, "示例公司工会委员会") if issuing else None
        self.service = CaseService(self.db, load_workflows(ROOT / "definitions", templates if issuing else None), store,
                                   issuer, clock=lambda: self.now, domains=domains())

    def add_members(self, count: int, prefix: str, password: str = "password-123") -> list[str]:
        """`count` more members of 第一车间 (prefix0001 …) in one insert, sharing one argon2 hash (create_user
        would hash each, ≈ 25 ms): the crowds of the HTTP tests and the benchmarks."""
        usernames = [f"{prefix}{i:04d}" for i in range(1, count + 1)]
        one_hash = hash_password(password)
        with self.db.transaction() as session:
            unit = session.scalar(select(OrgUnit.id).where(OrgUnit.code == "CJ1"))
            session.execute(insert(User), [{"username": u, "display_name": f"会员{u[len(prefix):]}",
                                            "password_hash": one_hash, "unit_id": unit, "role_list": ["member"]}
                                           for u in usernames])
        return usernames

    def api_tokens(self, usernames: list[str]) -> dict[str, str]:
        """A new API token for each of these users, in one insert: {username: token}."""
        tokens = {username: secrets.token_urlsafe(24) for username in usernames}
        with self.db.transaction() as session:
            ids = dict(session.execute(select(User.username, User.id).where(User.username.in_(usernames))).all())
            session.execute(insert(ApiToken), [{"user_id": ids[u], "token_hash": token_digest(t)}
                                               for u, t in tokens.items()])
        return tokens

    def load_users(self) -> dict[str, User]:
        with self.db.read() as session:
            return {u.username: u for u in session.query(User)}

    def case(self, case_id: int) -> Case:
        with self.db.read() as session:
            case = session.get(Case, case_id)
            session.expunge(case)
            return case

    def act(self, who: str, case_id: int, trigger: str, data: dict | None = None, comment: str | None = None):
        return self.service.perform(case_id, trigger, self.users[who], self.case(case_id).version, data or {}, comment)

    def refusal(self, who: str, case_id: int, trigger: str, data: dict | None = None,
                comment: str | None = None) -> ActionRefused:
        """The step is refused and leaves the case exactly as it was."""
        before = self.case(case_id)
        with pytest.raises(ActionRefused) as refusal:
            self.act(who, case_id, trigger, data, comment)
        after = self.case(case_id)
        assert (after.state, after.version, after.data) == (before.state, before.version, before.data)
        return refusal.value

    def refused(self, who: str, case_id: int, trigger: str, data: dict | None = None, comment: str | None = None) -> int:
        return self.refusal(who, case_id, trigger, data, comment).status
