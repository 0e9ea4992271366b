"""Bad input from outside (issue 13): never a 500, always the documented refusal, nothing stored, and nothing that
costs — huge numbers in paths, query strings and forms, odd types, lone surrogates, deep or large JSON."""
from __future__ import annotations

import io
import json

import pytest
from support.people import PROPOSAL, pdf_bytes

from workflow.core.engine import InvalidData
from workflow.store.models import Case, HistoryEntry

HUGE = 2**64


def refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    error = response.json["error"]
    assert error["code"] == code and error["message"] and isinstance(error["fields"], dict)
    return error


def counts(service) -> tuple[int, int]:
    with service.db.read() as session:
        return session.query(Case).count(), session.query(HistoryEntry).count()


def raw_post(api, who: str, path: str, text: str | bytes):
    return api.client.post(f"/api/v1{path}", data=text,
                           headers={**api._headers(who), "Content-Type": "application/json"})


def test_ids_beyond_a_64_bit_integer_are_no_such_thing(api, web):
    refused(api.get("zhang", f"/cases/{HUGE}"), 404, "not_found")
    for beyond_32_bits in (2**31, 2**40):  # PostgreSQL's INTEGER: found by the fuzzer (tests/fuzz)
        refused(api.get("zhang", f"/cases/{beyond_32_bits}"), 404, "not_found")
        refused(api.post("zhang", f"/elections/{beyond_32_bits}/receipt", {"code": "x"}), 404, "not_found")
        assert web("zhang").get(f"/inbox/{beyond_32_bits}/read").status_code in (404, 405)
    refused(api.get("zhang", f"/cases/{'9' * 5000}"), 404, "not_found")
    signed_out = api.get(None, f"/documents/{HUGE}")
    assert signed_out.status_code in (401, 404) and signed_out.json["error"]["code"] in ("unauthorized", "not_found")
    refused(api.get("zhang", f"/elections/1/rounds/{HUGE}/ballots"), 404, "not_found")
    assert web("zhang").get(f"/cases/{HUGE}").status_code == 404
    assert web("song").get(f"/audit/verify?case={HUGE}").status_code == 404


@pytest.mark.parametrize("path", ["/requests", "/tasks/", "/tasks/done", "/inbox", "/audit/"])
def test_a_page_number_beyond_any_list_is_an_empty_page(web, path):
    browser = web("song" if path.startswith("/audit") else "zhang")
    assert browser.get(f"{path}?page={HUGE}").status_code == 200
    assert browser.get(f"{path}?page={'9' * 5000}").status_code == 200


def test_the_last_month_and_day_there_are_are_no_crash(web):
    assert web("zhang").get("/events?month=9999-12").status_code == 200
    assert web("zhang").get("/events?month=0-1").status_code == 200
    song = web("song")
    assert song.get("/audit/?until=9999-12-31").status_code == 200
    assert song.get("/audit/?since=0001-01-01&until=9999-12-31").status_code == 200
    assert song.get("/audit/?since=20260101").status_code == 422  # YYYY-MM-DD only


def test_money_of_1e30_is_a_field_error(api, service):
    before = counts(service)
    for amount in (1e30, "1e30", "1e999999"):
        error = refused(api.post("li", "/cases", {"workflow": "hardship_aid", "data": {"monthly_income": amount}}),
                        422, "invalid")
        assert error["fields"] == {"monthly_income": "不能大于 1000000"}
    assert counts(service) == before


def test_attachments_that_are_not_a_list_of_references(api, service):
    before = counts(service)
    error = refused(api.post("li", "/cases", {"workflow": "hardship_aid", "data": {"attachments": 5}}), 422, "invalid")
    assert error["fields"]["attachments"].startswith("附件应先上传")
    uploaded = api.client.post("/api/v1/uploads", data={"file": (io.BytesIO(pdf_bytes()), "证明.pdf")},
                               headers=api._headers("zhang"), content_type="multipart/form-data")
    assert uploaded.status_code == 201
    # zhang's upload, given alone rather than in a list, is still not li's to attach
    error = refused(api.post("li", "/cases", {"workflow": "hardship_aid", "data": {"attachments": uploaded.json}}),
                    422, "invalid")
    assert error["fields"]["attachments"] == "附件须由您本人上传后再提交"
    assert counts(service) == before


def test_a_list_for_a_unit_and_odd_dates_leave_the_case_unchanged(api):
    case = api.walk_to("committee_review")
    for data, field, message in (
            ({"lead_unit": ["HQ"]}, "lead_unit", "应为一个单位代码"),
            ({"lead_unit": "HQ", "co_units": [["CJ1"]]}, "co_units", "应为单位代码的列表"),
            ({"lead_unit": "HQ", "due_date": "20261231"}, "due_date", "日期格式应为 YYYY-MM-DD"),
            ({"lead_unit": "HQ", "due_date": "9999-12-31"}, "due_date", "日期应在 1900-01-01 至 2036-12-31 之间")):
        error = refused(api.post("zhao", f"/cases/{case['id']}/actions/accept",
                                 {"version": case["version"], "data": data}), 422, "invalid")
        assert error["fields"] == {field: message}
    now = api.get("song", f"/cases/{case['id']}").json
    assert (now["state"], now["version"]) == ("committee_review", case["version"])


def test_data_that_is_not_an_object_creates_nothing(api, service, people):
    before = counts(service)
    for data in ([], [1], "x", 5):
        error = refused(api.post("zhang", "/cases", {"workflow": "proposal", "data": data}), 422, "invalid")
        assert error["fields"] == {"data": "应为对象"}
    zhang = people[0]["zhang"]
    for data in ([], "x"):  # the service holds the same line for any other caller
        with pytest.raises(InvalidData):
            service.create_case(zhang, "proposal", data)
    assert counts(service) == before


def test_a_lone_surrogate_anywhere_is_a_field_error(api, service):
    case = api.create()
    before = counts(service)
    for text, field in (('{"workflow": "proposal", "data": {"title": "\\ud800abc"}}', "data.title"),
                        ('{"workflow": "proposal", "data": {"\\ud800": "x"}}', "data.\\ud800"),
                        ('{"workflow": "proposal", "data": {"title": "a\\u0000b"}}', "data.title")):
        error = refused(raw_post(api, "zhang", "/cases", text), 422, "invalid")
        assert error["fields"] == {field: "包含无效字符"}
    error = refused(raw_post(api, "zhang", f"/cases/{case['id']}/actions/submit",
                             '{"version": 1, "comment": "\\udfff"}'), 422, "invalid")
    assert error["fields"] == {"comment": "包含无效字符"}
    refused(raw_post(api, "zhang", "/cases", b'{"workflow": "proposal", "data": {"title": "\xed\xa0\x80"}}'),
            400, "bad_request")  # a surrogate in the raw bytes is not UTF-8
    assert counts(service) == before
    assert api.post("zhang", "/cases", {"workflow": "proposal", "data": {"title": "emoji 😀 ok"}}).status_code == 201


def test_json_nested_50000_deep_or_over_a_megabyte_is_refused_before_parsing(api, service):
    before = counts(service)
    error = refused(raw_post(api, "zhang", "/cases", "[" * 50_000 + "]" * 50_000), 400, "bad_request")
    assert "嵌套过深" in error["message"]
    deep = '{"workflow": "proposal", "data": {"title": ' + "[" * 40 + "]" * 40 + "}}"
    refused(raw_post(api, "zhang", "/cases", deep), 400, "bad_request")
    brackets_in_text = json.dumps({"workflow": "proposal", "data": {**PROPOSAL, "reason": "[" * 1000 + "食堂"}})
    assert raw_post(api, "zhang", "/cases", brackets_in_text).status_code == 201  # text is not nesting
    big = json.dumps({"workflow": "proposal", "data": {"title": "x" * (1024 * 1024)}})
    refused(raw_post(api, "zhang", "/cases", big), 413, "too_large")
    refused(raw_post(api, "zhang", "/cases", '{"workflow": NaN}'), 400, "bad_request")
    assert counts(service) == (before[0] + 1, before[1] + 1)


def test_a_field_name_of_a_megabyte_is_not_echoed(api):
    error = refused(api.post("zhang", "/cases", {"workflow": "proposal", "data": {"n" * 500_000: 1}}), 422,
                    "invalid")
    assert list(error["fields"]) == ["n" * 40 + "…"]


def test_a_multipart_part_without_a_name_is_no_crash(api):
    """Found by the fuzzer: werkzeug files a nameless part under None, which the NUL check read as text."""
    body = b'--b\r\nContent-Disposition: form-data\r\n\r\nnull\r\n--b--\r\n'
    response = api.client.post("/api/v1/uploads", data=body, headers={
        **api._headers("zhang"), "Content-Type": "multipart/form-data; boundary=b"})
    refused(response, 400, "bad_request")


def test_a_nul_anywhere_is_a_bad_request_not_a_database_error(web, api):
    """PostgreSQL's text holds no NUL: one reaching a query was a 500 there."""
    song, zhang = web("song"), web("zhang")
    assert song.get("/audit/?number=TA%00").status_code == 400
    assert song.get("/audit/?person=%00").status_code == 400
    assert zhang.get("/tasks/?workflow=%00").status_code == 400
    assert zhang.post("/start/proposal", {"title": "关于\x00食堂", "intent": "draft"}).status_code == 400
    refused(api.get("zhang", "/workflows/pro%00posal"), 400, "bad_request")


def test_a_kept_attachment_nested_100000_deep_is_ignored_not_a_crash(web, service):
    """The hidden `…__kept` inputs are JSON from the client, parsed within the same depth ceiling as the API's."""
    before = counts(service)
    for kept in ("[" * 100_000, '{"a":' * 5_000):
        response = web("li").post("/start/hardship_aid", {"attachments__kept": kept, "family_size": "x",
                                                          "intent": "draft"})
        assert response.status_code == 422
    assert counts(service) == before


def test_a_text_posted_under_a_files_fields_name_beside_kept_files_is_refused_not_a_crash(web, service):
    """Found by the fuzzer: a text value and a kept reference under one name was an AttributeError."""
    before = counts(service)
    reference = '{"sha256": "' + "0" * 64 + '", "name": "a.pdf", "type": "application/pdf", "size": 1}'
    li = web("li")
    for form in ({"attachments": "x", "attachments__kept": reference},
                 {"attachments__kept": reference, "attachments": "x"}):
        response = li.post("/start/hardship_aid", {**form, "intent": "draft"})
        assert response.status_code == 422, response.status_code
    assert counts(service) == before
