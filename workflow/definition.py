"""Load and validate process definitions (definitions/*.yaml) into frozen dataclasses.

Every problem in a file is reported at once, each with the file and the path inside
it, so that an editor fixes a definition in one round. A definition's version is the
SHA-256 of its canonical content: running cases keep the version they started on.
"""
from __future__ import annotations

import hashlib
import json
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import yaml
from jsonschema import Draft202012Validator

from .definition_schema import SCHEMA
from .guards import EFFECTS, GUARDS
from .roles import ROLES, SYSTEM

_VALIDATOR = Draft202012Validator(SCHEMA)
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
    timers take (under the `system` role) once the deadline has passed; `remind`: only mark it overdue.
    """

    days: int | None = None
    field: str | None = None
    working: bool = False
    expire_trigger: str | None = None
    remind: bool = False


@dataclass(frozen=True)
class Countersign:
    """会签: the votes of several people decide the step out of a state.

    The voters are the holders of `role` when the case enters the state (frozen into the case), or the named
    `users`. The step goes to `pass` as soon as `rule` is met and to `fail` as soon as it can no longer be met.
    """

    role: str | None
    users: tuple[str, ...]
    rule: str            # all | any | majority | at_least
    at_least: int | None
    pass_state: str
    fail_state: str


@dataclass(frozen=True)
class State:
    name: str
    label: Label
    document: str | None = None
    deadline: Deadline | None = None
    final: bool = False
    countersign: Countersign | None = None


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

    def public_triggers(self) -> frozenset[str]:
        """Steps anyone may take that give no right to read the case (DESIGN invariant 6: need-to-know)."""
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


def content_version(raw: Any) -> str:
    canonical = json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse(source: str, file: str, template_dir: Path | None) -> Definition:
    """Parse one definition's YAML text; raise DefinitionError listing every problem."""
    try:
        raw = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise DefinitionError([Problem(file, "", f"YAML syntax error: {exc}")]) from exc
    problems = [Problem(file, _path(e.absolute_path), e.message) for e in _VALIDATOR.iter_errors(raw)]
    if not isinstance(raw, dict):
        raise DefinitionError(problems or [Problem(file, "", "a definition must be a mapping")])
    problems += _Checker(raw, file, template_dir).problems()
    if problems:
        raise DefinitionError(problems)
    return _build(raw, source, file)


def load_file(path: Path, template_dir: Path | None) -> Definition:
    return parse(path.read_text(encoding="utf-8"), str(path), template_dir)


def load_dir(directory: Path, template_dir: Path | None) -> dict[str, Definition]:
    """Load every definition in a folder, collecting the problems of all files before failing."""
    definitions: dict[str, Definition] = {}
    problems: list[Problem] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            definition = load_file(path, template_dir)
        except DefinitionError as exc:
            problems += exc.problems
            continue
        if definition.key in definitions:
            problems.append(Problem(str(path), "key", f"duplicate process key '{definition.key}'"))
        definitions[definition.key] = definition
    if problems:
        raise DefinitionError(problems)
    return definitions


class _Checker:
    """Semantic checks the schema cannot express. Tolerates malformed parts (the schema reports those)."""

    def __init__(self, raw: dict[str, Any], file: str, template_dir: Path | None):
        self.raw, self.file, self.template_dir = raw, file, template_dir
        self.found: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.found.append(Problem(self.file, path, message))

    def problems(self) -> list[Problem]:
        raw = self.raw
        states = [s for s in _list(raw.get("states")) if isinstance(s, dict)]
        names = [s.get("name") for s in states]
        for i, name in enumerate(names):
            if names.index(name) != i:
                self.add(f"states[{i}].name", f"duplicate state '{name}'")
        known = set(names)
        if raw.get("initial") not in known:
            self.add("initial", f"unknown state '{raw.get('initial')}'")
        declared_roles = set(_list(raw.get("roles")))
        for role in sorted(declared_roles - set(ROLES) - {SYSTEM}):
            self.add("roles", f"unknown role '{role}' (known: {', '.join(ROLES)})")
        params = raw.get("parameters") if isinstance(raw.get("parameters"), dict) else {}
        documents = raw.get("documents") if isinstance(raw.get("documents"), dict) else {}
        for key in documents:
            if self.template_dir is not None and not (self.template_dir / f"{key}.html").is_file():
                self.add(f"documents.{key}", f"missing template {self.template_dir / (key + '.html')}")
        transitions = [t for t in _list(raw.get("transitions")) if isinstance(t, dict)]
        date_fields = {f.get("name") for t in transitions for f in _list(t.get("fields"))
                       if isinstance(f, dict) and f.get("type") == "date"}
        self._computed(transitions)
        for i, state in enumerate(states):
            self._countersign(f"states[{i}].countersign", state.get("countersign"), known, declared_roles, params)
            self._document(f"states[{i}].document", state.get("document"), documents)
            deadline = state.get("deadline") if isinstance(state.get("deadline"), dict) else {}
            self._param(f"states[{i}].deadline.param", deadline.get("param"), params)
            if "field" in deadline and deadline["field"] not in date_fields:
                self.add(f"states[{i}].deadline.field", f"'{deadline['field']}' is not a date field of any transition")
            expire = deadline.get("expire")
            if isinstance(expire, dict):
                steps = [t for t in transitions if t.get("trigger") == expire.get("trigger")
                         and state.get("name") in _sources(t)]
                if not steps:
                    self.add(f"states[{i}].deadline.expire.trigger",
                             f"no transition '{expire.get('trigger')}' leaves state '{state.get('name')}'")
                elif not any(SYSTEM in _list(t.get("roles")) for t in steps):
                    self.add(f"states[{i}].deadline.expire.trigger",
                             f"transition '{expire.get('trigger')}' must allow the role 'system' (the timers take it)")
        for i, t in enumerate(transitions):
            self._transition(i, t, known, declared_roles, params, documents)
        visibility = raw.get("visibility") if isinstance(raw.get("visibility"), dict) else {}
        for role in _list(visibility.get("roles")):
            if role not in declared_roles:
                self.add("visibility.roles", f"role '{role}' is not declared in the definition's roles")
        for name in _list(visibility.get("unit_fields")):
            if not (self._declares_field(name, "unit") or self._declares_field(name, "units")):
                self.add("visibility.unit_fields", f"'{name}' is not a unit field of any transition")
        self._consistent_forms(transitions)
        self._reachability(raw.get("initial"), states, transitions)
        return self.found

    def _transition(self, i: int, t: dict[str, Any], known: set[str], roles: set[str],
                    params: dict[str, Any], documents: dict[str, Any]) -> None:
        at = f"transitions[{i}]"
        for source in _sources(t):
            if source not in known:
                self.add(f"{at}.source", f"unknown state '{source}'")
        if t.get("dest") not in known:
            self.add(f"{at}.dest", f"unknown state '{t.get('dest')}'")
        if t.get("trigger") in {"trigger", "state"}:
            self.add(f"{at}.trigger", f"'{t['trigger']}' is reserved")
        for role in _list(t.get("roles")):
            if role not in roles:
                self.add(f"{at}.roles", f"role '{role}' is not declared in the definition's roles")
        if not t.get("roles") and t.get("trigger") != GENERIC_WITHDRAW:
            self.add(f"{at}.roles", "no role may take this transition (only withdraw may omit roles)")
        field_names = {f.get("name") for f in _list(t.get("fields")) if isinstance(f, dict)}
        unit = t.get("unit")
        if unit is not None and unit != "case" and not self._declares_field(unit, "unit"):
            self.add(f"{at}.unit", f"'{unit}' is neither 'case' nor a unit field of any transition")
        self._document(f"{at}.document", t.get("document"), documents)
        for kind, registry in (("guards", GUARDS), ("effects", EFFECTS)):
            for j, call in enumerate(_list(t.get(kind))):
                self._call(f"{at}.{kind}[{j}]", call, registry, params)
        for j, f in enumerate(_list(t.get("fields"))):
            if isinstance(f, dict):
                self._field(f"{at}.fields[{j}]", f, params)
        if len(field_names) != len([f for f in _list(t.get("fields")) if isinstance(f, dict)]):
            self.add(f"{at}.fields", "duplicate field name")
        for name in sorted(field_names & set(_list(t.get("facts")))):
            self.add(f"{at}.facts", f"'{name}' is a field of the form: a fact is established by the domain, not typed")

    def _declares_field(self, name: str, type_: str) -> bool:
        return any(isinstance(f, dict) and f.get("name") == name and f.get("type") == type_
                   for t in _list(self.raw.get("transitions")) if isinstance(t, dict)
                   for f in _list(t.get("fields")))

    def _call(self, at: str, call: Any, registry: Mapping[str, Any], params: dict[str, Any]) -> None:
        spec = {"name": call} if isinstance(call, str) else call if isinstance(call, dict) else {}
        entry = registry.get(spec.get("name"))
        if entry is None:
            self.add(f"{at}.name", f"unknown {'guard' if registry is GUARDS else 'effect'} '{spec.get('name')}' "
                                   f"(known: {', '.join(sorted(registry))})")
            return
        given = {k for k in spec if k != "name"}
        given = (given - {"param"}) | ({"value"} if "param" in given else set())
        if given != set(entry.params):
            self.add(at, f"'{entry.name}' takes {sorted(entry.params) or 'no arguments'}, got {sorted(given) or 'none'}")
        self._param(f"{at}.param", spec.get("param"), params)

    def _field(self, at: str, f: dict[str, Any], params: dict[str, Any]) -> None:
        if f.get("type") == "choice" and not f.get("choices"):
            self.add(f"{at}.choices", "a choice field needs choices")
        if f.get("type") != "choice" and f.get("choices"):
            self.add(f"{at}.choices", "only choice fields take choices")
        lo, hi = f.get("min_length"), f.get("max_length")
        if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
            self.add(at, "min_length is greater than max_length")
        if isinstance(f.get("default_days"), dict):
            self._param(f"{at}.default_days.param", f["default_days"].get("param"), params)

    def _computed(self, transitions: list[dict[str, Any]]) -> None:
        form_fields = {f.get("name") for t in transitions for f in _list(t.get("fields")) if isinstance(f, dict)}
        for i, c in enumerate(_list(self.raw.get("computed"))):
            if not isinstance(c, dict):
                continue
            if c.get("name") in form_fields:
                self.add(f"computed[{i}].name", f"'{c.get('name')}' is a form field: a computed value has its own name")
            if c.get("after") not in form_fields:
                self.add(f"computed[{i}].after", f"'{c.get('after')}' is not a field of any transition")

    def _param(self, at: str, name: Any, params: dict[str, Any]) -> None:
        if name is not None and name not in params:
            self.add(at, f"unknown parameter '{name}' (declare it under parameters)")

    def _document(self, at: str, key: Any, documents: dict[str, Any]) -> None:
        if key is not None and key not in documents:
            self.add(at, f"unknown document '{key}' (declare it under documents)")

    def _consistent_forms(self, transitions: list[dict[str, Any]]) -> None:
        """Transitions that share a trigger and a source are one action to the user: one form, one set of roles."""
        first: dict[tuple[str, str], tuple[int, Any]] = {}
        for i, t in enumerate(transitions):
            shape = (t.get("fields"), sorted(_list(t.get("roles"))), t.get("unit"), t.get("label"))
            for source in _sources(t):
                key = (t.get("trigger"), source)
                if key in first and first[key][1] != shape:
                    self.add(f"transitions[{i}]", f"'{key[0]}' from '{source}' differs from transitions[{first[key][0]}] "
                                                  "in fields, roles, unit or label")
                first.setdefault(key, (i, shape))

    def _countersign(self, at: str, sign: Any, known: set[Any], roles: set[Any], params: dict[str, Any]) -> None:
        if not isinstance(sign, dict):
            return
        for key in ("pass", "fail"):
            if key in sign and sign[key] not in known:
                self.add(f"{at}.{key}", f"unknown state '{sign[key]}'")
        voters = sign.get("voters") if isinstance(sign.get("voters"), dict) else {}
        if "role" in voters and voters["role"] not in roles:
            self.add(f"{at}.voters.role", f"role '{voters['role']}' is not declared in the definition's roles")
        if sign.get("rule") == "at_least" and "at_least" not in sign:
            self.add(f"{at}.at_least", "rule 'at_least' needs at_least: N (or {param: name})")
        if isinstance(sign.get("at_least"), dict):
            self._param(f"{at}.at_least.param", sign["at_least"].get("param"), params)

    def _reachability(self, initial: Any, states: list[dict[str, Any]], transitions: list[dict[str, Any]]) -> None:
        votes = [{"source": s.get("name"), "dest": s["countersign"].get(key)} for s in states
                 if isinstance(s.get("countersign"), dict) for key in ("pass", "fail")]
        transitions = [*transitions, *votes]
        reached, queue = {initial}, deque([initial])
        while queue:
            state = queue.popleft()
            for t in transitions:
                if state in _sources(t) and t.get("dest") not in reached:
                    reached.add(t.get("dest"))
                    queue.append(t.get("dest"))
        for i, state in enumerate(states):
            if state.get("name") not in reached:
                self.add(f"states[{i}]", f"state '{state.get('name')}' cannot be reached from '{initial}'")


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _sources(t: dict[str, Any]) -> list[Any]:
    source = t.get("source")
    return source if isinstance(source, list) else [source]


def _label(raw: dict[str, str]) -> Label:
    return Label(raw["zh"], raw["en"])


def _days(raw: dict[str, Any] | None, params: Mapping[str, Any]) -> int | None:
    if raw is None:
        return None
    return int(params[raw["param"]]) if "param" in raw else int(raw["days"])


def _deadline(raw: dict[str, Any], params: Mapping[str, Any]) -> Deadline:
    expire = raw.get("expire")
    return Deadline(days=_days(raw, params) if "field" not in raw else None, field=raw.get("field"),
                    working=raw.get("working", False),
                    expire_trigger=expire["trigger"] if isinstance(expire, dict) else None,
                    remind=expire == "remind")


def _countersign(raw: dict[str, Any], params: Mapping[str, Any]) -> Countersign:
    at_least = raw.get("at_least")
    if isinstance(at_least, dict):
        at_least = int(params[at_least["param"]])
    voters = raw["voters"]
    return Countersign(role=voters.get("role"), users=tuple(voters.get("users", ())), rule=raw["rule"],
                       at_least=at_least, pass_state=raw["pass"], fail_state=raw["fail"])


VOTE = "vote"
VOTE_LABEL = Label("会签表决", "Vote")
DECISION = Field(name="decision", label=Label("表决意见", "Decision"), type="choice", required=True,
                 choices=(Choice("approve", Label("同意", "Approve")), Choice("reject", Label("不同意", "Reject"))))


def _vote_transitions(state: State, first_index: int) -> list[Transition]:
    """The `vote` step of a countersign state, as three transitions that share its form: to `pass` when this vote
    meets the rule, to `fail` when the rule can no longer be met, else back to the state to wait for more votes."""
    sign = state.countersign
    assert sign is not None
    offered = (Call("countersign_voter", (("state", state.name),)), Call("countersign_not_voted", (("state", state.name),)))
    outcomes = [(sign.pass_state, "pass"), (sign.fail_state, "fail"), (state.name, "open")]
    return [Transition(
        index=first_index + i, trigger=VOTE, label=VOTE_LABEL, sources=(state.name,), dest=dest,
        roles=frozenset({sign.role}) if sign.role else frozenset(), unit=None,
        guards=(*offered, Call("countersign_outcome", (("at_least", sign.at_least), ("outcome", outcome),
                                                       ("rule", sign.rule), ("state", state.name)))),
        effects=(Call("record_vote", (("state", state.name),)),), fields=(DECISION,), document=None,
        comment_required=False) for i, (dest, outcome) in enumerate(outcomes)]


def _call(raw: Any, params: Mapping[str, Any]) -> Call:
    if isinstance(raw, str):
        return Call(raw)
    args = {k: v for k, v in raw.items() if k not in {"name", "param"}}
    if "param" in raw:
        args["value"] = params[raw["param"]]
    return Call(raw["name"], tuple(sorted(args.items())))


def _field(raw: dict[str, Any], params: Mapping[str, Any]) -> Field:
    return Field(
        name=raw["name"], label=_label(raw["label"]), type=raw["type"], required=raw.get("required", False),
        min_length=raw.get("min_length"), max_length=raw.get("max_length"),
        minimum=raw.get("min"), maximum=raw.get("max"),
        choices=tuple(Choice(c["value"], Label(c["zh"], c["en"])) for c in raw.get("choices", [])),
        default_days=_days(raw.get("default_days"), params), future=raw.get("future", False),
    )


def _build(raw: dict[str, Any], source: str, file: str) -> Definition:
    params = MappingProxyType(dict(raw.get("parameters") or {}))
    visibility = raw.get("visibility") or {}
    states = {}
    for s in raw["states"]:
        deadline = s.get("deadline")
        states[s["name"]] = State(
            name=s["name"], label=_label(s["label"]), document=s.get("document"), final=s.get("final", False),
            deadline=None if deadline is None else _deadline(deadline, params),
            countersign=_countersign(s["countersign"], params) if "countersign" in s else None,
        )
    transitions = []
    for i, t in enumerate(raw["transitions"]):
        guards = tuple(_call(g, params) for g in t.get("guards", []))
        if t["trigger"] == GENERIC_WITHDRAW and Call("actor_is_submitter") not in guards:
            guards = (Call("actor_is_submitter"), *guards)  # withdraw is always the submitter's own
        transitions.append(Transition(
            index=i, trigger=t["trigger"], label=_label(t["label"]), sources=tuple(_sources(t)), dest=t["dest"],
            roles=frozenset(t.get("roles", [])), unit=t.get("unit"), guards=guards,
            effects=tuple(_call(e, params) for e in t.get("effects", [])),
            fields=tuple(_field(f, params) for f in t.get("fields", [])), document=t.get("document"),
            comment_required=t.get("comment") == "required" or t["trigger"] == GENERIC_RETURN,
            prefill=t.get("prefill", False), public=t.get("public", False),
            restart_deadline=t.get("restart_deadline", False), facts=tuple(t.get("facts", [])),
        ))
    for state in states.values():
        if state.countersign is not None:
            transitions += _vote_transitions(state, len(transitions))
    return Definition(
        key=raw["key"], label=_label(raw["label"]), number_prefix=raw["number_prefix"], initial=raw["initial"],
        roles=frozenset(raw["roles"]), parameters=params, states=MappingProxyType(states),
        documents=MappingProxyType({k: _label(v) for k, v in (raw.get("documents") or {}).items()}),
        transitions=tuple(transitions), version=content_version(raw), source=source, path=file,
        visible_roles=frozenset(visibility.get("roles", [])),
        visible_unit_fields=tuple(visibility.get("unit_fields", [])),
        log_views=visibility.get("log_views", False),
        computed=tuple((_field(c, params), c["after"]) for c in raw.get("computed", [])),
    )
