"""Hypothesis over the pages' forms and filters, signed in as an ordinary member and as a committee member: whatever
a browser (or a script posing as one) sends — any bytes, odd numbers and dates, unknown names, a NUL — the answer is
never a 500, and a refused post leaves everything as it was. On both databases: PostgreSQL refuses what SQLite
stores (a NUL in text), so a 500 can hide on one of them only."""
from __future__ import annotations

from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.people import Browser
from world import COMMITTEE, MEMBER, TRIGGERS, World

from workflow.cases.registry import Workflows

EXAMPLES = 150  # per caller, over every form and filter below
NASTY = ["", "0", "-1", "1e999999", "1e30", "9" * 40, "NaN", "20261130", "9999-12-31", "9999-12", "0-0",
         "2026-02-30", "CJ1", "XX", "yes", "no", "abstain", "on", "draft", "submit", "S", "M", "v03", "zhang",
         "\x00", "a\x07b", "[" * 3000,
         '{"sha256": "' + "0" * 64 + '", "name": "a", "type": "application/pdf", "size": 1}',
         "字" * 3000]
VALUES = st.one_of(st.sampled_from(NASTY).map(lambda s: s.encode("utf-8", "surrogatepass")),
                   st.text(max_size=20).map(lambda s: s.encode("utf-8", "surrogatepass")), st.binary(max_size=12))
CURRENT = "<the case's version>"


def targets(world: World, workflows: Workflows) -> list[tuple[str, str, list[str]]]:
    """(method, path, the names its form or query reads)."""
    def fields(key: str, trigger: str) -> list[str]:
        definition = workflows.current[key]
        names = [f.name for f in (workflows.engine(definition.version).draft_fields() if trigger == "save_draft" else
                                  [f for t in definition.transitions if t.trigger == trigger for f in t.fields])]
        return [*names, *(f"{n}__kept" for n in names), "version", "comment", "intent"]

    kinds = {"hardship_draft": "hardship_aid", "proposal_draft": "proposal", "proposal_seconding": "proposal",
             "proposal_review": "proposal", "election": "election", "event": "event"}
    event, election = world.cases["event"], world.cases["election"]
    found = [("POST", "/start/hardship_aid", fields("hardship_aid", "save_draft")),
             ("POST", "/start/proposal", fields("proposal", "save_draft")),
             ("POST", f"/events/{event}/signup", ["q0", "q1"]), ("POST", f"/events/{event}/cancel", []),
             ("POST", f"/events/{event}/checkin", ["code"]),
             ("POST", f"/elections/{election}/ballot", ["mark_v01", "mark_v02", "mark_v03", "mark_v04", "write_in"]),
             ("POST", f"/elections/{election}/receipt", ["code"]), ("POST", "/inbox/1/read", ["open", "page"]),
             ("POST", "/lang", ["lang", "next"]),
             ("GET", "/events", ["month", "view"]), ("GET", "/events/plan", ["year"]),
             ("GET", "/tasks/", ["workflow", "state", "unit", "page"]), ("GET", "/tasks/done", ["page"]),
             ("GET", "/requests", ["workflow", "page"]), ("GET", "/inbox", ["page"]), ("GET", "/notices/", ["page"]),
             ("GET", "/reports/hardship", ["year"]), ("GET", "/audit/", ["number", "since", "until", "person"]),
             ("GET", f"/elections/{election}/receipt", ["code"])]
    found += [("POST", f"/cases/{world.cases[name]}/actions/{trigger}", fields(kinds[name], trigger))
              for name, triggers in TRIGGERS.items() for trigger in triggers]
    return found


def encoded(form: dict[str, list[bytes]]) -> bytes:
    return "&".join(f"{quote_from_bytes(k.encode('utf-8', 'surrogatepass'))}={quote_from_bytes(v)}"
                    for k, values in form.items() for v in values).encode("ascii")


@pytest.mark.parametrize("caller", [MEMBER, COMMITTEE])
def test_no_server_error_and_nothing_stored_by_a_refused_form(app, world, caller):
    service = app.extensions["unionflow"]
    browser = Browser(app, caller)
    token = browser.csrf_token().encode()
    places = targets(world, service.workflows)
    problems: dict[str, str] = {}

    @st.composite
    def requests(draw):
        method, path, names = draw(st.sampled_from(places))
        form = draw(st.dictionaries(st.one_of(st.sampled_from(names or ["x"]), st.text(max_size=8)),
                                    st.lists(st.one_of(VALUES, st.just(CURRENT.encode())), min_size=1, max_size=2),
                                    max_size=len(names) + 2))
        return method, path, form

    @given(requests())
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def probe(request) -> None:
        method, path, form = request
        if "/actions/" in path:
            version = str(world.version(service.db, int(path.split("/")[2]))).encode()
            form = {k: [version if v == CURRENT.encode() else v for v in values] for k, values in form.items()}
        before = world.stored(service.db)
        if method == "GET":
            response = browser.client.get(f"{path}?{encoded(form).decode()}")
        else:
            response = browser.client.post(path, data=encoded({**form, "csrf_token": [token]}),
                                           content_type="application/x-www-form-urlencoded")
        where = f"{method} {path} {response.status_code}"
        if response.status_code >= 500:
            problems.setdefault(where, repr(form)[:300])
        elif response.status_code >= 400 and world.stored(service.db) != before:
            problems.setdefault(f"{where}: refused, yet something was stored", repr(form)[:300])

    probe()
    assert not problems, "\n".join(f"{what}\n    e.g. {example}" for what, example in problems.items())
