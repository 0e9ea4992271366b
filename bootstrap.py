"""The composition root: the one place that names the installed processes and builds the application from them.

wsgi.py (the server and `flask --app wsgi ...`), `flask workflows` (which must run even when the app would not
start), the tests and the benchmarks all build through here, so every entry point knows the same processes. A new process is one more line in INSTALLED (docs/architecture.md).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from processes.election.plugin import PROCESS as ELECTION
from processes.event.plugin import PROCESS as EVENT
from processes.hardship_aid.plugin import PROCESS as HARDSHIP_AID
from web import create_app as create_web_app
from web.plugins import Installed, Process
from web.workflows_cli import workflows  # noqa: F401 (`flask workflows`: an entry point, see pyproject.toml)
from workflow.cases.domain import Domain
from workflow.cases.registry import Workflows

INSTALLED = Installed((ELECTION, EVENT, HARDSHIP_AID))


def create_app(config: dict[str, Any] | None = None, extra: tuple[Process, ...] = ()) -> Flask:
    """The application with the installed processes (and `extra` ones, for a test's own process)."""
    return create_web_app(config, Installed((*INSTALLED.processes, *extra)))


def load_workflows(definitions: Path, templates: Path | None = None) -> Workflows:
    """The process definitions in a folder, for a service built without the web (tests' desks, benchmarks). The
    definitions name the installed processes' guards and effects, registered when this module imported them."""
    return Workflows(definitions, templates)


def domains() -> dict[str, Domain]:
    """The installed processes' domain hooks, for a CaseService built without the web (tests' desks, benchmarks)."""
    return INSTALLED.domains()
