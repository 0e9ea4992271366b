"""A definition's content hash is its version: running cases keep theirs after the YAML is edited."""
from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from support.people import PROPOSAL

from bootstrap import create_app

ROOT = Path(__file__).resolve().parents[2]


def test_editing_a_definition_keeps_running_cases_on_their_version(app, service, people, database_url, tmp_path):
    users, _ = people
    old = service.create_case(users["zhang"], "proposal", PROPOSAL)
    service.perform(old.id, "submit", users["zhang"], 1, {})

    edited_dir = tmp_path / "definitions"
    shutil.copytree(ROOT / "definitions", edited_dir)
    raw = yaml.safe_load((edited_dir / "proposal.yaml").read_text(encoding="utf-8"))
    raw["parameters"]["min_seconders"] = 3
    (edited_dir / "proposal.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    service.db.dispose()
    edited = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": database_url,
                         "UNIONFLOW_STORAGE": app.config["UNIONFLOW_STORAGE"],
                         "UNIONFLOW_DEFINITIONS": str(edited_dir)})
    new_service = edited.extensions["unionflow"]

    new = new_service.create_case(users["zhang"], "proposal", PROPOSAL)
    assert new.definition_version != old.definition_version
    new_service.perform(new.id, "submit", users["zhang"], 1, {})
    for case in (old, new):
        new_service.perform(case.id, "second", users["wang"], 2, {})
        new_service.perform(case.id, "second", users["liu"], 3, {})
    with new_service.db.read() as session:
        from workflow.store.models import Case
        assert session.get(Case, old.id).state == "committee_review"  # two seconders, as when it started
        assert session.get(Case, new.id).state == "seconding"         # the new text wants three
        versions = {v.version for v in new_service.workflows.versions(session)}
    assert {old.definition_version, new.definition_version} <= versions

    from workflow.audit.verify import verify
    with new_service.db.read() as session:
        report = verify(session, new_service.store, new_service.workflows)
    assert report.ok, report.as_dict()  # the old case replays on its own version
    new_service.db.dispose()
