"""Searching functions of the array API standard that other modules lack.

`argmax`, `argmin`, `nonzero`, `where` and `count_nonzero` live in reduce,
index and elementwise; here is `searchsorted`.  Its result is integer
positions: not differentiable.
"""

from __future__ import annotations

from typing import Any, Literal

from ..backend import xp
from ..core.errors import DtypeError, ShapeError
from ..core.graph import STATE, TensorBase, wrap

__all__ = ["searchsorted"]


def _raw(x: Any) -> Any:
    return x.data if isinstance(x, TensorBase) else xp.asarray(x)


def searchsorted(x1: Any, x2: Any, /, *, side: Literal["left", "right"] = "left", sorter: Any = None) -> Any:
    """Where to insert each element of `x2` into the sorted 1-D `x1` to keep it sorted.

    `side='left'` gives the first suitable position, `'right'` the last.
    `sorter` holds the indices that sort `x1` (e.g. from argsort) when `x1`
    itself is not sorted.  Returns an int64 tensor of `x2`'s shape.
    """
    a, v = _raw(x1), _raw(x2)
    if a.ndim != 1:
        raise ShapeError(
            f"searchsorted: x1 must be a 1-D sorted tensor, got shape {a.shape}. "
            "Flatten it with x1.reshape(-1) (and sort it) first."
        )
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    if sorter is not None:
        sorter = _raw(sorter)
        if sorter.shape != a.shape or sorter.dtype.kind not in "iu":
            raise DtypeError(
                f"searchsorted: sorter must be integer indices of shape {a.shape} (from argsort(x1)), "
                f"got dtype {sorter.dtype} and shape {sorter.shape}"
            )
    if xp.iscomplexobj(a) or xp.iscomplexobj(v):
        raise DtypeError("searchsorted: complex values have no order; pass real tensors")
    out = xp.asarray(xp.searchsorted(a, v, side=side, sorter=sorter), dtype=xp.int64)
    return out if STATE.raw else wrap(out)
