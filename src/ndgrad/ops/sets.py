"""Set functions of the array API standard: unique_* and isin.

Every NaN counts as its own unique value (the standard's rule), and the
values come out sorted.  The unique values are gathered from the input at the
index of their first occurrence, so they carry gradients: locally, where all
values stay distinct, `unique_values(x)` is `x.flat[indices]`.  Indices,
inverse indices and counts are integers, never differentiable.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..backend import xp
from ..core.graph import STATE, TensorBase, wrap
from .index import take
from .shape import reshape

__all__ = ["unique_all", "unique_counts", "unique_inverse", "unique_values", "isin"]


class UniqueAllResult(NamedTuple):
    values: Any
    indices: Any
    inverse_indices: Any
    counts: Any


class UniqueCountsResult(NamedTuple):
    values: Any
    counts: Any


class UniqueInverseResult(NamedTuple):
    values: Any
    inverse_indices: Any


def _raw(x: Any) -> Any:
    return x.data if isinstance(x, TensorBase) else xp.asarray(x)


def _out(a: Any) -> Any:
    return a if STATE.raw else wrap(a)


def _unique(x: Any, op: str) -> tuple[Any, Any, Any, Any]:
    """(values, first indices, inverse indices shaped like x, counts), NaNs distinct."""
    if not isinstance(x, TensorBase) and not hasattr(x, "shape"):
        raise TypeError(f"{op}: expected a tensor or array, got {type(x).__name__}; wrap it with ndgrad.asarray(...)")
    data = _raw(x)
    values, first, inverse, counts = xp.unique(
        data.reshape(-1), return_index=True, return_inverse=True, return_counts=True, equal_nan=False
    )
    if xp.issubdtype(data.dtype, xp.inexact):
        # Gather through the graph: the values then carry gradients.
        values = take(reshape(x, (-1,)), first)
    else:
        values = _out(values)
    return values, _out(first), _out(inverse.reshape(data.shape)), _out(counts)


def unique_all(x: Any, /) -> UniqueAllResult:
    """Sorted unique values with their first indices, inverse indices and counts."""
    return UniqueAllResult(*_unique(x, "unique_all"))


def unique_counts(x: Any, /) -> UniqueCountsResult:
    """Sorted unique values and how often each occurs."""
    values, _, _, counts = _unique(x, "unique_counts")
    return UniqueCountsResult(values, counts)


def unique_inverse(x: Any, /) -> UniqueInverseResult:
    """Sorted unique values and, for each element of `x`, the index of its value."""
    values, _, inverse, _ = _unique(x, "unique_inverse")
    return UniqueInverseResult(values, inverse)


def unique_values(x: Any, /) -> Any:
    """Sorted unique values (each NaN is its own value)."""
    return _unique(x, "unique_values")[0]


def isin(x1: Any, x2: Any, /, *, invert: bool = False) -> Any:
    """Whether each element of `x1` occurs in `x2` (a bool tensor of x1's shape; not differentiable).

    `x1` and `x2` may be tensors, arrays or scalars (the standard's 2025.12 revision).
    """
    return _out(xp.asarray(xp.isin(_raw(x1), _raw(x2), invert=bool(invert))))
