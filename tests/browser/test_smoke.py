"""Smoke: Debian's chromium reaches the live gunicorn server through Playwright."""
from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.browser


def test_openapi_document_through_chromium(page, live_server, shot):
    response = page.goto("/api/v1/openapi.json")  # relative: the context's base URL is live_server.url
    assert response is not None and response.ok
    assert response.url == f"{live_server.url}/api/v1/openapi.json"
    assert "openapi" in response.json()
    assert "openapi" in json.loads(page.inner_text("pre"))  # what chromium shows is the same JSON
    assert shot(page, "smoke-openapi").stat().st_size > 0
