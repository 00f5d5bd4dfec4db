"""1-D convolution (differentiable) and linear interpolation (values only)."""

from __future__ import annotations

from typing import Any

from ..backend import xp
from ..core.errors import ShapeError
from .compare import nondifferentiable
from .index import getitem
from .joins import pad
from .products import matmul
from .shape import flip

__all__ = ["convolve", "correlate", "interp"]

interp = nondifferentiable(xp.interp)


def _windows(a: Any, m: int) -> Any:
    """The (n + m - 1, m) sliding windows of `a` zero-padded by m - 1 on both sides."""
    n = a.shape[0]
    padded = pad(a, (m - 1, m - 1))
    index = xp.arange(n + m - 1)[:, None] + xp.arange(m)[None, :]
    return getitem(padded, index)


def convolve(a: Any, v: Any, mode: str = "full") -> Any:
    """Discrete linear convolution of two 1-D tensors, like `numpy.convolve`.

    Written as sliding windows times the flipped kernel, so it is
    differentiable in both arguments through getitem and matmul.
    """
    if mode not in ("full", "same", "valid"):
        raise ValueError(f"convolve: mode must be 'full', 'same' or 'valid', got {mode!r}")
    if len(getattr(a, "shape", ())) != 1 or len(getattr(v, "shape", ())) != 1:
        raise ShapeError(
            f"convolve: takes two 1-D tensors, got shapes {getattr(a, 'shape', ())} and {getattr(v, 'shape', ())}"
        )
    if a.shape[0] < v.shape[0]:
        a, v = v, a  # convolution is symmetric; NumPy swaps too
    n, m = a.shape[0], v.shape[0]
    if m == 0:
        raise ShapeError("convolve: v cannot be empty")
    full = matmul(_windows(a, m), flip(v))
    if mode == "full":
        return full
    if mode == "valid":
        return getitem(full, slice(m - 1, n))
    start = (m - 1) // 2
    return getitem(full, slice(start, start + n))


def correlate(a: Any, v: Any, mode: str = "valid") -> Any:
    """Cross-correlation of two 1-D tensors, like `numpy.correlate` (real inputs)."""
    return convolve(a, flip(v), mode)
