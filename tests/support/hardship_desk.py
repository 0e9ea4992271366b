"""The hardship-aid office: the service on the shipped definitions with a clock the test moves, and its cast (the
tests of 困难职工帮扶 and of the tasks that run on it)."""
from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import pdfplumber
import pytest

from bootstrap import domains, load_workflows
from support.desk import Desk
from workflow.accounts.users import create_user, ensure_unit
from workflow.audit.verify import verify
from workflow.cases.service import CaseService
from workflow.cases.timers import run_due
from workflow.documents.issuer import DocumentIssuer
from workflow.documents.pdf import PdfRenderer
from workflow.store.db import Database
from workflow.store.models import Document
from workflow.store.storage import BlobStore

ROOT = Path(__file__).resolve().parents[2]
MONDAY = datetime(2026, 11, 23, 2, 0)        # Monday 23 November 2026, 10:00 in Beijing
PUBLICITY_ENDS = date(2026, 11, 30)          # 5 working days later: the next Monday
CLOSES_AT = datetime(2026, 11, 30, 16, 0)    # 00:00 on 1 December in Beijing, as naive UTC

CAST = {  # username: (name, unit, roles)
    "zhangxm": ("张晓明", "CJ1", ["member"]),
    "wangf": ("王芳", "CJ1", ["member", "representative"]),
    "ganshi": ("刘建华", "CJ1", ["grassroots_union"]),
    "hq_ganshi": ("周磊", "HQ", ["grassroots_union"]),
    "chair": ("黄建国", "GH", ["union_chair"]),
    "cw": ("钱会计", "GH", ["finance"]),
    "song": ("宋洁", "GH", ["auditor"]),
    **{f"c{i}": (name, "GH", ["union_committee"]) for i, name in enumerate(["陈刚", "林静", "何平", "郭涛", "马丽"], 1)},
}
APPLICATION = {
    "category": "serious_illness", "family_size": 4, "monthly_income": "4800", "amount_requested": "3000",
    "description": "妻子患尿毒症需长期透析，每月自付医疗费用约三千元，孩子正在读高中。",
    "bank_account": "6222021234567890123",
}
VISIT = {"visit_date": "2026-11-20", "visitors": "刘建华、赵敏", "findings": "入户核实：家庭四口人，妻子透析治疗，家庭收入主要靠申请人工资，情况属实。"}


class HardshipOffice(Desk):
    """The service on the real definitions folder, with a clock the test moves, and the cast."""

    def __init__(self, database_url: str, tmp_path: Path):
        self.now = MONDAY
        store = BlobStore(tmp_path / "storage")
        issuer = DocumentIssuer(PdfRenderer(ROOT / "templates" / "pdf"), store, "示例公司工会委员会")
        self.db = Database(database_url)
        self.db.create_all()
        self.service = CaseService(self.db, load_workflows(ROOT / "definitions", ROOT / "templates" / "pdf"), store, issuer,
                                   clock=lambda: self.now, domains=domains())
        with self.db.transaction() as session:
            for code, name in {"GH": "工会办公室", "CJ1": "第一车间", "HQ": "后勤保障部"}.items():
                ensure_unit(session, code, name)
            for username, (name, unit, roles) in CAST.items():
                create_user(session, username, "password-123", roles, unit, name)
        self.users = self.load_users()

    def apply(self, **changes) -> int:
        case = self.service.create_case(self.users["zhangxm"], "hardship_aid", {})
        self.act("zhangxm", case.id, "submit", {**APPLICATION, **changes})
        return case.id

    def to_publicity(self, recommended: str = "1800", **changes) -> int:
        case_id = self.apply(**changes)
        self.act("ganshi", case_id, "review", {"eligibility": "eligible", "review_opinion": "符合困难职工帮扶条件"})
        self.act("ganshi", case_id, "visit", {**VISIT, "recommended_amount": recommended})
        return case_id

    def close_publicity(self, case_id: int) -> None:
        self.now = CLOSES_AT
        assert len(run_due(self.service, now=CLOSES_AT).fired) == 1
        assert self.case(case_id).state in ("chair_review", "committee_vote")

    def pdfs(self, case_id: int) -> list[tuple[str, str]]:
        """(stage, text) of each document of the case, in the order issued; spaces and line breaks removed."""
        with self.db.read() as session:
            docs = session.query(Document).filter_by(case_id=case_id).order_by(Document.id).all()
            shas = [(d.stage, d.sha256) for d in docs]
        out = []
        for stage, sha in shas:
            with pdfplumber.open(io.BytesIO(self.service.store.get(sha))) as pdf:
                out.append((stage, "".join(p.extract_text() or "" for p in pdf.pages).replace(" ", "").replace("\n", "")))
        return out

    def verified(self, case_id: int) -> bool:
        with self.db.read() as session:
            return verify(session, self.service.store, self.service.workflows, [case_id]).ok


@pytest.fixture
def office(database_url, tmp_path):
    office = HardshipOffice(database_url, tmp_path)
    yield office
    office.db.dispose()
