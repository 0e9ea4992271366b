"""Every refusal: the right status, a Chinese message, and the case left exactly as it was."""
from __future__ import annotations

import pytest


def unchanged(api, case):
    now = api.get("song", f"/cases/{case['id']}").json
    assert (now["state"], now["version"], len(now["history"])) == (case["state"], case["version"],
                                                                    len(case["history"]))


def error(response, status, code):
    assert response.status_code == status, response.json
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"]  # Chinese first
    return response.json["error"]


def test_no_or_bad_token_is_401(api):
    error(api.get(None, "/queue"), 401, "unauthorized")
    response = api.client.get("/api/v1/queue", headers={"Authorization": "Bearer not-a-token"})
    error(response, 401, "unauthorized")


def test_wrong_role_is_403(api):
    case = api.walk_to("committee_review")
    response = api.post("wang", f"/cases/{case['id']}/actions/accept", {"version": case["version"],
                                                                        "data": {"lead_unit": "HQ"}})
    assert "提案工作委员会" in error(response, 403, "forbidden")["message"]
    unchanged(api, case)
    error(api.post("li", "/cases", {"workflow": "proposal", "data": {}}), 403, "forbidden")


def test_not_open_and_stale_version_are_409(api):
    case = api.walk_to("seconding")
    response = api.post("zhao", f"/cases/{case['id']}/actions/archive", {"version": case["version"]})
    assert "征集附议" in error(response, 409, "conflict")["message"]
    response = api.post("wang", f"/cases/{case['id']}/actions/second", {"version": case["version"] - 1})
    assert "刷新" in error(response, 409, "conflict")["message"]
    unchanged(api, case)


def test_invalid_data_is_422_with_chinese_fields(api):
    case = api.create()
    response = api.post("zhang", f"/cases/{case['id']}/actions/submit",
                        {"version": 1, "data": {"title": "x", "category": "sports", "reason": "好" * 2001}})
    fields = error(response, 422, "invalid")["fields"]
    assert fields["title"] == "至少需要 2 个字符" and fields["reason"] == "不能超过 2000 个字符（当前 2001 个）"
    assert fields["category"].startswith("无效的选项")
    unchanged(api, case)
    fields = error(api.post("zhang", f"/cases/{case['id']}/actions/submit", {"data": {}}), 422, "invalid")["fields"]
    assert fields == {"version": "此项为必填项，应为整数"}
    fields = error(api.post("zhang", "/cases", {"workflow": "proposal", "data": {"title": 5}}), 422,
                   "invalid")["fields"]
    assert fields == {"title": "应为文字"}


def test_seconding_own_proposal_or_twice(api):
    case = api.walk_to("seconding")
    response = api.post("zhang", f"/cases/{case['id']}/actions/second", {"version": case["version"]})
    error(response, 403, "forbidden")
    case = api.act("wang", case, "second")
    response = api.post("wang", f"/cases/{case['id']}/actions/second", {"version": case["version"]})
    assert "重复" in error(response, 409, "conflict")["message"]
    unchanged(api, case)


def test_need_to_know_and_missing_things(api):
    case = api.walk_to("seconding")
    error(api.get("li", f"/cases/{case['id']}"), 403, "forbidden")  # a member who is not involved
    error(api.get("sun", f"/cases/{case['id']}"), 403, "forbidden")  # not yet assigned to their unit
    assert api.get("liu", f"/cases/{case['id']}").status_code == 200  # any representative may read (to second)
    doc = case["documents"][0]["url"].removeprefix("/api/v1")
    error(api.get("li", doc), 403, "forbidden")
    error(api.get("zhang", "/cases/99999"), 404, "not_found")
    error(api.get("zhang", "/documents/99999"), 404, "not_found")
    error(api.get("zhang", "/nowhere"), 404, "not_found")
    error(api.get("zhang", "/audit/verify"), 403, "forbidden")


@pytest.mark.parametrize("body", [None, "not json", ["a", "list"]])
def test_malformed_bodies_are_400(api, body):
    case = api.create()
    if body == "not json":
        response = api.client.post(f"/api/v1/cases/{case['id']}/actions/submit", data="{oops",
                                   headers={**api._headers("zhang"), "Content-Type": "application/json"})
    else:
        response = api.post("zhang", f"/cases/{case['id']}/actions/submit", body)
    error(response, 400, "bad_request")
    unchanged(api, case)


def test_wrong_types_in_the_envelope(api):
    case = api.create()
    error(api.post("zhang", f"/cases/{case['id']}/actions/submit", {"version": "1"}), 422, "invalid")
    error(api.post("zhang", f"/cases/{case['id']}/actions/submit", {"version": 1, "data": [1]}), 422, "invalid")
    error(api.post("zhang", f"/cases/{case['id']}/actions/submit", {"version": 1, "comment": 5}), 422, "invalid")
    error(api.post("zhang", "/cases", {"data": {}}), 422, "invalid")
    error(api.post("zhang", "/cases", {"workflow": "nope"}), 404, "not_found")
    unchanged(api, case)
