"""Fixtures shared by the integration tests."""
from support.hardship_desk import office  # noqa: F401 (the hardship office: test_hardship_aid, test_delegation)
