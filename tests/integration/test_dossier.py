"""The auditor's case dossier (one PDF: cover, 卷内目录, 办理记录, the stored stage documents, 备考表) and the CSV
export of histories read back: pages, bookmarks, text, a missing document, formula neutralisation."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from workflow.audit.dossier import build_dossier
from workflow.audit.export import BOM, HEADERS, histories_csv, neutralise
from workflow.store.models import Case, HistoryEntry

DOCUMENTS = ["提案表", "立案通知书", "提案交办单", "提案答复函", "提案人评价表", "提案办理结果"]


def dossier(service, case_id: int) -> PdfReader:
    with service.db.read() as session:
        case = session.get(Case, case_id)
        content = build_dossier(session, case, service.workflows, service.store, service.issuer.renderer,
                                service.issuer.org_name, compiled_by="宋洁（审计）",
                                compiled_at=service.clock())
    assert content.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(content))


def outline(reader: PdfReader) -> list[tuple[str, int]]:
    return [(item.title, reader.get_destination_page_number(item)) for item in reader.outline]


def text(reader: PdfReader, first: int, last: int | None = None) -> str:
    pages = reader.pages[first:(first + 1 if last is None else last)]
    return "".join((page.extract_text() or "") for page in pages).replace(" ", "").replace("\n", "")


def stored_pages(service, sha256: str) -> list:
    return list(PdfReader(io.BytesIO(service.store.get(sha256))).pages)


@pytest.fixture
def archived(api):
    return api.walk_to("archived")


def test_dossier_holds_cover_history_and_every_stored_document(service, archived):
    reader = dossier(service, archived["id"])
    marks = outline(reader)
    titles = [t for t, _ in marks]
    assert titles == ["封面", "卷内目录", "办理记录", *[f"{i}. {t}" for i, t in enumerate(DOCUMENTS, 1)], "卷内备考表"]
    pages = dict(marks)
    assert [p for _, p in marks] == sorted(p for _, p in marks) and pages["封面"] == 0

    # page count: the dossier's own pages plus every page of every stored document
    front = pages["1. 提案表"]
    notes = len(reader.pages) - pages["卷内备考表"]
    documents = archived["documents"]
    enclosed = [stored_pages(service, d["sha256"]) for d in documents]
    assert front >= 3 and notes == 1
    assert len(reader.pages) == front + sum(len(e) for e in enclosed) + notes

    # each stored page sits in its slot unchanged but for the volume's page number stamped on it
    at = front
    for (title, first), own in zip(marks[3:-1], enclosed):
        assert first == at, title
        for offset, page in enumerate(own):
            original = (page.extract_text() or "").replace(" ", "").replace("\n", "")
            filed = text(reader, at)
            assert original and original in filed and f"卷内第{at + 1}页" in filed, (title, offset)
            at += 1
    assert reader.pages[pages["办理记录"]].mediabox.width > reader.pages[pages["办理记录"]].mediabox.height  # 横排

    cover = text(reader, 0)
    for value in [service.issuer.org_name, "案卷", "职代会提案", archived["number"], "关于改善职工食堂就餐环境的提案",
                  "张伟（第一车间）", "已归档（已办结）", "办理记录8条", "文书6件", "宋洁（审计）",
                  f"第1页共{len(reader.pages)}页"]:
        assert value in cover, value
    contents = text(reader, pages["卷内目录"], pages["办理记录"])
    for title in DOCUMENTS:
        assert title in contents
    assert f"{pages['6. 提案办理结果'] + 1}" in contents

    history = text(reader, pages["办理记录"], front)
    with service.db.read() as session:
        entries = list(session.scalars(select(HistoryEntry).where(HistoryEntry.case_id == archived["id"])
                                      .order_by(HistoryEntry.seq)))
    for value in ["序号", "办理人", "角色", "操作", "状态变化", "意见", "文书", "事件哈希",
                  "创建草稿", "提交提案", "附议", "立案", "答复", "评价", "归档",
                  "提案审查→办理中", "待归档→已归档", "提案工作委员会", "承办部门负责人", "赵敏", "周磊",
                  "同意立案", "改造方案切实可行，表示满意", "办理完毕"]:
        assert value in history, value
    for entry in entries:
        assert entry.hash[:12] in history
        for digest in entry.documents:
            assert digest[:12] in history
    first = entries[0].at + timedelta(hours=8)  # stored in UTC, shown in Beijing time
    assert f"{first.year}年{first.month}月{first.day}日{first:%H:%M}" in history

    notes_text = text(reader, pages["卷内备考表"], None)
    assert "办理记录哈希链完整" in notes_text and entries[-1].hash in notes_text
    assert reader.metadata.title.startswith(f"案卷 {archived['number']}")


def test_missing_or_altered_document_gets_a_page_instead(service, archived):
    documents = archived["documents"]
    service.store.path(documents[3]["sha256"]).unlink()                     # 提案答复函: gone
    altered = service.store.path(documents[1]["sha256"])                    # 立案通知书: edited
    altered.write_bytes(altered.read_bytes()[:2000])

    reader = dossier(service, archived["id"])
    marks = outline(reader)
    pages = dict(marks)
    assert [t for t, _ in marks][3:-1] == ["1. 提案表", "2. 立案通知书（文书缺失）", "3. 提案交办单",
                                          "4. 提案答复函（文书缺失）", "5. 提案人评价表", "6. 提案办理结果"]
    for title, doc in (("2. 立案通知书（文书缺失）", documents[1]), ("4. 提案答复函（文书缺失）", documents[3])):
        page = text(reader, pages[title])
        assert "文书缺失" in page and doc["sha256"] in page and doc["title"] in page
    assert "存储中找不到该文件" in text(reader, pages["4. 提案答复函（文书缺失）"])
    assert "不符" in text(reader, pages["2. 立案通知书（文书缺失）"])

    present = [stored_pages(service, d["sha256"]) for i, d in enumerate(documents) if i not in (1, 3)]
    assert len(reader.pages) == pages["1. 提案表"] + sum(len(p) for p in present) + 2 + 1
    assert "缺失2件" in text(reader, 0)
    notes = text(reader, pages["卷内备考表"], None)
    assert "发现" in notes and "《提案答复函》缺失" in notes and "《立案通知书》被改动" in notes


def test_long_history_runs_over_pages_with_the_header_repeated(service, api):
    case = api.walk_to("committee_review")
    reason = "请补充食堂现有座位数、就餐人数的统计数据，并说明错峰开饭对各班组作息的影响；新风设备的选型、预算和资金来源也需写明。"
    for round_ in range(1, 4):
        case = api.act("zhao", case, "return", None, f"第{round_}次退回：" + reason * 4)
        case = api.act("zhang", case, "submit", None, f"已按意见补充修改（第{round_}次）。")
    reader = dossier(service, case["id"])
    pages = dict(outline(reader))
    first, end = pages["办理记录"], pages["1. 提案表"]
    assert end - first >= 2
    for number in range(first, end):
        page = text(reader, number)
        assert all(h in page for h in ("序号", "办理人", "状态变化", "事件哈希")), number
        assert f"第{number + 1}页共{len(reader.pages)}页" in page
    history = text(reader, first, end)
    assert "第3次退回" in history and "已按意见补充修改（第3次）" in history
    assert len(case["history"]) == 10


def test_a_case_without_documents_still_has_its_dossier(service, api):
    case = api.create()
    marks = outline(dossier(service, case["id"]))
    assert [t for t, _ in marks] == ["封面", "卷内目录", "办理记录", "卷内备考表"]


def read_csv(content: str) -> list[list[str]]:
    assert content.startswith(BOM) and content.encode("utf-8").startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.removeprefix(BOM), newline="")))


def test_csv_has_one_row_per_event_with_chinese_labels(service, archived, api):
    draft = api.create("wang")
    with service.db.read() as session:
        cases = [session.get(Case, archived["id"]), session.get(Case, draft["id"])]
        content = histories_csv(session, cases, service.workflows)
        entries = list(session.scalars(select(HistoryEntry).where(HistoryEntry.case_id == archived["id"])
                                      .order_by(HistoryEntry.seq)))
    rows = read_csv(content)
    header, body = rows[0], rows[1:]
    assert header == list(HEADERS)
    assert header[:14] == ["案件编号", "流程", "序号", "时间", "办理人账号", "办理人", "角色", "单位", "操作", "原状态",
                           "新状态", "意见", "文书哈希", "事件哈希"]
    assert len(body) == len(entries) + 1
    col = {name: i for i, name in enumerate(header)}
    ours = [r for r in body if r[col["案件编号"]] == archived["number"]]
    assert [r[col["序号"]] for r in ours] == [str(e.seq) for e in entries]
    assert [r[col["操作"]] for r in ours] == ["创建草稿", "提交提案", "附议", "附议", "立案", "答复", "评价", "归档"]
    assert [r[col["办理人"]] for r in ours] == ["张伟", "张伟", "王芳", "刘洋", "赵敏", "周磊", "张伟", "赵敏"]
    assert {r[col["流程"]] for r in body} == {"职代会提案"}
    accept = ours[4]
    assert (accept[col["办理人账号"]], accept[col["角色"]], accept[col["单位"]]) == ("zhao", "提案工作委员会", "工会办公室")
    assert (accept[col["原状态"]], accept[col["新状态"]], accept[col["意见"]]) == ("提案审查", "办理中", "同意立案")
    assert (accept[col["操作代码"]], accept[col["原状态代码"]], accept[col["新状态代码"]]) == (
        "accept", "committee_review", "handling")
    assert ours[0][col["原状态"]] == "" and ours[0][col["新状态"]] == "草稿"
    assert [r[col["事件哈希"]] for r in ours] == [e.hash for e in entries]
    assert [r[col["前序哈希"]] for r in ours] == [e.prev_hash for e in entries]
    assert [r[col["文书哈希"]] for r in ours] == [";".join(e.documents) for e in entries]
    assert accept[col["文书哈希"]].count(";") == 1  # 立案通知书 and 交办单 in one step
    assert ours[0][col["时间"]] == (entries[0].at + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")
    assert body[-1][col["案件编号"]] == draft["number"] and body[-1][col["办理人账号"]] == "wang"


def test_csv_round_trips_tricky_comments_and_neutralises_formulas(service, api):
    tricky = '他说："同意，但预算要细化"，\n第二行, 带逗号；\n第三行 "引号"'
    formulas = ['=HYPERLINK("http://example.com","点我")', "@SUM(A1:A9)", "+1+1", "-2+3"]
    case = api.create()
    case = api.act("zhang", case, "submit", None, formulas[0])
    case = api.act("wang", case, "second", None, tricky)
    case = api.act("liu", case, "second", None, formulas[1])
    case = api.act("zhao", case, "return", None, formulas[2])
    case = api.act("zhang", case, "submit", None, formulas[3])
    with service.db.read() as session:
        content = histories_csv(session, [session.get(Case, case["id"])], service.workflows)
        stored = [e.comment for e in session.scalars(select(HistoryEntry).where(HistoryEntry.case_id == case["id"])
                                                     .order_by(HistoryEntry.seq))]
    assert stored[2] == tricky  # what the engine kept is what the export must give back
    comments = [row[HEADERS.index("意见")] for row in read_csv(content)[1:]]
    assert comments[2] == tricky
    assert [comments[1], comments[3], comments[4], comments[5]] == ["'" + f for f in formulas]
    assert not any(c.startswith(("=", "+", "-", "@")) for row in read_csv(content)[1:] for c in row)


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+86 138", "'+86 138"), ("-5", "'-5"), ("@cmd", "'@cmd"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("同意", "同意"), ("a=b", "a=b"), ("", ""), (None, ""), (12, "12"),
])
def test_neutralise(value, expected):
    assert neutralise(value) == expected
