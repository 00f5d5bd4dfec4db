"""The one place that names the array library.

Everything above this module asks for `xp` instead of importing NumPy, so a
future backend (CuPy, array-api-strict) would be a change of one line.
"""

from __future__ import annotations

import numpy as xp

ndarray = xp.ndarray
generic = xp.generic

# Types that hold raw array data: an array, or a NumPy scalar (what NumPy's
# ufuncs return for 0-d inputs; cheaper to compute with than 0-d arrays).
ARRAY_TYPES = (xp.ndarray, xp.generic)


def is_float_dtype(dtype) -> bool:
    return xp.issubdtype(dtype, xp.inexact)


def default_float():
    return xp.float64


def broadcast_to(x, shape: tuple):
    """NumPy's broadcast_to: a read-only view of `x` repeated to `shape`.

    A 0-d value (the cotangent of every full sum) gets its zero-stride view
    made directly, ten times faster than NumPy's general function.
    """
    if type(x) is ndarray and x.ndim == 0 or isinstance(x, generic):
        one = xp.ascontiguousarray(x)
        view = ndarray(shape, one.dtype, one, 0, (0,) * len(shape))
        view.flags.writeable = False
        return view
    return xp.broadcast_to(x, shape)


# `x.sum(axis, keepdims=...)` and `x.max(...)` call NumPy's Python-level
# wrappers, which then run these ufunc reductions; for an array, called
# directly, they give the same values in a third less time.  Anything else
# (a NumPy scalar, a tensor, a structured cotangent) keeps its own method.
_add_reduce = xp.add.reduce
_max_reduce = xp.maximum.reduce
_min_reduce = xp.minimum.reduce


def array_sum(x, axis=None, keepdims: bool = False):
    if type(x) is ndarray:
        return _add_reduce(x, axis, None, None, keepdims)
    return x.sum(axis=axis, keepdims=keepdims)


def array_max(x, axis=None, keepdims: bool = False):
    if type(x) is ndarray:
        return _max_reduce(x, axis, None, None, keepdims)
    return x.max(axis=axis, keepdims=keepdims)


def array_min(x, axis=None, keepdims: bool = False):
    if type(x) is ndarray:
        return _min_reduce(x, axis, None, None, keepdims)
    return x.min(axis=axis, keepdims=keepdims)
