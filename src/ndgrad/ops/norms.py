"""Vector and matrix norms, with NumPy's `ord` and `axis` conventions.

The Euclidean norm (ord 2 for vectors, 'fro' for matrices) is one primitive;
the other orders are written with the reductions, and 2, -2 and 'nuc' for
matrices with singular values from `ndgrad.linalg`.
"""

from __future__ import annotations

import math
from typing import Any

from ..backend import xp
from ..core import primitive
from ..core.errors import ShapeError
from . import shape as _shape
from ._axes import ndim_of, normalize_axis
from .compare import nondifferentiable
from .elementwise import absolute, where
from .reduce import (
    _abs2,
    _as_operand,
    _axes_of,
    _conj_if_complex,
    _conj_times,
    _dropped_shape,
    _keep_axes,
    _nonzero,
    _sum,
    _value,
    kept_shape,
    max_p,
    min_p,
    sum_p,
)

__all__ = ["norm", "vector_norm", "matrix_norm"]


def _euclidean_vjp(g, ans, x, axes, keepdims):
    # d|x| = Re(conj(x) dx) / |x|; at |x| = 0 the gradient is 0 (x is 0 there too).
    norm = _keep_axes(_nonzero(ans), x.shape, axes, keepdims)
    return _keep_axes(g, x.shape, axes, keepdims) * (_conj_if_complex(x) / norm)


def _euclidean_jvp(t, ans, x, axes, keepdims):
    return sum_p(_conj_times(t, x), axes, keepdims) / _nonzero(ans)


# The 2-norm as one node: sqrt(sum |x|**2), gradient 0 where it is 0.
euclidean_p = primitive(
    "euclidean_norm",
    lambda x, axes, keepdims: xp.sqrt(_sum(_abs2(x), axes, keepdims)),
    vjp=_euclidean_vjp,
    jvp=_euclidean_jvp,
    fresh=True,
)


def _safe_root(s: Any, p: float) -> Any:
    """s ** (1/p) whose gradient at s == 0 is 0 instead of inf or nan.

    The root is not differentiable at 0; 0 is a subgradient of every norm
    there, and it is what PyTorch returns.
    """
    at_zero = s == 0
    return where(at_zero, 0, where(at_zero, 1, s) ** (1 / p))


def _abs_power_sum(x: Any, p: float, axes: tuple[int, ...], keepdims: bool) -> Any:
    """sum(|x|**p), with gradient 0 at entries that are exactly 0 where
    0 < p < 1 (|x|**p has an infinite slope there).  For p < 0 a zero entry
    makes the sum inf and the norm 0, as in NumPy."""
    a = absolute(x)
    if p >= 1 or p < 0:
        return sum_p(a**p, axes, keepdims)
    at_zero = a == 0
    return sum_p(where(at_zero, 0, where(at_zero, 1, a) ** p), axes, keepdims)


def _vector_norm(x: Any, ord: Any, axes: tuple[int, ...], keepdims: bool) -> Any:  # noqa: A002
    if ord is None or ord == 2:
        return euclidean_p(x, axes, keepdims)
    if ord == math.inf:
        return max_p(absolute(x), axes, keepdims)
    if ord == -math.inf:
        return min_p(absolute(x), axes, keepdims)
    if ord == 1:
        return sum_p(absolute(x), axes, keepdims)
    if ord == 0:
        count = xp.sum(_value(x) != 0, axis=axes, keepdims=keepdims)
        return nondifferentiable(xp.asarray)(count, dtype=_value(x).dtype)
    if isinstance(ord, str):
        raise ValueError(f"norm: ord={ord!r} is a matrix norm; give a 2-tuple axis=(row_axis, col_axis)")
    return _safe_root(_abs_power_sum(x, ord, axes, keepdims), ord)


def _matrix_norm(x: Any, ord: Any, axes: tuple[int, ...], keepdims: bool) -> Any:  # noqa: A002
    rows, cols = axes
    if ord in (None, "fro"):
        return euclidean_p(x, axes, keepdims)
    if ord in (1, -1, math.inf, -math.inf):
        # 1: the largest column sum of |x|; inf: the largest row sum.
        summed, over = (rows, cols) if ord in (1, -1) else (cols, rows)
        extremum = max_p if ord > 0 else min_p
        out = extremum(sum_p(absolute(x), (summed,), True), (over,), True)
        return out if keepdims else _shape.reshape_p(out, _dropped_shape(x.shape, tuple(sorted(axes))))
    if ord in (2, -2, "nuc"):
        try:
            from ..linalg import svdvals  # the linalg family owns singular values
        except ImportError:
            svdvals = None
        if svdvals is None:
            raise ValueError(f"norm: ord={ord!r} needs singular values, which ndgrad.linalg does not provide yet")
        moved = _move_to_end(x, axes)
        s = svdvals(moved)
        out = s.sum(axis=-1) if ord == "nuc" else (max_p if ord == 2 else min_p)(s, (-1,), False)
        if keepdims:
            out = _shape.reshape_p(out, kept_shape(x.shape, tuple(sorted(axes))))
        return out
    raise ValueError(f"norm: invalid matrix norm order ord={ord!r}; use None, 'fro', 'nuc', 1, -1, 2, -2, inf or -inf")


def _move_to_end(x: Any, axes: tuple[int, ...]) -> Any:
    n = ndim_of(x)
    first = [a % n for a in axes]
    perm = tuple([i for i in range(n) if i not in first] + first)
    return _shape.transpose_p(x, perm) if perm != tuple(range(n)) else x


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A002
    """Vector or matrix norm, with NumPy's `ord` and `axis` conventions.

    Vectors (axis an int, or None with a 1-D x or ord None): ord None/2
    (Euclidean), 1, inf, -inf, 0 (count of non-zeros, not differentiable)
    and any other p: sum(|x|**p)**(1/p).  Matrices (axis a 2-tuple, or None
    with a 2-D x and ord given): 'fro', 1, -1, inf, -inf, and 2, -2, 'nuc'
    via singular values.

    At exactly 0 a norm is not differentiable; ndgrad returns the gradient
    0 there (a subgradient; PyTorch does the same), never nan.
    """
    x = _as_operand(x)
    n = ndim_of(x)
    if axis is None:
        if ord is None:
            return euclidean_p(x, tuple(range(-n, 0)), bool(keepdims))
        if n not in (1, 2):
            raise ShapeError(
                f"norm: ord={ord!r} without axis needs a 1-D or 2-D tensor, got shape {x.shape}; pass axis="
            )
        axis = -1 if n == 1 else (-2, -1)
    if isinstance(axis, int) or len(tuple(axis)) == 1:
        return vector_norm(x, axis, keepdims, ord=2 if ord is None else ord)
    if len(tuple(axis)) != 2:
        raise ShapeError(f"norm: axis must be an int or a pair of axes, got {axis}")
    return matrix_norm(x, axis=tuple(axis), keepdims=keepdims, ord="fro" if ord is None else ord)


def vector_norm(x: Any, axis: Any = None, keepdims: bool = False, ord: Any = 2) -> Any:  # noqa: A002
    """Array-API vector norm over `axis` (None: all elements, as one vector)."""
    x = _as_operand(x)
    return _vector_norm(x, ord, _axes_of(x, axis, "vector_norm"), bool(keepdims))


def matrix_norm(x: Any, axis: tuple = (-2, -1), keepdims: bool = False, ord: Any = "fro") -> Any:  # noqa: A002
    """Matrix norm over the pair of axes `axis` (the last two by default)."""
    x = _as_operand(x)
    n = ndim_of(x)
    rows, cols = (normalize_axis(int(a), n, "matrix_norm") for a in axis)
    if rows == cols:
        raise ShapeError(f"matrix_norm: the two axes must differ, got {axis}")
    return _matrix_norm(x, ord, (rows, cols), bool(keepdims))
