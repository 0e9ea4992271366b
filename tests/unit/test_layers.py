"""Invariant 4 (docs/architecture.md § Layers): the layers hold and no import circle exists, as import-linter's
contracts in pyproject.toml say. `make test` runs `lint-imports` on the tree; here it also runs on a copy with one
forbidden import added, to show that the contracts catch it (a contract that could not fail would prove nothing)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT = str(Path(sys.executable).parent / "lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([LINT, "--no-cache"], cwd=tree, capture_output=True, text=True,
                          env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"})


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """The packages and the contracts, copied, to break on purpose."""
    for package in ("workflow", "web", "processes"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_contracts_hold_on_the_tree():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


@pytest.mark.parametrize("module, line, broken", [
    ("workflow/core/engine.py", "import sqlalchemy", "The engine core imports neither flask nor sqlalchemy"),
    ("workflow/cases/service.py", "import processes.election.domain", "Layers"),
    ("workflow/store/db.py", "import web.services", "Layers"),
    ("processes/event/domain.py", "import processes.election.tally", "Each process stands alone"),
    ("workflow/cases/paging.py", "import workflow.cases.worklists", "No import circle anywhere"),
])
def test_a_forbidden_import_breaks_a_contract(tree: Path, module: str, line: str, broken: str):
    path = tree / module
    path.write_text(path.read_text() + f"\n{line}  # added by the test\n")
    result = _lint(tree)
    assert result.returncode != 0
    verdicts = [line for line in result.stdout.splitlines() if line.startswith(broken)]
    assert verdicts and verdicts[0].endswith("BROKEN"), result.stdout
