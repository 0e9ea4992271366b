"""A process that lives only under the tests enters through the plug-in seam and runs end to end, `audit verify`
included, with no generic module edited for it (docs/architecture.md § A new process; issue 14).

The process is 职工意见建议 (tests/support/plugin_process): a member files a suggestion about a unit; a union
committee member answers it, unless it concerns their own unit (the guard `actor_outside_unit`, 回避, with its SQL
forms for the 待办 and the recipients); the domain records how many other suggestions about that unit are waiting
(a fact) and tells the unit's heads of the answer (letters in the step's transaction); the page 意见台账 lists what
waits. Its YAML goes into the definitions folder the app is configured with, as an operator's would; the rest comes
in through `bootstrap.create_app(extra=(PROCESS,))`. On SQLite and PostgreSQL.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from support.clocks import TEST_NOW
from support.people import Browser
from support.plugin_process import DEFINITION
from support.plugin_process.guards import NAME as GUARD
from support.plugin_process.plugin import PROCESS

from bootstrap import INSTALLED, create_app
from workflow.accounts.users import create_user
from workflow.cases.guard_sql import queue_form, recipients_form
from workflow.core.clock import ManualClock
from workflow.store.models import Case

ROOT = Path(__file__).resolve().parents[2]
GENERIC = ("bootstrap.py", "wsgi.py", "pyproject.toml", "web", "workflow", "processes", "templates", "definitions",
           "migrations", "translations")
# Names only the test's process uses: none may appear in a generic file.
ITS_NAMES = ("plugin_process", GUARD, "open_on_unit", "SuggestionDomain", "suggestions.register", "意见台账")
TODO = re.compile(r'data-testid="todo-total">(\d+)<')
CASE_LINK = re.compile(r'href="/cases/(\d+)"')


@pytest.fixture
def app(database_url: str, tmp_path: Path):
    """The shipped definitions (and their calendar) with the test's YAML beside them, and the test's plug-in."""
    folder = tmp_path / "definitions"
    shutil.copytree(ROOT / "definitions", folder)
    shutil.copy(DEFINITION, folder)
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": database_url,
                      "UNIONFLOW_STORAGE": str(tmp_path / "storage"), "UNIONFLOW_DEFINITIONS": str(folder)},
                     extra=(PROCESS,))
    app.extensions["unionflow"].clock = ManualClock(TEST_NOW)
    app.extensions["unionflow"].db.create_all()
    yield app
    app.extensions["unionflow"].db.dispose()


@pytest.fixture
def committee(people, service) -> None:
    """Beside the cast (tests/support/people.py: li, zhang of 第一车间 CJ1, liu of 后勤保障部 HQ, the department
    heads sun of CJ1 and zhou of HQ), a union committee member of each of the two units."""
    with service.db.transaction() as session:
        create_user(session, "wei", "password-123", ["union_committee"], "CJ1", "魏委员")
        create_user(session, "gao", "password-123", ["union_committee"], "HQ", "高委员")


def test_no_generic_file_names_the_process() -> None:
    """The process is not installed, not shipped, and named nowhere outside tests/: it entered by the seam only."""
    assert PROCESS.key not in {p.key for p in INSTALLED.processes}
    assert not (ROOT / "definitions" / DEFINITION.name).exists()
    paths = [ROOT / name for name in GENERIC]
    files = [p for path in paths for p in ([path] if path.is_file() else path.rglob("*")) if p.is_file()
             and p.suffix in (".py", ".html", ".yaml", ".toml", ".po", ".md", ".txt", ".cfg", ".ini", ".mako")]
    assert len(files) > 50  # the tree was found
    named = [f"{p.relative_to(ROOT)}: {name}" for p in files for name in ITS_NAMES
             if name in p.read_text(encoding="utf-8", errors="replace")]
    assert named == []


def test_a_suggestion_from_filing_to_audit_through_the_web(app, service, web, committee) -> None:
    li, zhang, liu, gao, wei, sun, zhou = (web(name) for name in ("li", "zhang", "liu", "gao", "wei", "sun", "zhou"))

    # Registered through the seam: the definition from the configured folder, the domain, the page, the SQL forms.
    assert service.workflows.get("suggestion").label.zh == "职工意见建议"
    assert service.domains["suggestion"] is PROCESS.domain
    assert queue_form(GUARD) is not None and recipients_form(GUARD) is not None
    start = li.get("/start").get_data(as_text=True)
    assert "职工意见建议" in start and "/start/suggestion" in start  # the generic 发起 page offers it

    # Filed through the generic 发起 form. The domain records the other open suggestions about the same unit.
    canteen = _file(li, "食堂窗口太少", "CJ1", "午餐高峰时只开两个窗口，排队要二十分钟，建议增开窗口。")
    lockers = _file(zhang, "更衣柜不够用", "CJ1", "第一车间新进职工没有更衣柜，衣物只能放在工位上。")
    parking = _file(liu, "非机动车棚漏雨", "HQ", "后勤楼旁非机动车棚顶棚破损，雨天电动车淋湿。")
    cases = {case_id: _case(service, case_id) for case_id in (canteen, lockers, parking)}
    assert [(c.state, c.data["open_on_unit"]) for c in cases.values()] == [("submitted", 0), ("submitted", 1),
                                                                             ("submitted", 0)]
    number = {case_id: c.number for case_id, c in cases.items()}
    shown = gao.get(f"/cases/{lockers}").get_data(as_text=True)  # the fact, on the generic case page
    assert "同一单位待答复的其他意见（条）" in shown

    # 回避 decides the 待办, counted in SQL through the guard's queue form: each member sees the other unit's only.
    assert _todo(gao) == (2, {canteen, lockers})
    assert _todo(wei) == (1, {parking})
    # ... and who was told of each submission, found in SQL through its recipients form.
    assert _to_do_letters(gao) == {number[canteen], number[lockers]}
    assert _to_do_letters(wei) == {number[parking]}

    # The guard refuses the member of the unit concerned, through the real route, and the case stays as it was.
    refused = _act(wei, service, canteen, "answer", {"reply": "同意增开窗口，已与食堂协商。"})
    assert refused.status_code == 403 and "回避" in refused.get_data(as_text=True)
    assert (_case(service, canteen).state, _case(service, canteen).version) == ("submitted", cases[canteen].version)

    # The member of another unit answers; the domain tells the heads of the unit concerned, and no one else.
    reply = "经与食堂协商，自下周一起午餐高峰增开两个窗口。"
    assert _act(gao, service, canteen, "answer", {"reply": reply}).status_code == 302
    assert _case(service, canteen).state == "answered"
    assert _subjects(sun) == ["职工意见已答复：「食堂窗口太少」"]
    assert reply in sun.get("/inbox").get_data(as_text=True)
    assert _subjects(zhou) == []
    assert f"您的「职工意见建议」{number[canteen]} 已答复：已答复" in _subjects(li)
    assert reply in sun.get(f"/cases/{canteen}").get_data(as_text=True)  # the head may read it (unit_fields)

    # The page: what still waits, for the committee; refused to a member; the menu entry only where it opens.
    register = gao.get("/suggestions")
    assert register.status_code == 200
    listed = set(re.findall(r'<tr data-case="([^"]+)"', register.get_data(as_text=True)))
    assert listed == {number[lockers], number[parking]}
    assert 'href="/suggestions"' in gao.get("/").get_data(as_text=True)
    assert li.get("/suggestions").status_code == 403
    assert 'href="/suggestions"' not in li.get("/").get_data(as_text=True)
    assert web(None).get("/suggestions").status_code == 302  # signed out: to the sign-in page

    # `flask audit verify`: every history intact and replayed through the definition, the guard and the facts.
    verified = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert f"正常 OK   {number[canteen]} (3 条记录, 0 份文件)" in verified.output
    for case_id in (lockers, parking):
        assert f"正常 OK   {number[case_id]} (2 条记录, 0 份文件)" in verified.output

    # ... and it does look at them: the domain's fact changed on the case row is named, the other cases stay clean.
    with service.db.transaction() as session:
        row = session.get(Case, lockers)
        row.data = {**row.data, "open_on_unit": 0}
    broken = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert f"异常 BROKEN {number[lockers]}" in broken.output and "案件当前数据与历史记录重放的结果不符" in broken.output
    assert f"正常 OK   {number[canteen]}" in broken.output and f"正常 OK   {number[parking]}" in broken.output


def _file(browser: Browser, title: str, unit: str, content: str) -> int:
    filed = browser.post("/start/suggestion", {"title": title, "concerned_unit": unit, "content": content,
                                               "intent": "submit"})
    assert filed.status_code == 302, filed.get_data(as_text=True)[:500]
    return int(re.search(r"/cases/(\d+)$", filed.headers["Location"]).group(1))


def _act(browser: Browser, service, case_id: int, trigger: str, data: dict[str, str]):
    """Post the step's form as the case page would, at the case's current version (also for someone whose page
    offers no such form: the route must refuse them itself)."""
    version = _case(service, case_id).version
    return browser.post(f"/cases/{case_id}/actions/{trigger}", {**data, "version": version, "comment": ""})


def _case(service, case_id: int) -> Case:
    with service.db.read() as session:
        case = session.get(Case, case_id)
        session.expunge(case)
        return case


def _todo(browser: Browser) -> tuple[int, set[int]]:
    """The 待办's total (counted in SQL) and the cases it lists."""
    page = browser.get("/tasks/").get_data(as_text=True)
    return int(TODO.search(page).group(1)), {int(i) for i in CASE_LINK.findall(page)}


def _subjects(browser: Browser) -> list[str]:
    page = browser.get("/inbox").get_data(as_text=True)
    return [s.strip() for s in re.findall(r'<button class="btn btn-link[^"]*" type="submit">([^<]+)</button>', page)]


def _to_do_letters(browser: Browser) -> set[str]:
    return {m.group(1) for s in _subjects(browser) if (m := re.match(r"待办：「职工意见建议」(\S+) 待答复$", s))}
