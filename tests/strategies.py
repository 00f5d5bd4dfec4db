"""Hypothesis strategies shared by the tests: small shapes, axes, values."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

MAX_SIDE = 3


def shapes(min_dims: int = 0, max_dims: int = 3, max_side: int = MAX_SIDE) -> st.SearchStrategy[tuple]:
    """Array shapes with no zero-size axis, including () and size-1 axes."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side)


def broadcastable_with(shape: tuple, max_side: int = MAX_SIDE) -> st.SearchStrategy[tuple]:
    """Shapes that broadcast against `shape` (the result may be larger than it)."""
    return hnp.broadcastable_shapes(
        shape, min_dims=0, max_dims=max(len(shape), 1) + 1, min_side=1, max_side=max_side
    )


def axis(ndim: int) -> st.SearchStrategy[int]:
    """One axis index, positive or negative."""
    return st.integers(-ndim, ndim - 1)


def axes(ndim: int) -> st.SearchStrategy:
    """None (all axes) or a non-empty tuple of distinct axes, some negative."""
    if ndim == 0:
        return st.none()
    subsets = st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True)
    signed = subsets.flatmap(
        lambda chosen: st.tuples(*[st.sampled_from([a, a - ndim]) for a in chosen])
    )
    return st.none() | signed | axis(ndim)


def normalized_axes(ax, ndim: int) -> tuple[int, ...]:
    """Non-negative, sorted axes; None means all of them."""
    if ax is None:
        return tuple(range(ndim))
    if isinstance(ax, int):
        ax = (ax,)
    return tuple(sorted(a % ndim for a in ax))


def reduced_count(shape: tuple, ax) -> int:
    """How many elements each output of a reduction over `ax` combines."""
    return int(np.prod([shape[a] for a in normalized_axes(ax, len(shape))], dtype=np.int64))


def uniform_values(rng: np.random.Generator, shape: tuple, low: float = -2.0, high: float = 2.0) -> np.ndarray:
    """float64 values, well away from zero-size and overflow trouble."""
    return rng.uniform(low, high, shape)
