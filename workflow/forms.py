"""Validate and coerce a transition's form data against the fields its definition declares.

Messages are Chinese: they are shown to members as they are (the API adds nothing).
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from . import attachments
from .definition import Field

COMMENT_MAX = 2000


class FormErrors(Exception):
    def __init__(self, fields: dict[str, str]):
        self.fields = fields
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))


def validate(fields: tuple[Field, ...], data: Mapping[str, Any], *, today: date,
             units: Mapping[str, str], comment: str | None = None, comment_required: bool = False) -> dict[str, Any]:
    """Return the clean values (JSON-ready: dates as ISO strings) or raise FormErrors with every problem."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    if not isinstance(data, Mapping):
        raise FormErrors({"data": "数据格式错误，应为对象"})
    declared = {f.name for f in fields}
    for key in data:
        if key not in declared:
            errors[str(key)] = "此操作不接受该字段"
    for f in fields:
        value = data.get(f.name)
        if _blank(value):
            if f.default_days is not None:
                clean[f.name] = (today + timedelta(days=f.default_days)).isoformat()
            elif f.required:
                errors[f.name] = "此项为必填项"
            continue
        try:
            clean[f.name] = _coerce(f, value, today, units)
        except ValueError as exc:
            errors[f.name] = str(exc)
    if comment is not None and not isinstance(comment, str):
        errors["comment"] = "意见应为文字"
    elif comment_required and not (comment or "").strip():
        errors["comment"] = "请填写意见"
    elif comment and len(comment) > COMMENT_MAX:
        errors["comment"] = f"意见不能超过 {COMMENT_MAX} 个字符"
    if errors:
        raise FormErrors(errors)
    return clean


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _coerce(f: Field, value: Any, today: date, units: Mapping[str, str]) -> Any:
    kind = f.type
    if kind in ("string", "text", "member"):  # a member: a user name, which the process resolves itself
        if not isinstance(value, str):
            raise ValueError("应为文字")
        text = value.strip()
        if f.min_length is not None and len(text) < f.min_length:
            raise ValueError(f"至少需要 {f.min_length} 个字符")
        if f.max_length is not None and len(text) > f.max_length:
            raise ValueError(f"不能超过 {f.max_length} 个字符（当前 {len(text)} 个）")
        return text
    if kind in ("integer", "decimal"):
        number = _number(value, integer=kind == "integer")
        if f.minimum is not None and number < f.minimum:
            raise ValueError(f"不能小于 {f.minimum:g}")
        if f.maximum is not None and number > f.maximum:
            raise ValueError(f"不能大于 {f.maximum:g}")
        return number
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if value in ("true", "1", "on", "yes"):
            return True
        if value in ("false", "0", "off", "no"):
            return False
        raise ValueError("应为是或否")
    if kind == "date":
        try:
            day = value if isinstance(value, date) else date.fromisoformat(str(value))
        except ValueError:
            raise ValueError("日期格式应为 YYYY-MM-DD") from None
        if f.future and day <= today:
            raise ValueError("日期必须晚于今天")
        return day.isoformat()
    if kind == "choice":
        if not any(c.value == value for c in f.choices):
            allowed = "、".join(f"{c.label.zh}（{c.value}）" for c in f.choices)
            raise ValueError(f"无效的选项，可选：{allowed}")
        return value
    if kind == "unit":
        if value not in units:
            raise ValueError(f"未知的单位代码：{value}")
        return value
    if kind == "units":
        codes = value if isinstance(value, list) else [value]
        unknown = [str(c) for c in codes if c not in units]
        if unknown:
            raise ValueError(f"未知的单位代码：{'、'.join(unknown)}")
        return list(dict.fromkeys(codes))
    if kind == "files":
        items = value if isinstance(value, list) else [value]
        if not all(attachments.is_reference(item) for item in items):
            raise ValueError("附件应先上传（PDF、JPEG 或 PNG），再随表单提交")
        if f.max_length is not None and len(items) > f.max_length:
            raise ValueError(f"最多 {f.max_length} 个附件")
        return items
    raise ValueError(f"未知的字段类型 {kind}")


def _number(value: Any, *, integer: bool) -> Any:
    if isinstance(value, bool):
        raise ValueError("应为数字")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("应为数字") from None
    if not number.is_finite():
        raise ValueError("应为数字")
    if integer:
        if number != number.to_integral_value():
            raise ValueError("应为整数")
        return int(number)
    return float(round(number, 2))


def to_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return datetime.fromisoformat(str(value)).date()
