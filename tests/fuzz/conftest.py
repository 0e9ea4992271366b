"""The fuzzers' world (tests/fuzz/world.py), built on the app of the test."""
from __future__ import annotations

import pytest
from world import World, build


@pytest.fixture
def world(app, database_url, tmp_path) -> World:
    return build(app, database_url, tmp_path)
