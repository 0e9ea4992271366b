"""Person fields by name, on SQLite and PostgreSQL: the people a field of a case admits (an election's nominee is a
voter of it, a reviewed candidate a nominee who accepted), the search among them, and a typed text resolved to the
one user name the case stores — a unique name, a label as the picker shows it, a name several people share, a
name nobody has, someone the field does not admit (workflow/cases/people.py, processes/election/domain.py)."""
from __future__ import annotations

import pytest
from support.election_desk import PLAN, ElectionOffice

from workflow.accounts.users import create_user
from workflow.cases import people
from workflow.core.engine import InvalidData


@pytest.fixture
def election(database_url, tmp_path):
    """第一车间's election taking nominations (v01…v10 are its voters), with a second 张伟 in 第一车间, a 周婷 and
    孙强 outside its scope (工会办公室)."""
    office = ElectionOffice(database_url, tmp_path)
    with office.db.transaction() as session:
        create_user(session, "zhangwei2", "password-123", ["member"], "CJ1", "张伟")
        create_user(session, "zhouting_gh", "password-123", ["member"], "GH", "周婷")
        create_user(session, "sunqiang", "password-123", ["department_head"], "GH", "孙强")
    office.users = office.load_users()
    case_id = office.service.create_case(office.users["xuan"], "election", {}).id
    office.act("xuan", case_id, "submit_plan", PLAN)
    office.act("chair", case_id, "approve_plan", {"party_consent": "同意", "upper_union_consent": "同意"})
    office.act("xuan", case_id, "open_nominations")
    office.case_id = case_id
    yield office
    office.db.dispose()


def _who(office, field: str) -> people.Eligible:
    case = office.case(office.case_id)
    return people.eligible(office.service.domains["election"], None, case, field)


def _resolve(office, text: str, field: str = "nominee") -> str:
    with office.db.read() as session:
        return people.resolve(session, text, _who(office, field)).username


def _why(office, text: str, field: str = "nominee") -> str:
    with office.db.read() as session, pytest.raises(people.Unresolved) as refused:
        people.resolve(session, text, _who(office, field))
    return str(refused.value)


def test_a_name_resolves_to_the_one_eligible_person_who_has_it(election):
    assert _resolve(election, "周婷") == "v09"  # the 周婷 of 工会办公室 is no voter of 第一车间's election
    assert _resolve(election, "v09") == "v09"
    assert _resolve(election, "周婷（v09，第一车间）") == "v09"  # as the picker shows a person
    assert _resolve(election, " 周婷 (v09, 第一车间) ") == "v09"
    assert _resolve(election, "ｖ０９") == "v09"  # full-width typing from a Chinese IME
    assert _resolve(election, "张伟（zhangwei2，第一车间）") == "zhangwei2"


def test_a_shared_name_unknown_or_outsider_is_refused_with_what_to_do(election):
    assert _why(election, "张伟") == ("有 2 人名为「张伟」，请选择其中一位：张伟（v03，第一车间）、"
                                     "张伟（zhangwei2，第一车间）")
    assert _why(election, "孙悟空") == "找不到名为「孙悟空」的人员"
    assert _why(election, "孙强") == "「孙强」不是本次选举的选民"  # 工会办公室 is not in scope
    assert _why(election, "sunqiang") == "「sunqiang」不是本次选举的选民"


def test_nominating_by_name_stores_the_user_name(election):
    office, case_id = election, election.case_id
    office.act("v01", case_id, "nominate", {"nominee": "周婷", "nomination_reason": "群众基础好"})
    nomination = office.case(case_id).data["nominations"][0]
    assert (nomination["username"], nomination["name"], nomination["unit"]) == ("v09", "周婷", "第一车间")
    for typed, field_error in (("张伟", "有 2 人名为「张伟」"), ("孙悟空", "找不到名为「孙悟空」的人员"),
                               ("孙强", "「孙强」不是本次选举的选民"), ("v09", "周婷 已被提名")):
        refusal = office.refusal("v01", case_id, "nominate", {"nominee": typed})
        assert refusal.status == 422 and field_error in refusal.fields["nominee"], (typed, refusal.fields)
    office.act("v01", case_id, "nominate", {"nominee": "张伟（zhangwei2，第一车间）"})
    assert [n["username"] for n in office.case(case_id).data["nominations"]] == ["v09", "zhangwei2"]


def test_a_reviewed_candidate_is_a_nominee_who_accepted(election):
    office, case_id = election, election.case_id
    office.act("v01", case_id, "nominate", {"nominee": "v01"})  # accepted at once
    office.act("v01", case_id, "nominate", {"nominee": "v03"})
    office.act("v03", case_id, "decline_nomination")
    office.act("xuan", case_id, "close_nominations")
    with office.db.read() as session:
        case = office.case(case_id)
        domain = office.service.domains["election"]
        fields = office.service.workflows.engine(case.definition_version).form_fields("reviewing",
                                                                                      "review_candidates")
        data = {"candidate": "王建国", "qualified": "yes", "review_reason": "符合条件"}
        assert people.resolve_fields(session, domain, case, fields, data) == {**data, "candidate": "v01"}
        with pytest.raises(InvalidData) as refused:
            people.resolve_fields(session, domain, case, fields, {**data, "candidate": "张伟"})
        assert refused.value.status == 422
        assert refused.value.fields == {"candidate": "「张伟」不是已接受提名的被提名人"}  # v03 declined
        found, more = people.search(session, "王", people.eligible(domain, session, case, "candidate"))
        assert [p.username for p in found] == ["v01"] and not more


def test_the_search_finds_only_whom_the_field_admits_and_at_most_twenty(election):
    office = election
    domain = office.service.domains["election"]
    office.add_members(25, "hy")  # 会员0001 … 会员0025 in 第一车间
    with office.db.read() as session:
        case = office.case(office.case_id)
        voters = people.eligible(domain, session, case, "nominee")
        found, more = people.search(session, "张", voters)
        assert [(p.username, p.label) for p in found] == [("v03", "张伟（v03，第一车间）"),
                                                          ("zhangwei2", "张伟（zhangwei2，第一车间）")]
        assert not more
        assert [p.username for p in people.search(session, "周", voters)[0]] == ["v09"]  # not the one of 工会办公室
        assert [p.username for p in people.search(session, "周", people.EVERYONE)[0]] == ["v09", "zhouting_gh"]
        assert {p.username for p in people.search(session, "V0", voters)[0]} == {f"v0{i}" for i in range(1, 10)}
        assert people.search(session, "V05", voters)[0][0].name == "刘洋"  # a user name ignores case
        found, more = people.search(session, "会员", voters)
        assert len(found) == people.MAX_RESULTS and more
        assert people.search(session, "%", voters) == ([], False)  # a LIKE wildcard is a character like any other
        assert people.search(session, "孙强", voters) == ([], False)


def test_an_imported_roll_admits_the_listed_voters_only(database_url, tmp_path):
    office = ElectionOffice(database_url, tmp_path)
    try:
        case_id = office.service.create_case(office.users["xuan"], "election", {}).id
        listed = "用户名,姓名\nv01,王建国\nv02\nv09,周婷\n"
        office.act("xuan", case_id, "submit_plan", {**PLAN, "roll_source": "list", "voter_list": listed})
        office.act("chair", case_id, "approve_plan", {"party_consent": "同意", "upper_union_consent": "同意"})
        office.act("xuan", case_id, "open_nominations")
        office.case_id = case_id
        assert _resolve(office, "周婷") == "v09"
        assert _why(office, "张伟") == "「张伟」不是本次选举的选民"  # v03 is of 第一车间 but not on the list
        with office.db.read() as session:
            voters = people.eligible(office.service.domains["election"], session, office.case(case_id), "nominee")
            assert sorted(p.username for p in people.search(session, "v", voters)[0]) == ["v01", "v02", "v09"]
    finally:
        office.db.dispose()
