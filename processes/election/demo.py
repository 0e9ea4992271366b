"""The election's demo data (`flask demo`), through the real service like the rest of the demo."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from web.demo import version_of
from workflow.cases.service import CaseService
from workflow.core.display import local_date
from workflow.store.models import User


def load(service: CaseService, u: Mapping[str, User]) -> None:
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
        service.perform(case.id, trigger, u[who], version_of(service, case), data, None)
