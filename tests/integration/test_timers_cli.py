"""`flask --app wsgi timers run` from the command line: one pass, a summary, exit 0 (nothing due is fine)."""
from __future__ import annotations


def test_timers_run_with_nothing_due(app):
    result = app.test_cli_runner().invoke(args=["timers", "run"])
    assert result.exit_code == 0, result.output
    assert "到期 0 个" in result.output and "due 0" in result.output
