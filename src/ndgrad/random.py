"""Seeded random tensors: `ndgrad.random.seed(0); ndgrad.random.normal(size=(3,))`."""

from __future__ import annotations

from typing import Any

from .backend import xp
from .core.graph import wrap

_rng = xp.random.default_rng()


def seed(n: int | None = None) -> None:
    """Reseed the module's generator (reproducible runs)."""
    global _rng
    _rng = xp.random.default_rng(n)


def _out(arr: Any, dtype: Any, requires_grad: bool) -> Any:
    t = wrap(arr.astype(dtype, copy=False) if dtype is not None else arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def normal(
    loc: float = 0.0, scale: float = 1.0, size: Any = None, dtype: Any = None, requires_grad: bool = False
) -> Any:
    return _out(xp.asarray(_rng.normal(loc, scale, size)), dtype, requires_grad)


def uniform(
    low: float = 0.0, high: float = 1.0, size: Any = None, dtype: Any = None, requires_grad: bool = False
) -> Any:
    return _out(xp.asarray(_rng.uniform(low, high, size)), dtype, requires_grad)


def randn(*shape: int, dtype: Any = None, requires_grad: bool = False) -> Any:
    """Standard normal samples of the given shape (PyTorch's spelling)."""
    return normal(size=shape, dtype=dtype, requires_grad=requires_grad)


def rand(*shape: int, dtype: Any = None, requires_grad: bool = False) -> Any:
    return uniform(size=shape, dtype=dtype, requires_grad=requires_grad)


def integers(low: int, high: int | None = None, size: Any = None) -> Any:
    return wrap(xp.asarray(_rng.integers(low, high, size)))


def permutation(n: int) -> Any:
    return wrap(_rng.permutation(n))


class Generator:
    """An independent seeded stream, like `numpy.random.default_rng`."""

    def __init__(self, seed: int | None = None) -> None:
        self._rng = xp.random.default_rng(seed)

    def normal(
        self, loc: float = 0.0, scale: float = 1.0, size: Any = None, dtype: Any = None, requires_grad: bool = False
    ) -> Any:
        return _out(xp.asarray(self._rng.normal(loc, scale, size)), dtype, requires_grad)

    def uniform(
        self, low: float = 0.0, high: float = 1.0, size: Any = None, dtype: Any = None, requires_grad: bool = False
    ) -> Any:
        return _out(xp.asarray(self._rng.uniform(low, high, size)), dtype, requires_grad)

    def integers(self, low: int, high: int | None = None, size: Any = None) -> Any:
        return wrap(xp.asarray(self._rng.integers(low, high, size)))


def default_rng(seed: int | None = None) -> Generator:
    return Generator(seed)
