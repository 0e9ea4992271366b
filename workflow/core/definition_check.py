"""The semantic checks of a definition that its JSON schema cannot express: names that must exist, roles, guards
and their arguments, forms, deadlines, countersigns, reachability. Tolerates malformed parts (the schema reports
those) and reports every problem at once."""
from __future__ import annotations

import re
from collections import deque
from pathlib import Path
from typing import Any, Mapping

from workflow.core.definition import GENERIC_WITHDRAW, Problem
from workflow.core.guards import EFFECTS, GUARDS
from workflow.core.moves import MOVES
from workflow.core.roles import ROLES, SYSTEM
from workflow.core.tasks import VERBS


def check(raw: dict[str, Any], file: str, template_dir: Path | None) -> list[Problem]:
    return _Checker(raw, file, template_dir).problems()


class _Checker:
    """Semantic checks the schema cannot express. Tolerates malformed parts (the schema reports those)."""

    def __init__(self, raw: dict[str, Any], file: str, template_dir: Path | None):
        self.raw, self.file, self.template_dir = raw, file, template_dir
        self.found: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.found.append(Problem(self.file, path, message))

    def problems(self) -> list[Problem]:
        raw = self.raw
        states = [s for s in as_list(raw.get("states")) if isinstance(s, dict)]
        names = [s.get("name") for s in states]
        for i, name in enumerate(names):
            if names.index(name) != i:
                self.add(f"states[{i}].name", f"duplicate state '{name}'")
        known = set(names)
        if raw.get("initial") not in known:
            self.add("initial", f"unknown state '{raw.get('initial')}'")
        declared_roles = set(as_list(raw.get("roles")))
        for role in sorted(declared_roles - set(ROLES) - {SYSTEM}):
            self.add("roles", f"unknown role '{role}' (known: {', '.join(ROLES)})")
        params = raw.get("parameters") if isinstance(raw.get("parameters"), dict) else {}
        documents = raw.get("documents") if isinstance(raw.get("documents"), dict) else {}
        for key in documents:
            if self.template_dir is not None and not (self.template_dir / f"{key}.html").is_file():
                self.add(f"documents.{key}", f"missing template {self.template_dir / (key + '.html')}")
        transitions = [t for t in as_list(raw.get("transitions")) if isinstance(t, dict)]
        date_fields = {f.get("name") for t in transitions for f in as_list(t.get("fields"))
                       if isinstance(f, dict) and f.get("type") == "date"}
        all_fields = {f.get("name") for t in transitions for f in as_list(t.get("fields")) if isinstance(f, dict)}
        self._computed(transitions)
        for i, state in enumerate(states):
            self._countersign(f"states[{i}].countersign", state.get("countersign"), known, declared_roles, params,
                              all_fields)
            self._document(f"states[{i}].document", state.get("document"), documents)
            self._send_back(f"states[{i}].send_back", state, states)
            deadline = state.get("deadline") if isinstance(state.get("deadline"), dict) else {}
            self._param(f"states[{i}].deadline.param", deadline.get("param"), params)
            if "field" in deadline and deadline["field"] not in date_fields:
                self.add(f"states[{i}].deadline.field", f"'{deadline['field']}' is not a date field of any transition")
            expire = deadline.get("expire")
            if isinstance(expire, dict) and "escalate" in expire:
                if expire["escalate"] not in declared_roles:
                    self.add(f"states[{i}].deadline.expire.escalate",
                             f"role '{expire['escalate']}' is not declared in the definition's roles")
            elif isinstance(expire, dict):
                steps = [t for t in transitions if t.get("trigger") == expire.get("trigger")
                         and state.get("name") in sources_of(t)]
                if not steps:
                    self.add(f"states[{i}].deadline.expire.trigger",
                             f"no transition '{expire.get('trigger')}' leaves state '{state.get('name')}'")
                elif not any(SYSTEM in as_list(t.get("roles")) for t in steps):
                    self.add(f"states[{i}].deadline.expire.trigger",
                             f"transition '{expire.get('trigger')}' must allow the role 'system' (the timers take it)")
        for i, t in enumerate(transitions):
            self._transition(i, t, known, declared_roles, params, documents)
        visibility = raw.get("visibility") if isinstance(raw.get("visibility"), dict) else {}
        for role in as_list(visibility.get("roles")):
            if role not in declared_roles:
                self.add("visibility.roles", f"role '{role}' is not declared in the definition's roles")
        for name in as_list(visibility.get("unit_fields")):
            if not (self._declares_field(name, "unit") or self._declares_field(name, "units")):
                self.add("visibility.unit_fields", f"'{name}' is not a unit field of any transition")
        self._title(raw.get("title"), transitions)
        self._consistent_forms(transitions)
        self._reachability(raw.get("initial"), states, transitions)
        return self.found

    def _title(self, title: Any, transitions: list[dict[str, Any]]) -> None:
        """A title pattern names only fields of the process, {submitter} and {number}."""
        if not isinstance(title, dict):
            return
        fields = {f.get("name") for t in transitions for f in as_list(t.get("fields")) if isinstance(f, dict)}
        for lang in ("zh", "en"):
            for name in re.findall(r"{([^{}]*)}", str(title.get(lang, ""))):
                if name not in fields | {"submitter", "number"}:
                    self.add(f"title.{lang}", f"'{{{name}}}' is neither a field nor submitter or number")

    def _transition(self, i: int, t: dict[str, Any], known: set[str], roles: set[str],
                    params: dict[str, Any], documents: dict[str, Any]) -> None:
        at = f"transitions[{i}]"
        for source in sources_of(t):
            if source not in known:
                self.add(f"{at}.source", f"unknown state '{source}'")
        if t.get("dest") not in known:
            self.add(f"{at}.dest", f"unknown state '{t.get('dest')}'")
        if t.get("trigger") in {"trigger", "state", "create", *VERBS, *MOVES}:  # the tasks' verbs share the history
            self.add(f"{at}.trigger", f"'{t['trigger']}' is reserved")
        for role in as_list(t.get("roles")):
            if role not in roles:
                self.add(f"{at}.roles", f"role '{role}' is not declared in the definition's roles")
        for role in (t.get("cc") or {}).get("roles", []):
            if role not in ROLES or role == SYSTEM:
                self.add(f"{at}.cc.roles", f"unknown role '{role}'")
        if not t.get("roles") and t.get("trigger") != GENERIC_WITHDRAW:
            self.add(f"{at}.roles", "no role may take this transition (only withdraw may omit roles)")
        field_names = {f.get("name") for f in as_list(t.get("fields")) if isinstance(f, dict)}
        unit = t.get("unit")
        if unit is not None and unit != "case" and not self._declares_field(unit, "unit"):
            self.add(f"{at}.unit", f"'{unit}' is neither 'case' nor a unit field of any transition")
        self._document(f"{at}.document", t.get("document"), documents)
        for kind, registry in (("guards", GUARDS), ("effects", EFFECTS)):
            for j, call in enumerate(as_list(t.get(kind))):
                self._call(f"{at}.{kind}[{j}]", call, registry, params)
        for j, f in enumerate(as_list(t.get("fields"))):
            if isinstance(f, dict):
                self._field(f"{at}.fields[{j}]", f, params)
        if len(field_names) != len([f for f in as_list(t.get("fields")) if isinstance(f, dict)]):
            self.add(f"{at}.fields", "duplicate field name")
        for name in sorted(field_names & set(as_list(t.get("facts")))):
            self.add(f"{at}.facts", f"'{name}' is a field of the form: a fact is established by the domain, not typed")

    def _declares_field(self, name: str, type_: str) -> bool:
        return any(isinstance(f, dict) and f.get("name") == name and f.get("type") == type_
                   for t in as_list(self.raw.get("transitions")) if isinstance(t, dict)
                   for f in as_list(t.get("fields")))

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
        form_fields = {f.get("name") for t in transitions for f in as_list(t.get("fields")) if isinstance(f, dict)}
        for i, c in enumerate(as_list(self.raw.get("computed"))):
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
            shape = (t.get("fields"), sorted(as_list(t.get("roles"))), t.get("unit"), t.get("label"))
            for source in sources_of(t):
                key = (t.get("trigger"), source)
                if key in first and first[key][1] != shape:
                    self.add(f"transitions[{i}]", f"'{key[0]}' from '{source}' differs from transitions[{first[key][0]}] "
                                                  "in fields, roles, unit or label")
                first.setdefault(key, (i, shape))

    def _send_back(self, at: str, state: dict[str, Any], states: list[dict[str, Any]]) -> None:
        back = state.get("send_back")
        if not isinstance(back, dict) or not isinstance(back.get("to"), list):
            return
        final = {s.get("name") for s in states if s.get("final")}
        known = {s.get("name") for s in states}
        for j, name in enumerate(back["to"]):
            if name not in known or name in final or name == state.get("name"):
                self.add(f"{at}.to[{j}]", f"'{name}' is not an earlier state a case can be sent back to")

    def _countersign(self, at: str, sign: Any, known: set[Any], roles: set[Any], params: dict[str, Any],
                     fields: set[Any]) -> None:
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
        if (sign.get("rule") == "ratio") != ("ratio" in sign):
            self.add(f"{at}.ratio", "rule 'ratio' needs ratio: a share of the voters (0 < ratio <= 1), and only it")
        if "field" in voters and voters["field"] not in fields:
            self.add(f"{at}.voters.field", f"field '{voters['field']}' is not a field of any step")
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
                if state in sources_of(t) and t.get("dest") not in reached:
                    reached.add(t.get("dest"))
                    queue.append(t.get("dest"))
        for i, state in enumerate(states):
            if state.get("name") not in reached:
                self.add(f"states[{i}]", f"state '{state.get('name')}' cannot be reached from '{initial}'")


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def sources_of(t: dict[str, Any]) -> list[Any]:
    source = t.get("source")
    return source if isinstance(source, list) else [source]
