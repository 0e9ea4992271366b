"""Turning stored values into what people read: choice labels, unit names, Chinese dates, local time."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from . import forms
from .definition import Definition, Field
from .engine import SAVE_DRAFT, SAVE_DRAFT_LABEL
from .roles import role_label

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def local(moment: datetime) -> datetime:
    """Stored times are naive UTC; people read Beijing time."""
    return moment.replace(tzinfo=timezone.utc).astimezone(LOCAL_TZ)


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
    return str(value)


WORDS = {"zh": {"yes": "是", "no": "否", "applicant": "申请人", "create": "创建草稿", "and": "、"},
         "en": {"yes": "Yes", "no": "No", "applicant": "Applicant", "create": "Draft created", "and": ", "}}


def data_text(definition: Definition, data: Mapping[str, Any], units: Mapping[str, str],
              lang: str = "zh") -> list[dict[str, Any]]:
    """The case's fields in definition order, as display text."""
    return [{"key": f.name, "label": f.label.get(lang), "value": value_text(f, data[f.name], units, lang),
             "long": f.type == "text"} for f in definition.fields() if f.name in data]


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
    for t in definition.transitions:
        if t.trigger == trigger:
            return t.label.get(lang)
    return trigger
