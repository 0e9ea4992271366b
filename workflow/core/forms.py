"""Validate and coerce a transition's form data against the fields its definition declares.

Messages are Chinese: they are shown to members as they are (the API adds nothing).

Input that could cost is bounded before it is converted (docs/architecture.md invariant 7): at most MAX_KEYS names in the data, and
unknown names are reported shortened and at most MAX_UNKNOWN of them; a number is at most NUMBER_TEXT_MAX characters,
an integer lies within ±INTEGER_MAX (exact in JSON and JavaScript) and a decimal (money, in yuan) below DECIMAL_LIMIT
with two places (so at most 14 significant digits) — checked on the Decimal's exponent, before `int()` or rounding
could build a huge number; a date is YYYY-MM-DD between DATE_MIN and the end of the DATE_YEARS_AHEAD-th year from
today; text without its own `max_length` stops at TEXT_MAX; and text refuses control characters (but tab and line
breaks) and lone surrogates, which no database stores.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from workflow.core import attachments
from workflow.core.definition import Field

COMMENT_MAX = 2000
MAX_KEYS = 200
MAX_UNKNOWN = 10
NAME_SHOWN = 40
NUMBER_TEXT_MAX = 40
INTEGER_MAX = 2**53 - 1
DECIMAL_LIMIT = 10**12
TEXT_MAX = 100_000
DATE_MIN = date(1900, 1, 1)
DATE_YEARS_AHEAD = 10
INVALID_CHARACTERS = "包含无效字符"
_INTEGER_CEILING = Decimal(INTEGER_MAX)
_DECIMAL_CEILING = Decimal(DECIMAL_LIMIT) - Decimal("0.01")
_CENT = Decimal("0.01")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


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
    if len(data) > MAX_KEYS:
        raise FormErrors({"data": f"字段过多（最多 {MAX_KEYS} 个）"})
    declared = {f.name for f in fields}
    unknown = [key for key in data if key not in declared]
    for key in unknown[:MAX_UNKNOWN]:
        errors[shown_name(key)] = "此操作不接受该字段"
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
    elif comment and not clean_text(comment):
        errors["comment"] = INVALID_CHARACTERS
    elif comment_required and not (comment or "").strip():
        errors["comment"] = "请填写意见"
    elif comment and len(comment) > COMMENT_MAX:
        errors["comment"] = f"意见不能超过 {COMMENT_MAX} 个字符"
    if errors:
        raise FormErrors(errors)
    return clean


def shown_name(key: Any) -> str:
    """A name as an error may echo it: shortened, and printable in UTF-8 whatever it holds."""
    text = str(key).encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= NAME_SHOWN else text[:NAME_SHOWN] + "…"


def clean_text(text: str) -> bool:
    """No control character but tab and line breaks, no lone surrogate (UTF-8 cannot carry one)."""
    if _CONTROL.search(text):
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


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
        limit = f.max_length or TEXT_MAX
        if len(text) > limit:
            raise ValueError(f"不能超过 {limit} 个字符（当前 {len(text)} 个）")
        if not clean_text(text):
            raise ValueError(INVALID_CHARACTERS)
        return text
    if kind in ("integer", "decimal"):
        return _number(f, value)
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if value in ("true", "1", "on", "yes"):
            return True
        if value in ("false", "0", "off", "no"):
            return False
        raise ValueError("应为是或否")
    if kind == "date":
        day = parse_day(value)
        latest = date(today.year + DATE_YEARS_AHEAD, 12, 31)
        if not DATE_MIN <= day <= latest:
            raise ValueError(f"日期应在 {DATE_MIN.isoformat()} 至 {latest.isoformat()} 之间")
        if f.future and day <= today:
            raise ValueError("日期必须晚于今天")
        return day.isoformat()
    if kind == "choice":
        if not any(c.value == value for c in f.choices):
            allowed = "、".join(f"{c.label.zh}（{c.value}）" for c in f.choices)
            raise ValueError(f"无效的选项，可选：{allowed}")
        return value
    if kind == "unit":
        if not isinstance(value, str):
            raise ValueError("应为一个单位代码")
        if value not in units:
            raise ValueError(f"未知的单位代码：{shown_name(value)}")
        return value
    if kind == "units":
        codes = value if isinstance(value, list) else [value]
        if not all(isinstance(c, str) for c in codes):
            raise ValueError("应为单位代码的列表")
        unknown = [shown_name(c) for c in codes if c not in units]
        if unknown:
            raise ValueError(f"未知的单位代码：{'、'.join(unknown[:MAX_UNKNOWN])}")
        return list(dict.fromkeys(codes))
    if kind == "files":
        items = attachments.listed(value)
        if not all(attachments.is_reference(item) for item in items):
            raise ValueError("附件应先上传（PDF、JPEG 或 PNG），再随表单提交")
        if f.max_length is not None and len(items) > f.max_length:
            raise ValueError(f"最多 {f.max_length} 个附件")
        return items
    raise ValueError(f"未知的字段类型 {kind}")


def _number(f: Field, value: Any) -> int | float:
    """The field's number; its size is judged by the Decimal's exponent before anything is built from it."""
    integer = f.type == "integer"
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError("应为数字")
    text = str(value).strip()
    if len(text) > NUMBER_TEXT_MAX:
        raise ValueError(f"数字过长（不超过 {NUMBER_TEXT_MAX} 个字符）")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError("应为数字") from None
    if not number.is_finite():
        raise ValueError("应为数字")
    number = number or Decimal(0)  # 0E+999999 is zero
    low, high = (Decimal(str(b)) if b is not None else None for b in (f.minimum, f.maximum))
    ceiling = _INTEGER_CEILING if integer else _DECIMAL_CEILING
    if number.adjusted() > ceiling.adjusted() or abs(number) > ceiling:
        raise ValueError(f"不能小于 {_plain(low if low is not None else -ceiling)}" if number < 0 else
                         f"不能大于 {_plain(high if high is not None else ceiling)}")
    if integer and number != number.to_integral_value():
        raise ValueError("应为整数")
    if low is not None and number < low:
        raise ValueError(f"不能小于 {_plain(low)}")
    if high is not None and number > high:
        raise ValueError(f"不能大于 {_plain(high)}")
    return int(number) if integer else float(number.quantize(_CENT))


def _plain(number: Decimal) -> str:
    """1000000, not 1e+06."""
    return format(number.normalize(), "f")


def parse_day(value: Any) -> date:
    """A date written YYYY-MM-DD, and only so (`date.fromisoformat` also takes 20260101), or ValueError."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _DAY.fullmatch(value.strip()):
        raise ValueError("日期格式应为 YYYY-MM-DD")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError("日期格式应为 YYYY-MM-DD") from None


def to_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return datetime.fromisoformat(str(value)).date()
