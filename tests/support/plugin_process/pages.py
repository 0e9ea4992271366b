"""意见台账: the suggestions awaiting an answer, for the union committee and auditors; a page of the plug-in, with its
own template folder, made with web.pages.page_blueprint (signed in only)."""
from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from support.plugin_process.domain import KEY, WAITING
from web.auth import signed_in
from web.pages import page_blueprint
from web.services import service, session
from workflow.core.engine import Forbidden
from workflow.store.models import Case, User

bp = page_blueprint("suggestions", __name__, url_prefix="/suggestions", template_folder="templates")
READERS = frozenset({"union_committee", "auditor"})


def may_read(user: User) -> bool:
    return bool(user.roles & READERS)


@bp.before_request
def _readers_only() -> None:
    if not may_read(signed_in()):
        raise Forbidden("意见台账供工会委员会委员和审计查看", "The register is for the union committee and auditors")


@bp.get("")
def register() -> str:
    cases = session().scalars(select(Case).where(Case.workflow == KEY, Case.state == WAITING).order_by(Case.id))
    return render_template("suggestions/register.html", cases=list(cases), units=service().units(session()))
