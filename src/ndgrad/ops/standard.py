"""The rest of the array API standard (2024.12) that no other ops module provides.

`bool` (the standard's spelling of the boolean dtype), `broadcast_arrays`,
`broadcast_shapes`, `copysign`, `nextafter` and `__array_namespace_info__`.
`copysign` and `broadcast_arrays` are compositions of primitives, so they
carry gradients; `nextafter` has no useful derivative and refuses inputs that
are being differentiated instead of silently dropping them from the graph.
"""

from __future__ import annotations

import builtins
from typing import Any

from ..backend import ARRAY_TYPES, xp
from ..core.errors import DtypeError, broadcast_error
from ..core.graph import STATE, TensorBase, wrap
from . import compare
from . import elementwise as ew
from .shape import broadcast_to

__all__ = [
    "bool",
    "broadcast_arrays",
    "broadcast_shapes",
    "copysign",
    "nextafter",
    "__array_namespace_info__",
]

_SCALARS = (builtins.bool, int, float, complex)


def _raw(x: Any) -> Any:
    return x.data if isinstance(x, TensorBase) else x


def _shape_of(x: Any) -> tuple:
    return tuple(getattr(x, "shape", ()))


# ------------------------------------------------------------------ broadcasting


def broadcast_shapes(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape that `shapes` broadcast to (NumPy's rules), or a ShapeError that shows them aligned."""
    shapes = tuple(tuple(s) for s in shapes)
    try:
        return tuple(xp.broadcast_shapes(*shapes))
    except ValueError:
        raise broadcast_error("broadcast_shapes", shapes) from None


def broadcast_arrays(*arrays: Any) -> list:
    """Every argument broadcast to their common shape (differentiable views).

    A list, as the 2024.12 standard specifies.
    """
    shape = broadcast_shapes(*(_shape_of(a) for a in arrays))
    operands = [a if isinstance(a, (TensorBase, *ARRAY_TYPES)) else xp.asarray(a) for a in arrays]
    return [broadcast_to(a, shape) if _shape_of(a) != shape else _as_tensor(a) for a in operands]


def _as_tensor(a: Any) -> Any:
    if STATE.raw or isinstance(a, TensorBase):
        return a
    return wrap(xp.asarray(a))


# ---------------------------------------------------------------- elementwise


def _result_dtype(op: str, x1: Any, x2: Any) -> Any:
    """The floating dtype of `op(x1, x2)`; Python scalars are weak (NEP 50)."""
    dtype = xp.result_type(_raw(x1), _raw(x2))
    if xp.issubdtype(dtype, xp.complexfloating):
        raise DtypeError(f"{op}: needs real operands, got dtype {dtype}; take ndgrad.real(...) or abs(...) first")
    if not xp.issubdtype(dtype, xp.floating):
        dtype = xp.result_type(dtype, xp.float16)  # NumPy's ufunc result for integer and bool inputs
    return dtype


def _cast(x: Any, dtype: Any) -> Any:
    if isinstance(x, _SCALARS):
        return xp.asarray(x, dtype=dtype)
    return x if _raw(x).dtype == dtype else ew.astype(x, dtype)


def copysign(x1: Any, x2: Any, /) -> Any:
    """|x1| with the sign of x2 (the sign bit, so -0.0 and -nan count as negative).

    Differentiable in x1 (+1 or -1 where the sign flips); its derivative in x2 is zero.
    """
    dtype = _result_dtype("copysign", x1, x2)
    x1, x2 = _cast(x1, dtype), _cast(x2, dtype)
    flip = compare.logical_xor(compare.signbit(x1), compare.signbit(x2))
    return ew.where(flip, ew.negative(x1), x1)


def _tracked(x: Any) -> builtins.bool:
    return isinstance(x, TensorBase) and ((x.requires_grad and STATE.grad_enabled) or builtins.bool(x._tan))


def nextafter(x1: Any, x2: Any, /) -> Any:
    """The next representable floating-point value after x1 towards x2 (not differentiable)."""
    if _tracked(x1) or _tracked(x2):
        raise DtypeError(
            "nextafter has no derivative (it steps to a neighbouring float), but an input is being "
            "differentiated. Pass x.detach() (or compute it under ndgrad.no_grad()) to use its value."
        )
    dtype = _result_dtype("nextafter", x1, x2)
    out = xp.nextafter(_raw(_cast(x1, dtype)), _raw(_cast(x2, dtype)))
    return out if STATE.raw else wrap(xp.asarray(out))


# ------------------------------------------------------------------ inspection

_KINDS: dict[str, tuple[str, ...]] = {
    "bool": ("bool",),
    "signed integer": ("int8", "int16", "int32", "int64"),
    "unsigned integer": ("uint8", "uint16", "uint32", "uint64"),
    "real floating": ("float32", "float64"),
    "complex floating": ("complex64", "complex128"),
}
_KINDS["integral"] = _KINDS["signed integer"] + _KINDS["unsigned integer"]
_KINDS["numeric"] = _KINDS["integral"] + _KINDS["real floating"] + _KINDS["complex floating"]


def _check_device(device: Any) -> None:
    if device not in (None, "cpu"):
        raise ValueError(f"ndgrad tensors live on the CPU (device 'cpu'); got device {device!r}")


class ArrayNamespaceInfo:
    """What `ndgrad.__array_namespace_info__()` answers: devices, dtypes, capabilities."""

    __slots__ = ()

    def capabilities(self) -> dict[str, Any]:
        return {"boolean indexing": True, "data-dependent shapes": True, "max dimensions": 64}

    def default_device(self) -> str:
        return "cpu"

    def devices(self) -> list[str]:
        return ["cpu"]

    def default_dtypes(self, *, device: Any = None) -> dict[str, Any]:
        _check_device(device)
        return {
            "real floating": xp.dtype(xp.float64),
            "complex floating": xp.dtype(xp.complex128),
            "integral": xp.dtype(xp.int64),
            "indexing": xp.dtype(xp.int64),
        }

    def dtypes(self, *, device: Any = None, kind: str | tuple[str, ...] | None = None) -> dict[str, Any]:
        """The supported dtypes of `kind` (all of them when None), by name."""
        _check_device(device)
        kinds = ("bool", "numeric") if kind is None else kind if isinstance(kind, tuple) else (kind,)
        names: dict[str, Any] = {}
        for k in kinds:
            if k not in _KINDS:
                raise ValueError(
                    f"__array_namespace_info__().dtypes: unknown kind {k!r}; expected one of {list(_KINDS)}"
                )
            names.update((n, xp.dtype(n)) for n in _KINDS[k])
        return names


def __array_namespace_info__() -> ArrayNamespaceInfo:
    """The standard's inspection object for this namespace."""
    return ArrayNamespaceInfo()


bool = xp.bool  # noqa: A001 - the standard's name for the boolean dtype
