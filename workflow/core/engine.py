"""The engine: which actions an actor may take on a case, and what firing one does.

One pytransitions Machine per definition version is shared by every case; a case is
attached as a throw-away model for the length of one `fire` and always detached. The
engine decides and describes (a TransitionRecord); it saves nothing.

Guards that look only at the actor and the case as it stands (`needs_form` false)
decide whether an action is offered; guards over the submitted form are evaluated on
the data as it would be after the transition, and choose among transitions that share
a trigger (the first whose guards pass fires, in definition order).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import partial
from typing import Any

from transitions import Machine

from workflow.core import forms
from workflow.core.actor import Actor
from workflow.core.definition import Definition, Field, Label, Transition
from workflow.core.guards import EFFECTS, GUARDS, GuardContext
from workflow.core.roles import role_label
from workflow.core.workdays import WorkCalendar

SAVE_DRAFT = "save_draft"
RESUBMIT_TO = "resubmit_to"  # data: the state a case sent back (退回, direct) goes straight back to
SAVE_DRAFT_LABEL = Label("保存草稿", "Save draft")


class ActionRefused(Exception):
    """An action the engine will not take; `status` is the HTTP-like code the caller should see."""

    status = 409

    def __init__(self, message: str, message_en: str = "", fields: dict[str, str] | None = None, status: int | None = None):
        super().__init__(message)
        self.message, self.message_en, self.fields = message, message_en, fields or {}
        if status is not None:
            self.status = status


class Forbidden(ActionRefused):
    status = 403


class NotOpen(ActionRefused):
    status = 409


class InvalidData(ActionRefused):
    status = 422


@dataclass(frozen=True)
class CaseView:
    """What the engine needs to know of a case, whatever stores it."""

    state: str
    data: Mapping[str, Any]
    submitter: str | None
    unit: str | None
    due_date: date | None = None


@dataclass(frozen=True)
class Action:
    trigger: str
    label: Label
    fields: tuple[Field, ...]
    comment_required: bool


@dataclass(frozen=True)
class TransitionRecord:
    trigger: str
    label: Label
    source: str
    dest: str
    changes: dict[str, Any]   # everything the transition wrote: form values and effects
    data: dict[str, Any]      # the case data afterwards
    comment: str
    documents: tuple[str, ...]
    due_date: date | None
    deadline_set: bool = False  # the step started the dest state's deadline: the timers need a new row
    restart: bool = False       # a step that stays in its state but begins a new stay there (a yearly review)


@dataclass
class _Run:
    """The model pytransitions moves for one fire; carries what the conditions need."""

    actor: Actor
    case: CaseView
    form: dict[str, Any]
    electorate: Callable[[str], list[str]] | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)
    chosen: Transition | None = None
    data_after: dict[str, Any] = field(default_factory=dict)


def named(value: Any) -> list[str]:
    """The user names a case field holds (a list, or names separated by spaces or commas), each once, in the order
    given: the approvers a `voters: {field}` freezes."""
    names = value if isinstance(value, list) else re.split(r"[\s,，、]+", value) if isinstance(value, str) else []
    return list(dict.fromkeys(str(n).strip() for n in names if str(n).strip()))


class Engine:
    def __init__(self, definition: Definition, calendar: WorkCalendar | None = None):
        self.definition = definition
        self.calendar = calendar or WorkCalendar()  # without one: Monday to Friday
        self.machine = Machine(model=None, states=list(definition.states), initial=definition.initial,
                               auto_transitions=False, send_event=True)
        for t in definition.transitions:
            self.machine.add_transition(t.trigger, list(t.sources), t.dest,
                                        conditions=[partial(self._condition, t)], before=[partial(self._choose, t)])

    # -- what may be done ------------------------------------------------------------------

    def actions_for(self, case: CaseView, actor: Actor) -> list[Action]:
        actions: dict[str, Action] = {}
        for t in self.definition.transitions_from(case.state):
            if t.trigger not in actions and self._refusal(t, actor, case) is None:
                actions[t.trigger] = Action(t.trigger, t.label, t.fields, t.comment_required)
        return list(actions.values())

    def draft_fields(self) -> tuple[Field, ...]:
        """The fields of the first step out of the initial state, none required: what a draft may hold."""
        steps = [t for t in self.definition.transitions_from(self.definition.initial) if t.trigger != "withdraw"]
        return tuple(replace(f, required=False) for f in (steps[0].fields if steps else ()))

    def form_fields(self, state: str, trigger: str) -> tuple[Field, ...]:
        """The fields the form of this step has (the same for every transition of one trigger and source)."""
        if trigger == SAVE_DRAFT:
            return self.draft_fields()
        steps = self.definition.transitions_from(state, trigger)
        return steps[0].fields if steps else ()

    def facts_of(self, state: str, trigger: str) -> tuple[str, ...]:
        """The facts the process's domain must establish before this step can be taken (see `fire`)."""
        return tuple(dict.fromkeys(name for t in self.definition.transitions_from(state, trigger) for name in t.facts))

    def fire(self, case: CaseView, trigger: str, actor: Actor, data: Mapping[str, Any] | None = None,
             comment: str | None = None, *, today: date, units: Mapping[str, str],
             electorate: Callable[[str], list[str]] | None = None,
             facts: Mapping[str, Any] | None = None) -> TransitionRecord:
        """`electorate(role)`: who holds a role now — the voters a countersign state freezes on entry.
        `facts`: what the domain established for the step (a frozen voter roll, a tally) — written into the data
        before guards and effects look at it, and recorded with the step so the audit replays it."""
        if trigger == SAVE_DRAFT:
            return self._save_draft(case, actor, data, comment, today, units)
        candidates = self.definition.transitions_from(case.state, trigger)
        if not candidates:
            state = self.definition.states[case.state].label
            raise NotOpen(f"当前状态「{state.zh}」下不能执行操作「{trigger}」",
                          f"Action '{trigger}' is not open in state '{state.en}'")
        permitted = [t for t in candidates if self._refusal(t, actor, case) is None]
        if not permitted:
            raise self._refusal(candidates[-1], actor, case)  # type: ignore[misc]
        first = permitted[0]
        if first.prefill:
            data = {**{f.name: case.data[f.name] for f in first.fields if f.name in case.data}, **(data or {})}
        try:
            form = forms.validate(first.fields, data or {}, today=today, units=units, comment=comment,
                                  comment_required=first.comment_required)
        except forms.FormErrors as exc:
            raise InvalidData("提交的数据有误，请按提示修改", "Invalid data", fields=exc.fields) from None
        missing = [name for name in first.facts if name not in (facts or {})]
        if missing:
            raise NotOpen(f"「{first.label.zh}」须在其专门页面办理（缺少：{'、'.join(missing)}）",
                          f"'{first.label.en}' is taken on its own page (missing: {', '.join(missing)})")
        undeclared = sorted(set(facts or {}) - set(self.facts_of(case.state, trigger)))
        if undeclared:  # the audit replays only the declared facts: anything else would not replay
            raise ValueError(f"facts not declared by '{trigger}' in the definition: {', '.join(undeclared)}")
        run = _Run(actor, case, form, electorate, dict(facts or {}))
        self.machine.add_model(run, initial=case.state)
        try:
            run.trigger(trigger)  # type: ignore[attr-defined]
        finally:
            self.machine.remove_model(run)
        if run.chosen is None:
            raise self._form_refusal(permitted[-1], run)
        return self._record(run.chosen, case, run, (comment or "").strip(), today)

    def _save_draft(self, case: CaseView, actor: Actor, data: Mapping[str, Any] | None, comment: str | None,
                    today: date, units: Mapping[str, str]) -> TransitionRecord:
        """The generic verb every definition has: the author keeps editing a draft (a step that stays put)."""
        if case.state != self.definition.initial:
            raise NotOpen("只有草稿可以保存修改", "Only a draft can be saved")
        if actor.username != case.submitter:
            raise Forbidden("只有起草人可以修改草稿", "Only the author may edit a draft")
        try:
            form = forms.validate(self.draft_fields(), data or {}, today=today, units=units, comment=comment)
        except forms.FormErrors as exc:
            raise InvalidData("提交的数据有误，请按提示修改", "Invalid data", fields=exc.fields) from None
        written = {k: v for k, v in form.items() if case.data.get(k) != v}
        return TransitionRecord(SAVE_DRAFT, SAVE_DRAFT_LABEL, case.state, case.state, written,
                                {**case.data, **form}, (comment or "").strip(), (), case.due_date)

    # -- pytransitions callbacks -----------------------------------------------------------------

    def _condition(self, t: Transition, event: Any) -> bool:
        run: _Run = event.model
        return self._refusal(t, run.actor, run.case) is None and self._form_refusal(t, run) is None

    def _choose(self, t: Transition, event: Any) -> None:
        run: _Run = event.model
        run.chosen, run.data_after = t, self._data_after(t, run)

    # -- the checks --------------------------------------------------------------------------------

    def _refusal(self, t: Transition, actor: Actor, case: CaseView) -> ActionRefused | None:
        """Why this actor may not take this transition on the case as it stands, or None."""
        if t.roles and not (t.roles & actor.roles):
            needed = "、".join(role_label(r) for r in sorted(t.roles))
            return Forbidden(f"您没有执行「{t.label.zh}」的权限（需要：{needed}）",
                             f"You may not '{t.label.en}' (needs: {', '.join(sorted(t.roles))})")
        if t.unit is not None:
            unit = case.unit if t.unit == "case" else case.data.get(t.unit)
            if actor.unit != unit:
                return Forbidden(f"只有承办单位（{unit}）的人员可以执行「{t.label.zh}」",
                                 f"Only members of unit {unit} may '{t.label.en}'")
        context = GuardContext(actor, case.submitter, case.data)
        return self._guard_refusal(t, context, needs_form=False)

    def _form_refusal(self, t: Transition, run: _Run) -> ActionRefused | None:
        context = GuardContext(run.actor, run.case.submitter, self._data_after(t, run))
        return self._guard_refusal(t, context, needs_form=True)

    @staticmethod
    def _guard_refusal(t: Transition, context: GuardContext, *, needs_form: bool) -> ActionRefused | None:
        for call in t.guards:
            guard = GUARDS[call.name]
            if guard.needs_form == needs_form and not guard.check(context, **call.kwargs):
                return ActionRefused(guard.message_zh, guard.message_en, status=guard.status)
        return None

    def dest_of(self, t: Transition, case: CaseView) -> str:
        """Where the transition takes the case: its `dest`, or straight back to the state that sent the case back
        (退回 with `direct`, 飞书's 重新提交直达) when it leaves the state it was sent back to for anything but an end."""
        back = case.data.get(RESUBMIT_TO)
        if (isinstance(back, str) and back in self.definition.states and t.dest != case.state
                and not self.definition.states[t.dest].final):
            return back
        return t.dest

    def _data_after(self, t: Transition, run: _Run) -> dict[str, Any]:
        data = {**run.case.data, **run.form, **run.facts}
        for call in t.effects:
            EFFECTS[call.name].apply(data, run.actor, **call.kwargs)
        dest = self.dest_of(t, run.case)
        if dest != run.case.state:
            data.pop(RESUBMIT_TO, None)  # a case sent back goes straight back once, by its next step out
        sign = self.definition.states[dest].countersign
        if sign is not None and dest != run.case.state:  # entering a 会签: freeze who votes
            voters = list(sign.users) if sign.users else named(data.get(sign.field)) if sign.field \
                else sorted(run.electorate(sign.role) if run.electorate and sign.role else [])
            data["countersign"] = {**(data.get("countersign") or {}), dest: {"voters": voters, "votes": []}}
        return data

    def _record(self, t: Transition, case: CaseView, run: _Run, comment: str, today: date) -> TransitionRecord:
        data = run.data_after
        written = {**run.form, **run.facts,
                   **{k: v for k, v in data.items() if k in run.form or k in run.facts or case.data.get(k) != v}}
        if RESUBMIT_TO in case.data and RESUBMIT_TO not in data:
            written[RESUBMIT_TO] = None  # (the record says the straight way back was taken)
        # (a form value an effect consumed, such as a 会签 decision, stays in the record: the audit replays it)
        documents = [t.document] if t.document else []
        dest_name = self.dest_of(t, case)
        dest = self.definition.states[dest_name]
        if dest.document and case.state != dest_name:
            documents.append(dest.document)
        starts = case.state != dest_name or t.restart_deadline
        return TransitionRecord(t.trigger, t.label, case.state, dest_name, written, data, comment, tuple(documents),
                                self.due_on_entry(dest_name, data, today) if starts else case.due_date,
                                starts and dest.deadline is not None, case.state == dest_name and t.restart_deadline)

    def due_on_entry(self, state: str, data: Mapping[str, Any], today: date) -> date | None:
        """The due date of a stay in `state` begun today: by its deadline, if it has one."""
        deadline = self.definition.states[state].deadline
        if deadline is None:
            return None
        if deadline.field is not None:
            return forms.to_date(data.get(deadline.field))
        if deadline.working:
            return self.calendar.add_working_days(today, deadline.days or 0)
        return today + timedelta(days=deadline.days or 0)
