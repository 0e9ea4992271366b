"""A whole 职代会提案 by clicks alone, each step by its own user in a fresh browser context:
filed → seconded twice → accepted → replied → evaluated → archived; then the auditor finds it, verifies it and
downloads a stage PDF."""
from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from ui import CASE_URL, file_new, open_from_todo, state, take, timeline, user_page

pytestmark = [pytest.mark.browser, pytest.mark.long]  # long: started first under xdist


def test_proposal_from_filing_to_archive_and_audit(page: Page, new_context, login, shot):
    title = f"关于更换车间饮水设备的提案 {uuid.uuid4().hex[:6]}"

    # rep_zhang files it: the login page, the 工作台, 发起 → 职代会提案, the form.
    page.goto("/login")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    shot(page, "walk/01-login")
    login(page, "rep_zhang")
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
    expect(page.locator(".navbar")).to_contain_text("张伟")
    shot(page, "walk/02-home-rep_zhang")
    page.locator("#nav").get_by_role("link", name="发起", exact=True).click()
    page.get_by_role("link", name="职代会提案").click()
    page.wait_for_url("**/start/proposal")
    page.get_by_label("提案标题").fill(title)
    page.get_by_label("提案类别").select_option(label="劳动保护")
    page.get_by_label("案由").fill("车间饮水机使用多年，滤芯更换不及时，水质检测多次不达标。")
    page.get_by_label("建议").fill("一是更换全部饮水机；二是滤芯每季度更换并公示检测结果。")
    shot(page, "walk/03-start-form")
    number = file_new(page, "提交提案", "TA-")
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    expect(state(page)).to_have_text("征集附议")
    steps = timeline(page).count()
    assert steps >= 1
    expect(timeline(page).last).to_contain_text("提交提案")
    expect(page.locator("details.action[data-trigger='second']")).to_have_count(0)  # not one's own
    shot(page, "walk/04-case-seconding")
    zhang = page  # signed in still: back for the evaluation

    # Two other representatives second it, each from their 待办.
    for who, name, after in (("rep_wang", "王芳", "征集附议"), ("rep_liu", "刘洋", "提案审查")):
        rep = user_page(new_context, login, who)
        open_from_todo(rep, number)
        if who == "rep_wang":
            shot(rep, "walk/05-todo-rep_wang-case")
        take(rep, "second", "附议", comment=f"{name}附议")
        expect(state(rep)).to_have_text(after)
        steps += 1
        expect(timeline(rep)).to_have_count(steps)
        expect(timeline(rep).last).to_contain_text(name)
        expect(timeline(rep).last).to_contain_text("附议")
        expect(rep.locator("details.action[data-trigger='second']")).to_have_count(0)  # once each
        rep.context.close()

    # committee_zhao accepts it: 立案, lead unit HQ (后勤保障部).
    committee = user_page(new_context, login, "committee_zhao")
    committee.locator("#nav").get_by_role("link", name="待办", exact=True).click()
    expect(committee.get_by_test_id("todo-list").locator(f"[data-case='{number}']")).to_contain_text("提案审查")
    shot(committee, "walk/06-todo-committee")
    open_from_todo(committee, number)
    expect(state(committee)).to_have_text("提案审查")
    shot(committee, "walk/07-case-committee-review")
    take(committee, "accept", "立案",
         lambda form: form.get_by_label("主办单位").select_option(label="后勤保障部（HQ）"),
         comment="同意立案，请后勤保障部主办")
    expect(state(committee)).to_have_text("办理中")
    steps += 1
    expect(timeline(committee)).to_have_count(steps)
    expect(committee.locator("dl.case-data")).to_contain_text("后勤保障部")
    shot(committee, "walk/08-case-handling")

    # head_hq replies.
    head = user_page(new_context, login, "head_hq")
    open_from_todo(head, number)

    def reply(form):
        form.get_by_label("答复意见").fill("已采购新型饮水机 12 台，下月起分批更换。")
        form.get_by_label("采取措施").fill("滤芯每季度更换，检测结果在车间公示栏公布。")
        form.get_by_label("办理结果").select_option(label="已解决")

    take(head, "reply", "答复", reply, comment="请提案人评价")
    expect(state(head)).to_have_text("待评价")
    steps += 1
    expect(timeline(head)).to_have_count(steps)
    head.context.close()

    # rep_zhang evaluates: 满意 (a comment is required).
    open_from_todo(zhang, number)
    take(zhang, "evaluate", "评价", lambda form: form.get_by_label("评价意见").select_option(label="满意"),
         comment="答复及时，措施具体，表示满意")
    expect(state(zhang)).to_have_text("待归档")
    steps += 1
    expect(timeline(zhang)).to_have_count(steps)

    # committee_zhao archives it.
    open_from_todo(committee, number)
    take(committee, "archive", "归档", comment="办理完毕，归档")
    expect(state(committee)).to_have_text("已归档")
    steps += 1
    expect(timeline(committee)).to_have_count(steps)
    expect(committee.get_by_test_id("actions")).to_have_count(0)  # nothing left to do
    shot(committee, "walk/09-case-archived")
    committee.context.close()

    # auditor_song: 审计 → search by number → the case → 校验完整性 → a stage PDF.
    auditor = user_page(new_context, login, "auditor_song")
    auditor.locator("#nav").get_by_role("link", name="审计", exact=True).click()
    auditor.get_by_placeholder("事项编号").fill(number)
    auditor.get_by_role("button", name="检索").click()
    auditor.wait_for_url(f"**/audit/?*number={number}*")
    results = auditor.get_by_test_id("audit-results").locator("> .list-group-item")
    expect(results).to_have_count(1)
    expect(results).to_contain_text(title)
    expect(results).to_contain_text("已归档")
    shot(auditor, "walk/10-audit-search")
    results.get_by_role("link", name=number).click()
    auditor.wait_for_url(CASE_URL)
    expect(state(auditor)).to_have_text("已归档")
    expect(timeline(auditor)).to_have_count(steps)
    expect(auditor.get_by_text("审计只读视图")).to_be_visible()
    case_url = auditor.url
    auditor.get_by_role("link", name="校验完整性").click()
    auditor.wait_for_url("**/audit/verify?case=*")
    expect(auditor.get_by_test_id("verify-result")).to_have_text(
        "校验通过：1 件事项的办理记录哈希链、文书哈希与流程回放均无异常。")
    expect(auditor.locator(".list-group-item", has_text=number)).to_contain_text("通过")
    shot(auditor, "walk/11-verify-ok")

    auditor.goto(case_url)
    documents = auditor.get_by_test_id("documents").locator("> li")
    expect(documents.first).to_be_visible()
    assert documents.count() >= 6  # 提案表, 立案通知书, 提案交办单, 提案答复函, 提案人评价表, 提案办理结果
    letter = documents.filter(has_text="提案答复函")
    expect(letter).to_have_count(1)
    with auditor.expect_download() as download_info:
        letter.get_by_role("link", name="下载").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    pdf = download.path()
    assert pdf.read_bytes().startswith(b"%PDF")
    text = "".join(p.extract_text() or "" for p in PdfReader(pdf).pages)
    assert number in text
    assert "提案答复函" in text
