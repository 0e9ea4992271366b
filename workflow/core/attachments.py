"""Attachments (a medical certificate, a disability card ...): PDF, JPEG or PNG only, size-limited, checked by content.

The name a file comes with proves nothing: an executable renamed `.pdf` is refused because its bytes are not a PDF.
A PDF must open with pypdf and an image must decode with Pillow. Accepted files are stored once, by SHA-256, and a
case keeps a reference — {"sha256", "name", "type", "size"} — in its data.
"""
from __future__ import annotations

import io
import re
from typing import Any, Protocol

from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

MAX_BYTES = 10 * 1024 * 1024
TYPES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
_SHA256 = re.compile(r"[0-9a-f]{64}")


class Store(Protocol):
    """Where accepted files go: the content-addressed store (workflow/store/storage.py), which returns the SHA-256."""

    def put(self, content: bytes) -> str: ...


class AttachmentRefused(ValueError):
    pass


def sniff(content: bytes) -> str | None:
    """The media type the bytes really are (of the three accepted), or None."""
    if content.startswith(b"%PDF-"):
        try:
            PdfReader(io.BytesIO(content))
        except (PdfReadError, ValueError, KeyError, TypeError):
            return None
        return "application/pdf"
    if content.startswith(b"\xff\xd8\xff") or content.startswith(b"\x89PNG\r\n\x1a\n"):
        try:
            with Image.open(io.BytesIO(content)) as image:
                kind = image.format
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            return None
        return {"JPEG": "image/jpeg", "PNG": "image/png"}.get(kind or "")
    return None


def accept(store: Store, name: str, content: bytes, max_bytes: int = MAX_BYTES) -> dict[str, Any]:
    """Check and store one upload; the reference to keep in the case, or AttachmentRefused (in Chinese).
    The caller records the upload as the user's (CaseService.accept_upload does both)."""
    if not content:
        raise AttachmentRefused(f"文件「{name}」是空的")
    if len(content) > max_bytes:
        raise AttachmentRefused(f"文件「{name}」超过 {max_bytes // (1024 * 1024)} MB 的上限")
    kind = sniff(content)
    if kind is None:
        raise AttachmentRefused(f"文件「{name}」不是有效的 PDF、JPEG 或 PNG 文件（按文件内容检查，而非扩展名）")
    return {"sha256": store.put(content), "name": _clean_name(name), "type": kind, "size": len(content)}


def is_reference(value: Any) -> bool:
    return (isinstance(value, dict) and set(value) == {"sha256", "name", "type", "size"}
            and isinstance(value["sha256"], str) and bool(_SHA256.fullmatch(value["sha256"]))
            and isinstance(value["type"], str) and value["type"] in TYPES and isinstance(value["size"], int)
            and isinstance(value["name"], str))


def _clean_name(name: str) -> str:
    """Keep the file's own name for people to read, without any path."""
    base = re.split(r"[\\/]", name or "")[-1].strip() or "附件"
    return base[:120]


def listed(value: Any) -> list[Any]:
    """A `files` field's value as the list it stands for: one reference alone counts as a list of one."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def replace_references(fields: Any, data: Any, by_hash: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A copy of the form's data with each reference in a `files` field replaced by `by_hash[sha256]`."""
    files = {f.name for f in fields if f.type == "files"}
    return {name: [by_hash[item["sha256"]] if is_reference(item) else item for item in listed(value)]
            if name in files else value for name, value in data.items()}


def references(fields: Any, data: Any) -> list[dict[str, Any]]:
    """The attachment references in a form's data, for the fields of type `files`, read as the form reads them."""
    return [item for f in fields if f.type == "files" for item in listed(data.get(f.name)) if is_reference(item)]
