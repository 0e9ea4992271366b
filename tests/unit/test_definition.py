"""The definition loader: the shipped definitions load, versions follow content, every problem is reported."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import bootstrap  # noqa: F401 (the shipped definitions name the installed processes' guards and effects)
from workflow.core import display
from workflow.core.definition import DefinitionError
from workflow.core.definition_load import load_dir, parse

ROOT = Path(__file__).resolve().parents[2]
DEFINITIONS = ROOT / "definitions"
TEMPLATES = ROOT / "templates" / "pdf"
PROPOSAL = (DEFINITIONS / "proposal.yaml").read_text(encoding="utf-8")


def proposal_raw() -> dict:
    return yaml.safe_load(PROPOSAL)


def problems_of(raw: dict, templates: Path | None = None) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        parse(yaml.safe_dump(raw, allow_unicode=True), "broken.yaml", templates)
    return [str(p) for p in caught.value.problems]


def test_shipped_definitions_load_with_their_templates():
    definitions = load_dir(DEFINITIONS, TEMPLATES)
    proposal = definitions["proposal"]
    assert proposal.number_prefix == "TA"
    assert proposal.parameters["min_seconders"] == 2
    assert proposal.start_roles == {"representative"}
    assert {t.trigger for t in proposal.transitions} >= {"submit", "second", "accept", "reject", "return", "reply",
                                                         "evaluate", "archive", "withdraw"}


def test_version_is_the_content_hash():
    a = parse(PROPOSAL, "a.yaml", None)
    reformatted = parse(yaml.safe_dump(proposal_raw(), allow_unicode=True), "b.yaml", None)
    assert a.version == reformatted.version  # layout and comments are not content
    raw = proposal_raw()
    raw["parameters"]["min_seconders"] = 3
    edited = parse(yaml.safe_dump(raw, allow_unicode=True), "c.yaml", None)
    assert edited.version != a.version


def test_generic_verbs_carry_their_rules():
    proposal = parse(PROPOSAL, "p.yaml", None)
    withdraw = [t for t in proposal.transitions if t.trigger == "withdraw"]
    assert withdraw and all(t.guards[0].name == "actor_is_submitter" for t in withdraw)
    assert all(t.comment_required for t in proposal.transitions if t.trigger == "return")


def test_schema_problems_name_file_and_path():
    raw = proposal_raw()
    del raw["initial"]
    raw["states"][1]["label"] = {"zh": "附议"}  # en missing
    raw["transitions"][0]["fields"][0]["type"] = "colour"
    found = problems_of(raw)
    assert any(p.startswith("broken.yaml: (root)") and "'initial' is a required property" in p for p in found)
    assert any("states[1].label" in p and "'en'" in p for p in found)
    assert any("transitions[0].fields[0].type" in p for p in found)


def test_semantic_problems_are_all_reported_at_once():
    raw = proposal_raw()
    raw["transitions"][2]["dest"] = "nowhere"
    raw["transitions"][3]["source"] = "limbo"
    raw["transitions"][3]["guards"] = [{"name": "has_quorum"}]
    raw["transitions"][4]["roles"] = ["union_chair"]
    raw["transitions"][4]["effects"] = [{"name": "explode", "field": "x"}]
    raw["roles"].append("emperor")
    raw["states"].append({"name": "orphan", "label": {"zh": "孤立", "en": "Orphan"}})
    raw["transitions"][5]["guards"] = [{"name": "count_at_least", "field": "seconders", "param": "no_such_param"}]
    raw["transitions"][5]["document"] = "no_such_document"
    found = problems_of(raw)
    expected = [
        "transitions[2].dest: unknown state 'nowhere'",
        "transitions[3].source: unknown state 'limbo'",
        "transitions[3].guards[0].name: unknown guard 'has_quorum'",
        "transitions[4].roles: role 'union_chair' is not declared",
        "transitions[4].effects[0].name: unknown effect 'explode'",
        "roles: unknown role 'emperor'",
        "states[10]: state 'orphan' cannot be reached from 'draft'",
        "transitions[5].guards[0].param: unknown parameter 'no_such_param'",
        "transitions[5].document: unknown document 'no_such_document'",
    ]
    for text in expected:
        assert any(text in p for p in found), f"{text!r} not in {found}"
    assert all(p.startswith("broken.yaml: ") for p in found)


def test_guard_arguments_are_checked():
    raw = proposal_raw()
    raw["transitions"][2]["guards"] = [{"name": "count_at_least", "field": "seconders"}]  # value missing
    assert any("'count_at_least' takes ['field', 'value']" in p for p in problems_of(raw))


def test_missing_template_is_reported(tmp_path):
    (tmp_path / "proposal_form.html").write_text("x")
    found = problems_of(proposal_raw(), templates=tmp_path)
    assert any("documents.acceptance_notice: missing template" in p for p in found)
    assert not any("documents.proposal_form" in p for p in found)


def test_one_action_one_form():
    raw = proposal_raw()
    second = [i for i, t in enumerate(raw["transitions"]) if t["trigger"] == "second"]
    raw["transitions"][second[1]]["roles"] = ["representative", "proposal_committee"]
    assert any(f"transitions[{second[1]}]: 'second' from 'seconding' differs" in p for p in problems_of(raw))


def test_yaml_syntax_error_is_a_problem_not_a_crash():
    with pytest.raises(DefinitionError) as caught:
        parse("key: [unclosed", "bad.yaml", None)
    assert "YAML syntax error" in str(caught.value)


def test_load_dir_collects_problems_of_every_file(tmp_path):
    for name in ("a.yaml", "b.yaml"):
        raw = proposal_raw()
        raw["key"] = name[0]
        raw["initial"] = "nope"
        (tmp_path / name).write_text(yaml.safe_dump(raw, allow_unicode=True))
    with pytest.raises(DefinitionError) as caught:
        load_dir(tmp_path, None)
    files = {Path(p.file).name for p in caught.value.problems}
    assert files == {"a.yaml", "b.yaml"}


def test_a_computed_value_is_shown_after_its_field_and_checked():
    hardship = load_dir(DEFINITIONS, TEMPLATES)["hardship_aid"]
    names = [f.name for f in hardship.fields()]
    assert names[names.index("monthly_income") + 1] == "per_capita_income"
    raw = proposal_raw()
    raw["computed"] = [{"name": "title", "label": {"zh": "标题", "en": "Title"}, "type": "string", "after": "title"},
                       {"name": "score", "label": {"zh": "得分", "en": "Score"}, "type": "decimal", "after": "nope"}]
    found = problems_of(raw)
    assert any("computed[0].name: 'title' is a form field" in p for p in found)
    assert any("computed[1].after: 'nope' is not a field" in p for p in found)


def test_a_title_pattern_names_a_case_and_names_only_what_the_case_has():
    raw = proposal_raw()
    raw["title"] = {"zh": "{submitter}：{category}（{number}）", "en": "{submitter}: {category} ({number})"}
    definition = parse(yaml.safe_dump(raw, allow_unicode=True), "proposal.yaml", None)
    data = {"category": "welfare"}
    assert display.case_title(definition, data, "张伟", "TA-2026-0001") == "张伟：生活福利（TA-2026-0001）"
    assert display.case_title(definition, data, "张伟", "TA-2026-0001", "en") == "张伟: Welfare (TA-2026-0001)"
    assert display.case_title(definition, {"title": "关于食堂", **data}, "张伟", "n") == "关于食堂"  # its own first
    raw["title"] = {"zh": "{applicant}的{category}", "en": "{category}"}
    assert problems_of(raw) == ["broken.yaml: title.zh: '{applicant}' is neither a field nor submitter or number"]
