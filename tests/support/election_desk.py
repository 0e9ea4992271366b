"""An election office for the tests: the cast, the plan, and steps through the service up to the vote."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from support.desk import Desk
from sqlalchemy import select

from processes.election.ballots import BallotBox, Marks
from processes.election.models import ElectionRound
from workflow.accounts.users import create_user, ensure_unit
from workflow.cases.timers import run_due

MONDAY = datetime(2026, 11, 23, 2, 0)          # 10:00 in Beijing
AFTER_NOTICE = datetime(2026, 12, 1, 2, 0)     # 5 working days later, and then some
VOTERS = {f"v{i:02d}": name for i, name in enumerate(
    ["王建国", "李娜", "张伟", "赵敏", "刘洋", "陈静", "杨帆", "黄磊", "周婷", "吴刚"], 1)}
PLAN = {"title": "第一车间工会委员会换届选举", "body": "union_committee", "seats": 3, "mode": "contested",
        "margin_percent": "5", "scope_units": ["CJ1"], "roll_source": "units", "ballot_order": "strokes", "nomination_until": "2026-11-27",
        "vote_on": "2026-12-04", "plan_text": "按照工会基层组织选举工作条例，差额选举产生第一车间工会委员会委员三名。"}


class ElectionOffice(Desk):
    """`issuing`: with the stage documents rendered (WeasyPrint, about a second each), into the storage the app of
    the web tests reads (tmp_path/storage)."""

    def __init__(self, database_url: str, tmp_path: Path, issuing: bool = False):
        self.open(database_url, tmp_path, MONDAY, issuing)
        self.box = BallotBox(self.db)
        with self.db.transaction() as session:
            ensure_unit(session, "GH", "工会办公室")
            ensure_unit(session, "CJ1", "第一车间")
            create_user(session, "xuan", "password-123", ["election_committee"], "GH", "选举委员")
            create_user(session, "jipiao", "password-123", ["election_committee"], "GH", "计票人")
            create_user(session, "chair", "password-123", ["union_chair"], "GH", "黄建国")
            for username, name in VOTERS.items():
                create_user(session, username, "password-123", ["member"], "CJ1", name)
        self.users = self.load_users()

    def to_candidates(self, candidates: list[str], **plan) -> int:
        """Through the candidates' 公示, closed by the timers: ready to open voting."""
        case_id = self.to_notice(candidates, **plan)
        self.now = AFTER_NOTICE
        assert len(run_due(self.service, now=AFTER_NOTICE).fired) == 1
        assert self.case(case_id).state == "candidates_final"
        return case_id

    def to_notice(self, candidates: list[str], **plan) -> int:
        """Plan approved, nominations (one self-nomination, the rest nominated and accepted), all qualified,
        the candidates on public notice (公示)."""
        case_id = self.service.create_case(self.users["xuan"], "election", {}).id
        self.act("xuan", case_id, "submit_plan", {**PLAN, **plan})
        self.act("chair", case_id, "approve_plan", {"party_consent": "同意", "upper_union_consent": "同意"})
        self.act("xuan", case_id, "open_nominations")
        for i, who in enumerate(candidates):
            nominator = who if i == 0 else candidates[0]
            self.act(nominator, case_id, "nominate", {"nominee": who, "nomination_reason": "群众基础好"})
            if i:
                self.act(who, case_id, "accept_nomination")
        self.act("xuan", case_id, "close_nominations")
        for who in candidates:
            self.act("xuan", case_id, "review_candidates", {"candidate": who, "qualified": "yes",
                                                            "review_reason": "符合条件"})
        self.act("xuan", case_id, "publish_candidates")
        return case_id

    def vote(self, case_id: int, voter: str, yes: list[str], no: list[str] = (), write_ins: tuple = ()) -> str:
        marks = {**{c: "yes" for c in yes}, **{c: "no" for c in no}}
        return self.box.cast(case_id, self.users[voter], Marks(marks, tuple(write_ins)))

    def counted_tie(self) -> int:
        """An election whose first round is counted with a tie for the last seat: all ten vote; v01 and v03 pass
        with 8; v02 and v04 tie on 6 (more than half of 10) for the third."""
        case_id = self.to_candidates(CANDIDATES)
        self.act("xuan", case_id, "open_voting")
        for voter in ["v01", "v02", "v03", "v04", "v05", "v06", "v07", "v08"]:
            self.vote(case_id, voter, yes=["v01", "v03", "v02" if voter <= "v04" else "v04"])
        for voter in ["v09", "v10"]:
            self.vote(case_id, voter, yes=["v02", "v04"])
        self.act("xuan", case_id, "close_voting")
        self.act("xuan", case_id, "count")
        return case_id

    def round_(self, case_id: int) -> ElectionRound:
        with self.db.read() as session:
            found = session.scalar(select(ElectionRound).where(ElectionRound.case_id == case_id)
                                   .order_by(ElectionRound.number.desc()).limit(1))
            session.expunge(found)
            return found


CANDIDATES = ["v03", "v01", "v02", "v04"]  # 张伟 (7 strokes), 王建国 (4), 李娜 (7), 赵敏 (9)
