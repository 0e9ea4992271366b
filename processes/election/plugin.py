"""The election as a plug-in: its domain hooks, pages, API, the ballots on the 工作台, its case-page panels, demo."""
from __future__ import annotations

from processes.election import api, ballot_pages, demo, guards, models, tellers  # noqa: F401 (guards, models register)
from processes.election.ballots import BallotBox, may_watch_desk
from processes.election.domain import ElectionDomain
from web.plugins import Panel, Process
from workflow.store.models import Case


def _awaiting(session, user):  # noqa: ANN001, ANN202 (a session, a user → the home panel's variables)
    return {"ballots": [(session.get(Case, case_id), number)
                        for case_id, number in BallotBox.awaiting(session, user.username)]}


PROCESS = Process(
    key="election",
    domain=ElectionDomain(),
    blueprints=(ballot_pages.bp, tellers.bp),
    api=(api.bp,),
    openapi=api.OPENAPI,
    home=(Panel("ballots/_home.html", _awaiting),),
    case_top=Panel("ballots/_case_top.html"),
    case_body=Panel("cases/_election.html", lambda session, user, case: {"desk": may_watch_desk(user)}),
    demo=demo.load,
)
