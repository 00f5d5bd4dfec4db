"""Reductions: sum, prod, max/min primitives and what is composed from them."""

from __future__ import annotations

from typing import Any

from ..backend import xp
from ..core import primitive
from ._axes import ndim_of, normalize_axes
from .shape import broadcast_to, reshape

__all__ = ["sum"]


def _batch(g: Any, ans: Any) -> tuple:
    """The leading batch axes a cotangent or tangent carries."""
    return g.shape[: g.ndim - ans.ndim] if hasattr(ans, "ndim") else g.shape


def kept_shape(shape: tuple, axes: tuple[int, ...]) -> tuple:
    """`shape` with the reduced axes (negative indices) kept as size 1."""
    n = len(shape)
    return tuple(1 if i - n in axes else s for i, s in enumerate(shape))


def expand_reduced(g: Any, ans: Any, x: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
    """Broadcast a reduction's cotangent back over the reduced axes."""
    batch = _batch(g, ans)
    if not keepdims:
        g = reshape(g, batch + kept_shape(x.shape, axes))
    return broadcast_to(g, batch + x.shape)


def _sum_impl(x, axis, keepdims):
    return xp.sum(x, axis=axis, keepdims=keepdims)


sum_p = primitive(
    "sum", _sum_impl,
    vjp=lambda g, ans, x, axis, keepdims: expand_reduced(g, ans, x, axis, keepdims),
    jvp=lambda t, ans, x, axis, keepdims: sum_p(t, axis, keepdims),
)


def sum(x: Any, axis: Any = None, keepdims: bool = False, dtype: Any = None) -> Any:  # noqa: A001
    """Sum over `axis` (int, tuple, negative or None for all), like NumPy."""
    if dtype is not None:
        from .elementwise import astype

        x = astype(x, dtype)
    return sum_p(x, normalize_axes(axis, ndim_of(x), "sum"), bool(keepdims))
