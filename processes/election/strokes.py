"""姓氏笔画: the order candidates stand on a ballot when the election committee orders them by stroke count.

Stroke counts come from the Unicode Han database (kTotalStrokes, the simplified-Chinese count first), which Debian
ships in the `unicode-data` package; they are read once, when an order is first needed (about half a second).
Names compare stroke count by stroke count, character by character (王 4 before 李 7 before 赵 9; 李明 before 李娜);
equal counts fall back to the characters' code points so the order is total and the same everywhere.
"""
from __future__ import annotations

import bz2
from functools import lru_cache
from pathlib import Path

UNIHAN = Path("/usr/share/unicode/Unihan_IRGSources.txt.bz2")
UNKNOWN = 99  # a character the database does not know (a Latin letter): after every Han character


@lru_cache(maxsize=1)
def _counts() -> dict[str, int]:
    if not UNIHAN.is_file():
        raise FileNotFoundError(f"{UNIHAN} is missing: install the Debian package unicode-data (make does)")
    counts = {}
    with bz2.open(UNIHAN, "rt", encoding="utf-8") as lines:
        for line in lines:
            if "\tkTotalStrokes\t" in line:
                point, _, value = line.rstrip("\n").split("\t")
                counts[chr(int(point[2:], 16))] = int(value.split()[0])
    return counts


def strokes(char: str) -> int:
    return _counts().get(char, UNKNOWN)


def stroke_key(name: str) -> tuple[tuple[int, int], ...]:
    """Sort key of a name by strokes, character by character."""
    return tuple((strokes(c), ord(c)) for c in name.strip())
