"""schemathesis over /api/v1/openapi.json, in process (WSGI), as an ordinary member and as a committee member: no
5xx, responses as documented, every refusal in the error format, and nothing stored by a refused request.

Bounded and repeatable: a fixed number of examples per operation, derandomised (the same requests every run), no
deadline, no example database. Each operation is fuzzed with generated path parameters and with the ids of the
world's real cases (tests/fuzz/world.py), so that bodies reach real forms, ballots and sign-ups. On both databases:
an id beyond 32 bits was a 500 on PostgreSQL only (its INTEGER), and the run costs well under a minute on each.
"""
from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from world import COMMITTEE, MEMBER, TRIGGERS, World

EXAMPLES = 40  # per operation and caller: some 600 requests a caller and database, well under a minute
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def real_paths(path: str, world: World) -> list[dict]:
    """Path parameters naming the world's real things, for an operation's path template."""
    if "{case_id}" not in path and "{document_id}" not in path:
        return []
    if "{document_id}" in path:
        return [{"document_id": d} for d in world.documents]
    kind = path.split("/")[1]
    names = {"elections": ["election"], "events": ["event"]}.get(kind, list(world.cases))
    params = [{"case_id": world.cases[name]} for name in names]
    if "{trigger}" in path:
        params = [{"case_id": world.cases[name], "trigger": t} for name in names for t in TRIGGERS[name]]
    if "{number}" in path:
        params = [{**p, "number": 1} for p in params]
    return params


def error_format(response) -> str | None:
    """What is wrong with a refusal's body, measured against README § Using the API."""
    kind = response.headers.get("content-type", [""])[0]
    if kind.split(";")[0] != "application/json":
        return f"a refusal that is not JSON: {kind}"
    error = response.json().get("error") if isinstance(response.json(), dict) else None
    if not (isinstance(error, dict) and isinstance(error.get("code"), str) and isinstance(error.get("message"), str)
            and error["message"] and isinstance(error.get("fields"), dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in error["fields"].items())):
        return f"a refusal not in the error format: {response.text[:200]}"
    return None


@pytest.mark.parametrize("caller", [MEMBER, COMMITTEE])
def test_no_server_error_and_nothing_stored_by_a_refusal(app, world, caller):
    service = app.extensions["unionflow"]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)  # as served: it describes itself too
    headers = {"Authorization": f"Bearer {world.tokens[caller]}"}
    problems: dict[str, str] = {}  # what went wrong where (once each) → the first request that showed it
    requests = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        variants = [operation.as_strategy(mode) for mode in GenerationMode]
        variants += [operation.as_strategy(mode, path_parameters=params) for mode in GenerationMode
                     for params in real_paths(operation.path, world)]

        @given(case=st.one_of(variants))
        @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        def probe(case) -> None:
            nonlocal requests
            body, path = case.body, case.path_parameters or {}
            if path.get("case_id") in world.cases.values() and "trigger" in path and isinstance(body, dict) \
                    and type(body.get("version")) is int:  # the version a caller just read: the form gets checked
                body["version"] = world.version(service.db, path["case_id"])
            before = world.stored(service.db)
            response = case.call(app=app, headers=headers)
            requests += 1
            found = []
            try:
                case.validate_response(response, checks=CHECKS)
            except AssertionError as failed:  # a failed check (Failure), to list with the others
                found.append(str(failed).strip().splitlines()[0])
            except BaseExceptionGroup as failed:  # several at once (FailureGroup)
                found += [str(one).strip().splitlines()[0] for one in failed.exceptions]
            if 400 <= response.status_code < 500:
                found.append(error_format(response) or "")
                if world.stored(service.db) != before:
                    found.append("refused, yet something was stored")
            for what in filter(None, found):
                problems.setdefault(f"{operation.label} {response.status_code}: {what}",
                                    f"{case.formatted_path} {case.query or ''} {str(case.body)[:300]}")

        probe()
    print(f"\n{caller}: {requests} requests, {len(problems)} problems")
    assert not problems, "\n".join(f"{what}\n    e.g. {example}" for what, example in problems.items())


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_description_covers_every_route_it_serves(app):
    """Every route under /api/v1 and its methods, and no more, as the served OpenAPI document lists them."""
    served = {(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1")), method.lower())
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    document = app.test_client().get("/api/v1/openapi.json").json
    described = {(path, method) for path, operations in document["paths"].items() for method in operations}
    assert served == described
    for path, operations in document["paths"].items():  # each path parameter is described, with its type
        for operation in operations.values():
            named = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert named == set(re.findall(r"{(\w+)}", path)), path
