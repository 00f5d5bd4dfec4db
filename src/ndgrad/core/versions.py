"""When array memory was last written in place.

Every in-place operation starts a new epoch (`STATE.inplace_ops`).  The
memory's owner (the array that owns it) remembers the epoch of its last
in-place write, so a write through any view of it (a reshape, a transpose, a
slice, `detach()`) is seen by every node that saved a value living there: a
value changed after a node was recorded if its memory was written in a later
epoch.  Nodes therefore record nothing at creation.
"""

from __future__ import annotations

import weakref
from typing import Any

from .. import backend
from .mode import STATE

xp = backend.xp

_epochs: dict[int, int] = {}
_last_op: dict[int, str] = {}
# Weak references that drop an array's entries when its memory is freed, so
# the tables neither grow without bound nor pass an epoch on to a new array
# that happens to get the same id.
_watch: dict[int, weakref.ref] = {}


def _forget(key: int) -> None:
    _epochs.pop(key, None)
    _last_op.pop(key, None)
    _watch.pop(key, None)


def _owner(value: Any) -> Any:
    while isinstance(value.base, xp.ndarray):
        value = value.base
    return value


def written_since(value: Any, epoch: int) -> bool:
    """Was the memory under `value` written in place after `epoch`?"""
    if not isinstance(value, xp.ndarray):
        return False  # NumPy scalars are immutable
    return _epochs.get(id(_owner(value)), 0) > epoch


def bump(value: Any, op: str) -> None:
    """Record that `op` wrote into the memory under `value` in this epoch."""
    if isinstance(value, xp.ndarray):
        owner = value  # _owner, inlined: every in-place op (each SGD update) lands here
        while isinstance(owner.base, xp.ndarray):
            owner = owner.base
        key = id(owner)
        if key not in _watch:
            _watch[key] = weakref.ref(owner, lambda _, key=key: _forget(key))
        _epochs[key] = STATE.inplace_ops
        _last_op[key] = op


def last_op(value: Any) -> str:
    if isinstance(value, xp.ndarray):
        return _last_op.get(id(_owner(value)), "an in-place operation")
    return "an in-place operation"
