"""Invariant 9 (docs/architecture.md): the pages run under `script-src 'self'; style-src 'self'`, which blocks
inline styles, inline scripts and event-handler attributes; a page template carrying one would lose it in the
browser (and report a CSP violation). The stage PDFs' templates are rendered by WeasyPrint, not a browser."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BLOCKED = re.compile(r"""\sstyle\s*=|<style[\s>]|<script(?![^>]*\ssrc=)[^>]*>|\son[a-z]+\s*=\s*["']""", re.I)


def _pages() -> list[Path]:
    folders = [ROOT / "templates", *(ROOT / "tests" / "support").glob("*/templates")]
    return [p for folder in folders for p in folder.rglob("*.html") if "pdf" not in p.relative_to(folder).parts]


def test_no_page_template_carries_what_the_csp_blocks() -> None:
    pages = _pages()
    assert len(pages) > 20  # the templates were found
    found = [f"{p.relative_to(ROOT)}:{n}: {line.strip()[:80]}" for p in pages
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if BLOCKED.search(line)]
    assert found == []


def test_the_check_sees_each_kind() -> None:
    for line in ('<td style="height:1rem">', "<style>td{}</style>", "<script>alert(1)</script>",
                 '<a onclick="go()">'):
        assert BLOCKED.search(line), line
    for line in ('<script src="/static/app.js"></script>', '<td class="styled">', '<a data-on="x">'):
        assert not BLOCKED.search(line), line
