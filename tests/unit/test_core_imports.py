"""DESIGN invariant 4: the engine core imports neither flask nor sqlalchemy."""
import subprocess
import sys


def test_engine_core_is_framework_free():
    code = ("import sys, workflow.definition, workflow.definition_load, workflow.engine, workflow.guards, workflow.pdf, workflow.workdays, "
            "workflow.tally, workflow.strokes; "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy')); "
            "print(','.join(bad)); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, f"engine core imported: {result.stdout} {result.stderr}"
