"""Signing in and out of the web UI: server-side sessions, lock-out, password change, headers and cookies."""
from __future__ import annotations

import re

from people import Browser

from workflow.models import LoginFailure, WebSession


def test_login_page_is_chinese_and_protected_pages_redirect(app, people):
    client = app.test_client()
    page = client.get("/login")
    assert page.status_code == 200 and "登录" in page.get_data(as_text=True)
    assert client.get("/tasks/").status_code == 302
    assert client.get("/tasks/").headers["Location"].startswith("/login?next=")


def test_wrong_password_is_refused_with_a_chinese_message(app, people):
    browser = Browser(app, None)
    response = browser.post("/login", {"username": "zhang", "password": "wrong-password"})
    assert response.status_code == 401
    assert "用户名或密码不正确" in response.get_data(as_text=True)
    assert browser.get("/").status_code == 302  # still signed out


def test_logout_kills_a_copied_cookie(app, people, service):
    zhang = Browser(app, "zhang")
    cookie = zhang.client.get_cookie("unionflow_session")
    assert cookie is not None and zhang.get("/").status_code == 200
    thief = app.test_client()
    thief.set_cookie(cookie.key, cookie.value)
    assert thief.get("/").status_code == 200  # the copy works while the session lives
    assert zhang.post("/logout").status_code == 302
    assert thief.get("/").status_code == 302  # ...and is dead after logout
    with service.db.read() as session:
        assert session.query(WebSession).count() == 0


def test_ten_failures_lock_the_account_for_a_while(app, people, service):
    browser = Browser(app, None)
    for _ in range(10):
        assert browser.post("/login", {"username": "wang", "password": "nope-nope"}).status_code == 401
    locked = browser.post("/login", {"username": "wang", "password": "password-123"})
    assert locked.status_code == 429
    assert "分钟后再试" in locked.get_data(as_text=True)
    # Other accounts are not affected; after the window passes the right password works again.
    assert Browser(app, "zhang").get("/").status_code == 200
    with service.db.transaction() as session:
        for failure in session.query(LoginFailure).filter_by(username="wang"):
            failure.at = failure.at.replace(year=failure.at.year - 1)
    assert Browser(app, "wang").get("/").status_code == 200


def test_change_password_ends_other_sessions(app, people):
    phone, desk = Browser(app, "li"), Browser(app, "li")
    wrong = desk.post("/password", {"current_password": "bad", "new_password": "new-password-1",
                                    "new_password_again": "new-password-1"})
    assert wrong.status_code == 422 and "当前密码不正确" in wrong.get_data(as_text=True)
    short = desk.post("/password", {"current_password": "password-123", "new_password": "short",
                                    "new_password_again": "short"})
    assert short.status_code == 422 and "至少需要 8 个字符" in short.get_data(as_text=True)
    done = desk.post("/password", {"current_password": "password-123", "new_password": "new-password-1",
                                   "new_password_again": "new-password-1"})
    assert done.status_code == 302
    assert desk.get("/").status_code == 200       # this browser stays signed in
    assert phone.get("/").status_code == 302      # the other one is signed out
    assert Browser(app, None).post("/login", {"username": "li", "password": "password-123"}).status_code == 401
    Browser(app, "li", password="new-password-1")


def test_security_headers_and_cookie_flags(app, people):
    client = app.test_client()
    page = client.get("/login")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    set_cookie = page.headers["Set-Cookie"]
    assert "unionflow_session=" in set_cookie
    for flag in ("Secure", "HttpOnly", "SameSite=Lax"):
        assert flag in set_cookie
    assert "<script>" not in page.get_data(as_text=True)  # no inline scripts anywhere the CSP would block


def test_post_without_csrf_token_is_refused(app, people):
    browser = Browser(app, None)
    refused = browser.post("/login", {"username": "zhang", "password": "password-123"}, csrf=False)
    assert refused.status_code == 400
    assert "安全令牌" in refused.get_data(as_text=True)
    zhang = Browser(app, "zhang")
    assert zhang.post("/logout", csrf=False).status_code == 400
    assert zhang.get("/").status_code == 200  # not signed out by a forged request


def test_logout_by_get_is_not_allowed(app, people):
    zhang = Browser(app, "zhang")
    assert zhang.get("/logout").status_code == 405
    assert zhang.get("/").status_code == 200


def test_no_open_redirect_after_login(app, people):
    browser = Browser(app, None)
    token = browser.csrf_token()
    response = browser.client.post("/login?next=https://evil.example/x",
                                   data={"username": "zhang", "password": "password-123", "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_english_switch(app, people):
    zhang = Browser(app, "zhang")
    assert zhang.post("/lang", {"lang": "en", "next": "/tasks/"}).headers["Location"] == "/tasks/"
    page = zhang.get("/tasks/").get_data(as_text=True)
    assert re.search(r"<html lang=\"en\"", page)
