"""Ballot secrecy at rest (docs/architecture.md invariant 5), SQLite and PostgreSQL: once voting closes, whoever holds the database's files
— SQLite's main file and WAL, PostgreSQL's table and index files — can rebuild no voter's marks from them; and the
public box lists the ballots in an order that no receipt tells."""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from support import ballot_files
import pytest
from support.election_desk import CANDIDATES, ElectionOffice
from sqlalchemy import Connection, select, text

from processes.election import ballots
from processes.election import domain as elections
from processes.election.ballots import receipt_key
from processes.election.domain import public_box, recount, round_numbered
from processes.election.models import RollEntry
from workflow.accounts.users import issue_token
from workflow.store import scrub as scrub_module
from workflow.store.db import Database
from workflow.store.models import User

# Six voters, six different ballots: any ballot rebuilt for a voter is rebuilt for that voter alone.
VOTES = {"v01": (["v01", "v02", "v03"], ["v04"]), "v02": (["v02"], ["v01", "v03"]), "v05": (["v03", "v04"], []),
         "v06": ([], ["v01", "v02", "v03", "v04"]), "v08": (["v01"], ["v02"]), "v10": (["v04"], ["v03"])}


@pytest.fixture
def office(database_url, tmp_path):
    office = ElectionOffice(database_url, tmp_path)
    yield office
    office.db.dispose()


def test_after_the_close_the_files_link_no_voter_to_a_ballot(app, office):
    case_id = _voted(office)
    with office.db.transaction() as session:
        token = issue_token(session, session.get(User, office.users["xuan"].id))
    client = app.test_client()
    for trigger in ("close_voting", "count"):  # through the API, as the committee takes them
        with client.post(f"/api/v1/cases/{case_id}/actions/{trigger}", json={"version": office.case(case_id).version},
                         headers={"Authorization": f"Bearer {token}"}) as response:  # closed, as a server does
            assert response.status_code == 200
    with office.db.read() as session:
        voters = dict(session.execute(select(RollEntry.id, RollEntry.username)).all())
    rebuilt, left = _files(office)
    recovered = {voters[roll]: json.loads(marks)["marks"] for (_, roll), marks in rebuilt.items()}
    assert not {v for v, marks in recovered.items() if marks == _full(v)}, "voters' marks rebuilt from the files"
    assert rebuilt == {} and left == []  # nothing to start a guess from either


def test_a_reader_on_an_older_snapshot_delays_the_scrub_of_the_close(office, monkeypatch):
    """On SQLite the WAL cannot be truncated under a reader, and on PostgreSQL a VACUUM FULL copies the old row
    versions a running transaction may still see: the close's scrub waits for such a reader to finish."""
    case_id = _voted(office)
    reader, scrub = _snapshot(office.db), elections.scrub

    def scrub_under_the_reader(db: Database, *tables: str) -> bool:
        # The reader lets go while the scrub is under way (a sleep, not threading.Timer: see make test-future).
        threading.Thread(target=lambda: (time.sleep(0.3), reader.close())).start()
        return scrub(db, *tables)
    monkeypatch.setattr(elections, "scrub", scrub_under_the_reader)
    office.act("xuan", case_id, "close_voting")  # the scrub runs at once here (no request)
    assert _files(office) == ({}, [])


def test_a_scrub_held_up_past_the_busy_timeout_says_so_and_a_later_one_scrubs(database_url, monkeypatch):
    db = Database(database_url)
    db.create_all()
    reader = _snapshot(db)
    monkeypatch.setattr(scrub_module, "BUSY_TIMEOUT_S", 0.3)
    try:
        assert not scrub_module.scrub(db, "election_ballots", "election_participation")
    finally:
        reader.close()
    assert scrub_module.scrub(db, "election_ballots", "election_participation")
    db.dispose()


def _voted(office: ElectionOffice) -> int:
    """An election whose voters of VOTES have cast their ballots, voting still open."""
    case_id = office.to_candidates(CANDIDATES)
    office.act("xuan", case_id, "open_voting")
    for voter, (yes, no) in VOTES.items():
        office.vote(case_id, voter, yes=yes, no=no)
    return case_id


def _snapshot(db: Database) -> Connection:
    """A connection in a transaction that has read the box: it holds a snapshot from before whatever comes next."""
    reader = db.engine.connect()
    if not db.is_sqlite:
        reader = reader.execution_options(isolation_level="REPEATABLE READ")
    reader.begin()
    reader.execute(text("SELECT count(*) FROM election_ballots")).scalar()
    return reader


def _files(office: ElectionOffice) -> tuple[dict, list[str]]:
    """Participation → marks rebuilt from the files, and what is left in them to start a guess from."""
    with office.db.read() as session:
        stored = list(session.scalars(text("SELECT CAST(marks AS TEXT) FROM election_ballots")))
    assert len(stored) == len(VOTES) == len(set(stored))
    return (_sqlite_files if office.db.is_sqlite else _postgresql_files)(office, stored)


def _sqlite_files(office: ElectionOffice, stored: list[str]) -> tuple[dict, list[str]]:
    """What the main file and the WAL give: pairs rebuilt from the WAL's commits, and what is left to guess from
    (copies of a ballot beside its row, rows laid out in the order they were cast)."""
    main = Path(office.db.engine.url.database)
    wal = main.with_name(main.name + "-wal")
    files = main.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    left = [f"{n} copies of {marks}" for marks in stored if (n := files.count(marks.encode())) != 1]
    return ballot_files.rebuild_from_wal(wal), left + ballot_files.written_in_cast_order(main)


def _postgresql_files(office: ElectionOffice, stored: list[str]) -> tuple[dict, list[str]]:
    """What the table and index files give: pairs rebuilt from the tuples' xmin, and what is left to guess from
    (old row versions, index entries pointing where a row once was, copies of a ballot, rows in cast order)."""
    left, tuples = [], []
    with office.db.engine.connect() as connection:
        connection.execute(text("CHECKPOINT"))  # every page on disk (the test cluster connects as a superuser)
        data = Path(connection.execute(text("SHOW data_directory")).scalar())
        for table, kind in (("election_participation", "taken"), ("election_ballots", "ballot")):
            heap = data / connection.execute(text("SELECT pg_relation_filepath(:t)"), {"t": table}).scalar()
            indexes = [data / path for path in connection.execute(text(
                "SELECT pg_relation_filepath(indexrelid) FROM pg_index WHERE indrelid = CAST(:t AS regclass)"),
                {"t": table}).scalars()]
            found = ballot_files.pg_heap(heap, kind)
            live = [t for t in found if t.flags == ballot_files.LP_NORMAL and t.xmax == 0]
            assert len(live) == len(stored)
            left += [f"{table}: {len(found) - len(live)} old row versions"] if found != live else []
            keys = [t.row.key for t in live]
            left += [f"{table}: rows in cast order"] if keys != sorted(keys) else []
            left += [f"{index.name}: entries pointing where a row once was" for index in indexes
                     if sorted(ballot_files.pg_index_tids(index)) != sorted(t.tid for t in live)]
            tuples += found
            if kind == "ballot":
                raw = heap.read_bytes()
                left += [f"{n} copies of {marks}" for marks in stored if (n := raw.count(marks.encode())) != 1]
    return ballot_files.rebuild_by_xmin(tuples), left


def test_the_public_box_is_in_no_order_a_receipt_tells(office, monkeypatch):
    case_id = office.to_candidates(CANDIDATES)
    office.act("xuan", case_id, "open_voting")
    # Receipts whose SHA-256 order is the reverse of the order of the ballots' marks, handed out in the order of VOTES.
    by_marks = sorted(VOTES, key=lambda v: _rank(_full(v)))
    codes = sorted((f"AAAA-BBBB-CCC{c}" for c in "DEFGHJ"), key=receipt_key, reverse=True)
    receipt = dict(zip(by_marks, codes))
    handed = iter([receipt[v] for v in VOTES])
    monkeypatch.setattr(ballots, "receipt_code", lambda: next(handed))
    for voter, (yes, no) in VOTES.items():
        assert office.vote(case_id, voter, yes=yes, no=no) == receipt[voter]
    office.act("xuan", case_id, "close_voting")
    office.act("xuan", case_id, "count")
    with office.db.read() as session:
        box = public_box(session, round_numbered(session, case_id, 1), office.case(case_id).data)
    # By the marks alone (ballot order; 赞成, 反对, 弃权): the same list whoever cast them, with whatever receipts.
    assert [b["marks"] for b in box["ballots"]] == [_full(v) for v in by_marks]
    assert {"round": 1, **recount(box).to_dict()} == office.case(case_id).data["tally"]


def _full(voter: str) -> dict[str, str]:
    yes, no = VOTES[voter]
    return {c: "yes" if c in yes else "no" if c in no else "abstain" for c in CANDIDATES}


def _rank(marks: dict[str, str]) -> list[int]:
    return [("yes", "no", "abstain").index(marks[c]) for c in ["v01", "v03", "v02", "v04"]]  # the ballot's order
