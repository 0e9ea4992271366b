"""An event office for the tests: the organiser, the chair, the 经审委, members of two units; a plan; steps through
the service up to the sign-up."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from support.desk import Desk

from processes.event.signups import Registrations
from workflow.accounts.users import create_user, ensure_unit

MONDAY = datetime(2026, 11, 23, 2, 0)          # 10:00 in Beijing
AFTER_DEADLINE = datetime(2026, 12, 6, 2, 0)   # the day after the sign-up deadline
MEMBERS = {f"m{i:02d}": (name, gender) for i, (name, gender) in enumerate(
    [("王芳", "female"), ("李强", "male"), ("张丽", "female"), ("刘军", "male"), ("陈红", "female"),
     ("杨洋", "male"), ("赵霞", "female"), ("黄涛", "male"), ("周敏", "female"), ("吴斌", "male")], 1)}
PLAN = {"title": "第一车间职工趣味运动会", "event_type": "sports_culture", "organiser": "grassroots",
        "event_date": "2026-12-12", "event_time": "14:00—17:00", "place": "公司体育馆", "audience_units": ["CJ1"],
        "capacity": 5, "signup_deadline": "2026-12-05",
        "budget_lines": "场地费, 800\n奖品, 1500\n饮用水及水果, 300",
        "description": "拔河、跳绳、趣味接力三个项目，以车间班组为单位组队参加。"}


class EventOffice(Desk):
    def __init__(self, database_url: str, tmp_path: Path, issuing: bool = False):
        self.open(database_url, tmp_path, MONDAY, issuing)
        self.sheet = Registrations(self.db, clock=lambda: self.now)
        with self.db.transaction() as session:
            ensure_unit(session, "GH", "工会办公室")
            ensure_unit(session, "CJ1", "第一车间")
            ensure_unit(session, "CJ2", "第二车间")
            create_user(session, "zuzhi", "password-123", ["grassroots_union", "member"], "CJ1", "孙组织")
            create_user(session, "chair", "password-123", ["union_chair"], "GH", "黄建国")
            create_user(session, "jingshen", "password-123", ["audit_committee"], "GH", "郑经审")
            create_user(session, "other", "password-123", ["member"], "CJ2", "钱二车")
            for username, (name, gender) in MEMBERS.items():
                create_user(session, username, "password-123", ["member"], "CJ1", name, gender=gender)
        self.users = self.load_users()

    def plan(self, **changes) -> int:
        """A plan filed and waiting for the chair."""
        case_id = self.service.create_case(self.users["zuzhi"], "event", {}).id
        self.act("zuzhi", case_id, "submit_plan", {**PLAN, **changes})
        return case_id

    def published(self, **changes) -> int:
        """Approved by the chair (a budget within the chair's limit) and published: sign-up open."""
        case_id = self.plan(**changes)
        self.act("chair", case_id, "approve")
        self.act("zuzhi", case_id, "publish")
        return case_id

    def sign_up(self, case_id: int, who: str, **answers) -> str:
        return self.sheet.sign_up(case_id, self.users[who], answers)
