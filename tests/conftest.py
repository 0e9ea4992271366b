"""Shared fixtures: an app on SQLite and on PostgreSQL (a throwaway cluster per test worker)."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.clocks import TEST_NOW
from sqlalchemy import create_engine, text

from workflow.core.clock import ManualClock

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ["sqlite", "postgresql"]



def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class PgCluster:
    """A PostgreSQL server in a temp folder, reached over a unix socket; gone after the session.

    initdb refuses to run as root, so as root the server runs as the `postgres` user.
    """

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="unionflow-pg-"))
        self.data = self.dir / "data"
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
            self.dir.chmod(0o755)

    def _run(self, *args: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        subprocess.run([*prefix, *args], check=True, capture_output=True, text=True)

    def start(self) -> None:
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "--no-sync", "-E", "UTF8", "--locale=C")
        options = f"-c listen_addresses='' -k {self.dir} -c fsync=off -c synchronous_commit=off " \
                  "-c full_page_writes=off -c max_connections=100"
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options, "-w", "-l",
                  str(self.dir / "log"), "start")

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.dir}"


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster | None]:
    bindir = _pg_bin()
    if bindir is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
        yield None
        return
    cluster = PgCluster(bindir)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each kind for one test."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'unionflow.db'}"
    cluster = request.getfixturevalue("pg_cluster")
    if cluster is None:
        pytest.skip("PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql-15)")
    name = "t_" + tmp_path.name.lower().replace("-", "_")[:50]
    admin = create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return cluster.url(name)


@pytest.fixture
def app(database_url: str, tmp_path: Path):
    from bootstrap import create_app
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": database_url,
                      "UNIONFLOW_STORAGE": str(tmp_path / "storage")})
    app.extensions["unionflow"].clock = ManualClock(TEST_NOW)
    app.extensions["unionflow"].db.create_all()
    yield app
    app.extensions["unionflow"].db.dispose()


@pytest.fixture
def service(app):
    return app.extensions["unionflow"]


@pytest.fixture
def people(service):
    """The cast of tests/support/people.py, with their API tokens."""
    from support.people import seed
    return seed(service)


@pytest.fixture
def api(app, people):
    from support.people import Api
    return Api(app.test_client(), people[1])


@pytest.fixture
def web(app, people):
    """web("zhang") → a test client signed in as that member of the cast; web(None) → signed out."""
    from support.people import Browser
    return lambda username: Browser(app, username)


@pytest.fixture
def mailbox():
    """A real SMTP server on localhost that keeps what it receives (tests/support/mail_server.py)."""
    from support.mail_server import Mailbox
    box = Mailbox().start()
    yield box
    box.stop()
