"""系统管理: only the admin role gets in; users, units, API tokens and definitions; every change a POST with CSRF."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from support.people import PROPOSAL, Browser
from sqlalchemy import select

from workflow.accounts.users import create_user
from workflow.store.models import ApiToken, OrgUnit, User

ADMIN_PASSWORD = "admin-pass-123"


@pytest.fixture
def admin(service, people, app):
    """A signed-in administrator (the cast of tests/support/people.py has none)."""
    with service.db.transaction() as session:
        create_user(session, "boss", ADMIN_PASSWORD, ["admin", "member"], "GH", "管理员老周")
    return Browser(app, "boss", ADMIN_PASSWORD)


def user_row(service, username: str) -> User:
    with service.db.read() as session:
        return session.scalar(select(User).where(User.username == username))


def text(response) -> str:
    return response.get_data(as_text=True)


def signed_out(client) -> bool:
    response = client.get("/")
    return response.status_code == 302 and "/login" in response.headers["Location"]


def issued_token(response) -> str:
    match = re.search(r'data-testid="issued-token">([^<]+)</textarea>', text(response))
    assert match, text(response)[:2000]
    return match.group(1)


def test_only_admins_get_in(app, service, people, web, admin):
    users, _tokens = people
    li = users["li"]
    with service.db.read() as session:
        unit_id = session.scalar(select(OrgUnit.id).where(OrgUnit.code == "CJ1"))
        token_id = session.scalar(select(ApiToken.id).where(ApiToken.user_id == li.id))
    gets = ["/admin/", "/admin/users", "/admin/users/new", f"/admin/users/{li.id}", "/admin/units", "/admin/tokens",
            "/admin/definitions", f"/admin/definitions/{service.workflows.get('proposal').version}"]
    posts = {"/admin/users/new": {"username": "x1", "display_name": "某某", "roles": "admin", "password": "p" * 10},
             f"/admin/users/{li.id}": {"display_name": "李娜", "roles": "admin"},
             f"/admin/users/{li.id}/deactivate": {}, f"/admin/users/{li.id}/reactivate": {},
             f"/admin/users/{li.id}/password": {"password": "hijacked-123"},
             "/admin/units": {"code": "X", "name": "某部"}, f"/admin/units/{unit_id}/rename": {"name": "某部"},
             "/admin/tokens": {"username": "zhang"}, f"/admin/tokens/{token_id}/revoke": {}}
    for who in ("zhang", "song", "zhao"):  # a representative, the auditor, the committee
        browser = web(who)
        for path in gets:
            response = browser.get(path)
            assert response.status_code == 403, (who, path, response.status_code)
            assert "权限" in text(response)
        for path, form in posts.items():
            assert browser.post(path, form).status_code == 403, (who, path)
        assert "管理" not in text(browser.get("/")).split("<main")[0]  # no 管理 link in their menu
    for path in gets:  # signed out: to the sign-in page
        response = web(None).get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    after = user_row(service, "li")
    assert after.active and after.role_list == ["member"] and after.display_name == "李娜"
    with service.db.read() as session:
        assert session.scalar(select(ApiToken.revoked).where(ApiToken.id == token_id)) is False
        assert session.scalar(select(OrgUnit.name).where(OrgUnit.id == unit_id)) == "第一车间"
        assert session.scalar(select(User).where(User.username == "x1")) is None
    for path in gets[:-1]:
        assert admin.get(path).status_code in (200, 302), path
    assert "管理" in text(admin.get("/")).split("<main")[0]


def test_create_user_then_sign_in(app, service, admin):
    response = admin.post("/admin/users/new", {"username": "chen", "display_name": "陈静", "unit": "HQ",
                                               "roles": ["member", "representative"], "password": "first-pass-1"})
    assert response.status_code == 302
    chen = user_row(service, "chen")
    assert response.headers["Location"].endswith(f"/admin/users/{chen.id}")
    assert (chen.display_name, chen.unit.code, chen.role_list, chen.active) == ("陈静", "HQ",
                                                                                ["member", "representative"], True)
    page = text(admin.get(response.headers["Location"]))
    assert "已创建用户 陈静（chen）" in page and "职工代表" in page
    listing = text(admin.get("/admin/users?q=陈"))
    assert 'data-user="chen"' in listing and 'data-user="zhang"' not in listing and "会员/职工" in listing
    assert 'data-user="chen"' in text(admin.get("/admin/users?q=CHE"))
    by_unit = text(admin.get("/admin/users?unit=HQ"))
    assert 'data-user="chen"' in by_unit and 'data-user="liu"' in by_unit and 'data-user="zhang"' not in by_unit
    chen_browser = Browser(app, "chen", "first-pass-1")
    home = chen_browser.get("/")
    assert home.status_code == 200 and "陈静" in text(home)


def test_refused_new_user_keeps_input(service, admin):
    response = admin.post("/admin/users/new", {"username": "zhang", "display_name": "另一个张伟", "unit": "CJ1",
                                               "roles": ["member"], "password": "long-enough-1"})
    assert response.status_code == 422
    page = text(response)
    assert "用户名已存在：zhang" in page and 'value="另一个张伟"' in page
    assert re.search(r'<option value="CJ1"\s+selected', page)
    assert re.search(r'value="member" id="role-member"\s+checked', page)
    assert "long-enough-1" not in page  # a password is never echoed
    response = admin.post("/admin/users/new", {"username": "has space", "display_name": "", "unit": "NOPE",
                                               "password": "short"})
    assert response.status_code == 422
    page = text(response)
    for expected in ("用户名只能包含", "请输入姓名", "单位不存在：NOPE", "请至少选择一个角色", "密码至少需要 8 个字符"):
        assert expected in page
    response = admin.post("/admin/users/new", {"username": "wu", "display_name": "吴", "roles": ["superuser"],
                                               "password": "long-enough-1"})
    assert response.status_code == 422 and "未知角色：superuser" in text(response)
    with service.db.read() as session:
        assert session.scalar(select(User).where(User.username.in_(["has space", "wu"]))) is None
        assert session.scalar(select(OrgUnit).where(OrgUnit.code == "NOPE")) is None
        assert len(session.scalars(select(User).where(User.username == "zhang")).all()) == 1


def test_edit_name_unit_and_roles(service, people, admin, web):
    li = people[0]["li"]
    response = admin.post(f"/admin/users/{li.id}", {"display_name": "李娜娜", "unit": "HQ",
                                                    "roles": ["member", "grassroots_union"]})
    assert response.status_code == 302
    after = user_row(service, "li")
    assert (after.display_name, after.unit.code, after.role_list) == ("李娜娜", "HQ", ["member", "grassroots_union"])
    assert "基层工会干事" in text(admin.get(f"/admin/users/{li.id}"))
    response = admin.post(f"/admin/users/{li.id}", {"display_name": "李", "unit": "", "roles": ["member"]})
    assert response.status_code == 302 and user_row(service, "li").unit is None
    response = admin.post(f"/admin/users/{li.id}", {"display_name": " ", "unit": "ZZ", "roles": []})
    assert response.status_code == 422
    page = text(response)
    assert "请输入姓名" in page and "单位不存在：ZZ" in page and "请至少选择一个角色" in page
    assert user_row(service, "li").display_name == "李"
    assert admin.get("/admin/users/99999").status_code == 404
    assert admin.post("/admin/users/99999", {"display_name": "某", "roles": ["member"]}).status_code == 404
    # the new role counts at once: li's next page already has it
    assert "管理" not in text(web("li").get("/")).split("<main")[0]


def test_deactivate_signs_out_and_revokes_tokens(app, service, people, admin, web, api):
    users, tokens = people
    li_browser = web("li")
    assert li_browser.get("/").status_code == 200
    assert api.get("li", "/queue").status_code == 200
    response = admin.post(f"/admin/users/{users['li'].id}/deactivate")
    assert response.status_code == 302
    assert "已停用 李娜" in text(admin.get(response.headers["Location"]))
    assert signed_out(li_browser.client)
    assert api.get("li", "/queue").status_code == 401
    refused = web(None).post("/login", {"username": "li", "password": "password-123"})
    assert refused.status_code == 401
    listing = text(admin.get("/admin/users?status=inactive"))
    assert 'data-user="li"' in listing and 'data-user="zhang"' not in listing
    assert admin.post(f"/admin/users/{users['li'].id}/reactivate").status_code == 302
    assert user_row(service, "li").active
    assert web("li").get("/").status_code == 200  # signs in again
    assert api.get("li", "/queue").status_code == 401  # but the revoked token stays revoked
    assert admin.post("/admin/users/99999/deactivate").status_code == 404


def test_admin_cannot_lock_themself_out(service, admin):
    boss = user_row(service, "boss")
    response = admin.post(f"/admin/users/{boss.id}/deactivate")
    assert response.status_code == 422 and "不能停用自己的账号" in text(response)
    response = admin.post(f"/admin/users/{boss.id}", {"display_name": "管理员老周", "unit": "GH",
                                                      "roles": ["member"]})
    assert response.status_code == 422 and "不能取消自己的系统管理员角色" in text(response)
    after = user_row(service, "boss")
    assert after.active and "admin" in after.roles
    assert admin.get("/admin/users").status_code == 200  # still signed in, still an admin


def test_reset_password(app, service, people, admin, web):
    li = people[0]["li"]
    li_browser = web("li")
    response = admin.post(f"/admin/users/{li.id}/password", {"password": "short"})
    assert response.status_code == 422 and "密码至少需要 8 个字符" in text(response)
    assert li_browser.get("/").status_code == 200  # a refused reset changes nothing
    response = admin.post(f"/admin/users/{li.id}/password", {"password": "brand-new-pass"})
    assert response.status_code == 302
    assert signed_out(li_browser.client)
    assert web(None).post("/login", {"username": "li", "password": "password-123"}).status_code == 401
    assert Browser(app, "li", "brand-new-pass").get("/").status_code == 200
    boss = user_row(service, "boss")  # resetting one's own password keeps one's own session
    assert admin.post(f"/admin/users/{boss.id}/password", {"password": "another-pass-1"}).status_code == 302
    assert admin.get("/admin/users").status_code == 200


def test_units_create_rename_and_count(service, admin):
    page = text(admin.get("/admin/units"))
    assert re.search(r'data-unit="CJ1">.*?成员 4 人', page, re.S)
    response = admin.post("/admin/units", {"code": "CJ2", "name": "第二车间"})
    assert response.status_code == 302
    assert "第二车间" in text(admin.get("/admin/units"))
    response = admin.post("/admin/units", {"code": "cj2", "name": "又一个车间"})
    assert response.status_code == 422 and "单位代码已存在：cj2" in text(response)
    assert 'value="又一个车间"' in text(response)
    response = admin.post("/admin/units", {"code": "二车间", "name": ""})
    assert response.status_code == 422
    assert "单位代码只能包含英文字母、数字、- 和 _" in text(response) and "请输入单位名称" in text(response)
    with service.db.read() as session:
        unit = session.scalar(select(OrgUnit).where(OrgUnit.code == "CJ2"))
        assert session.scalar(select(OrgUnit).where(OrgUnit.code.in_(["cj2", "二车间"]))) is None
    response = admin.post(f"/admin/units/{unit.id}/rename", {"name": "第二生产车间"})
    assert response.status_code == 302
    with service.db.read() as session:
        assert session.get(OrgUnit, unit.id).name == "第二生产车间"
    response = admin.post(f"/admin/units/{unit.id}/rename", {"name": ""})
    assert response.status_code == 422 and "请输入单位名称" in text(response)
    assert admin.post("/admin/units/99999/rename", {"name": "某"}).status_code == 404


def test_issue_and_revoke_a_token(app, service, people, admin):
    response = admin.post("/admin/tokens", {"username": "zhou"})
    assert response.status_code == 200
    assert "请立即复制并妥善保存此令牌" in text(response)
    token = issued_token(response)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/queue", headers=headers).status_code == 200
    listing = text(admin.get("/admin/tokens"))
    assert "周磊" in listing and token not in listing  # the plain token is shown once, never again
    with service.db.read() as session:
        row = session.scalars(select(ApiToken).join(User).where(User.username == "zhou")
                              .order_by(ApiToken.id.desc())).first()
    assert f'data-token="{row.id}"' in listing
    response = admin.post(f"/admin/tokens/{row.id}/revoke")
    assert response.status_code == 302
    assert client.get("/api/v1/queue", headers=headers).status_code == 401
    assert f'data-token="{row.id}"' in text(admin.get("/admin/tokens?status=revoked"))
    assert admin.post("/admin/tokens/99999/revoke").status_code == 404
    response = admin.post("/admin/tokens", {"username": "nobody"})
    assert response.status_code == 422 and "用户不存在：nobody" in text(response)
    # from a user's page, and refused for a deactivated user
    li = people[0]["li"]
    response = admin.post("/admin/tokens", {"username": "li"})
    assert response.status_code == 200 and issued_token(response)
    admin.post(f"/admin/users/{li.id}/deactivate")
    response = admin.post("/admin/tokens", {"username": "li"})
    assert response.status_code == 422 and "该用户已停用" in text(response)


def test_definitions_page(app, service, people, admin, tmp_path):
    service.create_case(people[0]["zhang"], "proposal", PROPOSAL)
    page = text(admin.get("/admin/definitions"))
    proposal = service.workflows.get("proposal")
    assert "全部通过" in page and "职代会提案" in page and proposal.version[:12] in page
    row = re.search(rf'data-version="{proposal.version}">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'<td class="text-end">(\d+)</td>', row) == ["1", "1"]  # one case, still open
    source = admin.get(f"/admin/definitions/{proposal.version}")
    assert source.status_code == 200 and "key: proposal" in text(source) and "<form" not in text(source).split(
        "<main")[1].split("</main>")[0]
    assert admin.get("/admin/definitions/" + "0" * 64).status_code == 404
    assert admin.get("/admin/definitions/not-a-version").status_code == 404
    assert 'data-testid="calendar-missing"' not in page  # 2026 and 2027 have their calendars
    service.clock.advance(timedelta(days=365))  # 2027-11: a deadline may run into 2028, which has none
    admin = Browser(app, "boss", ADMIN_PASSWORD)  # a year ends any session: sign in again
    later = text(admin.get("/admin/definitions"))
    assert re.findall(r'data-testid="calendar-missing">(\d{4}) 年没有节假日安排文件', later) == ["2028"]
    broken = tmp_path / "definitions"
    broken.mkdir()
    (broken / "proposal.yaml").write_text(proposal.source.replace("initial: draft", "initial: nowhere"),
                                          encoding="utf-8")
    app.config["UNIONFLOW_DEFINITIONS"] = str(broken)
    page = text(admin.get("/admin/definitions"))
    assert "全部通过" not in page and "proposal.yaml" in page and "initial" in page and "nowhere" in page


def test_a_post_without_csrf_is_refused(service, people, admin):
    li = people[0]["li"]
    response = admin.post(f"/admin/users/{li.id}/deactivate", csrf=False)
    assert response.status_code == 400 and "安全令牌" in text(response)
    response = admin.post("/admin/units", {"code": "CJ9", "name": "第九车间"}, csrf=False)
    assert response.status_code == 400
    assert user_row(service, "li").active
    with service.db.read() as session:
        assert session.scalar(select(OrgUnit).where(OrgUnit.code == "CJ9")) is None
    assert admin.get(f"/admin/users/{li.id}/deactivate").status_code == 405  # never a change on GET


def test_gender_is_set_by_the_administrator_and_the_cli(app, service, people):
    """Optional; what a women workers' event (女职工活动) checks at sign-up."""
    from support.people import Browser
    from sqlalchemy import select

    from workflow.accounts.users import create_user
    from workflow.store.models import User

    def gender_of(username: str) -> str | None:
        with service.db.read() as session:
            return session.scalar(select(User.gender).where(User.username == username))

    with service.db.transaction() as session:
        create_user(session, "boss2", "password-123", ["admin"], "GH", "管理员")
    boss = Browser(app, "boss2")
    form = {"username": "newbie", "display_name": "新会员", "unit": "CJ1", "roles": "member", "password": "long-enough-1"}
    refused = boss.post("/admin/users/new", {**form, "gender": "other"})
    assert refused.status_code == 422 and "性别应为" in refused.get_data(as_text=True)
    assert boss.post("/admin/users/new", {**form, "gender": "female"}).status_code == 302
    assert gender_of("newbie") == "female"
    li = people[0]["li"]
    assert boss.post(f"/admin/users/{li.id}", {"display_name": "李娜", "unit": "CJ1", "roles": "member",
                                                "gender": "female"}).status_code == 302
    assert gender_of("li") == "female"
    assert 'value="female" selected' in boss.get(f"/admin/users/{li.id}").get_data(as_text=True)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "create", "wu", "--role", "member", "--password", "long-enough",
                               "--gender", "male"]).exit_code == 0
    assert gender_of("wu") == "male"
    assert runner.invoke(args=["users", "create", "wu2", "--role", "member", "--password", "long-enough",
                               "--gender", "x"]).exit_code != 0
