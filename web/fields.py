"""A posted HTML form in the shape the engine validates its fields in."""
from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

# What the pages' forms post besides the step's own fields.
FORM_MACHINERY = frozenset({"csrf_token", "version", "comment", "intent"})


def posted_values(form: MultiDict[str, str]) -> dict[str, Any]:
    """Every posted field: a value chosen several times (a multi-select) as a list, else the value itself.

    The engine knows the step's fields and refuses any other name, so nothing here needs to know them; an
    unticked box or an empty multi-select posts nothing and so is no value.
    """
    values: dict[str, Any] = {}
    for name in form:
        if name not in FORM_MACHINERY:
            chosen = form.getlist(name)
            values[name] = chosen if len(chosen) > 1 else chosen[0]
    return values
