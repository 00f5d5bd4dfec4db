"""What every structured batch shares: array-like attributes, NumPy's
protocols and the arithmetic operators, dispatched to per-class handlers.

A structured batch stands for an (M, *S) array (M rows of element shape S)
without storing it.  It flows through derivative rules by duck typing and
NumPy's protocols, and only while the engine runs rules on raw arrays
(`STATE.raw`).  A handler returns a structured or dense result, or
NotImplemented where the structure would not survive; then the operation runs
on the dense array.  Outside raw mode every operation gives a dense array, so
a structured batch can never end up inside a tensor.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, ClassVar

from ..backend import xp
from ..core.graph import TensorBase
from ..core.mode import STATE


class Structured:
    """An (M, *S) batch of arrays, stored by its structure."""

    __slots__ = ()
    # Below Tensor's, so that a Tensor operand takes over mixed operations.
    __array_priority__ = 100
    # Filled in by each subclass: ufunc or NumPy function -> handler.
    _ufuncs: ClassVar[dict[Any, Callable]] = {}
    _functions: ClassVar[dict[Any, Callable]] = {}
    # Where no handler of this class applies, let another structured operand's
    # handlers try before both are made dense (one of two kinds must not).
    _defer: ClassVar[bool] = False

    shape: tuple

    def dense(self, dtype: Any = None) -> Any:
        raise NotImplementedError

    # ------------------------------------------------------------- array-like
    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def elem_shape(self) -> tuple:
        return self.shape[1:]

    @property
    def nrows(self) -> int:
        return self.shape[0]

    def __len__(self) -> int:
        return self.shape[0]

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> Any:
        return self.dense(dtype)

    def __getattr__(self, name: str) -> Any:
        # Any other array attribute or method (.real, .conj(), .copy(), .flags...)
        # is the dense array's: a rule written for arrays still works.
        if name.startswith("__") or name in type(self).__slots__:
            raise AttributeError(name)
        return getattr(self.dense(), name)

    # --------------------------------------------------------- NumPy protocol
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if any(isinstance(x, TensorBase) for x in inputs):
            return NotImplemented
        if method == "__call__" and not kwargs:
            handler = self._ufuncs.get(ufunc)
            if handler is not None:
                result = handler(*inputs)
                # Outside raw mode the result may go into a tensor: only a
                # dense one may (a basis times a matrix, in forward mode).
                if result is not NotImplemented and (STATE.raw or not isinstance(result, Structured)):
                    return result
            if self._defer and STATE.raw and any(isinstance(x, Structured) and not x._defer for x in inputs):
                return NotImplemented
        return getattr(ufunc, method)(*densify_all(inputs), **densify_kwargs(kwargs))

    def __array_function__(self, func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
        if func in _SHAPE_QUERIES:
            return _SHAPE_QUERIES[func](self)
        if STATE.raw and args and args[0] is self:
            handler = self._functions.get(func)
            if handler is not None:
                result = handler(*args, **kwargs)
                if result is not NotImplemented:
                    return result
        return func(*densify_all(args), **densify_kwargs(kwargs))

    # ---------------------------------------------------------------- operators
    # A tensor operand takes over (its reflected operator runs the primitive).
    # In raw mode the structured handler is called directly (no dispatch).
    def _binary(ufunc: Any, reflected: bool = False) -> Callable:  # noqa: N805
        def op(self: Structured, other: Any) -> Any:
            if isinstance(other, TensorBase):
                return NotImplemented
            a, b = (other, self) if reflected else (self, other)
            handler = self._ufuncs.get(ufunc) if STATE.raw else None
            if handler is not None:
                result = handler(a, b)
                if result is not NotImplemented:
                    return result
            return ufunc(a, b)

        return op

    __add__, __radd__ = _binary(xp.add), _binary(xp.add, True)
    __sub__, __rsub__ = _binary(xp.subtract), _binary(xp.subtract, True)
    __mul__, __rmul__ = _binary(xp.multiply), _binary(xp.multiply, True)
    __truediv__, __rtruediv__ = _binary(xp.divide), _binary(xp.divide, True)
    __matmul__, __rmatmul__ = _binary(xp.matmul), _binary(xp.matmul, True)
    del _binary

    def __getitem__(self, key: Any) -> Any:
        return self.dense()[key]

    def __iter__(self) -> Any:
        return iter(self.dense())

    def __abs__(self) -> Any:
        return xp.absolute(self)

    def __pow__(self, other: Any) -> Any:
        return NotImplemented if isinstance(other, TensorBase) else xp.power(self, other)

    def __neg__(self) -> Any:
        return xp.negative(self)

    def __pos__(self) -> Any:
        return xp.positive(self)


def densify(x: Any) -> Any:
    if isinstance(x, Structured):
        return x.dense()
    if isinstance(x, (list, tuple)) and any(isinstance(v, Structured) for v in x):
        return type(x)(densify(v) for v in x)
    return x


def densify_all(values: tuple) -> list:
    return [densify(v) for v in values]


def densify_kwargs(kwargs: dict) -> dict:
    return {k: densify(v) for k, v in kwargs.items()}


def fits(small: tuple, big: tuple) -> bool:
    """Does `small` broadcast to `big` without changing it?"""
    return len(small) <= len(big) and all(s == 1 or s == b for s, b in zip(small[::-1], big[::-1], strict=False))


_SHAPE_QUERIES: dict[Any, Callable] = {
    xp.ndim: lambda x: x.ndim,
    xp.shape: lambda x: x.shape,
    xp.size: lambda x: x.size,
}
