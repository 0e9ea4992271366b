"""Named predicates and effects that definitions refer to by name.

Definitions never carry code: a guard is looked up here, called with the arguments
the YAML gives (`field`, and `value` — a literal or a resolved process parameter).
Each guard says whether it needs the submitted form (`needs_form`) and, when it
refuses, which status and message the caller sees.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from workflow.core.actor import Actor


@dataclass(frozen=True)
class GuardContext:
    """What a guard may look at: the actor, the case's owner and the case data.

    `data` is the data the case would have after the transition (form values and
    effects applied) when the form is known, otherwise the current data.
    """

    actor: Actor
    submitter: str | None
    data: Mapping[str, Any]


@dataclass(frozen=True)
class Guard:
    name: str
    check: Callable[..., bool]
    params: frozenset[str]
    status: int  # 403: not this actor's to take; 409: not possible in the case's situation
    message_zh: str
    message_en: str
    needs_form: bool


GUARDS: dict[str, Guard] = {}


def guard(name: str, *, params: tuple[str, ...] = (), status: int = 409, zh: str, en: str,
          needs_form: bool = False) -> Callable[[Callable[..., bool]], Callable[..., bool]]:
    def register(func: Callable[..., bool]) -> Callable[..., bool]:
        GUARDS[name] = Guard(name, func, frozenset(params), status, zh, en, needs_form)
        return func
    return register


def _count(value: Any) -> int:
    if isinstance(value, (list, tuple, set)):
        return len(value)
    return int(value or 0)


@guard("actor_is_submitter", status=403, zh="只有申请人本人可以执行此操作", en="Only the submitter may do this")
def actor_is_submitter(ctx: GuardContext) -> bool:
    return ctx.actor.username == ctx.submitter


@guard("actor_is_not_submitter", status=403, zh="不能对本人提交的事项执行此操作",
       en="You cannot do this on your own case")
def actor_is_not_submitter(ctx: GuardContext) -> bool:
    return ctx.actor.username != ctx.submitter


@guard("actor_has_role", params=("value",), status=403, zh="您没有执行此操作的权限", en="You may not do this")
def actor_has_role(ctx: GuardContext, value: str) -> bool:
    return value in ctx.actor.roles


@guard("actor_not_listed", params=("field",), zh="您已执行过此操作，不能重复", en="You have already done this")
def actor_not_listed(ctx: GuardContext, field: str) -> bool:
    return ctx.actor.username not in (ctx.data.get(field) or [])


@guard("count_at_least", params=("field", "value"), needs_form=True, zh="人数或次数尚未达到要求",
       en="The required number has not been reached")
def count_at_least(ctx: GuardContext, field: str, value: int) -> bool:
    return _count(ctx.data.get(field)) >= value


@guard("count_at_most", params=("field", "value"), needs_form=True, zh="已超过允许的次数",
       en="The allowed number has been exceeded")
def count_at_most(ctx: GuardContext, field: str, value: int) -> bool:
    return _count(ctx.data.get(field)) <= value


@guard("field_equals", params=("field", "value"), needs_form=True, zh="填写的内容不符合此操作的条件",
       en="The form does not meet this action's condition")
def field_equals(ctx: GuardContext, field: str, value: Any) -> bool:
    return ctx.data.get(field) == value


@guard("amount_at_most", params=("field", "value"), needs_form=True, zh="金额超过了允许的上限",
       en="The amount exceeds the limit")
def amount_at_most(ctx: GuardContext, field: str, value: float) -> bool:
    return float(ctx.data.get(field) or 0) <= float(value)


@guard("amount_more_than", params=("field", "value"), needs_form=True, zh="金额未超过此操作的下限",
       en="The amount does not exceed the threshold")
def amount_more_than(ctx: GuardContext, field: str, value: float) -> bool:
    return float(ctx.data.get(field) or 0) > float(value)


@guard("amount_not_above_field", params=("field", "value"), needs_form=True, zh="金额不能超过批准的金额",
       en="The amount may not exceed the approved amount")
def amount_not_above_field(ctx: GuardContext, field: str, value: str | list[str]) -> bool:
    """`field` at most the field `value` names — or, given a list, the first of them the case has (the chair's
    approved amount, else the recommended amount the committee passed); with none set there is no limit to pay to."""
    names = [value] if isinstance(value, str) else list(value)
    limit = next((ctx.data[name] for name in names if ctx.data.get(name) is not None), None)
    return limit is not None and float(ctx.data.get(field) or 0) <= float(limit)


# Effects: how a transition changes data beyond the form itself.

@dataclass(frozen=True)
class Effect:
    name: str
    apply: Callable[..., None]
    params: frozenset[str]


EFFECTS: dict[str, Effect] = {}


def effect(name: str, *, params: tuple[str, ...]) -> Callable[[Callable[..., None]], Callable[..., None]]:
    def register(func: Callable[..., None]) -> Callable[..., None]:
        EFFECTS[name] = Effect(name, func, frozenset(params))
        return func
    return register


@effect("append_actor", params=("field",))
def append_actor(data: dict[str, Any], actor: Actor, field: str) -> None:
    data[field] = [*(data.get(field) or []), actor.username]


@effect("increment", params=("field",))
def increment(data: dict[str, Any], actor: Actor, field: str) -> None:
    data[field] = int(data.get(field) or 0) + 1


@effect("per_capita", params=("field", "value"))
def per_capita(data: dict[str, Any], actor: Actor, field: str, value: Mapping[str, str]) -> None:
    """`field` = the `value["total"]` field / the `value["size"]` field, to the fen (人均月收入)."""
    count = int(data.get(value["size"]) or 0)
    data[field] = round(float(data.get(value["total"]) or 0) / count, 2) if count > 0 else None


# Countersign (会签): the votes live in data["countersign"][state] = {"voters": [...], "votes": [{voter, decision}]}.

def _sign(data: Mapping[str, Any], state: str) -> Mapping[str, Any]:
    return (data.get("countersign") or {}).get(state) or {}


def voters(data: Mapping[str, Any], state: str) -> list[str]:
    """The frozen voters of a 会签 in `state`."""
    return list(_sign(data, state).get("voters") or [])


def tally(sign: Mapping[str, Any], rule: str, at_least: int | None, ratio: float | None = None) -> str:
    """'pass' once the rule is met, 'fail' once it can no longer be met, else 'open'."""
    voters = len(sign.get("voters") or [])
    votes = sign.get("votes") or []
    yes = sum(1 for v in votes if v["decision"] == "approve")
    no = len(votes) - yes
    still_possible = voters - no  # the most approvals this vote can still reach
    needed = {"all": voters, "sequential": voters, "any": 1, "majority": voters // 2 + 1,
              "at_least": at_least or voters, "ratio": math.ceil(round((ratio or 1) * voters, 9))}[rule]
    if voters and yes >= needed:
        return "pass"
    if still_possible < needed or not voters:
        return "fail"
    return "open"


@guard("countersign_voter", params=("state",), status=403, zh="您不是本次会签的表决人",
       en="You are not one of this vote's voters")
def countersign_voter(ctx: GuardContext, state: str) -> bool:
    return ctx.actor.username in (_sign(ctx.data, state).get("voters") or [])


@guard("countersign_not_voted", params=("state",), zh="您已表决，每人只能表决一次", en="You have already voted")
def countersign_not_voted(ctx: GuardContext, state: str) -> bool:
    return all(v["voter"] != ctx.actor.username for v in _sign(ctx.data, state).get("votes") or [])


@guard("countersign_turn", params=("state",), zh="尚未轮到您审批（依次审批）", en="It is not your turn yet (in order)")
def countersign_turn(ctx: GuardContext, state: str) -> bool:
    """依次: the first voter, in the order given, who has not voted."""
    sign = _sign(ctx.data, state)
    voted = {v["voter"] for v in sign.get("votes") or []}
    waiting = [v for v in sign.get("voters") or [] if v not in voted]
    return bool(waiting) and waiting[0] == ctx.actor.username


@guard("countersign_outcome", params=("outcome", "state", "rule", "at_least", "ratio"), needs_form=True,
       zh="表决结果与此去向不符", en="The vote does not lead here")
def countersign_outcome(ctx: GuardContext, outcome: str, state: str, rule: str, at_least: int | None,
                        ratio: float | None = None) -> bool:
    return tally(_sign(ctx.data, state), rule, at_least, ratio) == outcome


@effect("record_vote", params=("state",))
def record_vote(data: dict[str, Any], actor: Actor, state: str) -> None:
    signs = dict(data.get("countersign") or {})
    sign = dict(signs.get(state) or {})
    sign["votes"] = [*(sign.get("votes") or []), {"voter": actor.username, "decision": data.pop("decision")}]
    signs[state] = sign
    data["countersign"] = signs

