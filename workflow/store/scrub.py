"""Leave in the database's files no earlier version of some tables' rows: what ballot secrecy at rest needs once the
box is rewritten at the close of voting (docs/architecture.md invariant 5: nothing in the files may rebuild a voter's marks).

A database keeps what it has overwritten for a while. SQLite's WAL holds every commit since the last checkpoint,
page by page, so its frames replay the casts one by one; a deleted row's bytes stay in its page unless
`secure_delete` is on (workflow/store/db.py turns it on for every connection). PostgreSQL keeps a deleted row's old
version, with the xmin of the transaction that wrote it, in the table's file until a vacuum, and index entries that
point at it. Scrubbing runs after the commit that rewrote the rows — neither a checkpoint that truncates the WAL nor
a VACUUM can run inside a transaction. What no scrub reaches: PostgreSQL's WAL segments until they are recycled,
WAL archives, backups and file-system snapshots taken while voting was open (README, deploying).
"""
from __future__ import annotations

import time

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from workflow.store.db import BUSY_TIMEOUT_S, Database

TRY_MS = 100  # how long one SQLite checkpoint waits for readers before it lets writers on and tries again

# Client sessions of this database whose transaction began before `since` and holds a snapshot or an xid: a VACUUM
# keeps the old row versions such a transaction might still see.
_OLDER_TRANSACTIONS = text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
    "AND backend_type = 'client backend' AND (backend_xmin IS NOT NULL OR backend_xid IS NOT NULL) "
    "AND xact_start < :since")


def scrub(db: Database, *tables: str) -> bool:
    """Leave only the current rows of `tables` in the files. False when other sessions held on to older snapshots
    past the busy timeout (nothing is lost: the old versions stay until a later scrub)."""
    return _sqlite(db) if db.is_sqlite else _postgresql(db, tables)


def _sqlite(db: Database) -> bool:
    """Copy the WAL into the main file and truncate it to nothing. TRUNCATE needs every reader of an older snapshot
    gone, and holds the write lock while it waits for them: it waits a moment at a time (TRY_MS), so that a reader
    who wants to write next is not stuck behind it, and tries again until the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    raw = db.engine.raw_connection()  # autocommit: a checkpoint cannot run in the transaction SQLAlchemy begins
    try:
        cursor = raw.cursor()
        cursor.execute(f"PRAGMA busy_timeout={TRY_MS}")
        try:
            while cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]:  # (busy, frames, checkpointed)
                if time.monotonic() > deadline:
                    return False
                time.sleep(TRY_MS / 1000)
        finally:
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    finally:
        raw.close()
    return True


def _postgresql(db: Database, tables: tuple[str, ...]) -> bool:
    """Rewrite the tables and their indexes into new files (VACUUM FULL; the old files are emptied at its commit),
    once no session's transaction from before this call can still see the old versions (VACUUM FULL would copy
    them over). The wait and the table lock are bounded by the busy timeout."""
    names = ", ".join(db.engine.dialect.identifier_preparer.quote(t) for t in tables)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        since = connection.execute(text("SELECT statement_timestamp()")).scalar()
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while connection.execute(_OLDER_TRANSACTIONS, {"since": since}).scalar():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        connection.execute(text(f"SET lock_timeout = '{BUSY_TIMEOUT_S}s'"))
        try:
            connection.execute(text(f"VACUUM FULL {names}"))
        except OperationalError:  # the lock timed out: a session held the tables all along
            return False
        finally:
            connection.execute(text("RESET lock_timeout"))
    return True
