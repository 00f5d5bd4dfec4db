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
