"""Forward mode: seeding tangents on inputs and reading them off outputs.

A tangent lives on a tensor under a level (`new_level()`), so nested
forward-mode transforms never confuse their perturbations.
"""

from __future__ import annotations

from typing import Any

from .. import backend
from . import graph
from .graph import TensorBase, wrap
from .mode import STATE, new_level

xp = backend.xp

__all__ = ["new_level", "seed", "unseed"]


def seed(x: TensorBase, tangent: Any, level: int) -> TensorBase:
    """An alias of `x` that carries `tangent` at `level` (and keeps x's graph)."""
    dual = wrap(x.data)
    dual._tan = dict(x._tan or {})
    dual._tan[level] = tangent
    if x._rg and STATE.grad_enabled:
        dual._rg = True
        dual._node = x._node
        if dual._node is None:
            dual._node = graph.record(graph._IDENTITY, x, (x.data,), graph._NO_PARAMS, x.data, (0,))
    return dual


def unseed(out: Any, level: int) -> tuple[Any, Any]:
    """Split `out` into its primal (without `level`) and its tangent there.

    An output that does not depend on the seeded inputs has a zero tangent
    (without batch axes; callers broadcast it as they need).
    """
    if not isinstance(out, TensorBase):
        out = wrap(xp.asarray(out))
    tangent = out._tan.get(level) if out._tan else None
    if tangent is None:
        tangent = xp.zeros_like(out.data)
    primal = graph.strip(out, level)
    if not isinstance(primal, TensorBase):
        primal = wrap(primal)
    return primal, tangent
