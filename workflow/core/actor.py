"""Who is acting: the engine's view of a user, free of any ORM or web type."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    username: str
    display_name: str = ""
    roles: frozenset[str] = field(default_factory=frozenset)
    unit: str | None = None  # org unit code

    @property
    def name(self) -> str:
        return self.display_name or self.username
