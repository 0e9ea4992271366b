"""The benchmarks run only under `make bench`, never in `make test`: this keeps their imports of the project's
modules true when the code moves, so `make bench` does not first fail on a renamed name."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
OURS = ("workflow", "web", "processes", "bootstrap", "support")


def _imports(script: Path) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in OURS:
            found += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names if alias.name.split(".")[0] in OURS]
    return found


@pytest.mark.parametrize("script", sorted(BENCH.glob("*.py")), ids=lambda p: p.name)
def test_every_name_a_benchmark_imports_from_the_project_exists(script: Path) -> None:
    for module, name in _imports(script):
        imported = importlib.import_module(module)
        assert name is None or hasattr(imported, name) or importlib.util.find_spec(f"{module}.{name}"), \
            f"{script.name}: {module}.{name} is gone"
