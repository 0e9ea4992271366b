"""The cast of the tests: units and users with API tokens, and a client that speaks for one of them."""
from __future__ import annotations

import re
from typing import Any

from workflow.accounts.users import create_user, ensure_unit, issue_token
from workflow.store.models import User

UNITS = {"GH": "工会办公室", "CJ1": "第一车间", "HQ": "后勤保障部"}
CAST = {
    "zhang": ("张伟", "CJ1", ["representative", "member"]),
    "wang": ("王芳", "CJ1", ["representative", "member"]),
    "liu": ("刘洋", "HQ", ["representative", "member"]),
    "zhao": ("赵敏", "GH", ["proposal_committee"]),
    "zhou": ("周磊", "HQ", ["department_head"]),
    "sun": ("孙强", "CJ1", ["department_head"]),
    "li": ("李娜", "CJ1", ["member"]),
    "song": ("宋洁", "GH", ["auditor"]),
}
EXTRA_REPS = [f"rep{i:02d}" for i in range(20)]
PROPOSAL = {
    "title": "关于改善职工食堂就餐环境的提案",
    "category": "welfare",
    "reason": "第一车间职工食堂就餐高峰时座位不足，排队时间长。",
    "suggestion": "增加就餐座位并错峰开饭，加装新风设备。",
}


def seed(service, extra_reps: bool = False) -> tuple[dict[str, User], dict[str, str]]:
    users, tokens = {}, {}
    cast = dict(CAST)
    if extra_reps:
        cast.update({name: (name, "HQ", ["representative"]) for name in EXTRA_REPS})
    with service.db.transaction() as session:
        for code, name in UNITS.items():
            ensure_unit(session, code, name)
        for username, (display, unit, roles) in cast.items():
            user = create_user(session, username, "password-123", roles, unit, display)
            tokens[username] = issue_token(session, user)
    with service.db.read() as session:
        for username in cast:
            users[username] = session.query(User).filter_by(username=username).one()
    return users, tokens


class Api:
    """The Flask test client, speaking as a user through their Bearer token."""

    def __init__(self, client, tokens: dict[str, str]):
        self.client, self.tokens = client, tokens

    def _headers(self, who: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}

    def get(self, who: str | None, path: str):
        return self.client.get(f"/api/v1{path}", headers=self._headers(who))

    def post(self, who: str | None, path: str, body: Any = None, **kwargs):
        return self.client.post(f"/api/v1{path}", json=body, headers=self._headers(who), **kwargs)

    def create(self, who: str = "zhang", data: dict | None = None) -> dict:
        response = self.post(who, "/cases", {"workflow": "proposal", "data": PROPOSAL if data is None else data})
        assert response.status_code == 201, response.json
        return response.json

    def act(self, who: str, case: dict, trigger: str, data: dict | None = None, comment: str | None = None,
            expect: int = 200) -> dict:
        current = self.get("song", f"/cases/{case['id']}").json  # the auditor reads every case
        body = {"version": current["version"], "data": data or {}}
        if comment is not None:
            body["comment"] = comment
        response = self.post(who, f"/cases/{case['id']}/actions/{trigger}", body)
        assert response.status_code == expect, (trigger, who, response.json)
        return response.json

    def walk_to(self, state: str, case: dict | None = None) -> dict:
        case = case or self.create()
        path = [
            ("seconding", "submit", "zhang", None, None),
            (None, "second", "wang", None, "同意"),
            ("committee_review", "second", "liu", None, None),
            ("handling", "accept", "zhao", {"lead_unit": "HQ", "co_units": ["CJ1"]}, "同意立案"),
            ("replied", "reply", "zhou", {"reply": "已制定食堂改造方案，增设座位一百二十个。",
                                          "measures": "十二月底前完成新风系统安装。", "status": "planned"}, None),
            ("evaluated", "evaluate", "zhang", {"satisfaction": "satisfied"}, "改造方案切实可行，表示满意"),
            ("archived", "archive", "zhao", None, "办理完毕"),
        ]
        for reached, trigger, who, data, comment in path:
            case = self.act(who, case, trigger, data, comment)
            if reached == state:
                return case
        raise AssertionError(state)


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """A Flask test client signed in through the login form, posting forms with their CSRF token."""

    def __init__(self, app, username: str | None, password: str = "password-123"):
        self.client = app.test_client()
        self.username = username
        if username:
            response = self.post("/login", {"username": username, "password": password})
            assert response.status_code == 302, response.get_data(as_text=True)[:500]

    def csrf_token(self) -> str:
        page = self.client.get("/login")
        if page.status_code == 302:  # signed in: every page carries the token, take the password form's
            page = self.client.get("/password")
        match = CSRF_FIELD.search(page.get_data(as_text=True))
        assert match, "no CSRF token on the login page"
        return match.group(1)

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, csrf: bool = True, **kwargs):
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf_token", self.csrf_token())
        return self.client.post(path, data=form, **kwargs)


def pdf_bytes(title: str = "") -> bytes:
    """A real one-page PDF, for attachment tests (a different title makes a different file)."""
    import io

    from pypdf import PdfWriter
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if title:
        writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(kind: str) -> bytes:
    """A real small image (JPEG or PNG), for attachment tests."""
    import io

    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format=kind)
    return out.getvalue()
