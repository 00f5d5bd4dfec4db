"""Axis arguments normalised once, at the call, so rules see one form."""

from __future__ import annotations

import operator
from typing import Any

from ..core.errors import ShapeError


def ndim_of(x: Any) -> int:
    return len(x.shape) if hasattr(x, "shape") else 0


def normalize_axis(axis: int, ndim: int, op: str = "operation") -> int:
    """A negative axis index (counting from the right), checked."""
    if not -ndim <= axis < ndim:
        raise ShapeError(f"{op}: axis {axis} is out of bounds for a tensor of rank {ndim} (valid: {-ndim}..{ndim - 1})")
    return axis - ndim if axis >= 0 else axis


def normalize_axes(axis: Any, ndim: int, op: str = "operation") -> tuple[int, ...]:
    """A tuple of distinct negative axes; `None` means all of them."""
    if axis is None:
        return tuple(range(-ndim, 0))
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (operator.index(axis),)
    out = tuple(sorted(normalize_axis(operator.index(a), ndim, op) for a in axes))
    if len(set(out)) != len(out):
        raise ShapeError(f"{op}: repeated axis in {axis}")
    return out
