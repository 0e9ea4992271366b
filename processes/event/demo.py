"""The events' demo data (`flask demo`), through the real service like the rest of the demo."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from processes.event.signups import Registrations
from workflow.cases.service import CaseService
from workflow.core.display import local_date
from workflow.store.models import Case, User


def load(service: CaseService, u: Mapping[str, User]) -> None:
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
