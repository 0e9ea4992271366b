"""Invariant 8 (docs/architecture.md): the time comes from one clock. No module reads the system's time but
workflow/core/clock.py (the production clock) and tests/support/clocks.py (what a test tells a server in another
process); durations use monotonic time, which is no date. A new `date.today()` anywhere fails here before it fails on some later date."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = {ROOT / "workflow" / "core" / "clock.py", ROOT / "tests" / "support" / "clocks.py"}
READINGS = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
            ("time", "time"), ("time", "time_ns"), ("time", "localtime"), ("time", "gmtime")}


def _readings(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", None)
            if (name, node.func.attr) in READINGS and not (node.func.attr in ("localtime", "gmtime") and node.args):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}.{node.func.attr}()")
    return found


def test_only_the_clock_reads_the_system_time():
    sources = [p for folder in ("workflow", "web", "processes", "tests", "bench") for p in (ROOT / folder).rglob("*.py")]
    assert len(sources) > 50
    assert [hit for path in sources if path not in ALLOWED for hit in _readings(path)] == []
