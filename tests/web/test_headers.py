"""What every response says beside its body: a 405 names the methods allowed; nothing that may carry a member's file
is kept by a cache; a document id means nothing to someone not signed in."""
from __future__ import annotations

import re


def _document_id(api) -> int:
    case = api.create()
    moved = api.post("zhang", f"/cases/{case['id']}/actions/submit", {"version": case["version"]}).get_json()
    return moved["documents"][0]["id"]


def test_a_405_names_the_methods_allowed(api, web):
    refused = api.client.delete("/api/v1/cases", headers=api._headers("zhang"))
    assert refused.status_code == 405 and refused.headers["Allow"] and "POST" in refused.headers["Allow"]
    assert refused.get_json()["error"]["code"] == "method_not_allowed"
    page = web("zhang").client.get("/logout")
    assert page.status_code == 405 and "POST" in page.headers["Allow"] and page.mimetype == "text/html"


def test_nothing_personal_is_cached(api, web):
    document = _document_id(api)
    responses = [api.get("zhang", "/queue"), api.get("zhang", f"/documents/{document}"),
                 web("zhang").get(f"/documents/{document}"), web("zhang").get("/"), api.get(None, "/queue")]
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 401]
    assert all(r.headers["Cache-Control"] == "no-store" for r in responses)
    asset = web(None).get("/static/app.css")
    assert asset.status_code == 200 and asset.headers.get("Cache-Control") != "no-store"


def test_a_document_id_answers_401_before_anything_else(api):
    document = _document_id(api)
    known, unknown = api.get(None, f"/documents/{document}"), api.get(None, f"/documents/{document + 1000}")
    assert (known.status_code, unknown.status_code) == (401, 401)
    assert known.get_json() == unknown.get_json()
    assert api.get("li", f"/documents/{document + 1000}").status_code == 404  # signed in: then it may say so


def test_every_page_names_an_icon_that_is_served(app):
    """Without one a browser asks for /favicon.ico, gets a 404 and logs it as a console error on the first page."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page)
    assert icon is not None
    served = client.get(icon.group(1))
    assert served.status_code == 200 and served.mimetype == "image/svg+xml"
