"""工作备忘 (tests/integration/definitions/memo.yaml): a small process whose chair's step (阅知) asks for nothing
but an opinion, for the 抄送 and 批量同意 tests."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from bootstrap import domains, load_workflows
from workflow.accounts.users import create_user, ensure_unit
from workflow.cases.service import CaseService
from workflow.store.db import Database
from workflow.store.models import User
from workflow.store.storage import BlobStore

ROOT = Path(__file__).resolve().parents[2]
CAST = {"li": ["member"], "wu": ["member"], "qian": ["finance"], "huang": ["union_chair"], "zhou": ["member"],
        "wang": ["union_chair"]}


@pytest.fixture
def memo(database_url: str, tmp_path: Path):
    """The service on a fresh database with the memo process and its cast: (service, users by name)."""
    folder = tmp_path / "definitions"
    folder.mkdir()
    shutil.copytree(ROOT / "definitions" / "calendar", folder / "calendar")
    shutil.copy(ROOT / "tests" / "integration" / "definitions" / "memo.yaml", folder)
    db = Database(database_url)
    db.create_all()
    service = CaseService(db, load_workflows(folder, None), BlobStore(tmp_path / "storage"), domains=domains())
    with db.transaction() as session:
        ensure_unit(session, "GH", "工会办公室")
        for username, roles in CAST.items():
            create_user(session, username, "password-123", roles, "GH", username)
    with db.read() as session:
        users = {u.username: u for u in session.scalars(select(User))}
    yield service, users
    db.dispose()


def file_memo(service: CaseService, users: dict[str, User], colleague: str = "wu") -> int:
    """A memo of li's, filed: the chairs' 阅知 is its open task."""
    case = service.create_case(users["li"], "memo", {})
    service.perform(case.id, "submit", users["li"], 1, {"title": "年终慰问安排", "colleague": colleague})
    return case.id
