"""Append-only history that views share instead of copying.

The engine's history (timeline, reasons, violations, closed proposals, void and
rejected entries) only ever grows. A view of the engine (``Engine.view``) may
append to it while settling, but must not disturb the engine it came from; a
``Chronicle`` makes that cheap: a fork sees the items its origin held at the
moment of the fork, plus its own, and costs the size of its own items only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Chronicle(Generic[T]):
    """An append-only sequence; ``fork`` gives a copy sharing what is already recorded.

    With ``key``, items can be found by key (``find``); a key is recorded once.
    The origin keeps appending to the shared list; a fork never sees those later items.
    """

    __slots__ = ("_base", "_seen", "_tail", "_key", "_index", "_tail_index")

    def __init__(self, items: list[T] | None = None, key: Callable[[T], str] | None = None) -> None:
        self._base: list[T] = list(items or [])
        self._seen: int | None = None  # None: the origin, which sees all of _base
        self._tail: list[T] = []
        self._key = key
        self._index: dict[str, int] = {key(x): i for i, x in enumerate(self._base)} if key else {}
        self._tail_index: dict[str, int] = {}

    def append(self, item: T) -> None:
        if self._seen is None:
            if self._key is not None:
                self._index[self._key(item)] = len(self._base)
            self._base.append(item)
        else:
            if self._key is not None:
                self._tail_index[self._key(item)] = len(self._tail)
            self._tail.append(item)

    def fork(self) -> Chronicle[T]:
        f: Chronicle[T] = Chronicle.__new__(Chronicle)
        f._base, f._key, f._index = self._base, self._key, self._index
        f._seen = len(self._base) if self._seen is None else self._seen
        f._tail, f._tail_index = list(self._tail), dict(self._tail_index)
        return f

    def find(self, key: str) -> T | None:
        """The item recorded under ``key`` (None if none is visible here)."""
        i = self._tail_index.get(key)
        if i is not None:
            return self._tail[i]
        i = self._index.get(key)
        if i is not None and (self._seen is None or i < self._seen):
            return self._base[i]
        return None

    def __len__(self) -> int:
        return (len(self._base) if self._seen is None else self._seen) + len(self._tail)

    def __iter__(self) -> Iterator[T]:
        if self._seen is None:
            yield from self._base
        else:
            for i in range(self._seen):
                yield self._base[i]
            yield from self._tail

    def __repr__(self) -> str:
        return f"Chronicle({len(self)} items)"
