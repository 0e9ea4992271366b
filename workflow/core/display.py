"""Turning stored values into what people read: choice labels, unit names, Chinese dates, local time."""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from workflow.core import forms
from workflow.core.definition import Definition, Field
from workflow.core.engine import SAVE_DRAFT, SAVE_DRAFT_LABEL
from workflow.core.moves import MOVES
from workflow.core.roles import role_label
from workflow.core.tasks import VERBS

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def local(moment: datetime) -> datetime:
    """Stored times are naive UTC; people read Beijing time."""
    return moment.replace(tzinfo=timezone.utc).astimezone(LOCAL_TZ)


def local_date(moment: datetime) -> date:
    """The day it is in Beijing at a stored moment: deadlines and date checks count Beijing days, not UTC ones."""
    return local(moment).date()


def chinese_date(day: date | None) -> str:
    return "—" if day is None else f"{day.year}年{day.month}月{day.day}日"


def value_text(f: Field, value: Any, units: Mapping[str, str], lang: str = "zh") -> str:
    if value is None or value == "" or value == []:
        return "—"
    if f.type == "choice":
        return f.choice_label(value, lang) or f.choice_label(value) or str(value)
    if f.type == "unit":
        return units.get(value, value)
    if f.type == "units":
        return (", " if lang == "en" else "、").join(units.get(code, code) for code in value)
    if f.type == "date":
        day = forms.to_date(value)
        return day.isoformat() if lang == "en" and day else chinese_date(day)
    if f.type == "boolean":
        return WORDS[lang]["yes" if value else "no"]
    if f.type == "decimal":
        return f"{float(value):,.2f}"
    if f.type == "files":
        return WORDS[lang]["and"].join(item["name"] for item in value)
    return str(value)


WORDS = {"zh": {"yes": "是", "no": "否", "applicant": "申请人", "create": "创建草稿", "and": "、"},
         "en": {"yes": "Yes", "no": "No", "applicant": "Applicant", "create": "Draft created", "and": ", "}}


def data_text(definition: Definition, data: Mapping[str, Any], units: Mapping[str, str],
              lang: str = "zh") -> list[dict[str, Any]]:
    """The case's fields in definition order, as display text."""
    return [{"key": f.name, "label": f.label.get(lang), "value": value_text(f, data[f.name], units, lang),
             "long": f.type == "text", "files": data[f.name] if f.type == "files" else []}
            for f in definition.fields() if f.name in data]


def acting_role(definition: Definition, trigger: str, roles: list[str] | frozenset[str], lang: str = "zh") -> str:
    """The capacity in which someone acted: the role that let them take the step."""
    for t in definition.transitions:
        if t.trigger == trigger:
            shared = sorted(t.roles & set(roles))
            if shared:
                return role_label(shared[0], lang)
    if trigger in ("create", "withdraw", SAVE_DRAFT):
        return WORDS[lang]["applicant"]
    return WORDS[lang]["and"].join(role_label(r, lang) for r in sorted(roles))


def action_label(definition: Definition, trigger: str, lang: str = "zh") -> str:
    if trigger == "create":
        return WORDS[lang]["create"]
    if trigger == SAVE_DRAFT:
        return SAVE_DRAFT_LABEL.get(lang)
    if trigger in VERBS:
        return VERBS[trigger].get(lang)
    if trigger in MOVES:
        return MOVES[trigger].get(lang)
    for t in definition.transitions:
        if t.trigger == trigger:
            return t.label.get(lang)
    return trigger


def case_title(definition: Definition, data: Mapping[str, Any], submitter: str, number: str,
               lang: str = "zh") -> str:
    """How a case is named in lists and on its page: its `title` field, else the definition's `title` pattern
    ({field} as the field shows it, {submitter}, {number}), else the process's name."""
    if data.get("title"):
        return str(data["title"])
    if definition.title is None:
        return definition.label.get(lang)
    fields = {f.name: f for f in definition.fields()}

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in ("submitter", "number"):
            return submitter if name == "submitter" else number
        raw, field = data.get(name), fields.get(name)
        if raw in (None, ""):
            return "—"
        return (field.choice_label(raw, lang) if field else None) or str(raw)
    return re.sub(r"{([^{}]*)}", value, definition.title.get(lang))


def acting_name(actor: str, acting_for: str | None, names: Mapping[str, str]) -> str:
    """Who took a step, by name: 张三（李四代） when 李四 took it as 张三's delegate (委托)."""
    if acting_for:
        return f"{names.get(acting_for) or acting_for}（{names.get(actor) or actor}代）"
    return names.get(actor) or actor


def mask_name(name: str | None) -> str:
    """A person's name as a public notice shows it (public pages mask personal data, docs/architecture.md
    invariant 6): 张三明 → 张*明, 张三 → 张*, 欧阳娜娜 → 欧**娜."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id(number: str | None, head: int = 4, tail: int = 4) -> str:
    """An ID card or account number with all but its first and last digits hidden: 3301**********1234."""
    text = "".join(str(number or "").split())
    if len(text) <= head + tail:
        return "*" * len(text)
    return text[:head] + "*" * (len(text) - head - tail) + text[-tail:]
