"""退回 to a chosen earlier state and 撤回 of my own step: moves that every definition may offer without declaring a
transition, because where they lead depends on the path the case took (its history), not on the definition alone.

- 退回 (`send_back`): where a state says `send_back`, whoever may take a step of it may send the case back to an
  earlier state on its path (those `to` names, or any), with a reason. With `direct`, the case's next step out of
  that state brings it straight back (Engine.dest_of, the data's `resubmit_to`).
- 流程干预·终止 (`terminate`): the administrator ends a case that is not closed, in one of its final states, with a
  reason.
- 撤回 (`recall`): the one who took the case's last step, which moved it on, takes it back to where it was, with a
  reason, as long as nobody has acted since (a claim or a reminder counts) and the case is not closed. The step
  stays in the history; the recall is a step of its own. A 会签 vote is not recalled, nor the application itself
  (the applicant withdraws it instead).

Both are pure, as the engine is: the caller gives the `Trail` (what the history says) and records the result; the
audit replays them with the trail of the replayed history.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from workflow.core.actor import Actor
from workflow.core.definition import GENERIC_WITHDRAW, Choice, Field, Label
from workflow.core.engine import (
    RESUBMIT_TO,
    SAVE_DRAFT,
    Action,
    CaseView,
    Engine,
    Forbidden,
    InvalidData,
    NotOpen,
    TransitionRecord,
)
from workflow.core.roles import ADMIN

SEND_BACK, RECALL, TERMINATE = "send_back", "recall", "terminate"
MOVES: Mapping[str, Label] = {SEND_BACK: Label("退回", "Send back"), RECALL: Label("撤回", "Recall"),
                              TERMINATE: Label("流程干预·终止", "Ended by the administrator")}
VOTE = "vote"
UNRECALLED = {"create", SAVE_DRAFT, VOTE, GENERIC_WITHDRAW, SEND_BACK, RECALL, TERMINATE}


@dataclass(frozen=True)
class Step:
    """One entry of a case's history, as far as the moves care."""

    actor: str
    trigger: str
    source: str | None
    dest: str


@dataclass(frozen=True)
class Trail:
    """A case's history so far: each entry, in order."""

    steps: tuple[Step, ...] = ()

    @property
    def entered(self) -> list[str]:
        """The states the case entered, in order (its path)."""
        return [s.dest for s in self.steps if s.source != s.dest]


def trail_of(rows: Iterable[tuple[str, str, str | None, str]]) -> Trail:
    """A trail from (actor, trigger, from_state, to_state) rows in history order."""
    return Trail(tuple(Step(*row) for row in rows))


# -- what is offered ------------------------------------------------------------------------------------------------

def offered(engine: Engine, case: CaseView, actor: Actor, trail: Trail | None) -> list[Action]:
    """The moves this actor may make on the case now (退回 and 撤回 only with a trail: the history decides them)."""
    found = []
    targets = _targets(engine, case, trail) if trail is not None else []
    if targets and _may_send_back(engine, case, actor):
        choices = tuple(Choice(s, engine.definition.states[s].label) for s in targets)
        found.append(Action(SEND_BACK, MOVES[SEND_BACK], (_to_field(choices),), True))
    if trail is not None and _recall_refusal(engine, case, actor, trail) is None:
        found.append(Action(RECALL, MOVES[RECALL], (), True))
    if ADMIN in actor.roles and not engine.definition.states[case.state].final:
        ends = tuple(Choice(s.name, s.label) for s in engine.definition.states.values() if s.final)
        found.append(Action(TERMINATE, MOVES[TERMINATE], (_to_field(ends, Label("终止于", "End as")),), True))
    return found


def _to_field(choices: tuple[Choice, ...], label: Label = Label("退回至", "Send back to")) -> Field:
    return Field(name="to", label=label, type="choice", required=True, choices=choices)


def _targets(engine: Engine, case: CaseView, trail: Trail) -> list[str]:
    """The earlier states on the case's path it may be sent back to, nearest first."""
    rule = engine.definition.states[case.state].send_back
    if rule is None:
        return []
    states = engine.definition.states
    path = [s for s in trail.entered if s != case.state and not states[s].final and s in states]
    allowed = [s for s in reversed(path) if not rule.to or s in rule.to]
    return list(dict.fromkeys(allowed))


def _may_send_back(engine: Engine, case: CaseView, actor: Actor) -> bool:
    """Whoever may take a step of the state as a handler (not the applicant's withdrawal, not a public step)."""
    public = engine.definition.public_triggers()
    return any(a.trigger not in public and a.trigger != GENERIC_WITHDRAW for a in engine.actions_for(case, actor))


def _recall_refusal(engine: Engine, case: CaseView, actor: Actor, trail: Trail) -> str | None:
    if not trail.steps:
        return "没有可撤回的步骤"
    last = trail.steps[-1]
    if last.source == last.dest:
        return "其后已有人办理（签收、转交、催办等），不能撤回"
    if last.actor != actor.username:
        return "只能撤回自己的上一步办理，且其后无人办理"
    if last.trigger in UNRECALLED or last.source in (None, engine.definition.initial) or last.dest != case.state:
        return "此步骤不能撤回"  # (an application itself: the applicant has `withdraw` for that)
    if engine.definition.states[case.state].final:
        return "事项已办结，不能撤回"
    return None


# -- taking a move --------------------------------------------------------------------------------------------------

def take(engine: Engine, case: CaseView, trigger: str, actor: Actor, data: Mapping[str, Any] | None,
         comment: str | None, *, today: date, trail: Trail) -> TransitionRecord:
    """The record of a move, as Engine.fire gives a step's; refused as the engine refuses."""
    reason = (comment or "").strip()
    if not reason:
        raise InvalidData("请填写理由", "Give a reason", fields={"comment": "此项为必填项"})
    if trigger == SEND_BACK:
        return _send_back(engine, case, actor, data or {}, reason, today, trail)
    if trigger == RECALL:
        refusal = _recall_refusal(engine, case, actor, trail)
        if refusal:
            raise NotOpen(refusal, "Only your own last step, while nobody has acted since, and not on a closed case")
        back = trail.steps[-1].source or case.state
        return _record(engine, RECALL, case, back, {"step": trail.steps[-1].trigger}, dict(case.data), reason, today)
    if trigger == TERMINATE:
        states = engine.definition.states
        if ADMIN not in actor.roles:
            raise Forbidden("只有系统管理员可以终止流程", "Only the administrator ends a case")
        if states[case.state].final:
            raise NotOpen("事项已办结", "The case is closed")
        to = (data or {}).get("to")
        if to not in states or not states[str(to)].final:
            raise InvalidData("请选择终止后的状态", "Choose how the case ends", fields={"to": "应为一个办结状态"})
        return _record(engine, TERMINATE, case, str(to), {"to": to}, dict(case.data), reason, today)
    raise NotOpen(f"未知的操作：{trigger}", f"Unknown move: {trigger}")


def _send_back(engine: Engine, case: CaseView, actor: Actor, data: Mapping[str, Any], reason: str, today: date,
               trail: Trail) -> TransitionRecord:
    rule = engine.definition.states[case.state].send_back
    if rule is None:
        raise NotOpen("此环节不能退回", "This state does not send cases back")
    if not _may_send_back(engine, case, actor):
        raise Forbidden("只有此环节的办理人可以退回", "Only who handles this state may send the case back")
    to = data.get("to")
    if to not in _targets(engine, case, trail):
        raise InvalidData("请选择事项已经过的、可以退回的环节", "Choose an earlier state on the case's path",
                          fields={"to": "不能退回到该环节"})
    after = {**case.data, RESUBMIT_TO: case.state} if rule.direct else dict(case.data)
    changes: dict[str, Any] = {"to": to, **({RESUBMIT_TO: case.state} if rule.direct else {})}
    return _record(engine, SEND_BACK, case, str(to), changes, after, reason, today)


def _record(engine: Engine, trigger: str, case: CaseView, dest: str, changes: dict[str, Any], data: dict[str, Any],
            reason: str, today: date) -> TransitionRecord:
    entering = engine.definition.states[dest]
    return TransitionRecord(trigger, MOVES[trigger], case.state, dest, changes, data, reason, (),
                            engine.due_on_entry(dest, data, today), entering.deadline is not None)
