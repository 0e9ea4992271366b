"""The `event` process's domain: the budget and the sign-up questions read from the plan, the sign-up sheet opened
when the event is published and moved along with the case, the attendance counted when it ends, the spending
set against the budget in the summary.

Money is typed as lines, `项目, 金额` (a comma, a Chinese comma or a tab; Excel's CSV too), because that is how an
office writes a budget; every line is checked and every error is named with its line number.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.orm import Session

from processes.event.models import EventSheet, Signup
from workflow.cases.domain import CaseRef, Prepared
from workflow.cases.notifications import Letter
from workflow.core.engine import InvalidData, TransitionRecord
from workflow.store.models import User

MAX_SHOWN = 10
MAX_LINES = 100
_SPLIT = re.compile(r"\s*[,，\t]\s*")
# The sheet's status follows these steps of the case; a cancelled event keeps its sign-ups as they were.
SHEET_STATUS = {"close_signup": "closed", "start": "underway", "finish": "finished", "cancel": "cancelled"}


class EventDomain:
    def prepare(self, session: Session, case: CaseRef, trigger: str, user: User, data: Mapping[str, Any],
                today: date, parameters: Mapping[str, Any]) -> Prepared | None:
        if trigger == "submit_plan":
            return _plan({**case.data, **data})
        if trigger == "publish":
            return Prepared({"checkin_code": f"{secrets.randbelow(10 ** 6):06d}"})
        if trigger == "finish":
            return Prepared({"attendance": attendance(session, case.id)})
        if trigger == "submit_summary":
            return _summary({**case.data, **data}, parameters)
        if trigger == "cancel":
            taken = session.scalar(select(func.count()).select_from(Signup).where(
                Signup.case_id == case.id, Signup.status != "cancelled")) or 0
            return Prepared({"cancelled_signups": taken})
        return Prepared({}) if trigger in SHEET_STATUS else None  # nothing to establish, the sheet to move

    def after(self, connection: Connection, case_id: int, record: TransitionRecord,
              prepared: Prepared) -> list[Letter]:
        """The sheet opened, moved along; a cancellation told to everyone signed up (places and queue)."""
        if record.trigger == "publish":
            plan = record.data
            connection.execute(insert(EventSheet).values(
                case_id=case_id, status="open", capacity=int(plan["capacity"]),
                deadline=date.fromisoformat(plan["signup_deadline"]), units=list(plan.get("audience_units") or []),
                women_only=bool(plan.get("women_only")), questions=plan.get("signup_form") or [],
                checkin_code=prepared.facts["checkin_code"]))
        elif record.trigger in SHEET_STATUS:  # (cancelled before publishing, there is no sheet to update)
            connection.execute(update(EventSheet).where(EventSheet.case_id == case_id)
                               .values(status=SHEET_STATUS[record.trigger]))
        if record.trigger != "cancel":
            return []
        plan, link = record.data, f"/events/{case_id}"
        told = connection.scalars(select(Signup.user_id).where(Signup.case_id == case_id, Signup.status != "cancelled"))
        return [Letter(user_id, f"活动取消：「{plan['title']}」",
                       f"您报名的「{plan['title']}」（{plan['event_date']} {plan['event_time']}，{plan['place']}）已取消。"
                       f"原因：{record.comment}", link) for user_id in told]


def attendance(session: Session, case_id: int) -> dict[str, int]:
    """Places taken, people checked in, no-shows (a place taken but never checked in) and the waitlist."""
    rows = dict(session.execute(select(Signup.status, func.count()).where(Signup.case_id == case_id)
                                .group_by(Signup.status)).all())
    came = session.scalar(select(func.count()).select_from(Signup).where(
        Signup.case_id == case_id, Signup.status == "confirmed", Signup.checked_in_at.is_not(None))) or 0
    confirmed = rows.get("confirmed", 0)
    return {"confirmed": confirmed, "checked_in": came, "no_shows": confirmed - came,
            "waitlisted": rows.get("waitlisted", 0), "cancelled": rows.get("cancelled", 0)}


def _plan(plan: Mapping[str, Any]) -> Prepared:
    """The budget (its lines and total) and the sign-up questions; the sign-up closes before the event."""
    deadline, day = plan.get("signup_deadline"), plan.get("event_date")
    if deadline and day and str(deadline) > str(day):
        raise InvalidData("报名截止日期不能晚于活动日期", "Sign-up must close by the day of the event",
                          fields={"signup_deadline": f"活动日期是 {day}"})
    budget = money_lines(plan.get("budget_lines"), "budget_lines") if plan.get("budget_lines") else []
    return Prepared({"budget": budget, "budget_total": _total(budget),
                     "signup_form": questions(plan.get("signup_questions") or "")})


def _summary(data: Mapping[str, Any], parameters: Mapping[str, Any]) -> Prepared:
    """The spending set against the budget: over it by more than `overspend_percent` needs the 经审委 too."""
    spent = money_lines(data.get("spending_lines"), "spending_lines") if data.get("spending_lines") else []
    total, budget = _total(spent), Decimal(str(data.get("budget_total") or 0))
    limit = budget * (1 + Decimal(str(parameters.get("overspend_percent", 10))) / 100)
    budgeted = {line["item"] for line in data.get("budget") or []}
    return Prepared({"spending": [{**line, "budgeted": line["item"] in budgeted} for line in spent],
                     "spent_total": total, "over_budget": Decimal(str(total)) > limit})


def money_lines(text: Any, field: str) -> list[dict[str, Any]]:
    """`项目, 金额` per line (a header line is skipped): [{item, amount}], or InvalidData naming every bad line."""
    rows = [(n, line.strip()) for n, line in enumerate(str(text).splitlines(), start=1) if line.strip()]
    if rows and rows[0][1].replace(" ", "").startswith(("项目", "item")) and not _amount(_SPLIT.split(rows[0][1])[-1]):
        rows = rows[1:]
    errors, lines, seen = [], [], {}
    for number, line in rows:
        *item_parts, written = _SPLIT.split(line)
        item, amount = "，".join(item_parts).strip(), _amount(written)
        if not item or amount is None:
            errors.append(f"第 {number} 行：应写作“项目, 金额”，如“场地费, 1200”")
        elif item in seen:
            errors.append(f"第 {number} 行：「{item}」重复（第 {seen[item]} 行已有）")
        else:
            lines.append({"item": item[:100], "amount": float(amount)})
        seen.setdefault(item, number)
    if len(rows) > MAX_LINES:
        errors.append(f"最多 {MAX_LINES} 行")
    if not rows:
        errors.append("请每行填写一项：项目, 金额")
    if errors:
        more = f"；另有 {len(errors) - MAX_SHOWN} 处" if len(errors) > MAX_SHOWN else ""
        raise InvalidData(f"金额明细有 {len(errors)} 处错误，请改正后再提交", f"{len(errors)} error(s) in the lines",
                          fields={field: "；".join(errors[:MAX_SHOWN]) + more})
    return lines


def questions(text: str) -> list[dict[str, Any]]:
    """What a sign-up asks, one per line: `T恤尺码：S/M/L/XL` (a choice) or `家属人数` (an answer in words)."""
    asked = []
    for line in (line.strip() for line in text.replace("：", ":").splitlines()):
        label, _, choices = line.partition(":")
        if label.strip():
            asked.append({"label": label.strip()[:40],
                          "choices": [c.strip() for c in re.split(r"[/／、|]", choices) if c.strip()][:20]})
    return asked[:10]


def _amount(written: str) -> Decimal | None:
    try:
        amount = Decimal(written.replace("元", "").replace("¥", "").replace("￥", "").strip())
    except InvalidOperation:
        return None
    return round(amount, 2) if amount.is_finite() and 0 <= amount <= 10_000_000 else None


def _total(lines: list[dict[str, Any]]) -> float:
    return float(sum((Decimal(str(line["amount"])) for line in lines), Decimal(0)))
