"""The election's stage PDFs (definitions/election.yaml `documents`), on SQLite: an election driven from the plan to
the report to the upper union with a document issuer, and every document read back with the data it must show —
the ballot in ballot order and with no voter on it."""
from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pdfplumber
import pytest
from support.election_desk import CANDIDATES, PLAN, VOTERS, ElectionOffice

from workflow.cases.timers import run_due
from workflow.store.models import Document

ROOT = Path(__file__).resolve().parents[2]


class IssuingOffice(ElectionOffice):
    """test_elections' office, with the stage documents rendered."""

    def __init__(self, database_url: str, tmp_path: Path):
        super().__init__(database_url, tmp_path, issuing=True)

    def pdfs(self, case_id: int) -> list[tuple[str, bytes, str]]:
        """(stage, bytes, text without spaces or line breaks) of each document of the case, in the order issued."""
        with self.db.read() as session:
            shas = [(d.stage, d.sha256) for d in
                    session.query(Document).filter_by(case_id=case_id).order_by(Document.id)]
        out = []
        for stage, sha in shas:
            content = self.service.store.get(sha)
            with pdfplumber.open(io.BytesIO(content)) as pdf:
                text = "".join(p.extract_text() or "" for p in pdf.pages)
            out.append((stage, content, text.replace(" ", "").replace("\n", "")))
        return out


@pytest.fixture
def office(tmp_path):
    office = IssuingOffice(f"sqlite:///{tmp_path / 'e.db'}", tmp_path)
    yield office
    office.db.dispose()


def _dump(docs: list[tuple[str, bytes, str]]) -> None:
    """Keep the PDFs for a look (pdftoppm -png -r 60 test-artifacts/pdfs/election/<stage>.pdf), beside the
    browser tests' screenshots."""
    out = ROOT / "test-artifacts" / "pdfs" / "election"
    out.mkdir(parents=True, exist_ok=True)
    for i, (stage, content, _) in enumerate(docs, 1):
        (out / f"{i:02d}_{stage}.pdf").write_bytes(content)


def test_every_election_document_reads_back(office):
    case_id = office.to_candidates(CANDIDATES)
    office.act("xuan", case_id, "open_voting")
    for voter in ["v01", "v02", "v03", "v04", "v05", "v06", "v07"]:
        office.vote(case_id, voter, yes=["v01", "v02", "v03"], no=["v04"])
    office.vote(case_id, "v08", yes=["v01", "v02"], no=["v04"], write_ins=["v09"])
    office.act("xuan", case_id, "close_voting")
    office.act("xuan", case_id, "count")
    office.act("xuan", case_id, "publish_result")
    office.now = datetime(2026, 12, 10, 2, 0)
    assert len(run_due(office.service, now=office.now).fired) == 1
    office.act("xuan", case_id, "report")
    case = office.case(case_id)
    assert case.state == "reported"

    docs = office.pdfs(case_id)
    _dump(docs)
    assert [stage for stage, _, _ in docs] == ["election_plan", "election_candidates", "election_ballot",
                                               "election_count_report", "election_result_notice",
                                               "election_result_report"]
    text = {stage: t for stage, _, t in docs}
    for stage, t in text.items():
        assert case.number in t and "第1页共1页" in t, stage

    plan = text["election_plan"]
    for value in ("选举工作方案", PLAN["title"], "工会委员会", "3名", "差额选举（差额比例不低于5%）", "第一车间",
                  "按姓氏笔画", "2026年11月27日", "2026年12月4日", "工会基层组织选举工作条例", "待审批"):
        assert value in plan, value

    notice = text["election_candidates"]
    assert "候选人名单公示" in notice and "排名不分先后" in notice and "应选3名" in notice and "差额选举" in notice
    for who in CANDIDATES:
        assert VOTERS[who] in notice
    assert "提出异议" in notice and "2026年11月23日" in notice  # 公示 from the day it was issued

    ballot = text["election_ballot"]
    assert PLAN["title"] in ballot and "选票" in ballot and "第1轮（正式选举）" in ballot and "应选3名" in ballot
    positions = [ballot.index(VOTERS[who]) for who in ["v01", "v03", "v02", "v04"]]  # 王建国, 张伟, 李娜, 赵敏
    assert positions == sorted(positions)
    assert ballot.count("另选他人") >= 3 and "赞成反对弃权" in ballot
    assert "多于应选名额的为废票" in ballot and "划“○”" in ballot and "划“×”" in ballot
    for who in ["v05", "v06", "v07", "v08", "v09", "v10"]:  # voters who are no candidates: none named
        assert VOTERS[who] not in ballot
    assert "xuan" not in ballot and "选举委员" + "（" not in ballot  # nobody's account, no 办理记录

    count = text["election_count_report"]
    for value in ("计票结果报告", "应到选举人数10人", "投票人数8人", "网上投票8人", "有效票8张，废票0张",
                  "王建国候选人800当选", "张伟候选人701当选", "李娜候选人800当选", "赵敏候选人080未当选",
                  "周婷另选他人1——未当选",
                  "超过应到选举人数", "全部当选", "总监票人", "监票人", "计票人"):
        assert value in count, value

    result = text["election_result_notice"]
    assert "当选名单公示" in result and "1王建国第一车间8" in result and "2李娜第一车间8" in result
    assert "赵敏" not in result and "2026年12月" in result

    report = text["election_result_report"]
    for value in ("选举结果报告", "上级工会：", "同级党组织意见：同意", "上级工会意见：同意", "应到选举人10人",
                  "投票8人", "王建国", "张伟", "李娜", "当选3名", "请予批复"):
        assert value in report, value
    assert "赵敏" not in report and "空缺" not in report


def test_a_runoff_ballot_lists_only_the_tied_and_no_write_in_rows(office):
    case_id = office.counted_tie()  # v02 and v04 tie on 6 for the third seat
    office.act("xuan", case_id, "next_round")
    docs = office.pdfs(case_id)
    _dump([(f"runoff_{s}", c, t) for s, c, t in docs if s in ("election_count_report", "election_ballot")])
    count = [t for s, _, t in docs if s == "election_count_report"][-1]
    assert "票数相等须再次投票" in count and "李娜、赵敏" in count and "待再次投票" in count
    ballot = [t for s, _, t in docs if s == "election_ballot"][-1]
    assert "第2轮（再次投票）" in ballot and "应选1名" in ballot and "李娜" in ballot and "赵敏" in ballot
    assert "王建国" not in ballot and "张伟" not in ballot
    assert "不得另选他人" in ballot and "在“另选他人”行" not in ballot  # no write-in rows, and said so
