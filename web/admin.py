"""系统管理: users, org units, API tokens and the process definitions in force (the `admin` role only).

Every view checks the role on the server; every change is a POST carrying the CSRF token. Refused input shows the
form again with the input kept (never a password) and Chinese messages, status 422; an unknown id is a 404.
"""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case as when
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from web.auth import require_role, signed_in
from web.i18n import lang, message
from web.pages import page_blueprint, page_number, today
from web.services import fresh_session, service, session
from workflow.accounts.users import (
    AccountError,
    create_unit,
    create_user,
    deactivate_user,
    new_token,
    normal_username,
    reactivate_user,
    rename_unit,
    reset_password,
    revoke_token,
    update_user,
)
from workflow.cases.registry import UnknownVersion
from workflow.cases.worklists import Page
from workflow.core.definition import DefinitionError, Problem
from workflow.core.definition_load import load_dir
from workflow.core.roles import ROLES, role_label
from workflow.store.models import ApiToken, Case, DefinitionVersion, OrgUnit, User

bp = page_blueprint("admin", __name__, url_prefix="/admin")
PER_PAGE = 30
NO_UNIT = "_none"
VERSION = re.compile(r"[0-9a-f]{1,64}")


@bp.before_request
def _admin_only() -> None:
    require_role(signed_in(), "admin")  # after page_blueprint's sign-in check; a refusal is a 403 page


@bp.context_processor
def _admin_globals() -> dict[str, Any]:
    return {"ROLES": ROLES, "role_name": lambda role: role_label(role, lang()), "NO_UNIT": NO_UNIT}


def _back(default: str) -> str:
    """Where a small form returns to: a page of this room, never another site."""
    target = request.form.get("next", "")
    return target if target.startswith("/admin/") and "//" not in target and "\\" not in target else default


def _units(db_session: Session) -> list[OrgUnit]:
    return list(db_session.scalars(select(OrgUnit).order_by(OrgUnit.code)))


def _get(db_session: Session, model: type, ident: int) -> Any:
    row = db_session.get(model, ident)
    if row is None:
        abort(404)
    return row


# -- users --------------------------------------------------------------------------------------


@bp.get("/")
def index() -> Response:
    return redirect(url_for(".users"))


@bp.get("/users")
def users() -> str:
    q, unit, status = (request.args.get(k, "").strip() for k in ("q", "unit", "status"))
    conditions = []
    if q:
        conditions.append(User.username.icontains(q, autoescape=True) | User.display_name.icontains(q, autoescape=True))
    if unit == NO_UNIT:
        conditions.append(User.unit_id.is_(None))
    elif unit:
        conditions.append(User.unit_id == select(OrgUnit.id).where(OrgUnit.code == unit).scalar_subquery())
    if status in ("active", "inactive"):
        conditions.append(User.active.is_(status == "active"))
    db_session, number = session(), page_number()
    total = db_session.scalar(select(func.count(User.id)).where(*conditions)) or 0
    items = list(db_session.scalars(select(User).where(*conditions).order_by(User.username)
                                    .offset((number - 1) * PER_PAGE).limit(PER_PAGE)))
    return render_template("admin/users.html", page=Page(items, total, number, PER_PAGE), q=q, unit=unit,
                           status=status, units=_units(db_session))


def _account_values() -> dict[str, Any]:
    form = request.form
    return {"username": form.get("username", "").strip(), "display_name": form.get("display_name", "").strip(),
            "unit": form.get("unit", "").strip(), "roles": form.getlist("roles"),
            "email": form.get("email", "").strip(), "gender": form.get("gender", "").strip()}


@bp.route("/users/new", methods=["GET", "POST"])
def new_user() -> Response | str | tuple[str, int]:
    if request.method != "POST":  # GET and HEAD show the form; only a POST changes anything
        return render_template("admin/user_new.html", values={"roles": ["member"]}, errors={},
                               units=_units(session()))
    values = _account_values()
    try:
        with service().db.transaction() as db_session:
            user = create_user(db_session, values["username"], request.form.get("password", ""), values["roles"],
                               values["unit"] or None, values["display_name"], new_unit=False,
                               email=values["email"], gender=values["gender"])
            user_id, username = user.id, user.username  # as stored: NFKC-normalised
    except AccountError as error:
        refused = error
    except IntegrityError:  # the same username, created at the same moment by another administrator
        refused = AccountError({"username": _("用户名已存在：%(username)s", username=values["username"])})
    else:
        flash(_("已创建用户 %(name)s（%(username)s）", name=values["display_name"], username=username), "success")
        return redirect(url_for(".user", user_id=user_id))
    flash(_("用户未创建，请按提示修改"), "danger")
    return render_template("admin/user_new.html", values=values, errors=refused.fields,
                           units=_units(fresh_session())), refused.status


def _user_page(user_id: int, status: int = 200, values: dict[str, Any] | None = None,
               errors: dict[str, str] | None = None) -> tuple[str, int]:
    db_session = fresh_session()
    user = _get(db_session, User, user_id)
    tokens = list(db_session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                     .order_by(ApiToken.revoked, ApiToken.id.desc())))
    if values is None:
        values = {"display_name": user.display_name, "unit": user.unit.code if user.unit else "",
                  "roles": list(user.role_list), "email": user.email or "", "gender": user.gender or ""}
    return render_template("admin/user.html", user=user, tokens=tokens, values=values, errors=errors or {},
                           units=_units(db_session), me=signed_in()), status


@bp.get("/users/<int:user_id>")
def user(user_id: int) -> tuple[str, int]:
    return _user_page(user_id)


@bp.post("/users/<int:user_id>")
def edit_user(user_id: int) -> Response | tuple[str, int]:
    values = _account_values()
    try:
        with service().db.transaction() as db_session:
            update_user(db_session, _get(db_session, User, user_id), values["display_name"], values["unit"] or None,
                        values["roles"], acting=signed_in(), email=values["email"], gender=values["gender"])
    except AccountError as refused:
        flash(_("未保存，请按提示修改"), "danger")
        return _user_page(user_id, refused.status, values, refused.fields)
    flash(_("已保存用户信息"), "success")
    return redirect(url_for(".user", user_id=user_id))


@bp.post("/users/<int:user_id>/deactivate")
def deactivate(user_id: int) -> Response | tuple[str, int]:
    try:
        with service().db.transaction() as db_session:
            target = _get(db_session, User, user_id)
            revoked = deactivate_user(db_session, target, acting=signed_in())
            name = target.display_name
    except AccountError as refused:
        flash(message(refused), "danger")
        return _user_page(user_id, refused.status)
    flash(_("已停用 %(name)s：其全部登录已退出，%(count)s 个 API 令牌已吊销", name=name, count=revoked), "success")
    return redirect(url_for(".user", user_id=user_id))


@bp.post("/users/<int:user_id>/reactivate")
def reactivate(user_id: int) -> Response:
    with service().db.transaction() as db_session:
        target = _get(db_session, User, user_id)
        reactivate_user(db_session, target)
        name = target.display_name
    flash(_("已启用 %(name)s；停用时吊销的 API 令牌不会恢复，如需请重新签发", name=name), "success")
    return redirect(url_for(".user", user_id=user_id))


@bp.post("/users/<int:user_id>/password")
def set_user_password(user_id: int) -> Response | tuple[str, int]:
    me = signed_in()
    try:
        with service().db.transaction() as db_session:
            target = _get(db_session, User, user_id)
            reset_password(db_session, target, request.form.get("password", ""),
                           keep=current_user.token if target.id == me.id else None)
            name = target.display_name
    except AccountError as refused:
        flash(_("密码未重置，请按提示修改"), "danger")
        return _user_page(user_id, refused.status, errors=refused.fields)
    flash(_("已重置 %(name)s 的密码，其全部登录已退出", name=name), "success")
    return redirect(url_for(".user", user_id=user_id))


# -- org units ----------------------------------------------------------------------------------


def _units_page(status: int = 200, values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                renaming: int | None = None) -> tuple[str, int]:
    db_session = fresh_session()
    counts = {unit_id: (total, active) for unit_id, total, active in db_session.execute(
        select(User.unit_id, func.count(User.id), func.sum(when((User.active.is_(True), 1), else_=0)))
        .where(User.unit_id.is_not(None)).group_by(User.unit_id))}
    return render_template("admin/units.html", units=_units(db_session), counts=counts, values=values or {},
                           errors=errors or {}, renaming=renaming), status


@bp.get("/units")
def units() -> tuple[str, int]:
    return _units_page()


@bp.post("/units")
def new_unit() -> Response | tuple[str, int]:
    values = {"code": request.form.get("code", "").strip(), "name": request.form.get("name", "").strip()}
    try:
        with service().db.transaction() as db_session:
            create_unit(db_session, values["code"], values["name"])
    except (AccountError, IntegrityError) as error:  # IntegrityError: the same code at the same moment
        refused = error if isinstance(error, AccountError) else AccountError(
            {"code": _("单位代码已存在：%(code)s", code=values["code"])})
        flash(_("单位未创建，请按提示修改"), "danger")
        return _units_page(refused.status, values, refused.fields)
    flash(_("已创建单位 %(name)s（%(code)s）", name=values["name"], code=values["code"]), "success")
    return redirect(url_for(".units"))


@bp.post("/units/<int:unit_id>/rename")
def rename(unit_id: int) -> Response | tuple[str, int]:
    name = request.form.get("name", "").strip()
    try:
        with service().db.transaction() as db_session:
            rename_unit(db_session, _get(db_session, OrgUnit, unit_id), name)
    except AccountError as refused:
        flash(_("单位未改名，请按提示修改"), "danger")
        return _units_page(refused.status, {"rename": name}, refused.fields, renaming=unit_id)
    flash(_("单位已改名为 %(name)s", name=name), "success")
    return redirect(url_for(".units"))


# -- API tokens ---------------------------------------------------------------------------------


def _tokens_page(status: int = 200, values: dict[str, str] | None = None,
                 errors: dict[str, str] | None = None) -> tuple[str, int]:
    db_session = fresh_session()
    shown = request.args.get("status", "")
    conditions = []
    if shown in ("active", "revoked"):
        conditions.append(ApiToken.revoked.is_(shown == "revoked"))
    number = page_number()
    total = db_session.scalar(select(func.count(ApiToken.id)).where(*conditions)) or 0
    items = list(db_session.scalars(select(ApiToken).where(*conditions).order_by(ApiToken.id.desc())
                                    .offset((number - 1) * PER_PAGE).limit(PER_PAGE)))
    active_users = list(db_session.scalars(select(User.username).where(User.active.is_(True)).order_by(User.username)))
    return render_template("admin/tokens.html", page=Page(items, total, number, PER_PAGE), shown=shown,
                           values=values or {}, errors=errors or {}, usernames=active_users), status


@bp.get("/tokens")
def tokens() -> tuple[str, int]:
    return _tokens_page()


@bp.post("/tokens")
def issue() -> str | tuple[str, int]:
    username = request.form.get("username", "").strip()
    stored = normal_username(username)  # as typed (full-width too) → as stored
    errors = {}
    with service().db.transaction() as db_session:
        owner = db_session.scalar(select(User).where(User.username == stored)) if stored else None
        if not username:
            errors["username"] = _("请输入用户名")
        elif owner is None:
            errors["username"] = _("用户不存在：%(username)s", username=username)
        elif not owner.active:
            errors["username"] = _("该用户已停用，不能签发令牌")
        else:
            row, token = new_token(db_session, owner)
            token_id, created_at, name = row.id, row.created_at, owner.display_name
    if errors:
        flash(_("令牌未签发，请按提示修改"), "danger")
        return _tokens_page(422, {"username": username}, errors)
    return render_template("admin/token_issued.html", token=token, token_id=token_id, created_at=created_at,
                           username=stored, name=name)


@bp.post("/tokens/<int:token_id>/revoke")
def revoke(token_id: int) -> Response:
    with service().db.transaction() as db_session:
        revoke_token(db_session, _get(db_session, ApiToken, token_id))
    flash(_("令牌 #%(id)s 已吊销", id=token_id), "success")
    return redirect(_back(url_for(".tokens")))


# -- definitions --------------------------------------------------------------------------------


def _verdict() -> tuple[dict[str, Any], list[Problem]]:
    """What `flask workflows check` says about the definitions folder now."""
    folder = Path(current_app.config["UNIONFLOW_DEFINITIONS"])
    try:
        return load_dir(folder, service().workflows.template_dir), []
    except DefinitionError as exc:
        return {}, exc.problems
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [Problem(str(folder), "", str(exc))]


def _case_counts(db_session: Session) -> dict[str, tuple[int, int | None]]:
    """Per definition version: its cases, and how many of them are still open (None if unknown)."""
    by_state: dict[str, dict[str, int]] = defaultdict(dict)
    for version, state, count in db_session.execute(select(Case.definition_version, Case.state, func.count(Case.id))
                                                    .group_by(Case.definition_version, Case.state)):
        by_state[version][state] = count
    counts: dict[str, tuple[int, int | None]] = {}
    for version, states in by_state.items():
        try:
            definition = service().workflows.definition(version, db_session)
            still_open: int | None = sum(n for s, n in states.items()
                                         if s not in definition.states or not definition.states[s].final)
        except (UnknownVersion, DefinitionError):
            still_open = None
        counts[version] = (sum(states.values()), still_open)
    return counts


@bp.get("/definitions")
def definitions() -> str:
    db_session = session()
    current = service().workflows.current
    on_disk, problems = _verdict()
    changed = [] if problems else sorted(key for key in set(on_disk) | set(current)
                                         if key not in on_disk or key not in current
                                         or on_disk[key].version != current[key].version)
    stored = list(db_session.scalars(select(DefinitionVersion).order_by(DefinitionVersion.key,
                                                                        DefinitionVersion.registered_at.desc())))
    return render_template("admin/definitions.html", current=current, stored=stored,
                           in_force={d.version for d in current.values()}, counts=_case_counts(db_session),
                           problems=problems, folder=current_app.config["UNIONFLOW_DEFINITIONS"], changed=changed,
                           file_name=lambda path: Path(path).name,
                           missing_years=service().workflows.calendar.missing_years(today()))


@bp.get("/definitions/<version>")
def definition_source(version: str) -> str:
    if not VERSION.fullmatch(version):
        abort(404)
    row = session().scalar(select(DefinitionVersion).where(DefinitionVersion.version == version))
    current = next((d for d in service().workflows.current.values() if d.version == version), None)
    if row is None and current is None:
        abort(404)
    return render_template("admin/definition_source.html", version=version, key=row.key if row else current.key,
                           source=row.source if row else current.source, registered_at=row.registered_at if row else None,
                           in_force=current is not None)
