"""批量同意 over HTTP: POST /api/v1/tasks/batch with one result per task in the error format, and the 待办's batch
form (checkboxes once a process and a state are chosen) with its results page."""
from __future__ import annotations

import pytest


@pytest.fixture
def submitted(api):
    """Three proposals of zhang's waiting for 附议, and wang's task of each."""
    cases = [api.walk_to("seconding") for _ in range(3)]
    tasks = {t["case_id"]: t["id"] for t in api.get("wang", "/tasks").json}
    return cases, [tasks[c["id"]] for c in cases]


def test_a_batch_takes_each_task_and_reports_a_stale_one_by_its_case(api, submitted):
    cases, tasks = submitted
    api.act("wang", cases[1], "second", comment="同意")  # taken one by one first: stale in the batch
    response = api.post("wang", "/tasks/batch", {"task_ids": tasks, "trigger": "second", "comment": "同意附议"})
    assert response.status_code == 200, response.json
    assert (response.json["done"], response.json["refused"]) == (2, 1)
    results = response.json["results"]
    assert [r["task_id"] for r in results] == tasks
    assert [r["status"] for r in results] == ["done", "conflict", "done"]
    assert results[1]["case_number"] == cases[1]["number"] and results[1]["error"]["message"]
    assert results[0]["error"] is None
    for case in (cases[0], cases[2]):
        history = api.get("song", f"/cases/{case['id']}").json["history"]
        assert [(h["trigger"], h["actor"], h["comment"]) for h in history][-1] == ("second", "wang", "同意附议")


@pytest.mark.parametrize("body, field", [
    ({"task_ids": [], "trigger": "second"}, "task_ids"),
    ({"task_ids": list(range(1, 102)), "trigger": "second"}, "task_ids"),
    ({"task_ids": ["x"], "trigger": "second"}, "task_ids"),
    ({"task_ids": [1]}, "trigger"),
])
def test_a_malformed_batch_is_422_in_the_error_format(api, body, field):
    response = api.post("wang", "/tasks/batch", body)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid" and field in response.json["error"]["fields"]


def test_a_step_with_a_form_is_not_taken_in_a_batch(api):
    case = api.walk_to("committee_review")
    task = next(t for t in api.get("zhao", "/tasks").json if t["case_id"] == case["id"])
    response = api.post("zhao", "/tasks/batch", {"task_ids": [task["id"]], "trigger": "accept"})
    assert response.status_code == 422 and "逐件" in response.json["error"]["message"]
    assert api.get("song", f"/cases/{case['id']}").json["state"] == "committee_review"


def test_the_todo_offers_the_batch_form_once_a_state_is_chosen_and_reports_each_case(api, submitted, web):
    cases, tasks = submitted
    browser = web("wang")
    plain = browser.get("/tasks/").get_data(as_text=True)
    assert 'data-testid="batch-form"' not in plain
    page = browser.get("/tasks/?workflow=proposal&state=seconding").get_data(as_text=True)
    assert 'data-testid="batch-form"' in page and all(f'value="{t}"' in page for t in tasks)
    api.act("liu", cases[2], "second")  # not stale for wang: a 附议 is everyone's own
    response = browser.post("/tasks/batch", {"task_ids": [str(t) for t in tasks[:2]], "trigger": "second",
                                             "comment": "同意"})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "已办理 2 件，未办理 0 件" in text and cases[0]["number"] in text and cases[1]["number"] in text
    refused = browser.post("/tasks/batch", {"trigger": "second", "comment": ""})
    assert refused.status_code == 422 and "请选择要办理的任务" in refused.get_data(as_text=True)
