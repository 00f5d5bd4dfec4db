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
