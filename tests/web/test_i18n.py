"""The English switch: every UI string in the catalogue, the main pages in English, and back to 中文."""
from __future__ import annotations

import html
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

from workflow.store.models import Case, HistoryEntry, Document, OrgUnit, User

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)s")
HAN = re.compile(r"[\u3400-\u9fff]+")
NAV_ZH = ["工作台", "待办", "已办", "我的申请", "发起", "修改密码", "退出", "工会流程平台"]
NAV_EN = ["Dashboard", "To do", "Done", "My requests", "New request", "Change password", "Sign out"]


def _read_po():
    with PO.open("rb") as f:
        return read_po(f)


def _compile_catalogue() -> None:
    """`make test` compiles the .mo; a bare `pytest` run gets it here, before any page is drawn (Flask-Babel keeps
    a catalogue once loaded). Atomic, for parallel workers."""
    if MO.exists() and MO.stat().st_mtime >= PO.stat().st_mtime:
        return
    fd, tmp = tempfile.mkstemp(dir=MO.parent, suffix=".mo.tmp")
    with os.fdopen(fd, "wb") as out:
        write_mo(out, _read_po())
    os.replace(tmp, MO)


_compile_catalogue()


# -- the catalogue ------------------------------------------------------------------------------


def test_catalogue_has_no_untranslated_or_fuzzy_entries():
    catalogue = _read_po()
    assert not catalogue.fuzzy, "the .po header is marked fuzzy: pybabel compile would skip the whole catalogue"
    untranslated = [m.id for m in catalogue if m.id and not m.string]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    placeholders = [m.id for m in catalogue if m.id and m.string
                    and sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string))]
    assert not untranslated, f"translate these in {PO.relative_to(ROOT)}: {untranslated}"
    assert not fuzzy, f"review these fuzzy entries and drop the flag: {fuzzy}"
    assert not placeholders, f"%(name)s placeholders differ: {placeholders}"
    assert len(catalogue) > 150


def _keywords() -> list[str]:
    """The -k options of the Makefile's extraction, so this test extracts exactly as `make translations` does."""
    match = re.search(r"^BABEL_KEYWORDS\s*:=\s*(.+)$", (ROOT / "Makefile").read_text(), re.M)
    assert match, "BABEL_KEYWORDS not found in the Makefile"
    return shlex.split(match.group(1))


def test_every_extracted_msgid_is_in_the_catalogue(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg",
                    *_keywords(), "-o", str(pot), "."], cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as f:
        messages = [m for m in read_po(f) if m.id]
    extracted = {m.id for m in messages}
    translated = {m.id for m in _read_po() if m.id and m.string and not m.fuzzy}
    assert len(extracted) > 150
    missing = sorted(extracted - translated)
    assert not missing, f"new UI strings without an English translation (run `make translations`): {missing}"
    assert not [m.id for m in messages for path, _ in m.locations if path.startswith("templates/pdf/")]  # stay 中文


# -- the pages in English -----------------------------------------------------------------------


def _english(web, who: str | None):
    browser = web(who)
    assert browser.post("/lang", {"lang": "en", "next": "/"}).status_code == 302
    return browser


def _data_strings(service, app) -> list[str]:
    """Everything Chinese that is people's data, not UI: names, units, what was filed, comments, PDF titles."""
    found: set[str] = {app.config["UNIONFLOW_ORG_NAME"], "中文"}

    def walk(value):
        if isinstance(value, str):
            found.add(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    with service.db.read() as session:
        found.update(session.scalars(select(User.display_name)))
        found.update(session.scalars(select(OrgUnit.name)))
        found.update(c for c in session.scalars(select(HistoryEntry.comment)) if c)
        found.update(session.scalars(select(Document.title)))
        for data in session.scalars(select(Case.data)):
            walk(data)
    return sorted((s for s in found if s), key=len, reverse=True)


def _untranslated(page: str, data: list[str]) -> list[str]:
    """Chinese left on a page once people's data is taken out: UI text that did not follow the language."""
    for text in data:
        page = page.replace(text, "").replace(html.escape(text), "")
    return [page[max(0, m.start() - 60):m.end() + 20] for m in HAN.finditer(page)]


def _nav(page: str) -> str:
    return page.split("<main", 1)[0]


def test_main_pages_in_english(app, web, api, service):
    case = api.walk_to("handling")
    zhang = _english(web, "zhang")
    pages = {path: zhang.get(path) for path in ("/", "/tasks/", "/tasks/done", "/requests", "/start", "/start/proposal",
                                                f"/cases/{case['id']}", "/password")}
    data = _data_strings(service, app)
    for path, response in pages.items():
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        assert '<html lang="en"' in page, path
        for text in NAV_EN:
            assert text in _nav(page), (path, text)
        for text in NAV_ZH:
            assert text not in _nav(page), (path, text)
        assert not _untranslated(page, data), (path, _untranslated(page, data))

    home = pages["/"].get_data(as_text=True)
    assert "<h1" in home and ">Dashboard</h1>" in home and "Waiting for me" in home and "Recent activity" in home
    assert ">To do <span" in pages["/tasks/"].get_data(as_text=True)
    assert ">My requests <span" in pages["/requests"].get_data(as_text=True)
    start = pages["/start"].get_data(as_text=True)
    assert ">New request</h1>" in start and "Congress proposal" in start and "职代会提案" not in start
    assert "proposal to the congress: seconded, registered" in start and "经附议" not in start  # its description
    assert "New request: Congress proposal" in pages["/start/proposal"].get_data(as_text=True)
    assert ">Change password</h1>" in pages["/password"].get_data(as_text=True)

    shown = pages[f"/cases/{case['id']}"].get_data(as_text=True)
    assert "Congress proposal" in shown and "Being handled" in shown and "History" in shown
    assert "Process diagram" in shown and "Documents" in shown and "Step 1" in shown
    assert "(Workers&#39; representative)" in shown or "(Workers' representative)" in shown  # the acting role
    assert "(Proposal committee)" in shown and "Title" in shown  # the role and a field label, in English
    assert "Due: " in shown and "Applicant: " in shown


def test_forms_flashes_and_refusals_in_english(app, web, api):
    zhang = _english(web, "zhang")
    draft = zhang.post("/start/proposal", {"intent": "draft", "title": "关于食堂的提案"})
    assert draft.status_code == 302
    page = zhang.get(draft.headers["Location"]).get_data(as_text=True)
    assert "Draft saved: TA-" in page and "Draft created" in page and "(Applicant)" in page
    refused = zhang.post("/password", {"current_password": "password-123", "new_password": "new-password-1",
                                       "new_password_again": "other-password-1"})
    assert refused.status_code == 422 and "The two new passwords do not match" in refused.get_data(as_text=True)


def test_login_and_error_pages_in_english(app, web, people):
    visitor = _english(web, None)
    login = visitor.get("/login").get_data(as_text=True)
    assert ">Sign in</h1>" in login and "Username" in login and "Password" in login and "登录" not in login
    assert "Please sign in first" in visitor.get("/tasks/", follow_redirects=True).get_data(as_text=True)
    refused = visitor.post("/login", {"username": "zhang", "password": "wrong-password"})
    assert refused.status_code == 401 and "用户名或密码不正确" not in refused.get_data(as_text=True)

    zhang = _english(web, "zhang")
    missing = zhang.get("/no-such-page")
    page = missing.get_data(as_text=True)
    assert missing.status_code == 404 and '<html lang="en"' in page
    assert re.search(r'<h1 class="h4">Page not found</h1>', page)
    assert "请求的内容不存在" not in page and "Back to the dashboard" in page and "Dashboard" in _nav(page)
    forbidden = zhang.get("/admin/users")
    assert forbidden.status_code == 403 and "<h1" in forbidden.get_data(as_text=True)
    assert not HAN.search(forbidden.get_data(as_text=True).split("<main", 1)[1].split("</main>")[0])
    gone = zhang.get("/cases/999999")
    assert gone.status_code == 404 and not HAN.search(gone.get_data(as_text=True).split("<main", 1)[1]
                                                     .split("</main>")[0])


def test_switching_back_to_chinese(app, web, people):
    zhang = _english(web, "zhang")
    assert "Dashboard" in zhang.get("/").get_data(as_text=True)
    assert zhang.post("/lang", {"lang": "zh_CN", "next": "/start"}).headers["Location"] == "/start"
    page = zhang.get("/start").get_data(as_text=True)
    assert '<html lang="zh-CN"' in page and "职代会提案" in page and "Congress proposal" not in page
    assert "经附议、立案、交办、答复和评价办结" in page  # what the process is for, on its card
    for text in NAV_ZH:
        assert text in _nav(page), text
    for text in ("Dashboard", "My requests", "Sign out"):
        assert text not in page
    missing = zhang.get("/no-such-page").get_data(as_text=True)
    assert '<h1 class="h4">请求的内容不存在</h1>' in missing and "Not Found" in missing  # English beneath


@pytest.mark.parametrize("lang, expected", [("en", "Congress proposal"), ("zh_CN", "职代会提案")])
def test_definition_labels_follow_the_language(app, web, people, lang, expected):
    zhang = web("zhang")
    zhang.post("/lang", {"lang": lang, "next": "/"})
    assert expected in zhang.get("/start").get_data(as_text=True)
