"""What whoever holds a database's files can read of a ballot box without asking the database: the pages of SQLite's
main file and WAL, and PostgreSQL's table and B-tree files, parsed by hand. The at-rest tests of ballot secrecy
(docs/architecture.md invariant 5) try to rebuild voter → marks from them the way an outside probe did, and look for what such an attempt
could start from: a row's older versions, a writing transaction shared by a participation and a ballot, index entries
pointing at where a row once was, rows laid out in the order they were cast."""
from __future__ import annotations

import json
import struct
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Row:
    """A row of the box found in a page: a participation (`taken`, key (round id, roll id)) or a `ballot` (key its
    id, with its marks as stored). `at` is where its bytes lie in the page."""

    kind: str
    key: tuple[int, int] | str
    marks: str | None = None
    at: int = 0


def pair_up(groups: Iterable[Iterable[Row]], seen: set | None = None) -> dict[tuple[int, int], str]:
    """Participation → marks wherever a group of rows (one commit's pages, one transaction's tuples) brings exactly
    one participation and one ballot not seen in an earlier group."""
    seen = set() if seen is None else seen
    pairs = {}
    for group in groups:
        new = {(r.kind, r.key): r for r in group if (r.kind, r.key) not in seen}
        taken = [r for r in new.values() if r.kind == "taken"]
        ballots = [r for r in new.values() if r.kind == "ballot"]
        if len(taken) == 1 and len(ballots) == 1:
            pairs[taken[0].key] = ballots[0].marks
        seen |= new.keys()
    return pairs


# -- SQLite ----------------------------------------------------------------------------------------------------------


def sqlite_pages(path: Path) -> Iterator[tuple[int, bytes]]:
    """(page number, page) of a database file."""
    data = path.read_bytes()
    size = struct.unpack_from(">H", data, 16)[0]
    size = 65536 if size == 1 else size
    for n in range(len(data) // size):
        yield n + 1, data[n * size:(n + 1) * size]


def wal_commits(path: Path) -> list[list[tuple[int, bytes]]]:
    """The frames of a WAL file grouped by the commit that wrote them, every frame the file holds (an earlier
    generation's frames beyond the current one's included: a reader of the file sees those too)."""
    data = path.read_bytes() if path.exists() else b""
    if len(data) < 32:
        return []
    size = struct.unpack_from(">I", data, 8)[0]
    commits, frames = [], []
    for at in range(32, len(data) - 24 - size + 1, 24 + size):
        page_number, commit = struct.unpack_from(">II", data, at)
        frames.append((page_number, data[at + 24:at + 24 + size]))
        if commit:
            commits.append(frames)
            frames = []
    return commits


def sqlite_rows(page_number: int, page: bytes) -> list[Row]:
    """The box's rows in a B-tree page (both tables are WITHOUT ROWID: index B-trees), in key order."""
    head = 100 if page_number == 1 else 0
    kind = page[head]
    if kind not in (0x02, 0x0A):  # index interior, index leaf
        return []
    cells = struct.unpack_from(">H", page, head + 3)[0]
    pointers = head + (12 if kind == 0x02 else 8)
    rows = []
    for n in range(cells):
        at = struct.unpack_from(">H", page, pointers + 2 * n)[0]
        try:
            size, start = _varint(page, at + (4 if kind == 0x02 else 0))
            row = _row(_record(page[start:start + size]), at)
        except (IndexError, UnicodeDecodeError, struct.error):  # a record spilling to overflow pages: not ours
            continue
        if row is not None:
            rows.append(row)
    return rows


def rebuild_from_wal(path: Path) -> dict[tuple[int, int], str]:
    """The probe's attack: each cast is a commit, so a commit whose pages bring one new participation and one new
    ballot pairs them."""
    return pair_up([r for number, page in frames for r in sqlite_rows(number, page)] for frames in wal_commits(path))


def written_in_cast_order(path: Path) -> list[str]:
    """The pages of a database file whose rows of the box lie in another order than their keys: a page keeps cells
    in key order in its pointer array, but their bytes where they were written — rewritten in key order into an
    emptied page, the bytes descend with the keys, so their order tells nothing the keys do not."""
    tells = []
    for number, page in sqlite_pages(path):
        rows = sqlite_rows(number, page)
        for kind in ("taken", "ballot"):
            at = [r.at for r in rows if r.kind == kind]
            if at != sorted(at, reverse=True):
                tells.append(f"page {number}: {kind} rows in the order they were written")
    return tells


def _varint(data: bytes, i: int) -> tuple[int, int]:
    value = 0
    for n in range(8):
        byte = data[i + n]
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, i + n + 1
    return (value << 8) | data[i + 8], i + 9


def _record(record: bytes) -> list[object]:
    end, i = _varint(record, 0)
    types = []
    while i < end:
        serial, i = _varint(record, i)
        types.append(serial)
    values: list[object] = []
    widths = {1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 8}
    for serial in types:
        if serial in (0, 8, 9):
            values.append(None if serial == 0 else serial - 8)
        elif serial in widths:
            values.append(int.from_bytes(record[end:end + widths[serial]], "big", signed=True))
            end += widths[serial]
        elif serial == 7:
            values.append(struct.unpack_from(">d", record, end)[0])
            end += 8
        else:
            raw = record[end:end + (serial - 12) // 2]
            if len(raw) < (serial - 12) // 2:
                raise IndexError("truncated record")
            values.append(raw.decode() if serial % 2 else raw)
            end += len(raw)
    return values


def _row(values: list[object], at: int) -> Row | None:
    match values:
        case [int(round_id), int(roll_id), "web" | "paper"]:
            return Row("taken", (round_id, roll_id), at=at)
        case [str(key), int(), str(marks), 0 | 1] if len(key) == 64 and marks.startswith('{"marks"'):
            return Row("ballot", key, marks, at)
    return None


# -- PostgreSQL ------------------------------------------------------------------------------------------------------

PG_PAGE = 8192
LP_NORMAL = 1


@dataclass(frozen=True)
class Tuple:
    """A heap tuple with storage, live or not: where it lies, its line pointer's flags, its writing and deleting
    transactions, and the row it holds."""

    tid: tuple[int, int]
    flags: int
    xmin: int
    xmax: int
    row: Row


def pg_heap(path: Path, kind: str) -> list[Tuple]:
    """Every tuple with storage in a table's file (`kind`: taken | ballot), dead ones included."""
    found = []
    for block, page in _pg_pages(path):
        for offset, flags, item in _pg_items(page):
            xmin, xmax = struct.unpack_from("<II", item, 0)
            body = item[item[22]:]  # t_hoff
            if kind == "taken":
                row = Row(kind, struct.unpack_from("<ii", body, 0))
            else:  # id varchar(64) behind a 1-byte header, round_id, then the marks as JSON text
                start = body.index(b'{"marks"')
                text = body[start:].decode(errors="replace")
                row = Row(kind, body[1:65].decode(), text[:json.JSONDecoder().raw_decode(text)[1]])
            found.append(Tuple((block, offset), flags, xmin, xmax, row))
    return found


def rebuild_by_xmin(tuples: Iterable[Tuple]) -> dict[tuple[int, int], str]:
    """A participation and a ballot inserted by the same transaction, and by no other row of either table, pair up:
    an old version keeps the xmin of its cast until it is vacuumed away."""
    by_xmin: dict[int, list[Row]] = defaultdict(list)
    for t in tuples:
        by_xmin[t.xmin].append(t.row)
    return pair_up(by_xmin.values())


def pg_index_tids(path: Path) -> list[tuple[int, int]]:
    """Every heap TID the leaf items of a B-tree file point to (posting lists included; block 0 is the metapage)."""
    tids = []
    for _, page in list(_pg_pages(path))[1:]:
        special = struct.unpack_from("<H", page, 16)[0]
        right, _, flags = struct.unpack_from("<IIH", page, special + 4)
        if not flags & 1:  # BTP_LEAF
            continue
        for offset, _, item in _pg_items(page):
            if offset == 1 and right:  # the high key of a page with a right sibling
                continue
            high, low, position, info = struct.unpack_from("<HHHH", item, 0)
            if info & 0x2000:  # a posting list: `position` counts the TIDs stored from byte (high, low)
                at = (high << 16) | low
                for k in range(position & 0x0FFF):
                    h, lo, pos = struct.unpack_from("<HHH", item, at + 6 * k)
                    tids.append(((h << 16) | lo, pos))
            else:
                tids.append(((high << 16) | low, position))
    return tids


def _pg_pages(path: Path) -> Iterator[tuple[int, bytes]]:
    data = path.read_bytes()
    for block in range(len(data) // PG_PAGE):
        yield block, data[block * PG_PAGE:(block + 1) * PG_PAGE]


def _pg_items(page: bytes) -> Iterator[tuple[int, int, bytes]]:
    """(offset number, line pointer flags, bytes) of every item with storage on a page."""
    lower = struct.unpack_from("<H", page, 12)[0]
    for n in range(max(0, (lower - 24) // 4)):
        word = struct.unpack_from("<I", page, 24 + 4 * n)[0]
        at, flags, length = word & 0x7FFF, (word >> 15) & 3, word >> 17
        if length:
            yield n + 1, flags, page[at:at + length]
