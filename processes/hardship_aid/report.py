"""The hardship-aid report: per year and unit, cases by category and outcome, amounts approved and paid.

Amounts: approved is the chair's `amount_approved`, or on the committee path (会签) the `recommended_amount` it
passed; paid is `amount_paid`. The outcome of a state is its `report:` tag in definitions/hardship_aid.yaml; a state
without one (a draft) is not reported.
"""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.cases.registry import Workflows
from workflow.store.models import Case, OrgUnit, User

READERS = frozenset({"union_chair", "union_committee", "audit_committee", "auditor"})


def may_read(user: User) -> bool:
    """The chair, the committees and auditors read the report."""
    return bool(user.roles & READERS)


OUTCOME_LABELS = {"in_progress": "办理中", "approved": "已批准", "not_eligible": "不符合条件", "rejected": "未批准",
                  "withdrawn": "已撤回"}


@dataclass
class Row:
    unit: str
    category: str
    cases: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    approved: float = 0.0
    paid: float = 0.0


def hardship(session: Session, workflows: Workflows, year: int) -> list[Row]:
    units = dict(session.execute(select(OrgUnit.id, OrgUnit.name)).all())
    rows: dict[tuple[str, str], Row] = {}
    query = select(Case).where(Case.workflow == "hardship_aid", Case.created_at >= datetime(year, 1, 1),
                               Case.created_at < datetime(year + 1, 1, 1))
    for case in session.scalars(query):
        outcome = workflows.reported(session, case)
        if outcome is None:
            continue  # drafts were never filed
        unit = units.get(case.unit_id, "—")
        category = case.data.get("category", "other")
        row = rows.setdefault((unit, category), Row(unit, category))
        row.cases += 1
        row.outcomes[outcome] += 1
        if outcome == "approved":
            row.approved += float(case.data.get("amount_approved") or case.data.get("recommended_amount") or 0)
        row.paid += float(case.data.get("amount_paid") or 0)
    return sorted(rows.values(), key=lambda r: (r.unit, r.category))


def hardship_csv(rows: list[Row], category_label) -> str:  # noqa: ANN001 (a callable: category key → label)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["单位", "困难类别", "件数", *OUTCOME_LABELS.values(), "批准金额（元）", "发放金额（元）"])
    for row in rows:
        writer.writerow([row.unit, category_label(row.category), row.cases,
                         *(row.outcomes.get(key, 0) for key in OUTCOME_LABELS), f"{row.approved:.2f}",
                         f"{row.paid:.2f}"])
    return out.getvalue()
