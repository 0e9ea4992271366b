"""消息 on the web: the inbox (newest first, unread in bold, paged), marking read (one's own only), the unread badge
of every page, the e-mail of a step sent after its response and the rest by `timers run`, and the e-mail address
of an account (the administrator's form and the CLI). On SQLite and PostgreSQL."""
from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from support.people import PROPOSAL, Browser, seed
from sqlalchemy import select, update

from workflow.accounts.users import create_user
from workflow.cases.notifications import notify
from workflow.store.models import Case, Notification, User

BADGE = re.compile(r'data-testid="unread-badge">(\d+)<')
SUBJECT = re.compile(r'<button class="btn btn-link p-0 text-start text-break ([\w-]+)" type="submit">([^<]+)</button>')


def badge(page: str) -> int:
    found = BADGE.search(page)
    return int(found.group(1)) if found else 0


def listed(page: str) -> list[tuple[str, bool]]:
    """The subjects on an inbox page, in order, and whether each is shown as unread (bold)."""
    return [(subject, style == "fw-bold") for style, subject in SUBJECT.findall(page)]


def ids_of(service, username: str) -> list[int]:
    """A user's notifications, newest first."""
    with service.db.read() as session:
        return list(session.scalars(select(Notification.id).join(User, User.id == Notification.user_id)
                                    .where(User.username == username).order_by(Notification.id.desc())))


def test_the_inbox_lists_newest_first_and_marks_read(app, api, web, service):
    case = api.walk_to("handling")  # the proposer hears of two 附议 and the 立案; 后勤保障部's head gets a 待办
    number = case["number"]
    zhang, zhou = web("zhang"), web("zhou")
    page = zhang.get("/inbox").get_data(as_text=True)
    assert listed(page) == [(f"您的「职代会提案」{number} 已立案：办理中", True),
                            (f"您的「职代会提案」{number} 已附议：提案审查", True),
                            (f"您的「职代会提案」{number} 已附议：征集附议", True)]
    assert badge(page) == 3 and badge(zhang.get("/tasks/done").get_data(as_text=True)) == 3  # on every page
    assert badge(zhou.get("/").get_data(as_text=True)) == 1

    newest = ids_of(service, "zhang")[0]
    assert zhou.post(f"/inbox/{newest}/read", {"open": "1"}).status_code == 404  # not zhou's: as if none
    assert badge(zhang.get("/").get_data(as_text=True)) == 3
    opened = zhang.post(f"/inbox/{newest}/read", {"open": "1"})
    assert opened.status_code == 302 and opened.headers["Location"] == f"/cases/{case['id']}"
    page = zhang.get("/inbox").get_data(as_text=True)
    assert [bold for _, bold in listed(page)] == [False, True, True] and badge(page) == 2

    assert zhang.post(f"/inbox/{ids_of(service, 'zhang')[1]}/read").headers["Location"] == "/inbox"
    done = zhang.post("/inbox/read-all", follow_redirects=True).get_data(as_text=True)
    assert "已将 1 条消息标为已读" in done and badge(done) == 0 and not any(b for _, b in listed(done))
    assert "全部标为已读" not in done
    assert badge(zhou.get("/").get_data(as_text=True)) == 1  # someone else's reading changes nothing of zhou's
    assert listed(zhou.get("/inbox").get_data(as_text=True)) == [(f"待办：「职代会提案」{number} 办理中", True)]


def test_the_inbox_in_pages(app, web, people, service):
    zhang = people[0]["zhang"]
    with service.db.write_connection() as connection:
        for n in range(1, 26):
            notify(connection, [zhang.id], f"待办：第 {n} 条", "正文", "/", service.clock())
    browser = web("zhang")
    first = listed(browser.get("/inbox").get_data(as_text=True))
    second = listed(browser.get("/inbox?page=2").get_data(as_text=True))
    assert [s for s, _ in first] == [f"待办：第 {n} 条" for n in range(25, 5, -1)]
    assert [s for s, _ in second] == [f"待办：第 {n} 条" for n in range(5, 0, -1)]
    assert "暂无消息" in web("li").get("/inbox").get_data(as_text=True)


def test_the_inbox_in_english(app, api, web):
    api.walk_to("committee_review")
    zhang = web("zhang")
    zhang.post("/lang", {"lang": "en", "next": "/"})
    page = zhang.get("/inbox").get_data(as_text=True)
    nav = page.split("<main", 1)[0]
    assert ">Messages" in nav and "消息" not in nav and "unread" in nav
    assert ">Messages <span" in page and "2 unread" in page and "Mark all as read" in page and "Mark as read" in page
    assert "Your Congress proposal" in page  # the message's own English line


# -- e-mail from the web ----------------------------------------------------------------------------------------


@pytest.fixture
def mail_app(database_url, tmp_path, mailbox):
    """The app configured to send through the test's SMTP server, with the cast of tests/support/people.py."""
    from bootstrap import create_app
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": database_url,
                      "UNIONFLOW_STORAGE": str(tmp_path / "storage"), **mailbox.settings})
    service = app.extensions["unionflow"]
    service.db.create_all()
    seed(service)
    with service.db.transaction() as session:
        session.execute(update(User).where(User.username == "zhang").values(email="zhang.wei@example.com"))
        session.execute(update(User).where(User.username == "zhao").values(email="zhao.min@example.com"))
    yield app
    service.db.dispose()


def test_a_step_is_e_mailed_once_its_response_is_sent(mail_app, mailbox):
    service = mail_app.extensions["unionflow"]
    zhang, wang, liu = (Browser(mail_app, who) for who in ("zhang", "wang", "liu"))
    filed = zhang.post("/start/proposal", {**PROPOSAL, "intent": "submit"})
    filed.close()
    case_id = int(filed.headers["Location"].rsplit("/", 1)[1])
    assert mailbox.received == []  # told: wang and liu, who have no address
    with refusing(mailbox):
        wang.post(f"/cases/{case_id}/actions/second", {"version": "2"}).close()  # zhang's mail fails
    response = liu.post(f"/cases/{case_id}/actions/second", {"version": "3"})
    assert response.status_code == 302 and mailbox.received == []  # not before the response is sent
    response.close()
    with service.db.read() as session:
        number = session.scalar(select(Case.number).where(Case.id == case_id))
    assert sorted(m["Subject"] for m in mailbox.received) == [f"待办：「职代会提案」{number} 提案审查",
                                                              f"您的「职代会提案」{number} 已附议：提案审查"]
    # what failed is sent by the next `timers run`
    result = mail_app.test_cli_runner().invoke(args=["timers", "run"])
    assert result.exit_code == 0 and "邮件 已发送 1，待重试 0" in result.output
    assert [m["Subject"] for m in mailbox.to("zhang.wei@example.com")][-1] == \
        f"您的「职代会提案」{number} 已附议：征集附议"


@contextmanager
def refusing(box):
    """The SMTP server answers every message with a temporary failure for the length of the block."""
    box.refusing = True
    try:
        yield
    finally:
        box.refusing = False


# -- the address ----------------------------------------------------------------------------------------------


def email_of(service, username: str) -> str | None:
    with service.db.read() as session:
        return session.scalar(select(User.email).where(User.username == username))


def test_the_administrator_sets_an_e_mail_address(app, web, people, service):
    with service.db.transaction() as session:
        create_user(session, "boss", "password-123", ["admin"], "GH", "管理员")
    boss = web("boss")
    form = {"username": "newbie", "display_name": "新会员", "unit": "CJ1", "roles": "member",
            "password": "long-enough-1"}
    refused = boss.post("/admin/users/new", {**form, "email": "not an address"})
    assert refused.status_code == 422 and "电子邮箱格式不正确" in refused.get_data(as_text=True)
    assert 'value="not an address"' in refused.get_data(as_text=True)
    assert boss.post("/admin/users/new", {**form, "email": "xin@example.com"}).status_code == 302
    assert email_of(service, "newbie") == "xin@example.com"

    li = people[0]["li"]
    edit = {"display_name": "李娜", "unit": "CJ1", "roles": "member"}
    assert boss.post(f"/admin/users/{li.id}", {**edit, "email": "li.na@@example.com"}).status_code == 422
    assert email_of(service, "li") is None
    assert boss.post(f"/admin/users/{li.id}", {**edit, "email": "li.na@example.com"}).status_code == 302
    assert 'value="li.na@example.com"' in boss.get(f"/admin/users/{li.id}").get_data(as_text=True)
    assert boss.post(f"/admin/users/{li.id}", {**edit, "email": ""}).status_code == 302
    assert email_of(service, "li") is None


def test_the_cli_creates_a_user_with_an_e_mail_address(app, service):
    runner = app.test_cli_runner()
    bad = runner.invoke(args=["users", "create", "wu", "--role", "member", "--password", "long-enough",
                              "--email", "wu@localhost"])
    assert bad.exit_code != 0 and "电子邮箱格式不正确" in bad.output
    good = runner.invoke(args=["users", "create", "wu", "--role", "member", "--password", "long-enough",
                               "--email", "wu.qiang@example.com"])
    assert good.exit_code == 0, good.output
    assert email_of(service, "wu") == "wu.qiang@example.com"
