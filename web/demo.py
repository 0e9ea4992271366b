"""Demo data: org units, a user for every role, proposals in several states, an election taking nominations,
events: one taking sign-ups, a women workers' talk published, a recuperation trip before the 经审委.

Everything goes through the real service, so the demo cases have true histories and
stage PDFs. Running it twice changes nothing.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select

from workflow.accounts import create_user, ensure_unit
from workflow.display import local_date
from workflow.models import Case, User
from workflow.services import CaseService
from workflow.signups import Registrations

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


def load_demo(service: CaseService, say: Callable[[str], None]) -> None:
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
    _election(service, users)
    _events(service, users)
    say(f"演示账户 demo accounts (password for all: {PASSWORD}):")
    for username, display, unit, roles in USERS:
        say(f"  {username:<16} {display:<6} {unit:<4} {', '.join(roles)}")


def _users(service: CaseService) -> dict[str, User]:
    with service.db.read() as session:
        return {u.username: u for u in session.scalars(select(User))}


def _proposals(service: CaseService, u: dict[str, User]) -> None:
    def step(case: Case, trigger: str, who: str, data: dict | None = None, comment: str = "") -> Case:
        service.perform(case.id, trigger, u[who], _version(service, case), data or {}, comment)
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


def _election(service: CaseService, u: dict[str, User]) -> None:
    """第一车间's committee election, nominations open: 张伟 stands, 王芳 has nominated 李娜, who has yet to answer."""
    today = local_date(service.clock())
    case = service.create_case(u["election_guo"], "election", {})
    for trigger, who, data in [
        ("submit_plan", "election_guo", {
            "title": "第一车间工会委员会换届选举", "body": "union_committee", "seats": 3, "mode": "contested",
            "margin_percent": "20", "scope_units": ["CJ1"], "roll_source": "units", "ballot_order": "strokes",
            "nomination_until": (today + timedelta(days=7)).isoformat(),
            "vote_on": (today + timedelta(days=21)).isoformat(),
            "plan_text": "按照《工会基层组织选举工作条例》，差额选举产生第一车间工会委员会委员三名，全体会员无记名投票。"}),
        ("approve_plan", "chair_huang", {"party_consent": "同意", "upper_union_consent": "同意按方案进行换届选举"}),
        ("open_nominations", "election_guo", {}),
        ("nominate", "rep_zhang", {"nominee": "rep_zhang", "nomination_reason": "本人自荐"}),
        ("nominate", "rep_wang", {"nominee": "member_li", "nomination_reason": "工作认真，热心为职工服务"}),
    ]:
        service.perform(case.id, trigger, u[who], _version(service, case), data, None)


def _events(service: CaseService, u: dict[str, User]) -> None:
    """第一车间's sports day taking sign-ups (王芳 and 李娜 are in), the women workers' health talk published, a
    recuperation trip above the chair's limit waiting for the 经审委."""
    today = local_date(service.clock())
    day = today + timedelta(days=18)

    def plan(who: str, **data: object) -> Case:
        case = service.create_case(u[who], "event", {})
        service.perform(case.id, "submit_plan", u[who], 1, {
            "event_date": day.isoformat(), "signup_deadline": (day - timedelta(days=5)).isoformat(), **data}, None)
        return case

    sports = plan("grassroots_cj1", title="第一车间职工趣味运动会", event_type="sports_culture", organiser="grassroots",
                  event_time="14:00—17:00", place="公司体育馆", audience_units=["CJ1"], capacity=30,
                  signup_questions="T恤尺码：S/M/L/XL/XXL",
                  budget_lines="场地费, 800\n奖品, 1500\n饮用水及水果, 300\n文化衫, 900",
                  description="拔河、跳绳、趣味接力三个项目，以班组为单位组队参加，欢迎第一车间全体会员报名。")
    talk = plan("grassroots_hq", title="三八节女职工健康讲座", event_type="training", organiser="women_committee",
                event_time="09:30—11:30", place="综合楼三楼报告厅", women_only=True, capacity=80,
                budget_lines="专家讲课费, 1200\n资料印制, 300",
                description="邀请市妇幼保健院专家讲解女职工常见病预防与健康管理，现场答疑。")
    trip = plan("ucom_he", title="劳动模范和先进职工疗休养", event_type="recuperation", organiser="union_office",
                event_time="三天两晚", place="千岛湖职工疗休养基地", capacity=40,
                budget_lines="住宿, 19200\n餐饮, 14400\n交通, 6000\n保险, 800",
                description="组织本年度劳动模范和先进职工赴职工疗休养基地疗休养三天，费用由工会经费列支。")
    for case, organiser in ((sports, "grassroots_cj1"), (talk, "grassroots_hq")):
        service.perform(case.id, "approve", u["chair_huang"], 2, {}, "同意")
        service.perform(case.id, "publish", u[organiser], 3, {}, None)
    service.perform(trip.id, "approve", u["chair_huang"], 2, {}, "同意，报经审委审核")
    sheet = Registrations(service.db, service.clock)
    sheet.sign_up(sports.id, u["rep_wang"], {"q0": "M"})
    sheet.sign_up(sports.id, u["member_li"], {"q0": "S"})


def _version(service: CaseService, case: Case) -> int:
    with service.db.read() as session:
        return session.get(Case, case.id).version
