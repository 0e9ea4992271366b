"""User names of new accounts: NFKC-normalised, one script, no hidden characters; display names without control
characters. The same rule holds for the administrator's form, the CLI and the demo (workflow.accounts)."""
from __future__ import annotations

import pytest
from support.people import CAST, Browser
from sqlalchemy import select

from web.demo import USERS
from workflow.accounts.users import create_user, normal_username, username_problem
from workflow.store.models import User

FORM = {"display_name": "新同事", "unit": "CJ1", "roles": ["member"], "password": "first-pass-1"}
LOOK_ALIKES = {
    "\u0430dmin": "U+0430 CYRILLIC SMALL LETTER A",         # аdmin: a Cyrillic а
    "\u0391dmin": "U+0391 GREEK CAPITAL LETTER ALPHA",       # Αdmin: a Greek Α
    "ad\u202enim": "U+202E RIGHT-TO-LEFT OVERRIDE",          # shown as "admin": "nim" turned round
    "ad\u200bmin": "U+200B ZERO WIDTH SPACE",
    "has space": "U+0020 SPACE",
}


@pytest.fixture
def admin(service, people, app):
    with service.db.transaction() as session:
        create_user(session, "boss", "admin-pass-123", ["admin", "member"], "GH", "管理员老周")
    return Browser(app, "boss", "admin-pass-123")


def usernames(service) -> set[str]:
    with service.db.read() as session:
        return set(session.scalars(select(User.username)))


@pytest.mark.parametrize("name, accepted", [
    ("admin", True), ("rep01", True), ("wang.f@cj1", True), ("张三", True), ("张三2", True), ("张三_hq", False),
    ("张san", False), ("x", False), ("z" * 64, True), ("z" * 65, False), ("adm1n", True), ("\U00020000\u4e00", True),
])
def test_the_rule_for_new_names(name, accepted):
    assert (username_problem(normal_username(name)) is None) is accepted


def test_the_names_of_the_demo_and_the_tests_pass_the_rule():
    for name in [u[0] for u in USERS] + list(CAST):
        assert username_problem(normal_username(name)) is None, name


def test_look_alike_and_hidden_names_are_refused_by_the_form(service, admin):
    before = usernames(service)
    for name, named in LOOK_ALIKES.items():
        refused = admin.post("/admin/users/new", {**FORM, "username": name})
        assert refused.status_code == 422, name
        assert f"用户名只能包含英文字母、汉字、数字和 . _ - @，不能包含 {named}" in refused.get_data(as_text=True)
    mixed = admin.post("/admin/users/new", {**FORM, "username": "张san"})
    assert mixed.status_code == 422 and "用户名不能混用英文字母和汉字" in mixed.get_data(as_text=True)
    assert usernames(service) == before


def test_a_full_width_name_is_stored_as_typed_in_half_width(service, admin):
    """ｌｉｕ２ from a Chinese IME is liu2 (NFKC); ｚｈａｎｇ is zhang, who exists already."""
    created = admin.post("/admin/users/new", {**FORM, "username": "ｌｉｕ２"})
    assert created.status_code == 302
    assert "已创建用户 新同事（liu2）" in admin.get(created.headers["Location"]).get_data(as_text=True)
    taken = admin.post("/admin/users/new", {**FORM, "username": "ｚｈａｎｇ"})
    assert taken.status_code == 422 and "用户名已存在：zhang" in taken.get_data(as_text=True)
    assert {"liu2", "ｌｉｕ２", "ｚｈａｎｇ"} & usernames(service) == {"liu2"}
    assert Browser(admin.client.application, "liu2", "first-pass-1").get("/").status_code == 200


def test_a_display_name_with_control_characters_is_refused(service, people, admin):
    refused = admin.post("/admin/users/new", {**FORM, "username": "newbie", "display_name": "张\u202e伟"})
    assert refused.status_code == 422
    assert "姓名不能包含控制字符或格式字符 U+202E RIGHT-TO-LEFT OVERRIDE" in refused.get_data(as_text=True)
    li = people[0]["li"]
    edited = admin.post(f"/admin/users/{li.id}", {"display_name": "李\x07娜", "unit": "CJ1", "roles": ["member"]})
    assert edited.status_code == 422 and "U+0007 (Cc)" in edited.get_data(as_text=True)
    with service.db.read() as session:
        assert session.get(User, li.id).display_name == "李娜"
    assert "newbie" not in usernames(service)


def test_the_cli_holds_the_same_rule(app, service):
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["users", "create", "\u0430dmin", "--role", "admin", "--password", "long-enough"])
    assert refused.exit_code != 0
    assert "U+0430 CYRILLIC SMALL LETTER A" in refused.output and "A user name holds only" in refused.output
    made = runner.invoke(args=["users", "create", "ａｄｍｉｎ", "--role", "admin", "--password", "long-enough"])
    assert made.exit_code == 0 and made.output.startswith("admin:")
    assert runner.invoke(args=["users", "token", "ａｄｍｉｎ"]).exit_code == 0
    assert usernames(service) == {"admin"}
