"""A definition's form fields in an HTML form: the posted values in the shape the engine validates."""
from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from workflow.definition import Field


def posted_values(fields: tuple[Field, ...], form: MultiDict[str, str]) -> dict[str, Any]:
    """Only the declared fields; a multi-select as a list; an unticked box as no value."""
    values: dict[str, Any] = {}
    for f in fields:
        if f.type == "units":
            chosen = [v for v in form.getlist(f.name) if v]
            if chosen:
                values[f.name] = chosen
        elif f.name in form:
            values[f.name] = form.get(f.name, "")
    return values
