"""Comparisons, logic and bit operations: values only, never differentiable."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..backend import xp
from ..core.graph import STATE, TensorBase, wrap

__all__ = [
    "equal",
    "not_equal",
    "less",
    "less_equal",
    "greater",
    "greater_equal",
    "logical_and",
    "logical_or",
    "logical_xor",
    "logical_not",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "bitwise_invert",
    "bitwise_not",
    "bitwise_left_shift",
    "bitwise_right_shift",
    "invert",
    "left_shift",
    "right_shift",
    "isfinite",
    "isinf",
    "isnan",
    "signbit",
    "isclose",
    "allclose",
    "array_equal",
]


def _raw(x: Any) -> Any:
    return x.data if isinstance(x, TensorBase) else x


def nondifferentiable(fn: Callable) -> Callable:
    """Wrap a NumPy function: tensors in, a tensor out, no graph recorded."""

    def op(*args: Any, **kwargs: Any) -> Any:
        out = fn(*(_raw(a) for a in args), **kwargs)
        return out if STATE.raw else wrap(out)

    op.__name__ = op.__qualname__ = fn.__name__
    op.__doc__ = f"{fn.__name__} on tensor values (not differentiable)."
    return op


equal = nondifferentiable(xp.equal)
not_equal = nondifferentiable(xp.not_equal)
less = nondifferentiable(xp.less)
less_equal = nondifferentiable(xp.less_equal)
greater = nondifferentiable(xp.greater)
greater_equal = nondifferentiable(xp.greater_equal)
logical_and = nondifferentiable(xp.logical_and)
logical_or = nondifferentiable(xp.logical_or)
logical_xor = nondifferentiable(xp.logical_xor)
logical_not = nondifferentiable(xp.logical_not)
bitwise_and = nondifferentiable(xp.bitwise_and)
bitwise_or = nondifferentiable(xp.bitwise_or)
bitwise_xor = nondifferentiable(xp.bitwise_xor)
bitwise_invert = nondifferentiable(xp.invert)
bitwise_not = bitwise_invert
bitwise_left_shift = nondifferentiable(xp.left_shift)
bitwise_right_shift = nondifferentiable(xp.right_shift)
invert, left_shift, right_shift = bitwise_invert, bitwise_left_shift, bitwise_right_shift
isfinite = nondifferentiable(xp.isfinite)
isinf = nondifferentiable(xp.isinf)
isnan = nondifferentiable(xp.isnan)
signbit = nondifferentiable(xp.signbit)
isclose = nondifferentiable(xp.isclose)


def allclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    return bool(xp.allclose(_raw(a), _raw(b), rtol=rtol, atol=atol, equal_nan=equal_nan))


def array_equal(a: Any, b: Any) -> bool:
    return bool(xp.array_equal(_raw(a), _raw(b)))
