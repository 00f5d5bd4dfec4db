"""Data-type functions of the array API standard, answered by NumPy."""

from __future__ import annotations

from typing import Any

from ..backend import xp
from ..core.graph import TensorBase, wrap

__all__ = ["can_cast", "finfo", "iinfo", "isdtype", "result_type", "from_dlpack"]

_KINDS = {
    "bool": lambda d: d == xp.bool_,
    "signed integer": lambda d: xp.issubdtype(d, xp.signedinteger),
    "unsigned integer": lambda d: xp.issubdtype(d, xp.unsignedinteger),
    "integral": lambda d: xp.issubdtype(d, xp.integer),
    "real floating": lambda d: xp.issubdtype(d, xp.floating),
    "complex floating": lambda d: xp.issubdtype(d, xp.complexfloating),
    "numeric": lambda d: xp.issubdtype(d, xp.number),
}


def _dtype(x: Any) -> Any:
    """The dtype of a tensor or array, or `x` read as a dtype (np.int8 is a type whose
    `.dtype` attribute is a descriptor, not a dtype)."""
    if isinstance(x, TensorBase):
        return x.data.dtype
    if isinstance(x, (xp.ndarray, xp.generic)):
        return x.dtype
    return xp.dtype(x)


def isdtype(dtype: Any, kind: Any) -> bool:
    """Whether `dtype` is of `kind`: a dtype, a kind name, or a tuple of them."""
    if isinstance(kind, tuple):
        return any(isdtype(dtype, k) for k in kind)
    if isinstance(kind, str):
        if kind not in _KINDS:
            raise ValueError(f"isdtype: unknown kind {kind!r}; expected one of {', '.join(_KINDS)}")
        return bool(_KINDS[kind](xp.dtype(dtype)))
    return xp.dtype(dtype) == xp.dtype(kind)


def result_type(*arrays_and_dtypes: Any) -> Any:
    """The dtype NumPy's promotion gives these tensors, arrays, dtypes or scalars."""
    return xp.result_type(*(a.data if isinstance(a, TensorBase) else a for a in arrays_and_dtypes))


def can_cast(from_: Any, to: Any, /) -> bool:
    return bool(xp.can_cast(_dtype(from_), to))


def finfo(type: Any, /) -> Any:  # noqa: A002 - the standard's name
    return xp.finfo(_dtype(type))


def iinfo(type: Any, /) -> Any:  # noqa: A002
    return xp.iinfo(_dtype(type))


def from_dlpack(x: Any, /, *, device: Any = None, copy: bool | None = None) -> Any:
    """A tensor sharing memory with any DLPack producer (NumPy, PyTorch, JAX)."""
    return wrap(xp.from_dlpack(x, copy=copy) if copy is not None else xp.from_dlpack(x))
