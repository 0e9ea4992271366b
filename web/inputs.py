"""What a request may carry, checked before anything is built from it (docs/architecture.md invariant 7); every refusal is an
ActionRefused, so it answers in the API's error format or as the site's error page.

No NUL anywhere in a path, a query or a posted form: PostgreSQL's text cannot hold one, so a NUL reaching a query
was a 500 there (and nothing on SQLite). A JSON body is read within bounds: its size, its depth and its characters.

Python's parser recurses once per bracket and stops with RecursionError near a thousand, deep inside whatever
called it; the depth is therefore measured on the text first, in one linear pass whose loop runs in C. Strings are
UTF-8 (strictly: `json.loads` on bytes would let a lone surrogate through), and a string may carry neither a lone
surrogate nor a control character but tab and line breaks: no database column stores the one, PostgreSQL's text
refuses NUL, and a name that holds either cannot even be written into an error.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from itertools import accumulate, chain
from typing import Any

from flask import Flask, request

from workflow.core.engine import ActionRefused, InvalidData
from workflow.core.forms import INVALID_CHARACTERS, clean_text, shown_name

MAX_BYTES = 1024 * 1024  # a case's data with its longest texts is a few dozen kB; uploads go to /uploads instead
MAX_DEPTH = 32
_STRING = re.compile(r'"(?:[^"\\]|\\.?)*+"?', re.S)  # possessive: linear even on an unterminated string
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class BadRequest(ActionRefused):
    status = 400


class TooLarge(ActionRefused):
    status = 413


def init_app(app: Flask) -> None:
    app.before_request(_no_nul)


def _no_nul() -> None:
    texts = chain((request.path,), *((k, v) for k, v in request.args.items(multi=True)),
                  *((k, v) for k, v in request.form.items(multi=True)))
    if any(isinstance(text, str) and "\x00" in text for text in texts):  # a part without a name has None
        raise BadRequest("请求中包含无效字符（NUL）", "The request contains a NUL character")


def parse(raw: bytes, declared_length: int | None = None) -> Any:
    """The JSON value of a request body, or a refusal: 413 too large, 400 not JSON or too deep, 422 a bad string."""
    if len(raw) > MAX_BYTES or (declared_length or 0) > MAX_BYTES:
        raise TooLarge(f"请求体过大（JSON 不超过 {MAX_BYTES // 1024} KB）",
                       f"The JSON body is larger than {MAX_BYTES // 1024} kB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("请求体应为 UTF-8 编码的 JSON", "The request body must be JSON in UTF-8") from None
    try:
        value = loads(text)
    except TooDeep:
        raise BadRequest(f"JSON 嵌套过深（不超过 {MAX_DEPTH} 层）", f"JSON nested deeper than {MAX_DEPTH} levels") from None
    except ValueError:
        raise BadRequest("请求体不是有效的 JSON", "The request body is not valid JSON") from None
    if "\\u" in text:  # raw text cannot hold a control character or a lone surrogate: only an escape can
        bad = sorted({path for path, item in _strings(value, "") if not clean_text(item)})
        if bad:
            raise InvalidData("提交的内容包含无效字符", "The request contains invalid characters",
                              fields={path: INVALID_CHARACTERS for path in bad[:10]})
    return value


class TooDeep(ValueError):
    pass


def loads(text: str) -> Any:
    """`json.loads` within the depth ceiling: ValueError for what is not JSON (NaN and Infinity are not), TooDeep
    for what nests deeper than MAX_DEPTH — whatever JSON text a client sends, a body or a form's hidden input."""
    if depth(text) > MAX_DEPTH:
        raise TooDeep(text[:20])
    return json.loads(text, parse_constant=_no_constant)


def depth(text: str) -> int:
    """How deep the brackets of a JSON text nest, brackets inside strings not counted."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return 0
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _no_constant(name: str) -> Any:
    raise ValueError(name)  # NaN and Infinity are not JSON


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string (names too) with where it is: a top-level name, or `name.name` one level down."""
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            yield where or "body", item
        elif isinstance(item, dict):
            for key, inner in item.items():
                inside = where if where.count(".") >= 1 else f"{where}.{shown_name(key)}".lstrip(".")
                stack.extend(((key, inside), (inner, inside)))
        elif isinstance(item, list):
            stack.extend((inner, where) for inner in item)
