"""The plug-in seam: what a process adds to the application beside its YAML (docs/architecture.md § A new process).

A process that needs code lives in its own package under processes/ and describes itself with one `Process`. Its
guards, effects, their SQL forms and its tables register when its package is imported; the rest it lists here.
bootstrap.py is the only place that names the installed processes; nothing in workflow/ or web/ imports one.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask
from sqlalchemy.orm import Session

from workflow.cases.domain import Domain
from workflow.cases.service import CaseService
from workflow.store.models import Case, User


@dataclass(frozen=True)
class NavEntry:
    """A link in the top navigation: shown to the users `shown_to` admits, active on the blueprint's pages."""

    endpoint: str
    label: Any  # a lazy_gettext string: Chinese, translated per request
    shown_to: Callable[[User], bool] = lambda user: True

    @property
    def blueprint(self) -> str:
        return self.endpoint.split(".", 1)[0]


@dataclass(frozen=True)
class Panel:
    """A template the home page or a case page includes, as `panel`: the variables `context` gives it (called with
    the session and the user; on a case page, with the case too)."""

    template: str
    context: Callable[..., Mapping[str, Any]] | None = None

    def resolved(self, *args: Any) -> tuple[str, Mapping[str, Any]]:
        return self.template, self.context(*args) if self.context else {}


@dataclass(frozen=True)
class Process:
    key: str                                   # the definition's key (definitions/<key>.yaml)
    domain: Domain | None = None               # prepare/after hooks around each step (workflow/cases/domain.py)
    blueprints: Sequence[Blueprint] = ()       # its pages, signed in, CSRF-protected
    api: Sequence[Blueprint] = ()              # its REST endpoints under /api/v1 (Bearer token or session)
    openapi: Mapping[str, Any] = field(default_factory=dict)  # their OpenAPI paths (web/openapi.py's helpers)
    nav: Sequence[NavEntry] = ()
    home: Sequence[Panel] = ()                 # on the 工作台, for every signed-in user
    case_top: Panel | None = None              # on its case pages, above the actions
    case_body: Panel | None = None             # and below the case's data
    demo: Callable[[CaseService, Mapping[str, User]], None] | None = None  # `flask demo`, after the base demo


@dataclass(frozen=True)
class Installed:
    """The processes installed in this application, as the generic pages ask about them."""

    processes: Sequence[Process] = ()

    def domains(self) -> dict[str, Domain]:
        return {p.key: p.domain for p in self.processes if p.domain is not None}

    def of(self, key: str) -> Process | None:
        return next((p for p in self.processes if p.key == key), None)

    def nav_for(self, user: User) -> list[NavEntry]:
        return [entry for p in self.processes for entry in p.nav if entry.shown_to(user)]

    def home_panels(self, session: Session, user: User) -> list[tuple[str, Mapping[str, Any]]]:
        return [panel.resolved(session, user) for p in self.processes for panel in p.home]

    def case_panels(self, session: Session, user: User, case: Case) -> dict[str, tuple[str, Mapping[str, Any]]]:
        """The case's process's panels on its page, by place ("top", "body")."""
        process = self.of(case.workflow)
        places = {"top": process.case_top, "body": process.case_body} if process else {}
        return {place: panel.resolved(session, user, case) for place, panel in places.items() if panel}


def installed(app: Flask) -> Installed:
    return app.extensions["unionflow.processes"]


def install(app: Flask, processes: Installed, csrf_exempt: Callable[[Blueprint], Any]) -> None:
    """Register the processes' pages and API, and give the templates what they ask of the plug-ins."""
    app.extensions["unionflow.processes"] = processes
    for process in processes.processes:
        for blueprint in process.blueprints:
            app.register_blueprint(blueprint)
        for blueprint in process.api:
            csrf_exempt(blueprint)  # API callers send a Bearer token; a browser session there is checked in auth
            app.register_blueprint(blueprint)
    app.jinja_env.globals.update(process_nav=processes.nav_for)
