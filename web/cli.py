"""flask --app wsgi ...: init-db, demo, units, users, audit (workflows: see workflows_cli.py)."""
from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_migrate import upgrade
from sqlalchemy import select

from web.plugins import installed
from web.services import service
from workflow.accounts.users import (
    AccountError,
    create_user,
    ensure_unit,
    issue_token,
    normal_username,
)
from workflow.audit.verify import verify
from workflow.cases import task_rows
from workflow.cases.notifications import deliver_pending
from workflow.cases.timers import run_due
from workflow.store.models import User

MAIL_PER_RUN = 500  # e-mails per `timers run`; more wait for the next run


def register(app: Flask) -> None:
    @app.cli.command("init-db")
    def init_db() -> None:
        """Create or upgrade the database schema (Alembic migrations), register the definitions, and give the cases
        begun before tasks existed their tasks (replayed from their histories)."""
        upgrade()
        with service().db.transaction() as session:
            service().workflows.register(session, service().clock())
            made = task_rows.backfill(session, lambda case: service().definition_of(case, session), service().clock())
        if made:
            click.echo(f"已为 {made} 件事项补建任务 tasks made for {made} cases")
        click.echo("数据库已就绪 database ready: " + service().db.engine.url.render_as_string(hide_password=True))

    @app.cli.command("demo")
    def demo() -> None:
        """Create demo units, a user for every role, proposals in several states, and the processes' own demo data."""
        from web.demo import load_demo
        load_demo(service(), installed(current_app).processes, click.echo)

    units = AppGroup("units", help="Org units (基层工会/部门).")
    app.cli.add_command(units)

    @units.command("create")
    @click.argument("code")
    @click.argument("name")
    def units_create(code: str, name: str) -> None:
        with service().db.transaction() as session:
            ensure_unit(session, code, name)
        click.echo(f"{code} {name}")

    users = AppGroup("users", help="User accounts and API tokens.")
    app.cli.add_command(users)

    @users.command("create")
    @click.argument("name")
    @click.option("--role", "roles", multiple=True, required=True, help="repeat for several roles")
    @click.option("--unit", "unit", default=None, help="org unit code (created if unknown)")
    @click.option("--password", required=True)
    @click.option("--display-name", default=None, help="the name people see, e.g. 张伟")
    @click.option("--email", default=None, help="where notifications are e-mailed (when SMTP is configured)")
    @click.option("--gender", type=click.Choice(["female", "male"]), default=None,
                  help="for events open to women workers only")
    def users_create(name: str, roles: tuple[str, ...], unit: str | None, password: str,
                     display_name: str | None, email: str | None, gender: str | None) -> None:
        try:
            with service().db.transaction() as session:
                stored = create_user(session, name, password, list(roles), unit, display_name, email=email,
                                     gender=gender).username  # NFKC-normalised
        except AccountError as exc:
            raise click.ClickException(f"{exc} ({exc.message_en})") from None
        click.echo(f"{stored}: {', '.join(roles)}")

    @users.command("token")
    @click.argument("name")
    def users_token(name: str) -> None:
        """Print a new API token for NAME, alone on stdout."""
        with service().db.transaction() as session:
            user = session.scalar(select(User).where(User.username == normal_username(name)))
            if user is None:
                raise click.ClickException(f"用户不存在 no such user: {name}")
            token = issue_token(session, user)
        click.echo(token)

    timers = AppGroup("timers", help="Deadlines that act when they pass.")
    app.cli.add_command(timers)

    @timers.command("run")
    def timers_run() -> None:
        """One pass over the due timers (safe from cron, and from several hosts at once: each fires once), then the
        e-mail of notifications not sent yet (the steps just taken, and earlier failures)."""
        report = run_due(service())
        for line in report.fired:
            click.echo(f"已执行 fired    {line}")
        for line in report.reminded:
            click.echo(f"已超期 overdue  {line}")
        for line in report.refused:
            click.echo(f"被拒绝 refused  {line}")
        click.echo(f"到期 {report.due} 个：执行 {len(report.fired)}，超期提醒 {len(report.reminded)}，"
                   f"已过时 {report.obsolete}，由其他进程处理 {report.taken_elsewhere}，被拒绝 {len(report.refused)} "
                   f"(due {report.due}, fired {len(report.fired)}, obsolete {report.obsolete})")
        mailer = current_app.extensions["unionflow.mailer"]
        if mailer is not None:
            mail = deliver_pending(service().db, mailer, service().clock(), MAIL_PER_RUN)
            click.echo(f"邮件 已发送 {mail.sent}，待重试 {mail.failed} (mail sent {mail.sent}, failed {mail.failed})")
        sys.exit(1 if report.refused else 0)

    audit = AppGroup("audit", help="Integrity of histories and documents.")
    app.cli.add_command(audit)

    @audit.command("verify")
    def audit_verify() -> None:
        """Recompute every hash chain and document hash and replay every case; exit 1 on any break."""
        with service().db.read() as session:
            report = verify(session, service().store, service().workflows)
        for case in report.cases:
            click.echo(f"{'正常 OK  ' if case.ok else '异常 BROKEN'} {case.number} "
                       f"({case.entries} 条记录, {case.documents} 份文件)")
            for problem in case.problems:
                click.echo(f"    - {problem}")
        click.echo(f"共检查 {len(report.cases)} 件，异常 {len(report.broken)} 件 "
                   f"checked {len(report.cases)}, broken {len(report.broken)}")
        sys.exit(0 if report.ok else 1)
