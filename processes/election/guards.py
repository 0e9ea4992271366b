"""The guards and effects of an election case (definitions/election.yaml): nominations, the candidates' review,
the routing by a round's tally, with the SQL forms of those that decide who is offered a step. Registered when the
election's plug-in is installed (processes/election/plugin.py); they look at case data only.

Data they keep: `nominations` [{username, name, unit, by, by_name, accepted}] (accepted: None until the nominee answers),
`reviews` {username: {qualified, reason, position}}, and the `tally` the count step records.
"""
from __future__ import annotations

from typing import Any

from workflow.cases.guard_sql import sql_form
from workflow.core.actor import Actor
from workflow.core.guards import GuardContext, effect, guard
from workflow.store.models import User


def _pending(data: Any, username: str) -> dict[str, Any] | None:
    return next((n for n in data.get("nominations") or [] if n["username"] == username and n["accepted"] is None),
                None)


@effect("add_nomination", params=("field",))
def add_nomination(data: dict[str, Any], actor: Actor, field: str) -> None:
    """The nomination the domain resolved (fact `field`) joins the list; the form's own fields are not kept."""
    data["nominations"] = [*(data.get("nominations") or []), data.pop(field)]
    data.pop("nominee", None)
    data.pop("nomination_reason", None)


@guard("actor_has_pending_nomination", status=403, zh="您没有待确认的提名", en="You have no nomination to answer")
def actor_has_pending_nomination(ctx: GuardContext) -> bool:
    return _pending(ctx.data, ctx.actor.username) is not None


@effect("answer_nomination", params=("value",))
def answer_nomination(data: dict[str, Any], actor: Actor, value: bool) -> None:
    data["nominations"] = [{**n, "accepted": bool(value)} if n["username"] == actor.username and n["accepted"] is None
                           else n for n in data.get("nominations") or []]


@guard("reviews_only_accepted_nominees", needs_form=True, zh="该人员不是已接受提名的被提名人",
       en="This person is not a nominee who accepted")
def reviews_only_accepted_nominees(ctx: GuardContext) -> bool:
    """Checked on the data after the review is recorded: every reviewed person accepted a nomination."""
    accepted = {n["username"] for n in ctx.data.get("nominations") or [] if n["accepted"]}
    return set(ctx.data.get("reviews") or {}) <= accepted


@effect("record_review", params=("field",))
def record_review(data: dict[str, Any], actor: Actor, field: str) -> None:
    """One candidate's review (资格审查), kept by candidate; a later review of the same person replaces it."""
    who = data.pop(field)
    review = {"qualified": data.pop("qualified") == "yes", "reason": data.pop("review_reason", ""),
              "position": data.pop("position", None)}
    data["reviews"] = {**(data.get("reviews") or {}), who: review}


@guard("every_nominee_reviewed", zh="还有接受提名的人员未经资格审查，或没有合格的候选人",
       en="Some accepted nominees are not reviewed yet, or none is qualified")
def every_nominee_reviewed(ctx: GuardContext) -> bool:
    accepted = {n["username"] for n in ctx.data.get("nominations") or [] if n["accepted"]}
    reviews = ctx.data.get("reviews") or {}
    return bool(accepted) and accepted <= set(reviews) and any(reviews[u]["qualified"] for u in accepted)


@guard("tally_outcome_in", params=("value",), zh="本轮计票结果不允许此操作", en="The round's result does not allow this")
def tally_outcome_in(ctx: GuardContext, value: list[str]) -> bool:
    return (ctx.data.get("tally") or {}).get("outcome") in value


def _pending_nominees(data: Any) -> list[str]:
    return [n["username"] for n in data.get("nominations") or [] if n.get("accepted") is None]


sql_form("actor_has_pending_nomination",
         recipients=lambda case, **_: User.username.in_(_pending_nominees(case.data)),
         concerned=lambda before, after, **_: set(_pending_nominees(after.data)) - set(_pending_nominees(before.data)))
