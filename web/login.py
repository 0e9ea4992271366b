"""Sign in, sign out, change one's password, choose the language."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask import session as cookie
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from web.auth import WebUser, signed_in
from web.i18n import LANGUAGES, message
from web.services import service
from workflow.accounts.signin import SignInRefused, change_password, sign_in, sign_out
from workflow.accounts.users import MAX_USERNAME
from workflow.store.models import User

bp = Blueprint("login", __name__)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never send a signed-in user to someone else's page."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    typed = request.form.get("username", "").strip()
    username = typed[:MAX_USERNAME]  # shown again in the form: never a megabyte of it
    if request.method == "POST":
        password = request.form.get("password", "")
        if not typed or not password:
            flash(_("请输入用户名和密码"), "danger")
            return render_template("login.html", username=username), 422
        try:
            signed = sign_in(service().db, typed, password, address=request.remote_addr, now=service().clock())
        except SignInRefused as refused:  # a wrong password is recorded: it counts towards the lock-outs
            flash(message(refused), "danger")
            return render_template("login.html", username=username), refused.status
        lang = cookie.get("lang")
        cookie.clear()  # a fresh session: no fixation
        if lang:
            cookie["lang"] = lang
        login_user(WebUser(signed.user, signed.token))
        return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html", username=username)


@bp.post("/logout")
@login_required
def logout() -> Response:
    with service().db.transaction() as db_session:
        sign_out(db_session, current_user.token)
    logout_user()
    lang = cookie.get("lang")
    cookie.clear()
    if lang:
        cookie["lang"] = lang
    flash(_("您已安全退出"), "info")
    return redirect(url_for("login.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> Response | str | tuple[str, int]:
    if request.method == "POST":
        new, again = request.form.get("new_password", ""), request.form.get("new_password_again", "")
        errors = {}
        if new != again:
            errors["new_password_again"] = _("两次输入的新密码不一致")
        else:
            try:
                with service().db.transaction() as db_session:
                    user = db_session.get(User, signed_in().id)
                    change_password(db_session, user, request.form.get("current_password", ""), new,
                                    keep=current_user.token)
            except SignInRefused as refused:
                errors[refused.field or "new_password"] = message(refused)
        if errors:
            return render_template("password.html", errors=errors), 422
        flash(_("密码已修改，其他设备上的登录已退出"), "success")
        return redirect(url_for("home.index"))
    return render_template("password.html", errors={})


@bp.post("/lang")
def choose_language() -> Response:
    chosen = request.form.get("lang", "")
    if chosen in LANGUAGES:
        cookie["lang"] = chosen
    return redirect(_safe_next(request.form.get("next")))
