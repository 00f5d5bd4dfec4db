"""Version counters of array memory.

A counter belongs to the array that owns the memory, so an in-place write
through any view of it (a reshape, a transpose, a slice, `detach()`) is seen
by every node that saved a value living there.
"""

from __future__ import annotations

import weakref
from typing import Any

from .. import backend

xp = backend.xp

_counts: dict[int, int] = {}
_last_op: dict[int, str] = {}
# Weak references that drop an array's entries when its memory is freed, so
# the tables neither grow without bound nor pass a count on to a new array
# that happens to get the same id.
_watch: dict[int, weakref.ref] = {}


def _forget(key: int) -> None:
    _counts.pop(key, None)
    _last_op.pop(key, None)
    _watch.pop(key, None)


def _owner(value: Any) -> Any:
    while isinstance(value.base, xp.ndarray):
        value = value.base
    return value


def storage_version(value: Any) -> int:
    """How many in-place writes the memory under `value` has seen."""
    if not isinstance(value, xp.ndarray):
        return 0  # NumPy scalars are immutable
    return _counts.get(id(_owner(value)), 0)


def bump(value: Any, op: str) -> None:
    """Record an in-place write of `op` into the memory under `value`."""
    if isinstance(value, xp.ndarray):
        owner = _owner(value)
        key = id(owner)
        if key not in _watch:
            _watch[key] = weakref.ref(owner, lambda _, key=key: _forget(key))
        _counts[key] = _counts.get(key, 0) + 1
        _last_op[key] = op


def last_op(value: Any) -> str:
    if isinstance(value, xp.ndarray):
        return _last_op.get(id(_owner(value)), "an in-place operation")
    return "an in-place operation"
