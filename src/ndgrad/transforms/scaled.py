"""A dense batch scaled by rows and by elements, the scalings kept apart.

`ScaledRows(base, factor, rows)` stands for the batch whose row k is
`rows[k] * base[k] * factor`: a dense `base` (M, *S), one `factor` that
broadcasts into the element shape S, and one number per row.

Forward mode through `A @ x` turns the identity basis into A's columns; the
elementwise rules that follow (tanh, a square, a product with a primal) each
multiply every row by the same array: only `factor` changes, an operation on
one row's worth of numbers instead of M rows'.  Reverse mode meets the matrix
the other way: the one-hot basis scaled by v, times A, is A with its rows
scaled by v, kept as `rows`.  Two batches on the same base and rows add by
their factors, a matrix product folds the factor into the matrix (and keeps
the rows), a sum over the element axes is one matrix-vector product, and a
one-hot batch adds its entries into the dense form without another copy.
Anything else makes it dense.

A Hessian by forward-over-reverse is made of exactly these steps (W4 in
bench/): its tangents stay one base and a vector until the last product.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..backend import xp
from ..core.mode import STATE
from ._structure import Structured, fits

_SCALAR_TYPES = (int, float, complex, xp.generic)


class ScaledRows(Structured):
    """A batch of M arrays of shape S: row k is `rows[k] * base[k] * factor`."""

    __slots__ = ("base", "factor", "rows", "shape")
    # Let a one-hot operand's handlers try first (they add into our dense form).
    _defer = True

    def __init__(self, base: Any, factor: Any = None, rows: Any = None) -> None:
        self.base = base  # (M, *S), any memory order
        self.factor = factor  # broadcasts to S without changing it; None is 1
        self.rows = rows  # (M,), or None for all ones
        self.shape = base.shape

    @property
    def dtype(self) -> Any:
        parts = [p for p in (self.factor, self.rows) if p is not None]
        return xp.result_type(self.base, *parts) if parts else self.base.dtype

    def __repr__(self) -> str:
        rows = "" if self.rows is None else ", rows"
        return f"ScaledRows(shape={self.shape}, factor={xp.shape(self.factor)}{rows}, dtype={self.dtype})"

    def _row_column(self) -> Any:
        """`rows` shaped to broadcast against the batch."""
        return self.rows[:, None] if self.base.ndim == 2 else self.rows.reshape((-1,) + (1,) * (self.base.ndim - 1))

    def dense(self, dtype: Any = None) -> Any:
        """The batch itself, in new C-order memory (one pass where one scaling is set)."""
        base, factor = self.base, self.factor
        if self.rows is None:
            out = xp.array(base, order="C") if factor is None else xp.multiply(base, factor, order="C")
        elif factor is None:
            out = xp.multiply(base, self._row_column(), order="C")
        else:
            out = xp.multiply(base, factor, order="C")
            column = self._row_column()
            out = xp.multiply(out, column, out=out) if xp.result_type(out, column) == out.dtype else out * column
        return out if dtype is None else out.astype(dtype, copy=False)

    def sum(self, axis: Any = None, keepdims: bool = False, dtype: Any = None) -> Any:
        return xp.sum(self, axis=axis, keepdims=keepdims, dtype=dtype)

    def reshape(self, *shape: Any) -> Any:
        return xp.reshape(self, shape[0] if len(shape) == 1 else shape)

    def __mul__(self, other: Any) -> Any:
        # The commonest step (an elementwise JVP rule), ahead of the dispatch.
        if type(other) is xp.ndarray and STATE.raw and other.shape == self.shape[1:]:
            return ScaledRows(self.base, other if self.factor is None else self.factor * other, self.rows)
        return Structured.__mul__(self, other)

    def __add__(self, other: Any) -> Any:
        # Two JVP terms on the same batch (a product rule) add by their factors.
        if type(other) is ScaledRows and other.base is self.base and other.rows is self.rows and STATE.raw:
            return ScaledRows(self.base, _factor_of(self) + _factor_of(other), self.rows)
        return Structured.__add__(self, other)

    def _times(self, factor: Any) -> ScaledRows:
        return ScaledRows(self.base, factor, self.rows)

    def _with_rows(self, dense: Any) -> Any:
        """A dense result scaled by this batch's rows: kept lazy."""
        return dense if self.rows is None else ScaledRows(dense, None, self.rows)


def _factor_of(x: ScaledRows) -> Any:
    return 1 if x.factor is None else x.factor


def _elementwise_factor(x: ScaledRows, a: Any) -> Any:
    """`a` when it scales every row of x alike (no batch axes, no growth), else None."""
    if isinstance(a, _SCALAR_TYPES):
        return a
    if type(a) is xp.ndarray:
        elem = x.base.shape[1:]
        if a.shape == elem or fits(a.shape, elem):
            return a
    return None


def _multiply(a: Any, b: Any) -> Any:
    x, other = (a, b) if isinstance(a, ScaledRows) else (b, a)
    f = _elementwise_factor(x, other)
    if f is None:
        return NotImplemented
    return x._times(f if x.factor is None else x.factor * f)


def _divide(a: Any, b: Any) -> Any:
    f = _elementwise_factor(a, b) if isinstance(a, ScaledRows) else None
    if f is None:
        return NotImplemented
    return a._times(_factor_of(a) / f)


def _add_signed(a: Any, b: Any, combine: Callable) -> Any:
    if isinstance(a, ScaledRows) and isinstance(b, ScaledRows) and a.base is b.base and a.rows is b.rows:
        return a._times(combine(_factor_of(a), _factor_of(b)))
    return NotImplemented


def _negative(x: ScaledRows) -> ScaledRows:
    return x._times(-_factor_of(x))


def _positive(x: ScaledRows) -> ScaledRows:
    return x


def _last_axis_only(x: ScaledRows) -> Any:
    """The factor as a vector along the last element axis (or a scalar), or
    None where it varies along other element axes too."""
    f = _factor_of(x)
    if isinstance(f, _SCALAR_TYPES) or f.ndim < 2:
        return f
    if all(n == 1 for n in f.shape[:-1]):
        return f.reshape(-1)
    return None


def _matmul(a: Any, b: Any) -> Any:
    """Fold the factor into the matrix: (base * f) @ m is base @ (f[:, None] * m)."""
    if isinstance(a, ScaledRows) and type(b) is xp.ndarray and b.ndim == 2 and len(a.shape) >= 2:
        f = _last_axis_only(a)
        if f is not None and a.shape[-1] == b.shape[0]:
            column = f if isinstance(f, _SCALAR_TYPES) else f.reshape(-1, 1)
            return a._with_rows(xp.matmul(a.base, b if a.factor is None else xp.multiply(column, b)))
    if isinstance(b, ScaledRows) and type(a) is xp.ndarray and a.ndim == 2 and len(b.shape) >= 3:
        # m @ (base * f): f along the last axis scales the product's columns.
        f = _last_axis_only(b)
        if f is not None and a.shape[1] == b.shape[-2]:
            return ScaledRows(xp.matmul(a, b.base), b.factor if b.factor is None else f, b.rows)
    return NotImplemented


def _sum(x: ScaledRows, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False,
         **kw: Any) -> Any:
    """A sum over element axes only: the factor weights the base's entries."""
    ndim = len(x.shape)
    if axis is None or out is not None or kw or dtype is not None:
        return NotImplemented
    axes = {int(a) % ndim for a in ((axis,) if isinstance(axis, (int, xp.integer)) else axis)}
    if 0 in axes:
        return NotImplemented
    base, factor = x.base, x.factor
    if factor is None or isinstance(factor, _SCALAR_TYPES) or factor.ndim == 0:
        total = xp.sum(base, axis=tuple(axes), keepdims=keepdims)
        total = total if factor is None else total * factor
    elif len(axes) == ndim - 1 and factor.size == math.prod(base.shape[1:]):
        # Every element axis: one matrix-vector product.
        total = xp.matmul(base.reshape(base.shape[0], -1), factor.reshape(-1))
        total = total.reshape((x.shape[0],) + (1,) * (ndim - 1)) if keepdims else total
    else:
        return NotImplemented
    return total if x.rows is None else total * x.rows.reshape((-1,) + (1,) * (total.ndim - 1))


def _reshape(x: ScaledRows, shape: Any, order: str = "C", **kw: Any) -> Any:
    """Keep the structure where the factor still lines up: the batch axis
    kept, and either a factor that is one number or the element shape kept
    with size-1 axes put before it."""
    shape = (shape,) if isinstance(shape, (int, xp.integer)) else tuple(int(n) for n in shape)
    if order != "C" or kw or not shape or shape[0] != x.shape[0] or -1 in shape:
        return NotImplemented
    if x.factor is not None and xp.ndim(x.factor):
        elem, lead = x.shape[1:], len(shape) - len(x.shape) + 1
        if lead < 1 or shape[lead:] != elem or any(n != 1 for n in shape[1:lead]):
            return NotImplemented
    return ScaledRows(x.base.reshape(shape), x.factor, x.rows)


ScaledRows._ufuncs = {
    xp.multiply: _multiply,
    xp.divide: _divide,
    xp.add: lambda a, b: _add_signed(a, b, xp.add),
    xp.subtract: lambda a, b: _add_signed(a, b, xp.subtract),
    xp.negative: _negative,
    xp.positive: _positive,
    xp.matmul: _matmul,
}
ScaledRows._functions = {
    xp.sum: _sum,
    xp.reshape: _reshape,
}
