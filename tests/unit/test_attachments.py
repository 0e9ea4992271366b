"""Attachments are judged by their bytes: PDF, JPEG and PNG that really are; anything else refused in Chinese."""
from __future__ import annotations

from pathlib import Path

import pytest
from support.people import image_bytes, pdf_bytes

from workflow.core.attachments import AttachmentRefused, accept, is_reference, sniff
from workflow.store.storage import BlobStore


def test_real_files_are_accepted_and_stored_once(tmp_path):
    store = BlobStore(tmp_path)
    for content, kind in ((pdf_bytes(), "application/pdf"), (image_bytes("JPEG"), "image/jpeg"),
                          (image_bytes("PNG"), "image/png")):
        ref = accept(store, "C:\\scans\\诊断证明.pdf", content)
        assert ref["type"] == kind and ref["name"] == "诊断证明.pdf" and ref["size"] == len(content)
        assert store.get(ref["sha256"]) == content and is_reference(ref)


def test_an_executable_renamed_pdf_is_refused(tmp_path):
    executable = Path("/bin/true").read_bytes()
    with pytest.raises(AttachmentRefused) as refused:
        accept(BlobStore(tmp_path), "诊断证明.pdf", executable)
    assert "不是有效的 PDF、JPEG 或 PNG 文件" in str(refused.value)
    assert not any(tmp_path.rglob("*"))  # nothing stored


def test_a_fake_header_an_empty_file_and_an_oversized_file_are_refused(tmp_path):
    store = BlobStore(tmp_path)
    assert sniff(b"%PDF-1.7\n this is not a pdf at all") is None
    assert sniff(b"\x89PNG\r\n\x1a\n" + b"\x00" * 50) is None
    with pytest.raises(AttachmentRefused, match="是空的"):
        accept(store, "a.png", b"")
    with pytest.raises(AttachmentRefused, match="超过 1 MB"):
        accept(store, "big.pdf", pdf_bytes() + b"%" * (1024 * 1024), max_bytes=1024 * 1024)


def test_a_reference_has_exactly_its_keys():
    good = {"sha256": "a" * 64, "name": "x.pdf", "type": "application/pdf", "size": 10}
    assert is_reference(good)
    assert not is_reference({**good, "type": "application/x-msdownload"})
    assert not is_reference({**good, "sha256": "../../etc/passwd"})
    assert not is_reference({**good, "extra": 1})
