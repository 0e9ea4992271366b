"""A posted HTML form in the shape the engine validates its fields in, uploads checked and stored on the way."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.datastructures import FileStorage, MultiDict

from web.inputs import loads
from web.services import service
from workflow.core import attachments
from workflow.core.engine import InvalidData

# What the pages' forms post besides the step's own fields.
FORM_MACHINERY = frozenset({"csrf_token", "version", "comment", "intent"})
KEPT = "__kept"  # hidden inputs that carry attachments already uploaded by an earlier, refused attempt
Accept = Callable[[str, bytes], dict[str, Any]]  # checks, stores and records one upload: CaseService.accept_upload


def posted_values(form: MultiDict[str, str], files: MultiDict[str, FileStorage] | None = None,
                  accept: Accept | None = None) -> dict[str, Any]:
    """Every posted field: a value chosen several times (a multi-select) as a list, else the value itself; uploads
    as stored attachment references.

    The engine knows the step's fields and refuses any other name, so nothing here needs to know them; an
    unticked box or an empty multi-select posts nothing and so is no value. A refused upload is a 422 naming it.
    A kept reference is only the client's claim: the service accepts it if the user uploaded that file earlier.
    """
    values: dict[str, Any] = {}
    for name in form:
        if name.endswith(KEPT):
            _add(values, name.removesuffix(KEPT), _kept(form.getlist(name)))
        elif name not in FORM_MACHINERY:
            chosen = form.getlist(name)
            if name in values:  # kept references came first under this name
                _add(values, name, chosen)
            else:
                values[name] = chosen if len(chosen) > 1 else chosen[0]
    refused: dict[str, str] = {}
    for name in files or {}:
        for upload in (files or MultiDict()).getlist(name):
            if not upload.filename:
                continue  # the file input left empty
            try:
                reference = accept(upload.filename, upload.read())  # type: ignore[misc]
            except attachments.AttachmentRefused as exc:
                refused[name] = str(exc)
                continue
            _add(values, name, [reference])
    if refused:
        raise InvalidData("附件未被接受，请按提示修改", "An attachment was refused", fields=refused)
    return values


def _add(values: dict[str, Any], name: str, items: list[Any]) -> None:
    """Items joined to what the name already holds: a text posted under a files field's name stays beside them,
    for the validator to refuse (it was a 500 when a text came first)."""
    if items:
        values[name] = [*attachments.listed(values.get(name)), *items]


def uploader(user: Any) -> Accept:
    """How a page's form accepts the files posted with it: as this user's uploads."""
    return lambda name, content: service().accept_upload(user, name, content)


def _kept(raw: list[str]) -> list[dict[str, Any]]:
    out = []
    for text in raw:
        try:
            item = loads(text)  # bounded: a hidden input nested 100,000 deep was a RecursionError
        except ValueError:
            continue
        if attachments.is_reference(item):
            out.append(item)
    return out



def typed_people(text: str) -> list[str]:
    """User names typed into one box (抄送, 加签): one per line, or separated by commas (，、 too) or spaces."""
    return [p for p in text.replace("，", ",").replace("、", ",").replace(",", " ").split() if p]
