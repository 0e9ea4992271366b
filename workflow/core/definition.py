"""Process definitions (definitions/*.yaml) as frozen dataclasses: what the engine, the pages and the documents read.

A definition is loaded and checked by workflow/core/definition_load.py; every problem found is a `Problem`, and all of a
file's problems are raised together as one `DefinitionError`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

GENERIC_WITHDRAW = "withdraw"
GENERIC_RETURN = "return"


@dataclass(frozen=True)
class Label:
    zh: str
    en: str

    def get(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh

    def __str__(self) -> str:
        return self.zh


@dataclass(frozen=True)
class Choice:
    value: str
    label: Label


@dataclass(frozen=True)
class Field:
    name: str
    label: Label
    type: str
    required: bool = False
    min_length: int | None = None
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Choice, ...] = ()
    default_days: int | None = None
    future: bool = False
    from_file: bool = False  # a text field the page may fill from a CSV/text file (a voter list)

    def choice_label(self, value: Any, lang: str = "zh") -> str | None:
        for choice in self.choices:
            if choice.value == value:
                return choice.label.get(lang)
        return None


@dataclass(frozen=True)
class Call:
    """A guard or effect named by the definition, with its arguments resolved."""

    name: str
    args: tuple[tuple[str, Any], ...] = ()

    @property
    def kwargs(self) -> dict[str, Any]:
        return dict(self.args)


@dataclass(frozen=True)
class Deadline:
    """How long a case may stay in a state, and what happens when that has passed.

    `working`: count working days (the calendar under definitions/calendar/). `expire_trigger`: the step the
    timers take (under the `system` role) once the deadline has passed; `remind`: tell the task holders;
    `escalate`: give the open pool tasks to that role's holders, who act with the pool's authority.
    """

    days: int | None = None
    field: str | None = None
    working: bool = False
    expire_trigger: str | None = None
    remind: bool = False
    escalate: str | None = None  # the role whose holders get the stay's open pool tasks when it passes (上报)


@dataclass(frozen=True)
class Countersign:
    """会签 and the other approver modes: the votes of several people decide the step out of a state.

    The voters are the holders of `role` when the case enters the state, the named `users`, or the people a `field`
    of the case names (user names), frozen into the case on entry. The step goes to `pass` as soon as `rule` is met
    and to `fail` as soon as it can no longer be met: `all` (会签), `any` (或签), `majority`, `at_least` (a count),
    `ratio` (at least that share of the voters), `sequential` (依次: each in the order given, all needed).
    """

    role: str | None
    users: tuple[str, ...]
    rule: str            # all | any | majority | at_least | ratio | sequential
    at_least: int | None
    pass_state: str
    fail_state: str
    field: str | None = None
    ratio: float | None = None


@dataclass(frozen=True)
class SendBack:
    """退回: who may take a step of the state may send the case back to an earlier state on its path — one of `to`
    (none: any) — with a reason; `direct`: once the case leaves that state again, it comes straight back here."""

    to: tuple[str, ...] = ()
    direct: bool = False


@dataclass(frozen=True)
class State:
    name: str
    label: Label
    document: str | None = None
    deadline: Deadline | None = None
    final: bool = False
    countersign: Countersign | None = None
    report: str | None = None  # the outcome a process's report counts a case here under; None: not reported (a draft)
    send_back: SendBack | None = None


@dataclass(frozen=True)
class Transition:
    index: int
    trigger: str
    label: Label
    sources: tuple[str, ...]
    dest: str
    roles: frozenset[str]
    unit: str | None
    guards: tuple[Call, ...]
    effects: tuple[Call, ...]
    fields: tuple[Field, ...]
    document: str | None
    comment_required: bool
    prefill: bool = False  # fields left out keep the values the case already has (editing a draft)
    public: bool = False   # open to everyone (an objection to a 公示) without a right to read the file
    restart_deadline: bool = False  # a step that stays put but starts the state's deadline afresh (a yearly review)
    facts: tuple[str, ...] = ()  # data the process's domain establishes for the step (an election's tally), not a form
    claim: bool = False  # the step's pool task may be claimed (签收) by one of the pool before acting
    cc_roles: frozenset[str] = frozenset()  # 抄送: the holders of these roles get a copy when the step is taken
    cc_fields: tuple[str, ...] = ()         # and the people (user names) these fields of the case name


@dataclass(frozen=True)
class Definition:
    key: str
    label: Label
    number_prefix: str
    initial: str
    roles: frozenset[str]
    parameters: Mapping[str, Any]
    states: Mapping[str, State]
    documents: Mapping[str, Label]
    transitions: tuple[Transition, ...]
    version: str
    source: str
    path: str
    visible_roles: frozenset[str] = frozenset()
    visible_unit_fields: tuple[str, ...] = ()
    log_views: bool = False  # every reading of a case by anyone but its applicant is logged (hardship files)
    computed: tuple[tuple[Field, str], ...] = ()  # (a value an effect writes, the field it is shown after)
    description: Label | None = None  # one sentence on the 发起 page: what the process is for, who may file it
    title: Label | None = None  # how a case is named in lists: a pattern of {field}, {submitter}, {number}
    fallback: str | None = None  # who gets a pool's task when nobody else holds its role (else an administrator)

    def public_triggers(self) -> frozenset[str]:
        """Steps anyone may take that give no right to read the case (docs/architecture.md invariant 6: need-to-know)."""
        public = {t.trigger for t in self.transitions if t.public}
        return frozenset(trigger for trigger in public
                         if all(t.public for t in self.transitions if t.trigger == trigger))

    def transitions_from(self, state: str, trigger: str | None = None) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources and (trigger is None or t.trigger == trigger)]

    @property
    def start_roles(self) -> frozenset[str]:
        """Who may open a case: those who may take the first step out of the initial state."""
        return frozenset().union(*(t.roles for t in self.transitions_from(self.initial)))

    def field(self, name: str) -> Field | None:
        for transition in self.transitions:
            for f in transition.fields:
                if f.name == name:
                    return f
        return None

    def fields(self) -> list[Field]:
        """Every data field once, in the order the process first asks for it; a computed value after its field."""
        seen: dict[str, Field] = {}
        for transition in self.transitions:
            for f in transition.fields:
                seen.setdefault(f.name, f)
        shown = list(seen.values())
        for f, after in self.computed:
            names = [g.name for g in shown]
            shown.insert(names.index(after) + 1 if after in names else len(shown), f)
        return shown


@dataclass(frozen=True)
class Problem:
    file: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path or '(root)'}: {self.message}"


class DefinitionError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
