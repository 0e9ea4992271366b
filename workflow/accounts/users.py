"""Users, org units and API tokens (only their SHA-256 is stored; passwords in passwords.py).

The administrator's operations live here too (create, edit, deactivate, reset a password, units, tokens):
each checks all of its input at once and raises AccountError with a Chinese message per form field. User names are
NFKC-normalised wherever they are typed, and a new one obeys one rule against look-alikes (username_problem).
"""
from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from workflow.accounts.passwords import (
    MIN_PASSWORD,
    end_sessions,
    hash_password,
    replace_password,
    token_digest,
)
from workflow.core.actor import Actor
from workflow.core.roles import ROLES
from workflow.store.models import ApiToken, LoginFailure, OrgUnit, User

MIN_USERNAME, MAX_USERNAME = 2, 64  # at most the column's size
_NAME_MARKS = frozenset("0123456789._-@")  # beside the letters of either script
_HIDDEN = frozenset({"Cc", "Cf", "Co", "Cs", "Cn"})  # control, format (U+202E turns text around), private, unassigned
UNIT_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
GENDERS = {"female": "女", "male": "男"}  # recorded for women workers' events (女职工活动); optional
MAX_DISPLAY_NAME = 64
MAX_UNIT_NAME = 100


EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")
MAX_EMAIL = 254


class AccountError(ValueError):
    """Refused account input: every problem at once, keyed by the form field it concerns ("" for none)."""

    status = 422

    def __init__(self, problems: dict[str, str] | str, message_en: str = ""):
        self.fields = {"": problems} if isinstance(problems, str) else dict(problems)
        self.message = "；".join(self.fields.values())
        self.message_en = message_en
        super().__init__(self.message)


def email_problem(address: str) -> str | None:
    """Why an e-mail address is refused (Chinese, for the form and the CLI), or None."""
    if len(address) > MAX_EMAIL or not EMAIL.fullmatch(address):
        return "电子邮箱格式不正确，例如 zhang.wei@example.com"
    return None


def actor_of(user: User) -> Actor:
    return Actor(user.username, user.display_name, user.roles, user.unit.code if user.unit else None)


def display_names(session: Session, usernames: Iterable[str | None]) -> dict[str, str]:
    """The names people are shown by, for these user names (those that exist)."""
    wanted = sorted({name for name in usernames if name})
    if not wanted:
        return {}
    return dict(session.execute(select(User.username, User.display_name).where(User.username.in_(wanted))).all())


def ensure_unit(session: Session, code: str, name: str | None = None) -> OrgUnit:
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        unit = OrgUnit(code=code, name=name or code)
        session.add(unit)
        session.flush()
    elif name:
        unit.name = name
    return unit


def find_unit(session: Session, code: str) -> OrgUnit | None:
    return session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def _roles_problem(roles: list[str]) -> str | None:
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        return f"未知角色：{', '.join(unknown)}（可用：{', '.join(ROLES)}）"
    if not roles:
        return "请至少选择一个角色"
    return None


def normal_username(typed: str) -> str | None:
    """A user name as stored, from the name as typed: NFKC (full-width ａｄｍｉｎ from a Chinese IME is admin), outer
    whitespace stripped. None when it is longer than any user name, checked before NFKC, whose time grows with the
    input."""
    name = typed.strip()
    if len(name) > MAX_USERNAME:
        return None
    name = unicodedata.normalize("NFKC", name).strip()
    return name if len(name) <= MAX_USERNAME else None


def _char_label(char: str) -> str:
    """A character by code point and Unicode name: never the character itself, which may be invisible or turn the
    page's text around."""
    return f"U+{ord(char):04X} {unicodedata.name(char, f'({unicodedata.category(char)})')}"


def _script(char: str) -> str | None:
    """'latin' (a–z, A–Z), 'han' (a CJK unified ideograph), '' (a digit or . _ - @); None: never in a user name."""
    if char in _NAME_MARKS:
        return ""
    if char.isascii() and char.isalpha():
        return "latin"
    return "han" if unicodedata.name(char, "").startswith("CJK UNIFIED IDEOGRAPH") else None


def username_problem(name: str | None) -> tuple[str, str] | None:
    """Why a normalised name (normal_username) cannot name a new account, in Chinese and English; None if it can.

    One rule that is easy to say, against look-alikes (аdmin with a Cyrillic а) and hidden characters (U+202E):
    the letters are all a–z/A–Z or all 汉字, with ASCII digits and . _ - @ beside either; 2 to 64 characters."""
    if name is None or len(name) > MAX_USERNAME:
        return f"用户名不能超过 {MAX_USERNAME} 个字符", f"A user name has at most {MAX_USERNAME} characters"
    if not name:
        return "请输入用户名", "Enter a user name"
    if len(name) < MIN_USERNAME:
        return f"用户名至少需要 {MIN_USERNAME} 个字符", f"A user name has at least {MIN_USERNAME} characters"
    scripts = set()
    for char in name:
        script = _script(char)
        if script is None:
            return (f"用户名只能包含英文字母、汉字、数字和 . _ - @，不能包含 {_char_label(char)}",
                    f"A user name holds only a-z, A-Z, Chinese characters, digits and . _ - @, not {_char_label(char)}")
        scripts.add(script)
    if {"latin", "han"} <= scripts:
        return "用户名不能混用英文字母和汉字", "A user name has Latin letters or Chinese characters, not both"
    return None


def _display_name_problem(display_name: str | None, required: bool) -> str | None:
    """A display name is printed on pages and PDFs: no control or format characters (U+202E) in it."""
    if display_name is None or not display_name.strip():
        return "请输入姓名" if required else None
    if len(display_name) > MAX_DISPLAY_NAME:
        return f"姓名不能超过 {MAX_DISPLAY_NAME} 个字符"
    hidden = next((char for char in display_name if unicodedata.category(char) in _HIDDEN), None)
    return f"姓名不能包含控制字符或格式字符 {_char_label(hidden)}" if hidden else None


def _unit_for(session: Session, unit_code: str | None, problems: dict[str, str], create: bool) -> OrgUnit | None:
    if not unit_code:
        return None
    unit = find_unit(session, unit_code)
    if unit is None and not create:
        problems["unit"] = f"单位不存在：{unit_code}"
    return unit


def create_user(session: Session, username: str, password: str, roles: list[str], unit_code: str | None = None,
                display_name: str | None = None, *, new_unit: bool = True, email: str | None = None,
                gender: str | None = None) -> User:
    """A new active account. The user name is normalised (NFKC) and must pass username_problem. Without a display
    name (None) the username is shown; an unknown unit code is created (the CLI's way) unless new_unit is False.
    Without an e-mail address, notifications stay in the inbox."""
    problems: dict[str, str] = {}
    english = "The account was not created: check the marked fields"
    name = normal_username(username)
    if problem := username_problem(name):
        problems["username"], english = problem[0], f"{english} ({problem[1]})"
    elif session.scalar(select(User.id).where(User.username == name)) is not None:
        problems["username"] = f"用户名已存在：{name}"
    if problem := _display_name_problem(display_name, required=display_name is not None):  # None: the username
        problems["display_name"] = problem
    if problem := _roles_problem(roles):
        problems["roles"] = problem
    if len(password) < MIN_PASSWORD:
        problems["password"] = f"密码至少需要 {MIN_PASSWORD} 个字符"
    _contact_problems(email, gender, problems)
    unit = _unit_for(session, unit_code, problems, create=new_unit)
    if problems:
        raise AccountError(problems, english)
    if unit_code and unit is None:
        unit = ensure_unit(session, unit_code)
    user = User(username=name, display_name=(display_name or "").strip() or name,
                password_hash=hash_password(password), unit=unit, role_list=list(dict.fromkeys(roles)),
                email=email or None, gender=gender or None)
    session.add(user)
    session.flush()
    return user


def _contact_problems(email: str | None, gender: str | None, problems: dict[str, str]) -> None:
    """The optional e-mail address and gender, as a new account and an edited one check them."""
    if email and (problem := email_problem(email)):
        problems["email"] = problem
    if gender and gender not in GENDERS:
        problems["gender"] = "性别应为“女”或“男”"


def update_user(session: Session, user: User, display_name: str, unit_code: str | None, roles: list[str],
                acting: User | None = None, email: str | None = None, gender: str | None = None) -> None:
    """Change name, unit, roles, e-mail address and gender (None or empty: none). `acting` (the administrator) may
    not take away their own admin role."""
    problems: dict[str, str] = {}
    if problem := _display_name_problem(display_name, required=True):
        problems["display_name"] = problem
    if problem := _roles_problem(roles):
        problems["roles"] = problem
    elif acting is not None and acting.id == user.id and "admin" in user.roles and "admin" not in roles:
        problems["roles"] = "不能取消自己的系统管理员角色"
    _contact_problems(email, gender, problems)
    unit = _unit_for(session, unit_code, problems, create=False)
    if problems:
        raise AccountError(problems, "The account was not changed: check the marked fields")
    user.display_name = display_name.strip()
    user.unit = unit
    user.role_list = list(dict.fromkeys(roles))
    user.email = email or None
    user.gender = gender or None


def deactivate_user(session: Session, user: User, acting: User | None = None) -> int:
    """Refuse further sign-ins, end the user's web sessions, revoke their API tokens (how many is returned)."""
    if acting is not None and acting.id == user.id:
        raise AccountError("不能停用自己的账号", "You cannot deactivate your own account")
    user.active = False
    end_sessions(session, user.id)
    return session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked.is_(False))
                           .values(revoked=True)).rowcount


def reactivate_user(session: Session, user: User) -> None:
    """Sign-ins work again; tokens revoked at deactivation stay revoked (issue new ones)."""
    user.active = True


def reset_password(session: Session, user: User, new: str, keep: str | None = None) -> None:
    """An administrator sets a new password: every session of the user but `keep` ends, the lock-out is lifted."""
    if len(new) < MIN_PASSWORD:
        raise AccountError({"password": f"密码至少需要 {MIN_PASSWORD} 个字符"},
                           f"The password needs at least {MIN_PASSWORD} characters")
    replace_password(session, user, new, keep)
    session.execute(delete(LoginFailure).where(LoginFailure.username == user.username))


def _unit_name_problem(name: str) -> str | None:
    if not name.strip():
        return "请输入单位名称"
    if len(name) > MAX_UNIT_NAME:
        return f"单位名称不能超过 {MAX_UNIT_NAME} 个字符"
    return None


def create_unit(session: Session, code: str, name: str) -> OrgUnit:
    """A new org unit; the code is unique (ignoring case) and made of letters, digits, - and _."""
    problems: dict[str, str] = {}
    if not code:
        problems["code"] = "请输入单位代码"
    elif not UNIT_CODE.fullmatch(code):
        problems["code"] = "单位代码只能包含英文字母、数字、- 和 _，不超过 32 个字符"
    elif session.scalar(select(OrgUnit.id).where(func.lower(OrgUnit.code) == code.lower())) is not None:
        problems["code"] = f"单位代码已存在：{code}"
    if problem := _unit_name_problem(name):
        problems["name"] = problem
    if problems:
        raise AccountError(problems, "The unit was not created: check the marked fields")
    unit = OrgUnit(code=code, name=name.strip())
    session.add(unit)
    session.flush()
    return unit


def rename_unit(session: Session, unit: OrgUnit, name: str) -> None:
    if problem := _unit_name_problem(name):
        raise AccountError({"name": problem}, "The unit was not renamed")
    unit.name = name.strip()


def issue_token(session: Session, user: User) -> str:
    return new_token(session, user)[1]


def new_token(session: Session, user: User) -> tuple[ApiToken, str]:
    """A new API token: its row (holding only the SHA-256) and the plain token, which is never seen again."""
    token = secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=token_digest(token))
    session.add(row)
    session.flush()
    return row, token


def user_for_token(session: Session, token: str) -> User | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token),
                                                ApiToken.revoked.is_(False)))
    if row is None or not row.user.active:
        return None
    return row.user


def revoke_token(session: Session, token: ApiToken) -> None:
    token.revoked = True
