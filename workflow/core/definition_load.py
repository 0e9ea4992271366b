"""Load definitions: YAML → schema and semantic checks (every problem at once, each with its file and path) →
frozen dataclasses. A definition's version is the SHA-256 of its canonical content: running cases keep the
version they started on.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import yaml
from jsonschema import Draft202012Validator

from workflow.core.definition import (
    GENERIC_RETURN,
    GENERIC_WITHDRAW,
    Call,
    Choice,
    Countersign,
    Deadline,
    Definition,
    DefinitionError,
    Field,
    Label,
    Problem,
    SendBack,
    State,
    Transition,
)
from workflow.core.definition_check import check, sources_of
from workflow.core.definition_schema import SCHEMA

_VALIDATOR = Draft202012Validator(SCHEMA)


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
    problems += check(raw, file, template_dir)
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
                    expire_trigger=expire.get("trigger") if isinstance(expire, dict) else None,
                    remind=expire == "remind", escalate=expire.get("escalate") if isinstance(expire, dict) else None)


def _send_back(raw: dict[str, Any]) -> SendBack:
    to = raw.get("to", "path")
    return SendBack(to=() if to == "path" else tuple(to), direct=raw.get("direct", False))


def _countersign(raw: dict[str, Any], params: Mapping[str, Any]) -> Countersign:
    at_least = raw.get("at_least")
    if isinstance(at_least, dict):
        at_least = int(params[at_least["param"]])
    voters = raw["voters"]
    return Countersign(role=voters.get("role"), users=tuple(voters.get("users", ())), rule=raw["rule"],
                       at_least=at_least, pass_state=raw["pass"], fail_state=raw["fail"], field=voters.get("field"),
                       ratio=raw.get("ratio"))


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
    if sign.rule == "sequential":
        offered += (Call("countersign_turn", (("state", state.name),)),)
    outcomes = [(sign.pass_state, "pass"), (sign.fail_state, "fail"), (state.name, "open")]
    return [Transition(
        index=first_index + i, trigger=VOTE, label=VOTE_LABEL, sources=(state.name,), dest=dest,
        roles=frozenset({sign.role}) if sign.role else frozenset(), unit=None,
        guards=(*offered, Call("countersign_outcome", (("at_least", sign.at_least), ("outcome", outcome),
                                                       ("ratio", sign.ratio), ("rule", sign.rule),
                                                       ("state", state.name)))),
        effects=(Call("record_vote", (("state", state.name),)),), fields=(DECISION,), document=None,
        comment_required=False) for i, (dest, outcome) in enumerate(outcomes)]


def _forbids_self_approval(t: dict[str, Any], guards: tuple[Call, ...], initial: str) -> bool:
    """Whether the applicant may not take this step on their own case: `self_approval: forbid`, and by default a money
    step (a decimal field, or a guard on an amount) — never the applicant's own steps or a step out of the draft."""
    names = {call.name for call in guards}
    if {"actor_is_submitter", "actor_is_not_submitter"} & names or initial in sources_of(t) \
            or set(t.get("roles", [])) <= {"system"}:
        return False
    money = any(f.get("type") == "decimal" for f in t.get("fields", [])) or any(n.startswith("amount_") for n in names)
    return t.get("self_approval", "forbid" if money else "allow") == "forbid"


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
        from_file=raw.get("from_file", False),
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
            report=s.get("report"), send_back=_send_back(s["send_back"]) if "send_back" in s else None,
        )
    transitions = []
    for i, t in enumerate(raw["transitions"]):
        guards = tuple(_call(g, params) for g in t.get("guards", []))
        if t["trigger"] == GENERIC_WITHDRAW and Call("actor_is_submitter") not in guards:
            guards = (Call("actor_is_submitter"), *guards)  # withdraw is always the submitter's own
        elif _forbids_self_approval(t, guards, raw["initial"]):
            guards = (Call("actor_is_not_submitter"), *guards)
        transitions.append(Transition(
            index=i, trigger=t["trigger"], label=_label(t["label"]), sources=tuple(sources_of(t)), dest=t["dest"],
            roles=frozenset(t.get("roles", [])), unit=t.get("unit"), guards=guards,
            effects=tuple(_call(e, params) for e in t.get("effects", [])),
            fields=tuple(_field(f, params) for f in t.get("fields", [])), document=t.get("document"),
            comment_required=t.get("comment") == "required" or t["trigger"] == GENERIC_RETURN,
            prefill=t.get("prefill", False), public=t.get("public", False),
            restart_deadline=t.get("restart_deadline", False), facts=tuple(t.get("facts", [])),
            claim=t.get("claim", False), cc_roles=frozenset((t.get("cc") or {}).get("roles", [])),
            cc_fields=tuple((t.get("cc") or {}).get("fields", [])),
        ))
    for state in states.values():
        if state.countersign is not None:
            transitions += _vote_transitions(state, len(transitions))
    return Definition(
        key=raw["key"], label=_label(raw["label"]), number_prefix=raw["number_prefix"], initial=raw["initial"],
        description=_label(raw["description"]) if "description" in raw else None,
        title=_label(raw["title"]) if "title" in raw else None, fallback=raw.get("fallback"),
        roles=frozenset(raw["roles"]), parameters=params, states=MappingProxyType(states),
        documents=MappingProxyType({k: _label(v) for k, v in (raw.get("documents") or {}).items()}),
        transitions=tuple(transitions), version=content_version(raw), source=source, path=file,
        visible_roles=frozenset(visibility.get("roles", [])),
        visible_unit_fields=tuple(visibility.get("unit_fields", [])),
        log_views=visibility.get("log_views", False),
        computed=tuple((_field(c, params), c["after"]) for c in raw.get("computed", [])),
    )
