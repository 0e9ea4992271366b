"""职工意见建议 (a member's suggestion about a unit, answered by the union committee): a process that exists only
under the tests, to show that a process enters through the plug-in seam alone (docs/architecture.md § A new
process). It brings its YAML (`DEFINITION`, which a test copies into the definitions folder it configures), one
guard with its SQL forms (guards.py), one domain (domain.py) and one page (pages.py); plugin.py ties them into a
`Process` for `bootstrap.create_app(extra=...)`. Nothing outside tests/ names it."""
from __future__ import annotations

from pathlib import Path

DEFINITION = Path(__file__).resolve().parent / "suggestion.yaml"
