"""A page of a list (queue, requests, inbox ...): its items, the total and where it is; shared by the lists of
several modules, so that none of them has to import another for it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PER_PAGE = 20


@dataclass
class Page:
    items: list[Any]
    total: int
    number: int = 1
    per_page: int = PER_PAGE
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))
