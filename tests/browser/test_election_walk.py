"""A 换届选举 by clicks, from the plan to the upper union's approval: 3 seats, 4 candidates, 10 voters.

The ten voters of 第二车间 are made by the CLI (the whole unit is the roll). election_guo files the plan, chair_huang
approves it, nominations open: two candidates nominate themselves, a member nominates the other two, who accept.
The committee reviews all four and publishes them; the 公示 closes by `timers run`. Each voter signs in (one on a
phone) and votes on the web ballot found on the 工作台 (待投票), one with a write-in by name; the tellers' desk
shows the turnout; one receipt is checked after the count and the round's box recounted. The committee
closes and counts (马晓燕 8, 田春梅 7, 罗志刚 6 elected; 高文静 3), the result 公示 closes by the timers, the result is
reported and approved; the 选举结果报告 PDF is downloaded from the case page and read back."""
from __future__ import annotations

import io
import re
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pdfplumber
import pytest
from support.clocks import server_today
from playwright.sync_api import Browser, BrowserContext, Page, expect
from ui import CASE_URL, TIMEOUT_MS, file_new, open_from_todo, state, take, user_page

pytestmark = [pytest.mark.browser, pytest.mark.long]

ROOT = Path(__file__).resolve().parents[2]
PDFS = ROOT / "test-artifacts" / "pdfs" / "election"
UNIT, UNIT_NAME = "CJ2", "第二车间"  # not a demo unit: its roll is exactly the ten voters below
PASSWORD = "walk-2026-xj"
# Surname strokes: 丁 2, 马 3, 王 4, 田 5, 朱 6, 沈 7, 罗 8, 胡 9, 高 10, 梁 11.
VOTERS = {f"cj2_{i:02d}": name for i, name in enumerate(
    ["丁建军", "马晓燕", "王振华", "田春梅", "朱国庆", "沈丽萍", "罗志刚", "胡晓东", "高文静", "梁永红"], 1)}
MA, TIAN, LUO, GAO = "cj2_02", "cj2_04", "cj2_07", "cj2_09"
NOMINATOR = "cj2_01"  # 丁建军 nominates 田春梅 and 马晓燕; 罗志刚 and 高文静 nominate themselves
ON_BALLOT = [MA, TIAN, LUO, GAO]  # by surname strokes: 马 3, 田 5, 罗 8, 高 10
PHONE_VOTER = "cj2_03"
WRITE_IN_VOTER, WRITTEN_IN = "cj2_08", "cj2_10"
RECEIPT_KEEPER = GAO
# Each voter's marks (left out: 弃权). 赞成: 马晓燕 8, 田春梅 7, 罗志刚 6, 高文静 3, 梁永红 1 (written in).
BALLOTS = {
    "cj2_01": {MA: "yes", TIAN: "yes", LUO: "yes", GAO: "no"},
    "cj2_02": {MA: "yes", TIAN: "yes", LUO: "yes"},
    "cj2_03": {MA: "yes", TIAN: "yes", LUO: "yes"},
    "cj2_04": {MA: "yes", TIAN: "yes", LUO: "yes"},
    "cj2_05": {MA: "yes", TIAN: "yes", GAO: "yes"},
    "cj2_06": {MA: "yes", TIAN: "yes", GAO: "yes"},
    "cj2_07": {MA: "yes", LUO: "yes", GAO: "yes"},
    "cj2_08": {MA: "yes", LUO: "yes"},
    "cj2_09": {TIAN: "yes", LUO: "no"},
    "cj2_10": {GAO: "no"},
}
ELECTED = [(MA, 8), (TIAN, 7), (LUO, 6)]
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}
RECEIPT = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}")


def make_voters(live_server) -> Callable[[], None]:
    """The unit now; its ten members by the CLI in the background, four runs at a time (each one a Python start-up
    and an argon2 hash), while the plan is filed and approved. Returns the wait for them."""
    live_server.flask("units", "create", UNIT, UNIT_NAME)
    pool = ThreadPoolExecutor(max_workers=4)
    runs = [pool.submit(live_server.flask, "users", "create", username, "--role", "member", "--unit", UNIT,
                        "--display-name", name, "--password", PASSWORD) for username, name in VOTERS.items()]
    pool.shutdown(wait=False)

    def made() -> None:
        said = [run.result().stdout.strip() for run in runs]
        assert said == [f"{username}: member" for username in VOTERS], said

    return made


def voter_page(new_context, login, username: str) -> Page:
    """As ui.user_page, for a voter (their own password)."""
    return signed_in(new_context(), login, username)


def phone_page(browser: Browser, browser_context_args: dict, login, username: str) -> Page:
    """A voter on a phone held upright, as tests/browser/test_phone.py (new_context cannot change the viewport)."""
    context = browser.new_context(**{**browser_context_args, **PHONE})
    return signed_in(context, login, username)


def signed_in(context: BrowserContext, login, username: str) -> Page:
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return login(context.new_page(), username, PASSWORD)


def fire_timers(live_server, case_id: int) -> None:
    """The 公示's five working days pass: this case's timer moves to the past, one `timers run` fires it."""
    with sqlite3.connect(live_server.instance / "unionflow.db") as db:
        moved = db.execute("UPDATE timers SET due_at = '2000-01-01 00:00:00' WHERE done_at IS NULL AND case_id = ?",
                           (case_id,)).rowcount
    assert moved == 1
    assert "执行 1" in live_server.flask("timers", "run").stdout


def nominate(page: Page, nominee: str, reason: str) -> None:
    take(page, "nominate", "提名候选人", lambda form: (
        form.get_by_label("被提名人").fill(nominee),
        form.get_by_label("提名理由").fill(reason)))


def vote(page: Page, marks: dict[str, str], write_in: str = "") -> str:
    """On the ballot page: a click per mark, 投票; the receipt code shown."""
    ballot = page.get_by_test_id("ballot")
    expect(ballot.locator("[data-candidate]")).to_have_count(4)
    for candidate, mark in marks.items():
        ballot.locator(f"label[for='m-{candidate}-{mark}']").click()
        expect(ballot.locator(f"#m-{candidate}-{mark}")).to_be_checked()
    if write_in:
        ballot.get_by_label("另选他人 1").fill(write_in)
    with page.expect_navigation():
        ballot.get_by_role("button", name="投票").click()
    expect(page.get_by_role("heading", name="投票成功")).to_be_visible()
    code = page.get_by_test_id("receipt").inner_text().strip()
    assert RECEIPT.fullmatch(code), code
    return code


def test_election_of_three_from_four_by_ten_voters(page: Page, new_context, browser, browser_context_args, login, shot,
                                                   live_server):
    voters_made = make_voters(live_server)
    today = server_today()

    # election_guo files the plan: 发起 → 换届选举.
    guo = login(page, "election_guo")
    guo.locator("#nav").get_by_role("link", name="发起", exact=True).click()
    guo.get_by_role("link", name="换届选举").click()
    guo.wait_for_url("**/start/election")
    guo.get_by_label("选举名称").fill("第二车间工会委员会换届选举")
    guo.get_by_label("选举机构").select_option(label="工会委员会")
    guo.get_by_label("应选名额").fill("3")
    guo.get_by_label("选举方式").select_option(label="差额选举")
    guo.get_by_label("最低差额比例（%）").fill("5")
    guo.get_by_label("选举范围（单位）").select_option(label=f"{UNIT_NAME}（{UNIT}）")
    guo.get_by_label("选民名单来源").select_option(label="选举范围内单位的全体在册会员")
    guo.get_by_label("候选人排列顺序").select_option(label="按姓氏笔画")
    guo.get_by_label("提名截止日期").fill((today + timedelta(days=4)).isoformat())
    guo.get_by_label("投票日期").fill((today + timedelta(days=14)).isoformat())
    guo.get_by_label("方案说明").fill("按照工会基层组织选举工作条例，差额选举产生第二车间工会委员会委员三名，"
                                      "全体会员参加投票。")
    shot(guo, "election/01-plan-form")
    number = file_new(guo, "提交选举工作方案", "XJ-")
    case_id = int(CASE_URL.search(guo.url).group(1))
    expect(state(guo)).to_have_text("方案待审批")
    expect(guo.locator("dl.case-data")).to_contain_text(UNIT_NAME)

    chair = user_page(new_context, login, "chair_huang")
    open_from_todo(chair, number)
    take(chair, "approve_plan", "批准方案", lambda form: (
        form.get_by_label("同级党组织意见").fill("同意按方案进行换届选举"),
        form.get_by_label("上级工会意见").fill("同意")))
    expect(state(chair)).to_have_text("方案已批准")

    open_from_todo(guo, number)
    take(guo, "open_nominations", "开始提名")
    expect(state(guo)).to_have_text("提名中")

    # Nominations, each member from their 待办: two self-nominations, two by 丁建军, accepted by the nominees.
    voters_made()
    voters: dict[str, Page] = {}
    for who in (LUO, GAO):
        voters[who] = voter_page(new_context, login, who)
        open_from_todo(voters[who], number)
        nominate(voters[who], who, "本人自荐：在车间工作十年，熟悉职工情况。")
        expect(voters[who].locator(f"[data-nominee='{who}']")).to_contain_text("本人")
        expect(voters[who].locator(f"[data-nominee='{who}']")).to_contain_text("接受")
    voters[NOMINATOR] = ding = voter_page(new_context, login, NOMINATOR)
    open_from_todo(ding, number)
    nominate(ding, TIAN, "工作认真负责，群众基础好。")
    nominate(ding, MA, "热心为职工服务，多次被评为先进工作者。")
    for who in (TIAN, MA):
        expect(ding.locator(f"[data-nominee='{who}']")).to_contain_text("待确认")
        voters[who] = voter_page(new_context, login, who)
        open_from_todo(voters[who], number)
        take(voters[who], "accept_nomination", "接受提名")
        row = voters[who].locator(f"[data-nominee='{who}']")
        expect(row).to_contain_text(VOTERS[who])
        expect(row).to_contain_text(VOTERS[NOMINATOR])
        expect(row).to_contain_text("接受")
        expect(voters[who].locator("details.action[data-trigger='accept_nomination']")).to_have_count(0)

    # The committee closes nominations, reviews the four and publishes them.
    guo.reload()
    take(guo, "close_nominations", "截止提名")
    expect(state(guo)).to_have_text("候选人资格审查")
    for who in (LUO, GAO, TIAN, MA):
        take(guo, "review_candidates", "资格审查", lambda form, who=who: (
            form.get_by_label("被审查人").fill(who),
            form.get_by_label("审查结论").select_option(label="符合候选人条件"),
            form.get_by_label("审查意见").fill("系本单位在册会员，符合候选人条件。")))
        expect(guo.locator(f"[data-nominee='{who}']")).to_contain_text("合格")
    expect(guo.get_by_test_id("nominations").locator("tbody tr")).to_have_count(4)
    shot(guo, "election/02-nominations-reviewed")
    take(guo, "publish_candidates", "公示候选人名单")
    expect(state(guo)).to_have_text("候选人公示中")

    # Everyone sees the candidates under 公示, until the 公示 closes by the timers.
    ding.locator("#nav").get_by_role("link", name="公示", exact=True).click()
    expect(ding.get_by_test_id("notices").locator(f"[data-case='{number}']")).to_contain_text("换届选举")
    shot(ding, "election/03-candidates-on-notice")
    fire_timers(live_server, case_id)
    guo.reload()
    expect(state(guo)).to_have_text("候选人已确定")

    take(guo, "open_voting", "开始投票")
    expect(state(guo)).to_have_text("投票中")
    panel = guo.get_by_test_id("election-result")
    expect(panel).to_contain_text("应到选举人 10 人")
    expect(panel).to_contain_text("当前第 1 轮，应选 3 名")
    expect(guo.get_by_test_id("documents").locator("> li")).to_have_text(
        [re.compile(r"^\s*选举工作方案"), re.compile(r"^\s*候选人名单（公示）"), re.compile(r"^\s*选票")])

    # The ten vote: each finds the ballot waiting on the 工作台 (待投票), or on the election's page.
    receipts: dict[str, str] = {}
    signed_in_before = set(voters)  # for a step of theirs: their page is elsewhere
    for who in VOTERS:
        if who not in voters:
            voters[who] = phone_page(browser, browser_context_args, login, who) if who == PHONE_VOTER \
                else voter_page(new_context, login, who)
        voter = voters[who]
        if who == TIAN:  # from the case page's banner
            voter.reload()
            expect(state(voter)).to_have_text("投票中")
            voter.get_by_test_id("vote-now").get_by_role("link", name="去投票").click()
        else:
            if who in signed_in_before:  # a new voter lands on the 工作台 from signing in
                voter.locator("#nav").get_by_role("link", name="工作台", exact=True).click()
            due = voter.get_by_test_id("ballot-due")
            expect(due).to_contain_text("待投票：第二车间工会委员会换届选举（第 1 轮）")
            due.get_by_role("link", name="去投票").click()
        voter.wait_for_url("**/ballot")
        if who == PHONE_VOTER:
            names = voter.get_by_test_id("ballot").locator("[data-candidate] .fw-semibold")
            expect(names).to_have_text([VOTERS[c] for c in ON_BALLOT])  # by surname strokes
            assert voter.evaluate("document.documentElement.scrollWidth") <= 376  # no sideways scroll
            shot(voter, "election/04-ballot-phone")
        # The write-in typed by name, as a voter knows a colleague (the list offers the roll's names too).
        receipts[who] = vote(voter, BALLOTS[who], VOTERS[WRITTEN_IN] if who == WRITE_IN_VOTER else "")
        if who == WRITE_IN_VOTER:
            shot(voter, "election/05-receipt")
        if who == NOMINATOR:  # one ballot each: nothing waits on the 工作台, no form on the ballot page any more
            voter.locator("#nav").get_by_role("link", name="工作台", exact=True).click()
            expect(voter.get_by_test_id("ballot-due")).to_have_count(0)
            voter.locator("ul.activity").get_by_role("link", name=number).first.click()
            voter.wait_for_url(CASE_URL)
            voter.get_by_test_id("vote-now").get_by_role("link", name="去投票").click()
            expect(voter.get_by_test_id("voted")).to_be_visible()
            expect(voter.get_by_test_id("ballot")).to_have_count(0)
        if who != RECEIPT_KEEPER:
            voter.context.close()
    assert len(set(receipts.values())) == 10

    # The tellers' desk: all ten voted on the web.
    guo.reload()
    guo.get_by_test_id("desk-link").click()
    row = guo.get_by_test_id("rounds").locator("[data-round='1']")
    expect(row).to_contain_text("投票中")
    expect(row.locator("td.text-end")).to_have_text(["10", "0", "0", "0", "100.0%"])
    shot(guo, "election/05b-tellers-desk")
    guo.get_by_role("link", name="返回选举事项").click()
    guo.wait_for_url(CASE_URL)

    # The committee closes the vote and counts.
    take(guo, "close_voting", "结束投票")
    expect(state(guo)).to_have_text("待计票")
    take(guo, "count", "计票")
    expect(state(guo)).to_have_text("已计票")
    panel = guo.get_by_test_id("election-result")
    expect(panel).to_contain_text("第 1 轮计票：投票 10 人，有效票 10 张，废票 0 张。")
    expect(panel.locator("ol > li")).to_have_text(
        [f"{VOTERS[who]} — 赞成票 {yes} 票，超过应到选举人数 10 人的半数" for who, yes in ELECTED])
    shot(guo, "election/06-counted")

    # Anyone who follows the election opens the box: ten ballots, marks only, and their recount agrees.
    guo.get_by_role("link", name="第 1 轮选票清单与重新计票").click()
    expect(guo.get_by_test_id("recount-agrees")).to_be_visible()
    expect(guo.get_by_test_id("ballots")).to_contain_text("选票（共 10 张）")
    expect(guo.get_by_test_id("recount").locator(f"[data-person='{WRITTEN_IN}']")).to_contain_text(VOTERS[WRITTEN_IN])
    shot(guo, "election/06b-ballot-box")
    guo.go_back()

    # The receipt proves the ballot is in the count: the voter kept the receipt page, 核对回执码 from there.
    keeper = voters[RECEIPT_KEEPER]
    keeper.get_by_role("link", name="核对回执码").click()
    keeper.wait_for_url(f"**/elections/{case_id}/receipt")
    keeper.get_by_label("回执码").fill(receipts[RECEIPT_KEEPER])
    with keeper.expect_navigation():
        keeper.get_by_role("button", name="核对").click()
    expect(keeper.get_by_test_id("found")).to_contain_text(f"回执码 {receipts[RECEIPT_KEEPER]} 对应的选票在第 1 轮投票箱中")
    shot(keeper, "election/07-receipt-checked")
    keeper.get_by_label("回执码").fill("AAAA-BBBB-CCCC")
    with keeper.expect_navigation():
        keeper.get_by_role("button", name="核对").click()
    expect(keeper.get_by_test_id("not-found")).to_be_visible()
    keeper.context.close()

    # The result on public notice, the notice over by the timers, reported, approved.
    take(guo, "publish_result", "公示当选结果")
    expect(state(guo)).to_have_text("当选结果公示中")
    fire_timers(live_server, case_id)
    guo.reload()
    expect(state(guo)).to_have_text("待报上级工会")
    take(guo, "report", "报上级工会审批")
    expect(state(guo)).to_have_text("已报上级工会")
    open_from_todo(chair, number)
    take(chair, "approve_result", "上级工会批复同意", lambda form: (
        form.get_by_label("批复文号").fill("总工发〔2026〕31号"),
        form.get_by_label("批复日期").fill(today.isoformat())))
    expect(state(chair)).to_have_text("已批复归档")
    expect(chair.get_by_test_id("actions")).to_have_count(0)
    shot(chair, "election/08-archived")

    # The 计票结果报告 has every count, the write-in too; the 选举结果报告 is downloaded and read back.
    documents = chair.get_by_test_id("documents").locator("> li")
    expect(documents).to_have_count(6)
    count_report = documents.filter(has_text="计票结果报告").get_by_role("link", name="下载").get_attribute("href")
    answer = chair.request.get(count_report)
    assert answer.ok and answer.headers["content-type"] == "application/pdf"
    with pdfplumber.open(io.BytesIO(answer.body())) as pdf:
        counted = "\n".join(p.extract_text() or "" for p in pdf.pages)
    assert re.search(rf"{VOTERS[GAO]}\s+候选人\s+3\s+2\s+5\s+未当选", counted), counted
    assert re.search(rf"{VOTERS[WRITTEN_IN]}\s+另选他人\s+1\s+—\s+—\s+未当选", counted), counted
    report = documents.filter(has_text="选举结果报告")
    expect(report).to_have_count(1)
    with chair.expect_download() as download_info:
        report.get_by_role("link", name="下载").click()
    download = download_info.value
    assert download.suggested_filename.startswith("选举结果报告") and download.suggested_filename.endswith(".pdf")
    PDFS.mkdir(parents=True, exist_ok=True)
    saved = PDFS / "browser_walk_election_result_report.pdf"
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    with pdfplumber.open(saved) as pdf:
        text = "\n".join(p.extract_text() or "" for p in pdf.pages)
    assert "关于第二车间工会委员会换届选举结果的报告" in text, text
    assert "应到选举人 10 人" in text, text
    assert "投票 10 人（网上 10 人，纸质 0 张），有效票 10 张，废票 0 张" in text, text
    for i, (who, yes) in enumerate(ELECTED, 1):
        assert re.search(rf"{i}\s+{VOTERS[who]}\s+{UNIT_NAME}\s+第 1 轮\s+{yes}\s", text), text
    assert VOTERS[GAO] not in text, text
    assert "当选 3 名" in text, text
