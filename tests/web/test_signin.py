"""Signing in and out of the web UI: server-side sessions, lock-outs (per account and per address), bounded and
normalised names, password change, headers and cookies."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask_migrate import upgrade
from support.people import Browser
from sqlalchemy import select, text

from bootstrap import create_app
from workflow.store.models import LoginFailure, WebSession

FIXED = datetime(2026, 11, 23, 2, 0)


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


def from_address(app, address: str) -> Browser:
    """A signed-out browser whose requests come from this client address."""
    browser = Browser(app, None)
    browser.client.environ_base["REMOTE_ADDR"] = address
    return browser


def failures(service) -> list[tuple[str, str | None]]:
    with service.db.read() as session:
        return list(session.execute(select(LoginFailure.username, LoginFailure.address).order_by(LoginFailure.id)))


def test_a_name_longer_than_any_account_is_refused_and_stores_nothing(app, people, service):
    browser = Browser(app, None)
    for name in ("z" * 65, "zhang" * 20_000):  # 100,000 characters were stored whole, a new row per name
        refused = browser.post("/login", {"username": name, "password": "wrong-password"})
        assert refused.status_code == 422
        page = refused.get_data(as_text=True)
        assert "用户名不能超过 64 个字符" in page and name not in page  # not echoed back whole
    assert failures(service) == []


def test_a_name_no_account_can_have_is_refused_without_a_trace(app, people, service):
    browser = Browser(app, None)
    for name in ("zh\u202eang", "zhang wei"):
        refused = browser.post("/login", {"username": name, "password": "wrong-password"})
        assert refused.status_code == 422 and "用户名只能包含" in refused.get_data(as_text=True)
    nul = browser.post("/login", {"username": "zh\x00ang", "password": "wrong-password"})
    assert nul.status_code == 400  # a NUL made PostgreSQL fail with a 500; now refused in any form (web/inputs.py)
    assert failures(service) == []


def test_a_full_width_name_signs_in_and_counts_as_the_account(app, people, service):
    """Typed with a Chinese IME in full-width mode, ｚｈａｎｇ is zhang (NFKC): it signs in, and its failures lock
    the account itself rather than a name of their own."""
    assert Browser(app, "ｚｈａｎｇ").get("/").status_code == 200
    browser = Browser(app, None)
    for _ in range(10):
        assert browser.post("/login", {"username": "ｗａｎｇ", "password": "nope-nope"}).status_code == 401
    assert failures(service) == [("wang", "127.0.0.1")] * 10
    assert browser.post("/login", {"username": "wang", "password": "password-123"}).status_code == 429


def test_one_address_trying_many_names_is_slowed_down(app, people, service):
    """One password tried across many names escaped the per-account lock-out; thirty failures from one address
    in fifteen minutes refuse that address, whatever the names (even the right password), and no other."""
    moments = [FIXED]
    service.clock = lambda: moments[0]
    crowd = from_address(app, "198.51.100.7")
    for n in range(30):
        assert crowd.post("/login", {"username": f"guess{n}", "password": "password-123"}).status_code == 401
    refused = crowd.post("/login", {"username": "zhang", "password": "password-123"})
    assert refused.status_code == 429 and "请 15 分钟后再试" in refused.get_data(as_text=True)
    assert from_address(app, "203.0.113.9").post("/login", {"username": "zhang", "password": "password-123"}
                                                 ).status_code == 302
    assert {address for _name, address in failures(service)} == {"198.51.100.7"} and len(failures(service)) == 30
    moments[0] = FIXED + timedelta(minutes=15)
    assert crowd.post("/login", {"username": "guess", "password": "password-123"}).status_code == 401
    assert failures(service) == [("guess", "198.51.100.7")]  # failures older than the window are gone
    assert crowd.post("/login", {"username": "zhang", "password": "password-123"}).status_code == 302


def test_behind_a_proxy_the_address_counted_is_the_forwarded_one(app, people, service):
    """Behind nginx every request comes from 127.0.0.1: with UNIONFLOW_PROXIES=1 the failures count against the
    address the proxy forwards, so one guesser does not lock the whole office out."""
    proxied = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": app.config["DATABASE_URL"],
                          "UNIONFLOW_STORAGE": app.config["UNIONFLOW_STORAGE"], "UNIONFLOW_PROXIES": 1})
    proxied.extensions["unionflow"].clock = service.clock
    try:
        guesser = Browser(proxied, None)
        guesser.client.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.7"
        for n in range(30):
            assert guesser.post("/login", {"username": f"guess{n}", "password": "x" * 8}).status_code == 401
        assert guesser.post("/login", {"username": "zhang", "password": "password-123"}).status_code == 429
        colleague = Browser(proxied, None)
        colleague.client.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.8"
        assert colleague.post("/login", {"username": "zhang", "password": "password-123"}).status_code == 302
        assert {address for _name, address in failures(service)} == {"198.51.100.7"}
    finally:
        proxied.extensions["unionflow"].db.dispose()


def test_init_db_upgrades_a_database_of_before_the_addresses(database_url, tmp_path):
    """Migration 0010 adds the address to the failures a database already holds (None for them)."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": database_url,
                      "UNIONFLOW_STORAGE": str(tmp_path / "storage")})
    service = app.extensions["unionflow"]
    try:
        with app.app_context():
            upgrade(revision="0009")
        with service.db.engine.begin() as connection:
            connection.execute(text("INSERT INTO login_failures (username, at) VALUES ('wang', :at)"), {"at": FIXED})
        assert app.test_cli_runner().invoke(args=["init-db"]).exit_code == 0
        assert failures(service) == [("wang", None)]
    finally:
        service.db.dispose()
