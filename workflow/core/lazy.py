"""A mapping read only when first looked into: what a step may need but most steps do not (the unit table for a unit
field, the delegations in force for a named task)."""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LazyMapping(Mapping[K, V], Generic[K, V]):
    def __init__(self, load: Callable[[], dict[K, V]]):
        self._load = load
        self._found: dict[K, V] | None = None

    def _get(self) -> dict[K, V]:
        if self._found is None:
            self._found = self._load()
        return self._found

    def __getitem__(self, key: K) -> V:
        return self._get()[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())
