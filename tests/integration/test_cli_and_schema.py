"""The CLI of docs/architecture.md §5, the Alembic migrations against the models, and refusing to start on a bad definition."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bootstrap import create_app
from workflow.core.definition import DefinitionError
from workflow.store.models import Base

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh_app(database_url, tmp_path):
    """An app whose database is built by the migrations, not by create_all."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": database_url,
                      "UNIONFLOW_STORAGE": str(tmp_path / "storage")})
    yield app
    app.extensions["unionflow"].db.dispose()


def test_migrations_build_exactly_the_models(fresh_app):
    runner = fresh_app.test_cli_runner()
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    engine = fresh_app.extensions["unionflow"].db.engine
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_users_units_tokens(fresh_app):
    runner = fresh_app.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert runner.invoke(args=["units", "create", "CJ1", "第一车间"]).exit_code == 0
    result = runner.invoke(args=["users", "create", "zhang", "--role", "representative", "--role", "member",
                                 "--unit", "NEW", "--password", "long-enough", "--display-name", "张伟"])
    assert result.exit_code == 0, result.output
    bad = runner.invoke(args=["users", "create", "x", "--role", "emperor", "--password", "long-enough"])
    assert bad.exit_code != 0 and "未知角色" in bad.output
    token = runner.invoke(args=["users", "token", "zhang"])
    assert token.exit_code == 0 and len(token.output.strip()) >= 40 and "\n" not in token.output.strip()
    response = fresh_app.test_client().get("/api/v1/queue",
                                           headers={"Authorization": f"Bearer {token.output.strip()}"})
    assert response.status_code == 200
    assert runner.invoke(args=["users", "token", "nobody"]).exit_code != 0


def test_demo_creates_every_role_and_cases_in_several_states(fresh_app):
    runner = fresh_app.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "demo-2026" in result.output
    service = fresh_app.extensions["unionflow"]
    from workflow.core.roles import ROLES
    from workflow.store.models import Case, User
    with service.db.read() as session:
        roles = set().union(*(u.roles for u in session.query(User)))
        states = {c.state for c in session.query(Case)}
    assert roles == set(ROLES)
    assert {"draft", "seconding", "committee_review", "archived", "not_accepted", "nominating"} <= states
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    assert "already present" in runner.invoke(args=["demo"]).output


def _flask(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    flask = Path(sys.executable).parent / "flask"
    return subprocess.run([str(flask), "--app", "wsgi", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


def broken_definitions(tmp_path: Path) -> Path:
    folder = tmp_path / "definitions"
    shutil.copytree(ROOT / "definitions", folder)
    raw = yaml.safe_load((folder / "proposal.yaml").read_text(encoding="utf-8"))
    raw["transitions"][0]["dest"] = "nowhere"
    raw["transitions"][1]["guards"] = ["no_such_guard"]
    (folder / "proposal.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return folder


def test_workflows_check_and_graph(tmp_path):
    ok = _flask("workflows", "check")
    assert ok.returncode == 0 and "proposal" in ok.stdout
    bad = _flask("workflows", "check", env={"UNIONFLOW_DEFINITIONS": str(broken_definitions(tmp_path))})
    assert bad.returncode == 1
    assert "transitions[0].dest: unknown state 'nowhere'" in bad.stderr
    assert "transitions[1].guards[0].name: unknown guard 'no_such_guard'" in bad.stderr
    graph = _flask("workflows", "graph", "proposal")
    assert graph.returncode == 0 and graph.stdout.lstrip().startswith("<?xml") and "提案审查" in graph.stdout


def test_workflows_check_names_the_years_without_a_holiday_calendar(tmp_path):
    folder = tmp_path / "definitions"
    shutil.copytree(ROOT / "definitions", folder)
    for year_file in (folder / "calendar").glob("*.yaml"):
        year_file.unlink()  # whatever today is, this year and the next now have no calendar
    result = _flask("workflows", "check", env={"UNIONFLOW_DEFINITIONS": str(folder)})
    assert result.returncode == 0  # a note, not a problem: those years count Monday to Friday
    assert len(re.findall(r"提示 NOTE calendar \d{4}: 没有节假日安排文件，工作日按周一至周五计算", result.stdout)) == 2


def test_the_app_refuses_to_start_on_an_invalid_definition(tmp_path):
    with pytest.raises(DefinitionError) as caught:
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "x",
                    "UNIONFLOW_DEFINITIONS": str(broken_definitions(tmp_path))})
    assert "unknown state 'nowhere'" in str(caught.value)
