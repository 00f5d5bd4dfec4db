"""Shape operations.

Three primitives (reshape, broadcast_to, transpose), a differentiable copy,
and trace (one node, as a sum of the diagonal would be two); the rest here
is composed from them and from the indexing primitives: squeeze/expand_dims/
flatten are reshapes, swapaxes/moveaxis transposes, flip and diagonal are
indexing, tril/triu a `where`.  Joining, splitting, repeating and padding
live in `joins.py`.  Public functions normalise axes to negative ints, so
the rules let leading batch axes of cotangents and tangents ride along.
"""

from __future__ import annotations

import functools
import math
import operator
from typing import Any

from .. import backend
from ..backend import ARRAY_TYPES, xp
from ..core import TensorBase, primitive
from ..core.errors import ShapeError
from ._axes import ndim_of, normalize_axes, normalize_axis
from .elementwise import where
from .index import Index, getitem, getitem_p

__all__ = [
    "reshape", "broadcast_to", "transpose", "permute_dims", "flatten", "ravel", "swapaxes", "moveaxis",
    "matrix_transpose", "squeeze", "expand_dims", "unsqueeze", "flip", "diagonal", "trace", "triu", "tril", "copy",
]


def _nb(g: Any, ref: Any) -> int:
    return g.ndim - ref.ndim


def _reads_no_saved_values(ans):
    """Declares that a rule needs no saved value (only shapes, which in-place
    operations never change): the registry reads a rule's `derivative`
    attribute to learn which values to guard with version counters."""


def _reshape_vjp(g, ans, x, shape):
    # `shape` is the output's shape: what g has beyond it are batch axes.
    return reshape_p(g, g.shape[: g.ndim - len(shape)] + x.shape)


_reshape_vjp.derivative = _reads_no_saved_values  # type: ignore[attr-defined]


# The array methods cost a fifth of NumPy's function wrappers on small arrays;
# anything else (a NumPy scalar, a structured batch) takes the function.
def _reshape_impl(x, shape):
    return x.reshape(shape) if type(x) is xp.ndarray else xp.reshape(x, shape)


def _transpose_impl(x, axes):
    return x.transpose(axes) if type(x) is xp.ndarray else xp.transpose(x, axes)


reshape_p = primitive(
    "reshape", _reshape_impl,
    vjp=_reshape_vjp,
    jvp=lambda t, ans, x, shape: reshape_p(t, t.shape[: _nb(t, x)] + tuple(shape)),
)


def _int_tuple(v: Any) -> tuple[int, ...]:
    """An int, or a sequence of them (tuple, list, array, tensor), as a tuple of ints."""
    if type(v) is int:
        return (v,)
    if isinstance(v, (tuple, list)):
        return tuple(operator.index(a) for a in v)
    arr = xp.asarray(v.data if isinstance(v, TensorBase) else v)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"expected integers (a shape, axes or counts), got {v!r}")
    return (int(arr),) if arr.ndim == 0 else tuple(int(a) for a in arr.ravel())


def _shape_arg(shape: tuple) -> tuple:
    """reshape(2, 3) and reshape((2, 3)) alike."""
    return _int_tuple(shape[0] if len(shape) == 1 else shape)


def resolve_shape(old: tuple, new: tuple, op: str = "reshape") -> tuple:
    """Fill in a -1 and check the sizes agree, with an error that explains."""
    size = math.prod(old)
    unknown = [i for i, s in enumerate(new) if s == -1]
    known = math.prod(s for s in new if s != -1)
    if len(unknown) > 1:
        raise ShapeError(f"{op}: only one dimension can be -1, got shape {new}")
    if unknown and known and size % known == 0:
        new = new[: unknown[0]] + (size // known,) + new[unknown[0] + 1 :]
    if math.prod(new) != size or any(s < 0 for s in new):
        raise ShapeError(
            f"{op}: cannot reshape a tensor of shape {old} ({size} elements) into shape {new} "
            f"({'?' if unknown else math.prod(new)} elements). The total number of elements must stay {size}."
        )
    return new


def reshape(x: Any, /, shape: Any, *more: Any, copy: bool | None = None) -> Any:
    """Same data, new shape (one dimension may be -1): reshape(x, (2, 3)) or reshape(x, 2, 3).

    `copy=True` always gives new memory; `copy=False` raises where a view is impossible.
    """
    new = resolve_shape(tuple(getattr(x, "shape", ())), _shape_arg((shape, *more)))
    if copy is False:
        data = x.data if isinstance(x, TensorBase) else xp.asarray(x)
        try:
            xp.reshape(data, new, copy=False)
        except ValueError:
            raise ValueError(
                f"reshape: shape {tuple(data.shape)} -> {new} needs a copy (the memory is not contiguous), "
                "but copy=False was given; pass copy=None to allow it"
            ) from None
    out = reshape_p(x, new)
    return copy_op(out) if copy else out


broadcast_p = primitive(
    "broadcast_to", backend.broadcast_to,
    # The engine sums the cotangent back to the input's shape.
    vjp=lambda g, ans, x, shape: g,
    jvp=lambda t, ans, x, shape: t,
    broadcasting=True,
)


def broadcast_to(x: Any, shape: Any) -> Any:
    """A read-only view of `x` repeated to `shape` (NumPy's rules)."""
    shape = _int_tuple(shape)
    if tuple(getattr(x, "shape", ())) == shape:
        return x
    return broadcast_p(x, shape)


def _inverse(perm: tuple) -> tuple:
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return tuple(inv)


def _batched(perm: tuple, nb: int) -> tuple:
    return tuple(range(nb)) + tuple(nb + p for p in perm)


transpose_p = primitive(
    "transpose", _transpose_impl,
    vjp=lambda g, ans, x, axes: transpose_p(g, _batched(_inverse(axes), _nb(g, ans))),
    jvp=lambda t, ans, x, axes: transpose_p(t, _batched(axes, _nb(t, x))),
)


def transpose(x: Any, axes: Any = None) -> Any:
    """Permute axes (reverse them when `axes` is None), like NumPy."""
    n = ndim_of(x)
    axes = tuple(reversed(range(n))) if axes is None else tuple(int(a) % n if n else int(a) for a in axes)
    if sorted(axes) != list(range(n)):
        raise ShapeError(f"transpose: axes {axes} are not a permutation of the {n} axes of a tensor of shape {x.shape}")
    return transpose_p(x, axes)


def permute_dims(x: Any, axes: Any) -> Any:
    """Array-API spelling of transpose."""
    return transpose(x, axes)


_OPERAND_TYPES = (TensorBase, *ARRAY_TYPES)


def _operand(x: Any) -> Any:
    """A tensor or raw array as it is; anything else (lists, numbers) as an array."""
    return x if isinstance(x, _OPERAND_TYPES) else xp.asarray(x)


# ------------------------------------------------------------------ reshapes


def flatten(x: Any, start_dim: int = 0, end_dim: int = -1) -> Any:
    """Axes start_dim..end_dim merged into one (all of them by default: a 1-D tensor)."""
    x = _operand(x)
    shape = tuple(x.shape)
    if not shape:
        return reshape_p(x, (1,))
    start = normalize_axis(start_dim, len(shape), "flatten") % len(shape)
    end = normalize_axis(end_dim, len(shape), "flatten") % len(shape)
    if start > end:
        raise ShapeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for shape {shape}")
    return reshape_p(x, shape[:start] + (math.prod(shape[start : end + 1]),) + shape[end + 1 :])


def ravel(x: Any, order: str = "C") -> Any:
    """The elements as a 1-D tensor, in row-major ('C') or column-major ('F') order."""
    x = _operand(x)
    if order == "F":
        x = transpose(x)
    elif order != "C":
        raise ValueError(f"ravel: order must be 'C' or 'F', got {order!r}")
    return reshape_p(x, (math.prod(x.shape),))


def squeeze(x: Any, axis: Any = None) -> Any:
    """Remove size-1 axes (all of them, or the ones named by `axis`)."""
    x = _operand(x)
    shape = tuple(x.shape)
    if axis is None:
        return reshape_p(x, tuple(n for n in shape if n != 1))
    axes = normalize_axes(_int_tuple(axis), len(shape), "squeeze")
    for a in axes:
        if shape[a] != 1:
            raise ShapeError(
                f"squeeze: axis {a % len(shape)} has size {shape[a]}, but only size-1 axes can be removed "
                f"(tensor shape {shape}). Fix: squeeze another axis, or index it (x[..., 0]) or sum over it."
            )
    n = len(shape)
    return reshape_p(x, tuple(s for i, s in enumerate(shape) if i - n not in axes))


def expand_dims(x: Any, axis: Any) -> Any:
    """Insert size-1 axes so that they sit at positions `axis` (int or tuple) of the result."""
    x = _operand(x)
    shape = tuple(x.shape)
    axes = _int_tuple(axis)
    out_ndim = len(shape) + len(axes)
    new = {a % out_ndim for a in normalize_axes(axes, out_ndim, "expand_dims")}
    rest = iter(shape)
    return reshape_p(x, tuple(1 if i in new else next(rest) for i in range(out_ndim)))


def unsqueeze(x: Any, axis: int) -> Any:
    """PyTorch's name for expand_dims."""
    return expand_dims(x, axis)


# ---------------------------------------------------------------- transposes


def swapaxes(x: Any, axis1: int, axis2: int) -> Any:
    """Exchange two axes."""
    x = _operand(x)
    n = x.ndim
    a, b = (normalize_axis(int(ax), n, "swapaxes") % n for ax in (axis1, axis2))
    perm = list(range(n))
    perm[a], perm[b] = b, a
    return transpose_p(x, tuple(perm))


def _axis_list(axes: Any, n: int, op: str) -> list[int]:
    """Axes as non-negative ints, checked (order and repeats kept)."""
    return [normalize_axis(a, n, op) % n for a in _int_tuple(axes)]


def moveaxis(x: Any, source: Any, destination: Any) -> Any:
    """Move axes to new positions; the other axes keep their order."""
    x = _operand(x)
    n = x.ndim
    src, dst = _axis_list(source, n, "moveaxis"), _axis_list(destination, n, "moveaxis")
    if len(src) != len(dst) or len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ShapeError(
            f"moveaxis: source {source} and destination {destination} must name the same number of distinct axes"
        )
    order = [a for a in range(n) if a not in src]
    for d, s in sorted(zip(dst, src, strict=True)):
        order.insert(d, s)
    return transpose_p(x, tuple(order))


def matrix_transpose(x: Any) -> Any:
    """Swap the last two axes: the transpose of each matrix in a stack (Tensor.mT)."""
    x = _operand(x)
    if x.ndim < 2:
        raise ShapeError(
            f"matrix_transpose: needs at least 2 axes, got shape {tuple(x.shape)}. "
            "For a vector use x[:, None] (column) or x[None, :] (row)."
        )
    return swapaxes(x, -1, -2)


# ---------------------------------------------------------------- reordering


def flip(x: Any, axis: Any = None) -> Any:
    """Reverse the order of elements along `axis` (all axes when None)."""
    x = _operand(x)
    n = x.ndim
    axes = normalize_axes(None if axis is None else _int_tuple(axis), n, "flip")
    return getitem(x, tuple(slice(None, None, -1) if i - n in axes else slice(None) for i in range(n)))


# ----------------------------------------------------------------- diagonals


def diagonal(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The diagonal of the (axis1, axis2) planes, as the last axis, like np.diagonal."""
    x = _operand(x)
    n = x.ndim
    a1, a2 = _plane_axes(tuple(x.shape), axis1, axis2, "diagonal")
    # Move the two axes to the end, then pick (i, i + offset) pairs there.
    order = tuple(a for a in range(n) if a not in (a1, a2)) + (a1, a2)
    moved = x if order == tuple(range(n)) else transpose_p(x, order)
    return getitem_p(moved, index=_diagonal_index(tuple(moved.shape), int(offset)))


def _plane_axes(shape: tuple, axis1: Any, axis2: Any, op: str) -> tuple[int, int]:
    """The two distinct axes (non-negative) of the planes diagonal and trace read."""
    n = len(shape)
    if n < 2:
        raise ShapeError(f"{op}: needs at least 2 axes, got shape {shape}")
    a1, a2 = (normalize_axis(int(a), n, op) % n for a in (axis1, axis2))
    if a1 == a2:
        raise ShapeError(f"{op}: axis1 and axis2 must differ, both are {a1}")
    return a1, a2


@functools.lru_cache(maxsize=256)  # an Index takes longer to analyse than the op takes to run
def _diagonal_index(shape: tuple, offset: int) -> Index:
    """The (i, i + offset) positions of the last two axes of `shape`."""
    rows, cols = shape[-2:]
    k = max(0, min(rows + min(offset, 0), cols - max(offset, 0)))
    r = xp.arange(k) + max(-offset, 0)
    c = xp.arange(k) + max(offset, 0)
    # The positions are distinct, so the gradient may assign instead of add.
    return Index(shape, (Ellipsis, r, c), unique=True)


def _trace_vjp(g, ans, x, offset, axis1, axis2, shape):
    # g back on the diagonal: g with the two axes as size 1, times an eye there.
    kept = tuple(1 if i in (axis1, axis2) else n for i, n in enumerate(shape, -len(shape)))
    g = reshape_p(g, g.shape[: g.ndim - len(shape) + 2] + kept)
    return g * _diagonal_mask(shape, offset, axis1, axis2, g.dtype)


@functools.lru_cache(maxsize=256)
def _diagonal_mask(shape: tuple, offset: int, axis1: int, axis2: int, dtype: Any) -> Any:
    """Ones at (i, i + offset) on the (axis1, axis2) planes of `shape`, and
    size 1 along every other axis (read-only, shared)."""
    eye = xp.eye(shape[axis1], shape[axis2], offset, dtype=dtype)
    mask = (eye if axis1 < axis2 else eye.T).reshape(
        tuple(n if i in (axis1, axis2) else 1 for i, n in enumerate(shape, -len(shape)))
    )
    mask.flags.writeable = False
    return mask


# The input's shape rides along as a constant: the rules read neither x nor the output.
trace_p = primitive(
    "trace",
    lambda x, offset, axis1, axis2, shape: x.trace(offset, axis1, axis2),
    vjp=_trace_vjp,
    jvp=lambda t, ans, x, offset, axis1, axis2, shape: trace_p(t, offset, axis1, axis2, shape),
    fresh=True,
)


def trace(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """Sum of the diagonal of the (axis1, axis2) planes, like np.trace."""
    x = _operand(x)
    n = x.ndim
    a1, a2 = _plane_axes(tuple(x.shape), axis1, axis2, "trace")
    return trace_p(x, int(offset), a1 - n, a2 - n, tuple(x.shape))


def _triangle(x: Any, keep_lower: bool, k: int, op: str) -> Any:
    x = _operand(x)
    if x.ndim < 1:
        raise ShapeError(f"{op}: needs at least 1 axis, got a 0-d tensor")
    rows, cols = (x.shape[-2], x.shape[-1]) if x.ndim >= 2 else (x.shape[-1], x.shape[-1])
    lower = xp.tri(rows, cols, k if keep_lower else k - 1, dtype=bool)
    return where(lower if keep_lower else ~lower, x, xp.zeros((), dtype=x.dtype))


def tril(x: Any, k: int = 0) -> Any:
    """Zero the elements above the k-th diagonal of the last two axes."""
    return _triangle(x, True, int(k), "tril")


def triu(x: Any, k: int = 0) -> Any:
    """Zero the elements below the k-th diagonal of the last two axes."""
    return _triangle(x, False, int(k), "triu")


# ----------------------------------------------------------------------- copy


def _copy_impl(x):
    return xp.array(x, copy=True)


copy_p = primitive(
    "copy", _copy_impl,
    vjp=lambda g, ans, x: g,
    jvp=lambda t, ans, x: t,
)


def copy(x: Any) -> Any:
    """A copy with its own memory that stays on the graph (Tensor.clone)."""
    return copy_p(_operand(x))


copy_op = copy
