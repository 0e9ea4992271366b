"""Demo data: org units, a user for every role, proposals in several states; then each installed process's own
(processes/<key>/demo.py: an election taking nominations, events taking sign-ups).

Everything goes through the real service, so the demo cases have true histories and
stage PDFs. Running it twice changes nothing.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import func, select

from web.plugins import Process
from workflow.accounts.users import create_user, ensure_unit
from workflow.cases.service import CaseService
from workflow.store.models import Case, User

PASSWORD = "demo-2026"

UNITS = [("GH", "工会办公室"), ("CJ1", "第一车间"), ("HQ", "后勤保障部")]

# username, display name, unit, roles
USERS = [
    ("rep_zhang", "张伟", "CJ1", ["representative", "member"]),
    ("rep_wang", "王芳", "CJ1", ["representative", "member"]),
    ("rep_liu", "刘洋", "HQ", ["representative", "member"]),
    ("member_li", "李娜", "CJ1", ["member"]),
    ("member_chen", "陈静", "HQ", ["member"]),
    ("committee_zhao", "赵敏", "GH", ["proposal_committee", "member"]),
    ("head_cj1", "孙强", "CJ1", ["department_head", "member"]),
    ("head_hq", "周磊", "HQ", ["department_head", "member"]),
    ("grassroots_cj1", "吴霞", "CJ1", ["grassroots_union", "member"]),
    ("grassroots_hq", "郑洁", "HQ", ["grassroots_union", "member"]),
    ("chair_huang", "黄建国", "GH", ["union_chair", "union_committee", "member"]),
    ("ucom_he", "何丽", "GH", ["union_committee", "member"]),
    ("ucom_lin", "林涛", "HQ", ["union_committee", "member"]),
    ("audit_com_ma", "马骏", "GH", ["audit_committee", "member"]),
    ("election_guo", "郭颖", "GH", ["election_committee", "member"]),
    ("finance_xu", "徐慧", "GH", ["finance"]),
    ("auditor_song", "宋洁", "GH", ["auditor"]),
    ("admin", "系统管理员", "GH", ["admin"]),
]

PROPOSAL = {
    "title": "关于改善职工食堂就餐环境的提案",
    "category": "welfare",
    "reason": "第一车间职工食堂就餐高峰时座位不足，排队时间长；夏季通风不良，部分职工只能回车间就餐。",
    "suggestion": "一是增加就餐座位并错峰开饭；二是加装新风与空调设备；三是设立职工意见箱，每季度公布改进情况。",
}
SECOND_TITLE = "关于增设夜班职工休息室的提案"
WOMEN = {"rep_wang", "member_li", "member_chen", "committee_zhao", "grassroots_cj1", "grassroots_hq", "ucom_he",
         "election_guo", "finance_xu", "auditor_song"}


def load_demo(service: CaseService, processes: Sequence[Process], say: Callable[[str], None]) -> None:
    with service.db.transaction() as session:
        if session.scalar(select(func.count()).select_from(User)):
            say("演示数据已存在 demo data already present; nothing changed")
            return
        for code, name in UNITS:
            ensure_unit(session, code, name)
        for username, display, unit, roles in USERS:
            create_user(session, username, PASSWORD, roles, unit, display,
                        gender="female" if username in WOMEN else "male")
    users = _users(service)
    _proposals(service, users)
    for process in processes:
        if process.demo is not None:
            process.demo(service, users)
    say(f"演示账户 demo accounts (password for all: {PASSWORD}):")
    for username, display, unit, roles in USERS:
        say(f"  {username:<16} {display:<6} {unit:<4} {', '.join(roles)}")


def _users(service: CaseService) -> dict[str, User]:
    with service.db.read() as session:
        return {u.username: u for u in session.scalars(select(User))}


def _proposals(service: CaseService, u: dict[str, User]) -> None:
    def step(case: Case, trigger: str, who: str, data: dict | None = None, comment: str = "") -> Case:
        service.perform(case.id, trigger, u[who], version_of(service, case), data or {}, comment)
        return case

    def new(title: str) -> Case:
        return service.create_case(u["rep_zhang"], "proposal", {**PROPOSAL, "title": title})

    service.create_case(u["rep_wang"], "proposal", {"title": "关于开展职工技能培训的提案（草稿）"})
    seconding = step(new("关于增加职工体检项目的提案"), "submit", "rep_zhang")
    step(seconding, "second", "rep_wang", comment="同意，体检项目多年未调整")
    step(step(step(new(SECOND_TITLE), "submit", "rep_zhang"), "second", "rep_wang"), "second", "rep_liu")
    handling = step(step(step(new(PROPOSAL["title"]), "submit", "rep_zhang"), "second", "rep_wang", comment="附议"),
                    "second", "rep_liu", comment="后勤部同样存在此问题")
    step(handling, "accept", "committee_zhao", {"lead_unit": "HQ", "co_units": ["CJ1"]}, "同意立案，请后勤保障部主办")
    step(handling, "reply", "head_hq", {"reply": "已制定食堂改造方案，增设座位 120 个，实行两批次错峰就餐。",
                                        "measures": "12 月底前完成新风系统安装；设立意见箱并每季度公示。",
                                        "status": "planned"}, "按计划推进")
    step(handling, "evaluate", "rep_zhang", {"satisfaction": "satisfied"}, "改造方案切实可行，表示满意")
    step(handling, "archive", "committee_zhao", comment="办理完毕，归档")
    rejected = step(step(step(new("关于调整全员工资标准的提案"), "submit", "rep_zhang"), "second", "rep_wang"),
                    "second", "rep_liu")
    step(rejected, "reject", "committee_zhao", {"reject_reason": "属于企业薪酬政策调整，不属于提案受理范围。",
                                                "forward_unit": "GH"}, "转工会办公室作为意见建议")


def version_of(service: CaseService, case: Case) -> int:
    with service.db.read() as session:
        return session.get(Case, case.id).version
