"""CSV export of case histories for the auditor: one row per entry, Chinese headers, opened as is by Excel.

The text starts with a UTF-8 byte-order mark (Excel otherwise reads UTF-8 as GBK and
garbles every Chinese character) and uses the csv module's quoting, so a comment with
commas, quotes or line breaks comes back unchanged. A cell that a spreadsheet would
take for a formula (=, +, -, @, tab, carriage return first) is prefixed with a single
quote (OWASP "CSV injection"): an exported comment can never run as a formula.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from workflow.audit.journal import entries_by_case, line_of, units
from workflow.cases.registry import Workflows
from workflow.store.models import Case

BOM = "\ufeff"
HEADERS = ("案件编号", "流程", "序号", "时间", "办理人账号", "办理人", "角色", "单位", "操作", "原状态", "新状态",
           "意见", "文书哈希", "事件哈希",
           # the machine keys, for filtering and for checking the chain outside the system
           "流程代码", "操作代码", "原状态代码", "新状态代码", "角色代码", "前序哈希")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # Beijing time; Excel reads it as a date-time


def neutralise(value: Any) -> str:
    """The cell's text, made inert if a spreadsheet would evaluate it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def history_rows(session: Session, cases: Iterable[Case], workflows: Workflows) -> list[list[str]]:
    """The export's rows (without the header), cases in the order given, entries in order of their seq."""
    cases = list(cases)
    unit_names = units(session)
    entries = entries_by_case(session, (c.id for c in cases))
    rows = []
    for case in cases:
        definition = workflows.definition(case.definition_version, session)
        for entry in entries[case.id]:
            line = line_of(definition, entry, unit_names)
            rows.append([
                case.number, definition.label.zh, str(line.seq), line.at.strftime(TIME_FORMAT), line.actor,
                line.actor_name, line.role, line.unit, line.action, line.from_label if line.from_state else "",
                line.to_label, line.comment, ";".join(line.documents), line.hash,
                case.workflow, line.trigger, line.from_state or "", line.to_state, ";".join(sorted(line.roles)),
                line.prev_hash,
            ])
    return rows


def histories_csv(session: Session, cases: Iterable[Case], workflows: Workflows) -> str:
    """The histories of these cases as CSV text, BOM first; encode it as UTF-8 to serve or save it."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows([neutralise(cell) for cell in row] for row in history_rows(session, cases, workflows))
    return out.getvalue()
