"""Events on the shipped definition, SQLite and PostgreSQL: the budget tiers, sign-up with capacity and waitlist
under concurrency, the deadline and the audience, check-in, the summary against the budget, cancelling."""
from __future__ import annotations

import io
import threading

import pytest
from support.event_desk import AFTER_DEADLINE, EventOffice
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select, update

from processes.event.models import EventSheet, Signup
from workflow.audit.verify import verify
from workflow.cases.notifications import Mailer, deliver_pending
from workflow.cases.timers import run_due
from workflow.core.engine import ActionRefused
from workflow.store.models import Document, Notification, User


@pytest.fixture
def office(database_url, tmp_path):
    office = EventOffice(database_url, tmp_path)
    yield office
    office.db.dispose()


def sheet(office: EventOffice, case_id: int) -> EventSheet:
    with office.db.read() as session:
        return session.get(EventSheet, case_id)


def test_the_years_plan_reads_from_the_yaml_which_events_it_lists_and_which_money_counts(office):
    """`report:` tags (definitions/event.yaml): drafts and withdrawn plans are off the plan (untagged); a plan not
    approved or an event cancelled is on it, its money not counted (processes/event/listing.py)."""
    from processes.event.listing import NOT_HELD
    definition = office.service.workflows.get("event")
    tags = {name: state.report for name, state in definition.states.items()}
    assert {name for name, tag in tags.items() if tag is None} == {definition.initial, "withdrawn"}
    assert {name for name, tag in tags.items() if tag == NOT_HELD} == {"rejected", "cancelled"}
    assert set(tags.values()) == {None, "planned", "held", NOT_HELD}


def test_the_chair_alone_approves_up_to_the_limit(office):
    case_id = office.plan()
    case = office.case(case_id)
    assert case.data["budget_total"] == 2600.0 and [b["item"] for b in case.data["budget"]] == ["场地费", "奖品", "饮用水及水果"]
    assert office.refused("jingshen", case_id, "approve") == 403
    office.act("chair", case_id, "approve")
    assert office.case(case_id).state == "approved"


def test_above_the_limit_the_audit_committee_reviews_after_the_chair(office):
    case_id = office.plan(budget_lines="场地费, 800\n奖品, 4200.01")  # 5,000.01: one fen over the chair's 5,000
    office.act("chair", case_id, "approve")
    assert office.case(case_id).state == "audit_review"
    assert office.refused("chair", case_id, "approve") == 403
    office.act("jingshen", case_id, "approve")
    assert office.case(case_id).state == "approved"
    exactly = office.plan(budget_lines="场地费, 800\n奖品, 4200")
    office.act("chair", exactly, "approve")
    assert office.case(exactly).state == "approved"


def test_a_budget_with_bad_lines_is_refused_line_by_line(office):
    case_id = office.service.create_case(office.users["zuzhi"], "event", {}).id
    from support.event_desk import PLAN
    refusal = office.refusal("zuzhi", case_id, "submit_plan",
                             {**PLAN, "budget_lines": "场地费, 800\n奖品\n场地费, 100\n水, 三百"})
    assert refusal.status == 422
    message = refusal.fields["budget_lines"]
    assert "第 2 行" in message and "第 3 行：「场地费」重复" in message and "第 4 行" in message
    late = office.refusal("zuzhi", case_id, "submit_plan", {**PLAN, "signup_deadline": "2026-12-13"})
    assert late.status == 422 and "signup_deadline" in late.fields


def test_places_then_a_waitlist_in_order_and_a_cancellation_moves_the_first_up(office):
    case_id = office.published()
    statuses = [office.sign_up(case_id, f"m{i:02d}") for i in range(1, 8)]
    assert statuses == ["confirmed"] * 5 + ["waitlisted"] * 2
    with office.db.read() as session:
        assert office.sheet.mine(session, case_id, office.users["m07"].id)[1] == 2
    with pytest.raises(ActionRefused) as twice:
        office.sign_up(case_id, "m01")
    assert twice.value.status == 409
    told = office.sheet.cancel(case_id, office.users["m02"])
    with office.db.read() as session:
        assert office.sheet.mine(session, case_id, office.users["m06"].id)[0].status == "confirmed"  # first in line
        assert office.sheet.mine(session, case_id, office.users["m07"].id)[1] == 1
        note = session.get(Notification, told[0])
        assert note.user_id == office.users["m06"].id and "递补" in note.subject and note.link == f"/events/{case_id}"
    assert office.sheet.cancel(case_id, office.users["m07"]) == ()  # a queued one leaves: nobody moves
    assert office.sheet.cancel(case_id, office.users["m03"]) == ()  # a place frees with nobody queued
    assert sheet(office, case_id).confirmed == 4
    assert office.sign_up(case_id, "m02") == "confirmed"  # signing up again, at the end of the line
    with pytest.raises(ActionRefused) as gone:
        office.sheet.cancel(case_id, office.users["m07"])
    assert gone.value.status == 404


def test_the_audience_and_the_deadline(office):
    case_id = office.published(women_only=True)
    with pytest.raises(ActionRefused) as other_unit:
        office.sign_up(case_id, "other")
    assert other_unit.value.status == 403 and "单位" in other_unit.value.message
    with pytest.raises(ActionRefused) as man:
        office.sign_up(case_id, "m02")
    assert man.value.status == 403 and "女职工" in man.value.message
    assert office.sign_up(case_id, "m01") == "confirmed"
    office.now = AFTER_DEADLINE
    with pytest.raises(ActionRefused) as late:
        office.sign_up(case_id, "m03")
    assert late.value.status == 409 and "截止" in late.value.message
    with pytest.raises(ActionRefused):
        office.sheet.cancel(case_id, office.users["m01"])
    assert len(run_due(office.service, now=AFTER_DEADLINE).fired) == 1  # the timers close the sign-up
    assert office.case(case_id).state == "signup_closed" and sheet(office, case_id).status == "closed"


def test_never_more_places_than_the_capacity_under_concurrency(office):
    from workflow.accounts.users import create_user
    with office.db.transaction() as session:
        for i in range(60):
            create_user(session, f"r{i:03d}", "password-123", ["member"], "CJ1", f"报名{i}")
    office.users = office.load_users()
    case_id = office.published(capacity=25)
    start, outcomes = threading.Barrier(60), []

    def sign_up(who: str) -> None:
        start.wait()
        outcomes.append(office.sign_up(case_id, who))

    threads = [threading.Thread(target=sign_up, args=(f"r{i:03d}",)) for i in range(60)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["confirmed"] * 25 + ["waitlisted"] * 35
    with office.db.read() as session:
        rows = session.execute(select(Signup.seq, Signup.status).where(Signup.case_id == case_id)
                               .order_by(Signup.seq)).all()
    assert [seq for seq, _ in rows] == list(range(1, 61))  # one turn each, no gaps, no repeats
    assert [status for _, status in rows] == ["confirmed"] * 25 + ["waitlisted"] * 35  # places go in turn order
    assert sheet(office, case_id).confirmed == 25


def test_check_in_attendance_and_the_summary_against_the_budget(office):
    case_id = office.published()
    for who in ["m01", "m02", "m03", "m04", "m05", "m06"]:
        office.sign_up(case_id, who)
    code = office.case(case_id).data["checkin_code"]
    with pytest.raises(ActionRefused):  # before the start nobody checks in
        office.sheet.check_in_with_code(case_id, office.users["m01"], code)
    office.act("zuzhi", case_id, "start")
    assert sheet(office, case_id).status == "underway"
    office.sheet.check_in_with_code(case_id, office.users["m01"], code)
    with pytest.raises(ActionRefused) as wrong:
        office.sheet.check_in_with_code(case_id, office.users["m02"], "000000" if code != "000000" else "111111")
    assert wrong.value.status == 422
    with pytest.raises(ActionRefused) as queued:
        office.sheet.check_in_with_code(case_id, office.users["m06"], code)  # waitlisted: no place
    assert queued.value.status == 403
    office.sheet.mark(case_id, office.users["zuzhi"], "m02", True)
    office.sheet.mark(case_id, office.users["zuzhi"], "m03", True)
    office.sheet.mark(case_id, office.users["zuzhi"], "m03", False)  # a wrong tick taken back
    with pytest.raises(ActionRefused) as not_organiser:
        office.sheet.mark(case_id, office.users["m04"], "m04", True)
    assert not_organiser.value.status == 403
    office.act("zuzhi", case_id, "finish")
    assert office.case(case_id).data["attendance"] == {"confirmed": 5, "checked_in": 2, "no_shows": 3,
                                                       "waitlisted": 1, "cancelled": 0}
    # 2,860 spent of 2,600: exactly 10 % over still needs only the chair.
    office.act("zuzhi", case_id, "submit_summary", {"outcome": "三个项目顺利完成，一班组获得拔河第一名。",
                                                    "spending_lines": "场地费, 800\n奖品, 1760\n饮用水及水果, 300"})
    case = office.case(case_id)
    assert case.data["spent_total"] == 2860.0 and case.data["over_budget"] is False
    office.act("chair", case_id, "accept_summary")
    assert office.case(case_id).state == "closed"
    with office.db.read() as session:  # every fact the domain established replays from the history
        assert verify(session, office.service.store, office.service.workflows).as_dict()["ok"]


def test_spending_more_than_ten_percent_over_needs_the_audit_committee(office):
    case_id = office.published()
    office.act("zuzhi", case_id, "start")
    office.act("zuzhi", case_id, "finish")
    office.act("zuzhi", case_id, "submit_summary", {"outcome": "活动顺利完成，参加人数超出预期。",
                                                    "spending_lines": "场地费, 800\n奖品, 1760.01\n饮用水及水果, 300\n横幅, 50"})
    case = office.case(case_id)
    assert case.data["over_budget"] is True and case.data["spending"][-1] == {"item": "横幅", "amount": 50.0,
                                                                              "budgeted": False}
    office.act("chair", case_id, "accept_summary")
    assert office.case(case_id).state == "summary_audit"
    office.act("jingshen", case_id, "accept_summary")
    assert office.case(case_id).state == "closed"


def test_cancelling_tells_everyone_signed_up_by_inbox_and_e_mail(office, mailbox):
    case_id = office.published(capacity=2)
    with office.db.transaction() as session:  # two of the three have an address for e-mail
        for who in ["m01", "m03"]:
            session.execute(update(User).where(User.username == who).values(email=f"{who}@example.com"))
    for who in ["m01", "m02", "m03", "m04"]:
        office.sign_up(case_id, who)
    office.sheet.cancel(case_id, office.users["m04"])  # gone before: not told
    assert office.refused("zuzhi", case_id, "cancel") == 422  # a reason is required
    step = office.act("zuzhi", case_id, "cancel", comment="场馆临时检修，活动取消")
    assert office.case(case_id).state == "cancelled" and office.case(case_id).data["cancelled_signups"] == 3
    assert sheet(office, case_id).status == "cancelled"
    with office.db.read() as session:
        told = {office_user(office, n.user_id): n for n in session.scalars(
            select(Notification).where(Notification.id.in_(step.notified), Notification.subject.like("活动取消%")))}
    assert set(told) == {"m01", "m02", "m03"}  # the places and the queue
    assert "场馆临时检修" in told["m02"].body and told["m02"].link == f"/events/{case_id}"
    assert deliver_pending(office.db, Mailer.from_env(mailbox.settings), office.now, only=step.notified).sent >= 2
    for who in ["m01", "m03"]:
        [mail] = [m for m in mailbox.to(f"{who}@example.com") if "活动取消" in m["Subject"]]
        assert mail["Subject"] == "活动取消：「第一车间职工趣味运动会」" and "场馆临时检修" in mail.get_content()
    with pytest.raises(ActionRefused):
        office.sign_up(case_id, "m05")


def office_user(office: EventOffice, user_id: int) -> str:
    return next(name for name, user in office.users.items() if user.id == user_id)


def test_the_stage_documents_read_back_with_the_photos(database_url, tmp_path):
    """活动方案审批表 with the budget lines, 活动通知, and 活动总结 with the spending and the photos themselves."""
    office = EventOffice(database_url, tmp_path, issuing=True)
    try:
        case_id = office.published()
        office.act("zuzhi", case_id, "start")
        office.act("zuzhi", case_id, "finish")
        picture = io.BytesIO()
        Image.new("RGB", (320, 200), (200, 30, 30)).save(picture, "PNG")
        photo = office.service.accept_upload(office.users["zuzhi"], "拔河比赛.png", picture.getvalue())
        office.act("zuzhi", case_id, "submit_summary", {"outcome": "三个项目顺利完成，一班组获得拔河第一名。",
                                                        "spending_lines": "场地费, 800\n奖品, 1500", "photos": [photo]})
        issued = []  # (stage, text, reader), in the order issued
        with office.db.read() as session:
            for document in session.scalars(select(Document).where(Document.case_id == case_id).order_by(Document.id)):
                reader = PdfReader(office.service.store.path(document.sha256))
                issued.append((document.stage, "".join(page.extract_text() for page in reader.pages), reader))
    finally:
        office.db.dispose()
    assert [stage for stage, _, _ in issued] == ["event_plan", "event_plan", "event_notice", "event_summary"]
    (_, filed, _), (_, approved, _), (_, notice, _), (_, summary, summary_pdf) = issued
    assert "活动方案审批表" in filed and "饮用水及水果" in filed and "2600.00" in filed and "待审批" in filed
    assert "审批结果 批准" in approved.replace("\n", " ") and "黄建国" in approved  # issued again on approval
    assert "关于举办“第一车间职工趣味运动会”的通知" in notice and "2026年12月5日" in notice
    assert "实际支出" in summary and "拔河比赛.png" in summary and "2300.00" in summary
    images = {(image.name, image.image.size) for page in summary_pdf.pages for image in page.images}
    assert [size for _, size in images] == [(320, 200)]  # the photo itself, not only its name
