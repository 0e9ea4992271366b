"""The Flask application: configuration from the environment, the generic pages, the REST API, the CLI. The
processes it serves are given to it (web/plugins.py); bootstrap.py names them."""
from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, Response
from flask_bootstrap import Bootstrap5
from flask_migrate import Migrate
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, ValidationError

from web import plugins, security
from web.plugins import Installed
from workflow.cases.registry import Workflows
from workflow.cases.service import CaseService
from workflow.documents.issuer import DocumentIssuer
from workflow.documents.pdf import PdfRenderer
from workflow.store.db import Database
from workflow.store.storage import BlobStore

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)


def _secret_key(instance: Path) -> str:
    """SECRET_KEY from the environment; for a local run without one, a random key kept in instance/."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
        log.warning("SECRET_KEY is not set: using a generated key in %s (set SECRET_KEY in production)", path)
    return path.read_text().strip()


MAX_ID = 2**31 - 1  # ids and numbers are INTEGER columns: 32 bits on PostgreSQL


class BoundedInt(IntegerConverter):
    """`<int:…>` in a path: at most MAX_ID, which every id column holds; a larger number is no such page (404),
    never an overflow in the query (SQLite's is 64 bits, PostgreSQL's 32). The length is checked before `int()`
    sees the digits."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(*args, **kwargs)

    def to_python(self, value: str) -> Any:
        if len(value) > len(str(MAX_ID)):
            raise ValidationError()
        return super().to_python(value)


def create_app(config: dict[str, Any] | None = None, processes: Installed = Installed()) -> Flask:
    app = Flask(__name__, instance_path=str(ROOT / "instance"), template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"))
    app.url_map.converters["int"] = BoundedInt
    instance = Path(app.instance_path)
    app.config.update(
        SECRET_KEY=None,
        DATABASE_URL=os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'unionflow.db'}"),
        UNIONFLOW_STORAGE=os.environ.get("UNIONFLOW_STORAGE", str(instance / "storage")),
        UNIONFLOW_DEFINITIONS=os.environ.get("UNIONFLOW_DEFINITIONS", str(ROOT / "definitions")),
        UNIONFLOW_ORG_NAME=os.environ.get("UNIONFLOW_ORG_NAME", "示例公司工会委员会"),
        UNIONFLOW_PROXIES=int(os.environ.get("UNIONFLOW_PROXIES", "0")),
        JSON_AS_ASCII=False,
        MAX_CONTENT_LENGTH=25 * 1024 * 1024,  # a form with a few scanned certificates (10 MB each at most)
        BOOTSTRAP_SERVE_LOCAL=True,  # Bootstrap from this server, never a CDN
        **security.defaults(),
    )
    app.config.update(config or {})
    app.config["SECRET_KEY"] = app.config["SECRET_KEY"] or _secret_key(instance)
    if app.config["UNIONFLOW_PROXIES"]:  # behind nginx: the client's address is the one the proxies forward
        hops = app.config["UNIONFLOW_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    if app.config["DATABASE_URL"].startswith("sqlite:///"):
        Path(app.config["DATABASE_URL"].removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    templates = ROOT / "templates" / "pdf"
    workflows = Workflows(Path(app.config["UNIONFLOW_DEFINITIONS"]), templates)  # an invalid definition stops here
    db = Database(app.config["DATABASE_URL"])
    store = BlobStore(Path(app.config["UNIONFLOW_STORAGE"]))
    issuer = DocumentIssuer(PdfRenderer(templates), store, app.config["UNIONFLOW_ORG_NAME"])
    app.extensions["unionflow"] = CaseService(db, workflows, store, issuer, domains=processes.domains())
    Migrate(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)

    from web import (
        admin,
        api,
        auditing,
        auth,
        cases,
        cli,
        copies,
        delegation,
        errors,
        home,
        i18n,
        inbox,
        inputs,
        login,
        mine,
        notices,
        pages,
        people,
        services,
        tasks,
    )
    services.init_app(app)
    inputs.init_app(app)
    security.init_app(app)
    i18n.init_app(app, str(ROOT / "translations"))
    auth.init_app(app)
    pages.init_app(app)
    inbox.init_app(app)
    Bootstrap5(app)
    errors.register(app)
    security.csrf.exempt(api.bp)  # API callers send a Bearer token; a browser session there is checked in auth
    for blueprint in (api.bp, login.bp, home.bp, tasks.bp, mine.bp, cases.bp, notices.bp, auditing.bp, admin.bp,
                      inbox.bp, delegation.bp, copies.bp, people.bp):
        app.register_blueprint(blueprint)
    plugins.install(app, processes, security.csrf.exempt)

    @app.get("/favicon.ico")
    def favicon() -> Response:
        """The icon, for the browser's own request on a page that names none (a PDF, a JSON answer)."""
        return app.send_static_file("favicon.svg")

    cli.register(app)
    return app
