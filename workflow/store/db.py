"""Database connection: SQLite (embedded default) or PostgreSQL (production).

On SQLite every connection runs in WAL with foreign keys on and a busy timeout, and
write transactions start with BEGIN IMMEDIATE so that concurrent writers queue for the
lock instead of failing with "database is locked" halfway through.
"""
from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.dml import Insert

from workflow.store.models import Base

BUSY_TIMEOUT_S = 30


def normalise_url(url: str) -> str:
    """Accept the usual postgres:// spellings and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")  # a committed approval survives a power cut
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
        cursor.execute("PRAGMA secure_delete=ON")  # a deleted row's bytes are zeroed, not left in the file (scrub.py)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def insert_new(session: Session, table: Any) -> Insert:
    """An INSERT that leaves alone a row whose key exists already (ON CONFLICT DO NOTHING): for the rows that two
    requests may both be first to create, such as a year's case counter or a new definition version. On PostgreSQL
    the second insert waits for the first to commit and then does nothing, instead of failing on the key."""
    return _insert(session, table).on_conflict_do_nothing()


def upsert(session: Session, table: Any, keys: tuple[str, ...], row: dict[str, Any], changed: tuple[str, ...]) -> Insert:
    """An INSERT of `row` that, where a row with the same `keys` exists, updates its `changed` columns instead."""
    statement = _insert(session, table).values(row)
    return statement.on_conflict_do_update(index_elements=list(keys),
                                           set_={name: statement.excluded[name] for name in changed})


def _insert(session: Session, table: Any) -> Any:
    """The INSERT of the session's database, which knows its ON CONFLICT clause."""
    return (postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(table)


class WriterQueue:
    """One writer at a time across every process and thread on this host, waiting in line in the kernel.

    SQLite allows one writer; a second one that finds the lock taken sleeps in its busy handler for 1, 2,
    5, 10 ... ms before it looks again, so under load the writers spend their time asleep. An advisory lock
    on a file beside the database (flock) wakes the next writer the moment the lock is free, and a process
    that dies releases it. BEGIN IMMEDIATE and the busy timeout stay as the guard against other programs.
    """

    def __init__(self, path: Path):
        self.path = path
        self._thread_lock = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    def _file(self) -> int:
        if self._fd is None or self._pid != os.getpid():  # a forked worker opens its own description
            self._fd, self._pid = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600), os.getpid()
        return self._fd

    @contextmanager
    def turn(self) -> Iterator[None]:
        with self._thread_lock:
            fd = self._file()
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)


class Database:
    def __init__(self, url: str, **engine_args: Any):
        self.url = normalise_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            engine_args.setdefault("connect_args", {"timeout": BUSY_TIMEOUT_S, "check_same_thread": False})
        else:
            engine_args.setdefault("pool_pre_ping", True)
        self.engine = create_engine(self.url, **engine_args)
        writer = self.engine
        if self.is_sqlite:
            _sqlite_setup(self.engine)
            writer = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self.write_engine = writer
        database = self.engine.url.database if self.is_sqlite else None
        self.queue = WriterQueue(Path(database + "-writer.lock")) if database and database != ":memory:" else None
        self.reader = sessionmaker(self.engine, expire_on_commit=False)
        self.writer = sessionmaker(writer, expire_on_commit=False)

    @property
    def metadata(self) -> Any:
        return Base.metadata

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.reader() as session:
            yield session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction: committed on success, rolled back on any exception."""
        with self._turn(), self.writer() as session, session.begin():
            yield session

    @contextmanager
    def write_connection(self) -> Iterator[Connection]:
        """A bare Core write transaction for the hot path (an ORM session costs more than the commit)."""
        with self._turn(), self.write_engine.begin() as connection:
            yield connection

    def _turn(self) -> AbstractContextManager[None]:
        return self.queue.turn() if self.queue is not None else nullcontext()

    def create_all(self) -> None:
        Base.metadata.create_all(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()
