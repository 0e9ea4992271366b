"""flask workflows check / graph: registered as a Flask plugin command so that it runs even
when the app itself refuses to start because a definition is invalid."""
from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

import click

from workflow.cases.registry import working_calendar
from workflow.core.clock import system_now
from workflow.core.definition import DefinitionError
from workflow.core.definition_load import load_dir
from workflow.core.display import local_date

ROOT = Path(__file__).resolve().parent.parent


def _dirs() -> tuple[Path, Path]:
    return Path(os.environ.get("UNIONFLOW_DEFINITIONS", ROOT / "definitions")), ROOT / "templates" / "pdf"


@click.group("workflows", help="Process definitions (definitions/*.yaml).")
def workflows() -> None:
    pass


@workflows.command("check")
def check() -> None:
    """Validate every definition; list every problem with its file and path; exit 1 if any."""
    definitions_dir, templates = _dirs()
    try:
        definitions = load_dir(definitions_dir, templates)
        calendar = working_calendar(definitions_dir)
    except DefinitionError as exc:  # a calendar's problems too (CalendarError is one)
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(exc.problems)} 个问题 problem(s) found", err=True)
        sys.exit(1)
    for d in definitions.values():
        click.echo(f"正常 OK  {d.key} ({d.label.zh}) version {d.version[:12]}: "
                   f"{len(d.states)} states, {len(d.transitions)} transitions")
    for year in calendar.years:
        click.echo(f"正常 OK  calendar {year}{' (provisional 暂定)' if calendar.is_provisional(date(year, 1, 1)) else ''}")
    for year in calendar.missing_years(local_date(system_now())):  # the production clock: this runs outside the app
        click.echo(f"提示 NOTE calendar {year}: 没有节假日安排文件，工作日按周一至周五计算 "
                   f"(no holiday calendar: working days are Monday to Friday)")


@workflows.command("graph")
@click.argument("key")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="write the SVG here instead of stdout")
def graph(key: str, output: str | None) -> None:
    """Draw the process KEY as SVG."""
    from workflow.documents.diagram import svg
    definitions_dir, templates = _dirs()
    definition = load_dir(definitions_dir, templates).get(key)
    if definition is None:
        raise click.ClickException(f"未知的流程 unknown workflow: {key}")
    drawing = svg(definition)
    if output:
        Path(output).write_bytes(drawing)
    else:
        sys.stdout.buffer.write(drawing)
