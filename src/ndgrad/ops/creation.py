"""Creating tensors: from data, filled, ranges and grids (NumPy's names)."""

from __future__ import annotations

from typing import Any

from ..backend import xp
from ..core.errors import DtypeError
from ..core.graph import TensorBase, wrap
from .shape import broadcast_to, reshape

__all__ = [
    "tensor",
    "asarray",
    "array",
    "zeros",
    "ones",
    "full",
    "empty",
    "zeros_like",
    "ones_like",
    "full_like",
    "empty_like",
    "arange",
    "linspace",
    "logspace",
    "eye",
    "identity",
    "meshgrid",
]


def _leaf(data: Any, requires_grad: bool) -> Any:
    t = wrap(data)
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Any:
    """A new leaf tensor from numbers, nested lists, arrays or tensors.

    NumPy arrays are used without a copy where NumPy would not copy.  Python
    floats give float64 and ints int64, as in NumPy.
    """
    if isinstance(data, TensorBase):
        data = data.data
    arr = xp.asarray(data, dtype=dtype)
    if arr.dtype == object:
        raise DtypeError(f"cannot make a tensor from {type(data).__name__} data of mixed or ragged shape")
    return _leaf(arr, requires_grad)


def _check_device(op: str, device: Any) -> None:
    """ndgrad computes on the CPU: the array API's `device=` may only name it."""
    if device not in (None, "cpu"):
        raise ValueError(f"{op}: ndgrad tensors live on the CPU (device 'cpu'); got device {device!r}")


def asarray(obj: Any, /, *, dtype: Any = None, device: Any = None, copy: bool | None = None) -> Any:
    """Array-API `asarray`: a tensor passes through unchanged when it can.

    `copy=True` always copies; `copy=False` never does and raises ValueError where it would have to.
    """
    _check_device("asarray", device)
    if isinstance(obj, TensorBase) and (dtype is None or obj.dtype == dtype) and not copy:
        return obj
    data = obj.data if isinstance(obj, TensorBase) else obj
    try:
        return wrap(xp.asarray(data, dtype=dtype, copy=copy))
    except ValueError as exc:
        if copy is False:
            raise ValueError(f"asarray: copy=False, but {exc}; pass copy=None to allow a copy") from None
        raise


def array(data: Any, dtype: Any = None, requires_grad: bool = False) -> Any:
    return tensor(
        xp.array(getattr(data, "data", data) if isinstance(data, TensorBase) else data, dtype=dtype),
        requires_grad=requires_grad,
    )


def _shape(shape: tuple) -> tuple:
    if len(shape) == 1 and not isinstance(shape[0], int):
        return tuple(shape[0])
    return tuple(shape)


def zeros(shape: Any, *more: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Any:
    """zeros(2, 3) or zeros((2, 3))."""
    _check_device("zeros", device)
    return _leaf(xp.zeros(_shape((shape, *more)), dtype=dtype), requires_grad)


def ones(shape: Any, *more: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Any:
    _check_device("ones", device)
    return _leaf(xp.ones(_shape((shape, *more)), dtype=dtype), requires_grad)


def empty(shape: Any, *more: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Any:
    _check_device("empty", device)
    return _leaf(xp.empty(_shape((shape, *more)), dtype=dtype), requires_grad)


def full(shape: Any, fill_value: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Any:
    _check_device("full", device)
    return _leaf(xp.full(shape, getattr(fill_value, "data", fill_value), dtype=dtype), requires_grad)


def _data(x: Any) -> Any:
    return x.data if isinstance(x, TensorBase) else xp.asarray(x)


def zeros_like(x: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Any:
    _check_device("zeros_like", device)
    return _leaf(xp.zeros_like(_data(x), dtype=dtype), requires_grad)


def ones_like(x: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Any:
    _check_device("ones_like", device)
    return _leaf(xp.ones_like(_data(x), dtype=dtype), requires_grad)


def empty_like(x: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Any:
    _check_device("empty_like", device)
    return _leaf(xp.empty_like(_data(x), dtype=dtype), requires_grad)


def full_like(x: Any, fill_value: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Any:
    _check_device("full_like", device)
    return _leaf(xp.full_like(_data(x), fill_value, dtype=dtype), requires_grad)


def arange(
    start: Any, stop: Any = None, step: Any = None, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Any:
    """arange(stop) or arange(start, stop, step), like NumPy."""
    _check_device("arange", device)
    return _leaf(xp.arange(start, stop, step, dtype=dtype), requires_grad)


def linspace(
    start: float,
    stop: float,
    num: int = 50,
    endpoint: bool = True,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Any:
    _check_device("linspace", device)
    return _leaf(xp.linspace(start, stop, num, endpoint=endpoint, dtype=dtype), requires_grad)


def logspace(
    start: float, stop: float, num: int = 50, endpoint: bool = True, base: float = 10.0, dtype: Any = None
) -> Any:
    return wrap(xp.logspace(start, stop, num, endpoint=endpoint, base=base, dtype=dtype))


def eye(
    n: int, m: int | None = None, k: int = 0, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Any:
    _check_device("eye", device)
    return _leaf(xp.eye(n, m, k, dtype=dtype), requires_grad)


def identity(n: int, dtype: Any = None) -> Any:
    return wrap(xp.identity(n, dtype=dtype))


def meshgrid(*xs: Any, indexing: str = "xy") -> list:
    """Coordinate grids from 1-D tensors, NumPy's default `indexing='xy'`.

    Differentiable: each grid is a reshape and a broadcast of its input.
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    xs = tuple(x if isinstance(x, TensorBase) else tensor(x) for x in xs)
    sizes = [x.size for x in xs]
    axis_of = list(range(len(xs)))
    if indexing == "xy" and len(xs) >= 2:
        axis_of[0], axis_of[1] = 1, 0
        sizes[0], sizes[1] = sizes[1], sizes[0]
    grids = []
    for x, axis in zip(xs, axis_of):
        shape = [1] * len(xs)
        shape[axis] = x.size
        grids.append(broadcast_to(reshape(x, tuple(shape)), tuple(sizes)))
    return grids
