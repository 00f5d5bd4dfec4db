"""Scans, differences and sorting along one axis.

Primitives: the cumulative scans cumsum and cumprod (cumprod's rules stay
exact with zeros).  diff and sort are compositions: slicing, and a gather
through the sorting permutation, so their gradients come from getitem.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..backend import xp
from ..core import TensorBase, primitive
from ..core.errors import ShapeError
from . import index as _index
from . import joins as _joins
from . import shape as _shape
from ._axes import ndim_of, normalize_axis
from .compare import nondifferentiable
from .elementwise import astype, where
from .reduce import _as_operand, _value, prod_p, sum_p

__all__ = ["cumsum", "cumprod", "cumulative_sum", "cumulative_prod", "diff", "sort", "argsort"]


# ----------------------------------------------------------------- scans


def _along(axis: int, index: slice) -> tuple:
    """An index that applies `index` on one (negative) axis only."""
    return (Ellipsis, index) + (slice(None),) * (-1 - axis)


_BACKWARD = slice(None, None, -1)


def _scan(ufunc: Any, identity: int, x: Any, axis: int, reverse: bool, exclusive: bool) -> Any:
    """A cumulative scan along `axis` (`ufunc.accumulate`, which promotes
    small integers as np.cumsum does): from the end if `reverse`; shifted by
    one (starting at `identity`, leaving the last element out) if `exclusive`."""
    if reverse:
        x = x[_along(axis, _BACKWARD)]
    y = ufunc.accumulate(x, axis)
    if exclusive:
        shifted = xp.empty_like(y)
        shifted[_along(axis, slice(1, None))] = y[_along(axis, slice(None, -1))]
        shifted[_along(axis, slice(0, 1))] = identity
        y = shifted
    return y[_along(axis, _BACKWARD)] if reverse else y


cumsum_p = primitive(
    "cumsum",
    lambda x, axis, reverse, exclusive: _scan(xp.add, 0, x, axis, reverse, exclusive),
    # Each input element feeds the outputs after it: the VJP scans the other way.
    vjp=lambda g, ans, x, axis, reverse, exclusive: cumsum_p(g, axis, not reverse, exclusive),
    jvp=lambda t, ans, x, axis, reverse, exclusive: cumsum_p(t, axis, reverse, exclusive),
)


def _zero_masks(zero: Any, axis: int, reverse: bool, every: bool) -> Iterator[Any]:
    """Masks of the first zero in each lane along the scan, then (if `every`)
    of the second, third... zeros.

    Past the first zero every product is 0, so a first-order rule needs only
    the first mask; higher-order rules (tensor mode) need them all to keep
    the cross terms between zeros.
    """
    rank = _scan(xp.add, 0, zero.astype(xp.intp), axis, reverse, False)
    last = int(rank.max()) if every and rank.size else 1
    for m in range(1, last + 1):
        yield zero & (rank == m)


def _cumprod_vjp(g, ans, x, axis, reverse, exclusive):
    # d out_k / d x_i = (product of the scanned x_j up to k, except x_i): where
    # x_i != 0 that is out_k / x_i, so the VJP is a reverse scan of g*out over x.
    back = not reverse
    zero = _value(x) == 0
    if not zero.any():
        return cumsum_p(g * ans, axis, back, exclusive) / x
    grad = where(zero, 0, cumsum_p(g * ans, axis, back, exclusive) / where(zero, 1, x))
    # At a zero x_i, the products without x_i: scan again with x_i set to 1.
    for mask in _zero_masks(zero, axis, reverse, isinstance(x, TensorBase)):
        without = cumprod_p(where(mask, 1, x), axis, reverse, exclusive)
        grad = grad + where(mask, cumsum_p(g * without, axis, back, exclusive), 0)
    return grad


def _cumprod_jvp(t, ans, x, axis, reverse, exclusive):
    zero = _value(x) == 0
    if not zero.any():
        return ans * cumsum_p(t / x, axis, reverse, exclusive)
    out = ans * cumsum_p(where(zero, 0, t / where(zero, 1, x)), axis, reverse, exclusive)
    for mask in _zero_masks(zero, axis, reverse, isinstance(x, TensorBase)):
        without = cumprod_p(where(mask, 1, x), axis, reverse, exclusive)
        out = out + without * cumsum_p(where(mask, t, 0), axis, reverse, exclusive)
    return out


cumprod_p = primitive(
    "cumprod",
    lambda x, axis, reverse, exclusive: _scan(xp.multiply, 1, x, axis, reverse, exclusive),
    vjp=_cumprod_vjp,
    jvp=_cumprod_jvp,
)


def _scan_operand(x: Any, axis: Any, op: str) -> tuple[Any, int]:
    """NumPy's convention: axis=None scans the flattened tensor."""
    x = _as_operand(x)
    if axis is None:
        return _shape.reshape_p(x, (-1,)), -1
    return x, normalize_axis(int(axis), ndim_of(x), op)


def cumsum(x: Any, axis: int | None = None, dtype: Any = None) -> Any:
    """Running sums along `axis` (the flattened tensor when None), like NumPy."""
    x, ax = _scan_operand(x, axis, "cumsum")
    if dtype is not None:
        x = astype(x, dtype)
    return cumsum_p(x, ax, False, False)


def cumprod(x: Any, axis: int | None = None, dtype: Any = None) -> Any:
    """Running products along `axis`; the gradient is exact where x has zeros."""
    x, ax = _scan_operand(x, axis, "cumprod")
    if dtype is not None:
        x = astype(x, dtype)
    return cumprod_p(x, ax, False, False)


def _cumulative(scan: Any, x: Any, axis: int | None, dtype: Any, include_initial: bool, op: str) -> Any:
    x = _as_operand(x)
    if axis is None:
        if ndim_of(x) > 1:
            raise ShapeError(f"{op}: axis must be given for a tensor of rank {ndim_of(x)} (shape {x.shape})")
        axis = -1
    if ndim_of(x) == 0:
        raise ShapeError(f"{op}: needs a tensor of rank >= 1, got a 0-d tensor; reshape it with x.reshape(1)")
    ax = normalize_axis(int(axis), ndim_of(x), op)
    if dtype is not None:
        x = astype(x, dtype, copy=False)
    if not include_initial:
        out = scan(x, ax, False, False)
    else:
        # The exclusive scan starts with the identity; the full reduction ends it.
        total = sum_p(x, (ax,), True) if scan is cumsum_p else prod_p(x, (ax,), True)
        out = _joins.concatenate([scan(x, ax, False, True), total], axis=ax)
    # NumPy scans small integers in the platform integer: cast back to the asked dtype.
    return out if dtype is None else astype(out, dtype, copy=False)


def cumulative_sum(x: Any, /, *, axis: int | None = None, dtype: Any = None, include_initial: bool = False) -> Any:
    """Array-API running sums; `include_initial=True` prepends the 0."""
    return _cumulative(cumsum_p, x, axis, dtype, include_initial, "cumulative_sum")


def cumulative_prod(x: Any, /, *, axis: int | None = None, dtype: Any = None, include_initial: bool = False) -> Any:
    """Array-API running products; `include_initial=True` prepends the 1."""
    return _cumulative(cumprod_p, x, axis, dtype, include_initial, "cumulative_prod")


# --------------------------------------------------- differences and sorting


def diff(x: Any, n: int = 1, axis: int = -1, prepend: Any = None, append: Any = None) -> Any:
    """The n-th discrete difference along `axis`: x[1:] - x[:-1], n times.

    `prepend` / `append` values (scalars are broadcast) are joined to x along
    `axis` first, as in NumPy.
    """
    x = _as_operand(x)
    if n < 0:
        raise ValueError(f"diff: the order n must be non-negative, got {n}")
    if ndim_of(x) == 0:
        raise ShapeError("diff: needs a tensor of rank >= 1, got a 0-d tensor")
    ax = normalize_axis(int(axis), ndim_of(x), "diff")
    if prepend is not None or append is not None:
        parts = [_edge(v, x, ax) for v in (prepend,) if v is not None]
        parts += [x] + [_edge(v, x, ax) for v in (append,) if v is not None]
        x = _joins.concatenate(parts, axis=ax)
    for _ in range(n):
        x = _index.getitem(x, _along(ax, slice(1, None))) - _index.getitem(x, _along(ax, slice(None, -1)))
    return x


def _edge(value: Any, x: Any, axis: int) -> Any:
    """A prepend/append value with x's shape except for size 1 along `axis`
    (a scalar is broadcast)."""
    value = _as_operand(value)
    if ndim_of(value) == 0:
        shape = list(x.shape)
        shape[axis] = 1
        return _shape.broadcast_to(value, tuple(shape))
    return value


def _argsort_values(x: Any, axis: int, descending: bool, stable: bool) -> Any:
    kind = "stable" if stable else None
    if not descending:
        return xp.argsort(x, axis=axis, kind=kind)
    # Sort the reversed tensor and map back: ties keep their original order.
    n = x.shape[axis]
    order = xp.argsort(xp.flip(x, axis), axis=axis, kind=kind)
    return xp.flip(n - 1 - order, axis)


_argsort = nondifferentiable(_argsort_values)


def argsort(
    x: Any, axis: int | None = -1, kind: str | None = None, *, stable: bool | None = None, descending: bool = False
) -> Any:
    """Indices that sort `x` along `axis` (the flattened tensor when None);
    not differentiable.  `descending=True` sorts from the largest, ties in
    their original order.  `kind='stable'` or `stable=True` keeps ties in order."""
    x = _as_operand(x)
    if axis is None:
        x, axis = _shape.reshape_p(x, (-1,)), -1
    ax = normalize_axis(int(axis), ndim_of(x), "argsort") if ndim_of(x) else -1
    if ndim_of(x) == 0:
        x = _shape.reshape_p(x, (1,))
    # The standard sorts stably unless told otherwise (stable=False, or a NumPy kind other than "stable").
    stable = (kind in (None, "stable")) if stable is None else bool(stable)
    return _argsort(x, ax, descending, stable)


def sort(
    x: Any, axis: int | None = -1, kind: str | None = None, *, stable: bool | None = None, descending: bool = False
) -> Any:
    """`x` sorted along `axis` (the flattened tensor when None).

    Differentiable: each output element is an input element, so the gradient
    flows back through the sorting permutation (tied values each keep their
    own gradient).
    """
    x = _as_operand(x)
    if axis is None:
        x, axis = _shape.reshape_p(x, (-1,)), -1
    if ndim_of(x) == 0:
        return x
    ax = normalize_axis(int(axis), ndim_of(x), "sort")
    order = argsort(x, ax, kind, stable=stable, descending=descending)
    return _index.take_along_axis(x, order, ax)
