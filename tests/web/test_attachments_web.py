"""Attachments through the pages: uploaded with the form, checked by content, kept on a refused form, readable only
by who may read the case, and never attachable by someone who merely knows the hash."""
from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from support.people import Browser, image_bytes, pdf_bytes

from workflow.accounts.users import create_user, ensure_unit
from workflow.core.engine import ActionRefused
from workflow.core.workdays import CALENDAR_DIR
from workflow.store.models import Case, Upload, User

DEFINITIONS = Path(__file__).resolve().parents[1] / "integration" / "definitions"


@pytest.fixture
def grant_app(database_url, tmp_path):
    from bootstrap import create_app
    folder = tmp_path / "definitions"
    folder.mkdir()
    shutil.copy(DEFINITIONS / "grant.yaml", folder)
    (folder / "calendar").symlink_to(CALENDAR_DIR)
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": database_url,
                      "UNIONFLOW_STORAGE": str(tmp_path / "storage"), "UNIONFLOW_DEFINITIONS": str(folder)})
    service = app.extensions["unionflow"]
    service.db.create_all()
    with service.db.transaction() as session:
        ensure_unit(session, "GH", "工会办公室")
        for name in ("li", "chen"):
            create_user(session, name, "password-123", ["member"], "GH", name)
        create_user(session, "c1", "password-123", ["union_committee"], "GH", "委员")
    yield app
    service.db.dispose()


def _file(content: bytes, name: str):
    return (io.BytesIO(content), name)


def test_an_application_with_attachments(grant_app):
    li = Browser(grant_app, "li")
    filed = li.post("/start/grant", {"amount": "3500", "intent": "submit",
                                     "proofs": [_file(pdf_bytes(), "诊断证明.pdf"), _file(image_bytes("PNG"), "病历.png")]},
                    content_type="multipart/form-data")
    assert filed.status_code == 302, filed.get_data(as_text=True)[:300]
    case_id = int(re.search(r"/cases/(\d+)$", filed.headers["Location"]).group(1))
    page = li.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "诊断证明.pdf" in page and "病历.png" in page
    link = re.search(r'href="(/cases/\d+/attachments/[0-9a-f]{64})"', page).group(1)
    served = li.get(link)
    assert served.status_code == 200 and served.mimetype == "application/pdf" and served.data.startswith(b"%PDF")
    assert Browser(grant_app, "chen").get(link).status_code == 403  # another member may not read the file
    assert li.get(f"/cases/{case_id}/attachments/{'0' * 64}").status_code == 404


def test_an_executable_renamed_pdf_is_refused_and_the_form_kept(grant_app):
    li = Browser(grant_app, "li")
    refused = li.post("/start/grant", {"amount": "3500", "intent": "submit",
                                       "proofs": _file(Path("/bin/true").read_bytes(), "诊断证明.pdf")},
                      content_type="multipart/form-data")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "不是有效的 PDF、JPEG 或 PNG 文件" in page and 'value="3500"' in page
    with grant_app.extensions["unionflow"].db.read() as session:
        assert session.query(Case).count() == 0


def test_someone_elses_upload_cannot_be_attached_by_its_hash(grant_app):
    service = grant_app.extensions["unionflow"]
    li = Browser(grant_app, "li")
    li.post("/start/grant", {"amount": "3500", "intent": "submit", "proofs": _file(pdf_bytes(), "证明.pdf")},
            content_type="multipart/form-data")
    with service.db.read() as session:
        ref = session.query(Case).one().data["proofs"][0]
        chen = session.query(User).filter_by(username="chen").one()
    with pytest.raises(ActionRefused) as refused:
        service.create_case(chen, "grant", {"amount": 100, "proofs": [ref]})
    assert refused.value.status == 422 and "本人上传" in refused.value.fields["proofs"]


def test_someone_elses_upload_cannot_be_kept_through_the_pages(grant_app):
    """The hidden `…__kept` input of a refused form is the client's word only: naming li's file there does not make
    it chen's, whether chen starts a case with it or adds it on a step."""
    service = grant_app.extensions["unionflow"]
    li = Browser(grant_app, "li")
    li.post("/start/grant", {"amount": "3500", "intent": "submit", "proofs": _file(pdf_bytes(), "诊断证明.pdf")},
            content_type="multipart/form-data")
    with service.db.read() as session:
        ref = session.query(Case).one().data["proofs"][0]
    chen = Browser(grant_app, "chen")
    kept = json.dumps(ref, ensure_ascii=False)
    started = chen.post("/start/grant", {"amount": "100", "intent": "submit", "proofs__kept": kept})
    assert started.status_code == 422 and "本人上传" in started.get_data(as_text=True)
    draft = chen.post("/start/grant", {"amount": "100"})  # a draft of chen's own, then the step with li's file
    case_id = int(re.search(r"/cases/(\d+)$", draft.headers["Location"]).group(1))
    stepped = chen.post(f"/cases/{case_id}/actions/submit", {"version": "1", "amount": "100", "proofs__kept": kept})
    assert stepped.status_code == 422 and "本人上传" in stepped.get_data(as_text=True)
    with service.db.read() as session:
        assert [c.data.get("proofs") for c in session.query(Case).order_by(Case.id)] == [[ref], None]
        chen_id = session.query(User).filter_by(username="chen").one().id
        assert session.query(Upload).filter_by(user_id=chen_id).count() == 0  # nothing became chen's
    assert chen.get(f"/cases/{case_id}/attachments/{ref['sha256']}").status_code == 404


def test_a_references_name_and_type_are_the_uploads_not_the_clients(grant_app):
    client, li = grant_app.test_client(), _token(grant_app, "li")
    ref = client.post("/api/v1/uploads", headers=li, data={"file": _file(pdf_bytes(), "诊断证明.pdf")}).get_json()
    case = client.post("/api/v1/cases", headers=li, json={"workflow": "grant", "data": {"amount": 900}}).get_json()
    claimed = {**ref, "name": "\u202egpj.exe", "type": "image/png", "size": 1}
    moved = client.post(f"/api/v1/cases/{case['id']}/actions/submit", headers=li,
                        json={"version": case["version"], "data": {"amount": 900, "proofs": [claimed]}})
    assert moved.status_code == 200 and moved.get_json()["data"]["proofs"] == [ref]
    served = client.get(f"/api/v1/cases/{case['id']}/attachments/{ref['sha256']}", headers=li)
    assert served.mimetype == "application/pdf" and "gpj.exe" not in served.headers["Content-Disposition"]


def _token(app, username: str) -> dict[str, str]:
    from workflow.accounts.users import issue_token
    service = app.extensions["unionflow"]
    with service.db.transaction() as session:
        user = session.query(User).filter_by(username=username).one()
        return {"Authorization": f"Bearer {issue_token(session, user)}"}


def test_through_the_api_upload_then_file_then_read_back(grant_app):
    client, li = grant_app.test_client(), _token(grant_app, "li")
    uploaded = client.post("/api/v1/uploads", headers=li, data={"file": _file(pdf_bytes(), "诊断证明.pdf")})
    assert uploaded.status_code == 201, uploaded.get_json()
    ref = uploaded.get_json()
    assert ref["name"] == "诊断证明.pdf" and ref["type"] == "application/pdf" and len(ref["sha256"]) == 64
    created = client.post("/api/v1/cases", headers=li, json={"workflow": "grant", "data": {"amount": 900}})
    case = created.get_json()
    moved = client.post(f"/api/v1/cases/{case['id']}/actions/submit", headers=li,
                        json={"version": case["version"], "data": {"amount": 900, "proofs": [ref]}})
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["data"]["proofs"] == [ref]
    served = client.get(f"/api/v1/cases/{case['id']}/attachments/{ref['sha256']}", headers=li)
    assert served.status_code == 200 and served.data == pdf_bytes()
    chen = _token(grant_app, "chen")
    assert client.get(f"/api/v1/cases/{case['id']}/attachments/{ref['sha256']}", headers=chen).status_code == 403


def test_the_api_refuses_a_renamed_executable_and_a_missing_file(grant_app):
    client, li = grant_app.test_client(), _token(grant_app, "li")
    refused = client.post("/api/v1/uploads", headers=li, data={"file": _file(Path("/bin/true").read_bytes(), "x.pdf")})
    error = refused.get_json()["error"]
    assert refused.status_code == 422 and "不是有效的 PDF、JPEG 或 PNG 文件" in error["fields"]["file"]
    missing = client.post("/api/v1/uploads", headers=li, json={"file": "诊断证明.pdf"})
    assert missing.status_code == 400 and "multipart/form-data" in missing.get_json()["error"]["message"]
    big = client.post("/api/v1/uploads", headers=li, data={"file": _file(b"%PDF-" + b"0" * (26 * 1024 * 1024), "big.pdf")})
    assert big.status_code == 413 and big.get_json()["error"]["code"] == "too_large"
    with grant_app.extensions["unionflow"].db.read() as session:
        from workflow.store.models import Upload
        assert session.query(Upload).count() == 0
