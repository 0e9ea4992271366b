"""What a task is and which tasks a state gives (docs/architecture.md § Tasks): a task is a *seat* — a pool (a role,
within the unit the step's rule names) or a named person — derived from the definition and the case alone, so the
board (workflow/core/tasks.py) and the audit's replay agree on them."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from workflow.core.actor import Actor
from workflow.core.definition import GENERIC_WITHDRAW, Definition, Transition
from workflow.core.engine import ActionRefused, CaseView
from workflow.core.roles import SYSTEM

OPEN, DONE, CLOSED = "open", "done", "closed"
PENDING = "pending"  # an added signer after me (后加签), waiting for my step

Offered = Callable[[Actor], "set[str]"]  # the steps the engine offers someone on the case as it stands


@dataclass(frozen=True)
class Seat:
    """Whose step it is: a pool (`role`, within `unit` when the step has a unit rule) or a named `person`."""

    role: str | None = None
    unit: str | None = None
    person: str | None = None


@dataclass
class Task:
    number: int            # 1, 2, … within its case: what the history's verbs name
    state: str             # the state the task belongs to
    visit: int             # the seq of the step that entered that state: one stay there
    seat: Seat
    triggers: frozenset[str]
    assignee: str | None   # who holds it now; None: anyone of the pool
    claimable: bool = False
    status: str = OPEN
    done_by: str | None = None
    closed_seq: int | None = None
    delegated_from: str | None = None  # the principal (委托) while their delegate holds the task
    sign_for: int | None = None        # 加签: the number of the task this signer was added to
    sign_position: str | None = None   # 加签: before | after | parallel
    escalated_from: str | None = None  # 上报: the pool (role@unit) whose authority this escalated task carries

    @property
    def signer(self) -> bool:
        """An added signer's task (加签): an opinion, not a step of the case."""
        return self.sign_position is not None

    def holds(self, actor: Actor) -> bool:
        """Whether this actor may act through the task now."""
        if self.status != OPEN:
            return False
        if self.assignee is not None:
            return self.assignee == actor.username
        return self.of_pool(actor)

    def of_pool(self, actor: Actor) -> bool:
        """Whether the actor belongs to the task's pool (its role, within its unit), whoever holds it now."""
        return self.seat.role in actor.roles and (self.seat.unit is None or self.seat.unit == actor.unit)


class Taken(ActionRefused):
    """The task is someone else's now (claimed or handed on), or it is done: 409, reload and see."""

    status = 409


@dataclass
class Changes:
    """What a step did to the tasks: rows to insert, rows to update."""

    opened: list[Task] = field(default_factory=list)
    changed: list[Task] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.opened or self.changed)


def _seats(t: Transition, case: CaseView) -> list[Seat]:
    """The seats of one step out of the case's state: none for a public step, the submitter's withdrawal or the
    system's own step."""
    people = t.roles - {SYSTEM}
    if t.public or t.trigger == GENERIC_WITHDRAW or not (people or not t.roles):
        return []
    names = {call.name for call in t.guards}
    if "actor_is_submitter" in names:
        return [Seat(person=case.submitter)] if case.submitter else []
    if "countersign_voter" in names:
        state = dict(next(c for c in t.guards if c.name == "countersign_voter").args)["state"]
        sign = (case.data.get("countersign") or {}).get(state) or {}
        voted = {v.get("voter") for v in sign.get("votes") or []}
        voters = [v for v in sign.get("voters") or [] if v not in voted]
        if "countersign_turn" in names:  # 依次: one at a time, in the order given
            voters = voters[:1]
        return [Seat(person=v) for v in voters]
    narrowed = {value for call in t.guards if call.name == "actor_has_role"
                for value in [dict(call.args).get("value")] if isinstance(value, str)}
    roles = (people & narrowed) if narrowed else people
    unit = None
    if t.unit is not None:
        unit = case.unit if t.unit == "case" else case.data.get(t.unit)
        if not isinstance(unit, str):
            return []  # no unit to act for: nobody can take this step
    return [Seat(role=r, unit=unit) for r in sorted(roles)]


def seats(definition: Definition, case: CaseView) -> list[tuple[Seat, frozenset[str], bool]]:
    """The tasks the case's state gives: each seat once, with the steps it may take and whether it may be claimed."""
    found: dict[Seat, tuple[set[str], bool]] = {}
    for t in definition.transitions_from(case.state):
        for seat in _seats(t, case):
            triggers, claimable = found.setdefault(seat, (set(), False))
            triggers.add(t.trigger)
            found[seat] = (triggers, claimable or t.claim)
    return [(seat, frozenset(triggers), claimable) for seat, (triggers, claimable) in found.items()]


def pool_key(seat: Seat) -> str:
    """How a history entry names a pool (a fallback's): role@unit."""
    return f"{seat.role}@{seat.unit or ''}"


def shared(definition: Definition, task: Task) -> bool:
    """Whether a pool's task is everyone's to take in turn (a 附议: one of its steps stays in the state), not one
    person's to take for the pool."""
    return any(t.dest == task.state and not t.restart_deadline
               for t in definition.transitions_from(task.state) if t.trigger in task.triggers)
