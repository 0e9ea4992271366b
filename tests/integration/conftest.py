"""Fixtures shared by the integration tests."""
from support.hardship_desk import office  # noqa: F401 (the hardship office: test_hardship_aid, test_delegation)
from support.memo_desk import memo  # noqa: F401 (the memo process: test_copies, test_batch)
