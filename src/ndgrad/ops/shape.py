"""Shape operations.

Four primitives (reshape, broadcast_to, transpose, concatenate) and a
differentiable copy; everything else is composed from them and from the
indexing primitives: squeeze/expand_dims/flatten are reshapes,
swapaxes/moveaxis transposes, stack is expand_dims + concatenate, split and
flip are slices, tile and repeat are reshape + broadcast, tril/triu a `where`.
Public functions normalise axes to negative ints, so the rules let leading
batch axes of cotangents and tangents ride along.
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
from .index import Index, getitem, getitem_p, take

__all__ = [
    "reshape", "broadcast_to", "transpose", "permute_dims", "flatten", "ravel", "swapaxes", "moveaxis",
    "matrix_transpose", "squeeze", "expand_dims", "unsqueeze", "concatenate", "concat", "stack", "unstack",
    "split", "array_split", "tile", "repeat", "flip", "roll", "pad", "diagonal", "trace", "triu", "tril", "copy",
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

reshape_p = primitive(
    "reshape", xp.reshape,
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
    "transpose", xp.transpose,
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


# --------------------------------------------------------------- concatenate

# Rules are generated per argument position; longer lists are joined in chunks.
_MAX_CONCAT_ARGS = 32


def _along(axis: int, index: Any) -> tuple:
    """An index applying `index` on one (negative) axis; leading batch axes ride along in `...`."""
    return (Ellipsis, index) + (slice(None),) * (-axis - 1)


def _concat_vjp(i: int) -> Any:
    def rule(g, ans, *xs, axis, bounds):
        return g[_along(axis, slice(bounds[i], bounds[i + 1]))]

    rule.derivative = _reads_no_saved_values  # type: ignore[attr-defined]
    return rule


def _concat_jvp(i: int) -> Any:
    def rule(t, ans, *xs, axis, bounds):
        # Argument i's tangent sits in zeros over the other arguments' span.
        before, after = list(t.shape), list(t.shape)
        before[axis], after[axis] = bounds[i], bounds[-1] - bounds[i + 1]
        parts = [t]
        if before[axis]:
            parts.insert(0, xp.zeros(before, dtype=t.dtype))
        if after[axis]:
            parts.append(xp.zeros(after, dtype=t.dtype))
        return concatenate(parts, axis=axis) if len(parts) > 1 else t

    rule.derivative = _reads_no_saved_values  # type: ignore[attr-defined]
    return rule


def _concat_impl(*xs, axis, bounds):
    return xp.concatenate(xs, axis=axis)


concatenate_p = primitive(
    "concatenate", _concat_impl,
    vjp=[_concat_vjp(i) for i in range(_MAX_CONCAT_ARGS)],
    jvp=[_concat_jvp(i) for i in range(_MAX_CONCAT_ARGS)],
)


def _stack_vjp(i: int) -> Any:
    def rule(g, ans, *xs, axis):
        return g[_along(axis, i)]

    rule.derivative = _reads_no_saved_values  # type: ignore[attr-defined]
    return rule


def _stack_jvp(i: int) -> Any:
    spread = _concat_jvp(i)

    def rule(t, ans, *xs, axis):
        # Argument i's tangent, given the new axis, sits in zeros over the others' slots.
        at = t.ndim + axis + 1
        slot = reshape_p(t, tuple(t.shape[:at]) + (1,) + tuple(t.shape[at:]))
        return spread(slot, ans, *xs, axis=axis, bounds=tuple(range(len(xs) + 1)))

    rule.derivative = _reads_no_saved_values  # type: ignore[attr-defined]
    return rule


# One node (the inputs given a size-1 axis and joined would be one more per input).
stack_p = primitive(
    "stack", lambda *xs, axis: xp.stack(xs, axis=axis),
    vjp=[_stack_vjp(i) for i in range(_MAX_CONCAT_ARGS)],
    jvp=[_stack_jvp(i) for i in range(_MAX_CONCAT_ARGS)],
)


def _check_joinable(shapes: list[tuple], axis: int, op: str) -> None:
    first = shapes[0]
    for k, shape in enumerate(shapes):
        if not shape:
            raise ShapeError(f"{op}: input {k} is 0-d (a scalar); only tensors with at least one axis can be joined. "
                             "Fix: make it 1-D first, e.g. x.reshape(1).")
        if len(shape) != len(first):
            raise ShapeError(
                f"{op}: all inputs need the same number of axes, but input 0 has shape {first} and "
                f"input {k} has shape {shape}. Fix: reshape or expand_dims the inputs to the same rank."
            )
        bad = [d for d in range(len(shape)) if d - len(shape) != axis and shape[d] != first[d]]
        if bad:
            raise ShapeError(
                f"{op}: inputs must match in every axis except the joined axis {axis % len(shape)}, but input 0 "
                f"has shape {first} and input {k} has shape {shape} (they differ in axis {bad[0]}). "
                "Fix: join along the axis where they differ, or reshape/transpose the inputs first."
            )


def concatenate(arrays: Any, axis: int | None = 0) -> Any:
    """Join tensors along an existing axis (flattening them first when axis is None)."""
    xs = [_operand(a) for a in arrays]
    if not xs:
        raise ValueError("concatenate: needs at least one tensor to join")
    if axis is None:
        xs = [reshape_p(x, (math.prod(x.shape),)) for x in xs]
        axis = 0
    axis = normalize_axis(int(axis), max(xs[0].ndim, 1), "concatenate")
    _check_joinable([tuple(x.shape) for x in xs], axis, "concatenate")
    return _join(xs, axis)


def _join(xs: list, axis: int) -> Any:
    """The concatenate primitive on checked inputs and a negative axis."""
    if len(xs) > _MAX_CONCAT_ARGS:
        xs = [_join(xs[k : k + _MAX_CONCAT_ARGS], axis) for k in range(0, len(xs), _MAX_CONCAT_ARGS)]
    bounds = [0]
    for x in xs:
        bounds.append(bounds[-1] + x.shape[axis])
    return concatenate_p(*xs, axis=axis, bounds=tuple(bounds))


def concat(arrays: Any, axis: int | None = 0) -> Any:
    """Array-API name for concatenate."""
    return concatenate(arrays, axis)


def stack(arrays: Any, axis: int = 0) -> Any:
    """Join same-shape tensors along a new axis."""
    xs = [_operand(a) for a in arrays]
    if not xs:
        raise ValueError("stack: needs at least one tensor")
    shapes = [tuple(x.shape) for x in xs]
    for k, shape in enumerate(shapes):
        if shape != shapes[0]:
            raise ShapeError(
                f"stack: all inputs must have the same shape, but input 0 has shape {shapes[0]} and input {k} "
                f"has shape {shape}. Fix: reshape them alike, or use concatenate to join along an existing axis."
            )
    shape = shapes[0]
    axis = normalize_axis(int(axis), len(shape) + 1, "stack")
    if len(xs) <= _MAX_CONCAT_ARGS:
        return stack_p(*xs, axis=axis)
    at = axis + len(shape) + 1
    expanded = shape[:at] + (1,) + shape[at:]
    return _join([reshape_p(x, expanded) for x in xs], axis)


# ------------------------------------------------------------------ splitting


def unstack(x: Any, axis: int = 0) -> tuple:
    """The slices along `axis`, as a tuple of tensors with that axis removed."""
    x = _operand(x)
    axis = normalize_axis(int(axis), x.ndim, "unstack") % x.ndim
    lead = (slice(None),) * axis
    return tuple(getitem(x, lead + (i,)) for i in range(x.shape[axis]))


def _split_at(x: Any, cuts: list[int], axis: int) -> list:
    lead = (slice(None),) * axis
    edges = [0, *cuts, x.shape[axis]]
    return [getitem(x, lead + (slice(a, b),)) for a, b in zip(edges[:-1], edges[1:], strict=True)]


def split(x: Any, indices_or_sections: Any, axis: int = 0) -> list:
    """Split into equal sections (an int) or at the given indices, like np.split."""
    x = _operand(x)
    axis = normalize_axis(int(axis), x.ndim, "split") % x.ndim
    if xp.ndim(indices_or_sections) == 0:
        n, k = x.shape[axis], operator.index(indices_or_sections)
        if k <= 0 or n % k:
            raise ShapeError(
                f"split: axis {axis} of size {n} cannot be split into {k} equal sections. "
                "Fix: use array_split for nearly equal sections, or pass the split indices."
            )
        return _split_at(x, [i * (n // k) for i in range(1, k)], axis)
    return _split_at(x, list(_int_tuple(indices_or_sections)), axis)


def array_split(x: Any, indices_or_sections: Any, axis: int = 0) -> list:
    """As split, but an int number of sections need not divide the axis:
    the first `n % sections` pieces get one extra element."""
    x = _operand(x)
    axis = normalize_axis(int(axis), x.ndim, "array_split") % x.ndim
    if xp.ndim(indices_or_sections) != 0:
        return _split_at(x, list(_int_tuple(indices_or_sections)), axis)
    k = operator.index(indices_or_sections)
    if k <= 0:
        raise ValueError(f"array_split: the number of sections must be positive, got {k}")
    size, extra = divmod(x.shape[axis], k)
    cuts, at = [], 0
    for i in range(k - 1):
        at += size + (i < extra)
        cuts.append(at)
    return _split_at(x, cuts, axis)


# ------------------------------------------------------------------ repeating


def _tile_vjp(g, ans, x, reps, shape):
    # Each output block is a copy of x: split every axis into (rep, size) and sum the reps.
    nb = g.ndim - len(reps)
    padded = (1,) * (len(reps) - len(shape)) + shape
    split = g.reshape(g.shape[:nb] + tuple(n for r, s in zip(reps, padded, strict=True) for n in (r, s)))
    return split.sum(axis=tuple(range(nb, split.ndim, 2))).reshape(g.shape[:nb] + shape)


def _tile_jvp(t, ans, x, reps, shape):
    # The axes tile adds in front go after the tangent's batch axes.
    nb = t.ndim - len(shape)
    padded = tuple(t.shape[:nb]) + (1,) * (len(reps) - len(shape)) + shape
    return tile_p(reshape_p(t, padded), reps=(1,) * nb + reps, shape=padded)


_tile_vjp.derivative = _tile_jvp.derivative = _reads_no_saved_values  # type: ignore[attr-defined]

# x's shape rides along, so the rules read no value.
tile_p = primitive("tile", lambda x, reps, shape: xp.tile(x, reps), vjp=_tile_vjp, jvp=_tile_jvp, fresh=True)


def tile(x: Any, reps: Any) -> Any:
    """Repeat the whole tensor `reps` times along each axis, like np.tile."""
    x = _operand(x)
    reps = _int_tuple(reps)
    reps = (1,) * (x.ndim - len(reps)) + reps
    return tile_p(x, reps=reps, shape=tuple(x.shape))


def _repeat_vjp(g, ans, x, repeats, axis):
    # Output position k along the axis copies input k // repeats: sum each run.
    at = g.ndim + axis
    runs = g.reshape(g.shape[:at] + (g.shape[at] // repeats, repeats) + g.shape[at + 1 :])
    return runs.sum(axis=at + 1)


def _repeat_jvp(t, ans, x, repeats, axis):
    return repeat_p(t, repeats=repeats, axis=axis)


_repeat_vjp.derivative = _repeat_jvp.derivative = _reads_no_saved_values  # type: ignore[attr-defined]

# One count for every element; per-element counts gather with `take`.
repeat_p = primitive(
    "repeat", lambda x, repeats, axis: xp.repeat(x, repeats, axis=axis), vjp=_repeat_vjp, jvp=_repeat_jvp, fresh=True
)


def repeat(x: Any, repeats: Any, axis: int | None = None) -> Any:
    """Repeat each element `repeats` times (an int, or one count per element) along `axis`."""
    x = _operand(x)
    if axis is None:
        x, axis = ravel(x), 0
    axis = normalize_axis(int(axis), x.ndim, "repeat") % x.ndim
    counts = xp.asarray(repeats.data if isinstance(repeats, TensorBase) else repeats)
    if counts.dtype.kind not in "iu":
        raise TypeError(f"repeat: repeats must be integers, got dtype {counts.dtype}")
    if (counts < 0).any():
        raise ValueError(f"repeat: repeats must not be negative, got {counts.tolist()}")
    n = x.shape[axis]
    if counts.size == 1:
        r = int(counts.reshape(()))
        return repeat_p(x, repeats=r, axis=axis - x.ndim) if r else take(x, xp.zeros(0, dtype=int), axis=axis)
    if counts.shape != (n,):
        raise ShapeError(
            f"repeat: got {counts.size} repeat counts for axis {axis} of size {n} (tensor shape {tuple(x.shape)}); "
            "give one count per element along the axis, or a single int."
        )
    return take(x, xp.repeat(xp.arange(n), counts), axis=axis)


# ---------------------------------------------------------------- reordering


def flip(x: Any, axis: Any = None) -> Any:
    """Reverse the order of elements along `axis` (all axes when None)."""
    x = _operand(x)
    n = x.ndim
    axes = normalize_axes(None if axis is None else _int_tuple(axis), n, "flip")
    return getitem(x, tuple(slice(None, None, -1) if i - n in axes else slice(None) for i in range(n)))


def roll(x: Any, shift: Any, axis: Any = None) -> Any:
    """Shift elements along axes, wrapping around the end, like np.roll."""
    x = _operand(x)
    if axis is None:
        return reshape_p(roll(ravel(x), shift, 0), tuple(x.shape))
    shifts, axes = _int_tuple(shift), _int_tuple(axis)
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    if len(axes) == 1:
        axes = axes * len(shifts)
    if len(shifts) != len(axes):
        raise ValueError(f"roll: shift {shift} and axis {axis} must have the same length (or one must be a single int)")
    for s, a in zip(shifts, axes, strict=True):
        a = normalize_axis(int(a), x.ndim, "roll")
        n = x.shape[a]
        s = int(s) % n if n else 0
        if s:
            x = concatenate([getitem(x, _along(a, slice(n - s, None))), getitem(x, _along(a, slice(0, n - s)))], axis=a)
    return x


# ---------------------------------------------------------------------- pad


def _pairs(value: Any, ndim: int, what: str) -> Any:
    """NumPy's forms of per-axis (before, after) pairs, as an (ndim, 2) array."""
    arr = xp.asarray(value.data if isinstance(value, TensorBase) else value)
    try:
        return backend.broadcast_to(arr, (ndim, 2))
    except ValueError:
        raise ValueError(
            f"pad: {what} of shape {arr.shape} does not fit a tensor with {ndim} axes; give an int, "
            f"a (before, after) pair, or one pair per axis ({ndim} pairs)"
        ) from None


_GATHER_MODES = ("edge", "reflect", "symmetric", "wrap")


def pad(x: Any, pad_width: Any, mode: str = "constant", constant_values: Any = 0) -> Any:
    """Pad each axis with (before, after) elements, like np.pad.

    mode='constant' fills with `constant_values`; 'edge', 'reflect', 'symmetric'
    and 'wrap' repeat the tensor's own elements (and pass gradient back to them).
    """
    x = _operand(x)
    widths = _pairs(pad_width, x.ndim, "pad_width")
    if widths.dtype.kind not in "iu" or (widths < 0).any():
        raise ValueError(f"pad: pad_width must be non-negative integers, got {xp.asarray(pad_width).tolist()}")
    if mode == "constant":
        fills = _pairs(constant_values, x.ndim, "constant_values")
        return pad_p(x, widths=_as_pairs(widths), fills=_as_pairs(fills))
    if mode in _GATHER_MODES:
        for d in range(x.ndim):
            before, after = (int(w) for w in widths[d])
            if before or after:
                x = take(x, xp.pad(xp.arange(x.shape[d]), (before, after), mode=mode), axis=d)
        return x
    raise ValueError(f"pad: mode {mode!r} is not supported; use 'constant' or one of {', '.join(_GATHER_MODES)}")


def _as_pairs(values: Any) -> tuple:
    return tuple(map(tuple, values.tolist()))


def _inside(widths: tuple) -> tuple:
    """The index of the unpadded values in a padded array (from the right, so
    leading batch axes ride along in `...`)."""
    return (Ellipsis,) + tuple(slice(before, -after if after else None) for before, after in widths)


def _pad_impl(x, widths, fills):
    # Axis by axis, each pad spanning the others' pads too, as np.pad fills them.
    shape = tuple(n + before + after for n, (before, after) in zip(xp.shape(x), widths, strict=True))
    out = xp.empty(shape, dtype=xp.result_type(x))
    for d, ((before, after), (fill_before, fill_after)) in enumerate(zip(widths, fills, strict=True)):
        lead = (slice(None),) * d
        if before:
            out[lead + (slice(None, before),)] = fill_before
        if after:
            out[lead + (slice(shape[d] - after, None),)] = fill_after
    out[_inside(widths)] = x
    return out


def _pad_vjp(g, ans, x, widths, fills):
    return g[_inside(widths)]


def _pad_jvp(t, ans, x, widths, fills):
    batch = ((0, 0),) * (t.ndim - len(widths))
    return pad_p(t, widths=batch + widths, fills=((0, 0),) * (len(batch) + len(widths)))


_pad_vjp.derivative = _pad_jvp.derivative = _reads_no_saved_values  # type: ignore[attr-defined]

# A constant pad as one node, in one new array (padding axis by axis would join
# copies once per axis).
pad_p = primitive("pad", _pad_impl, vjp=_pad_vjp, jvp=_pad_jvp, fresh=True)


# ----------------------------------------------------------------- diagonals


def diagonal(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The diagonal of the (axis1, axis2) planes, as the last axis, like np.diagonal."""
    x = _operand(x)
    n = x.ndim
    if n < 2:
        raise ShapeError(f"diagonal: needs at least 2 axes, got shape {tuple(x.shape)}")
    a1, a2 = (normalize_axis(int(a), n, "diagonal") % n for a in (axis1, axis2))
    if a1 == a2:
        raise ShapeError(f"diagonal: axis1 and axis2 must differ, both are {a1}")
    # Move the two axes to the end, then pick (i, i + offset) pairs there.
    order = tuple(a for a in range(n) if a not in (a1, a2)) + (a1, a2)
    moved = x if order == tuple(range(n)) else transpose_p(x, order)
    return getitem_p(moved, index=_diagonal_index(tuple(moved.shape), int(offset)))


@functools.lru_cache(maxsize=256)  # an Index takes longer to analyse than the op takes to run
def _diagonal_index(shape: tuple, offset: int) -> Index:
    """The (i, i + offset) positions of the last two axes of `shape`."""
    rows, cols = shape[-2:]
    k = max(0, min(rows + min(offset, 0), cols - max(offset, 0)))
    r = xp.arange(k) + max(-offset, 0)
    c = xp.arange(k) + max(offset, 0)
    # The positions are distinct, so the gradient may assign instead of add.
    return Index(shape, (Ellipsis, r, c), unique=True)


def trace(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """Sum of the diagonal."""
    from .reduce import sum as _sum

    return _sum(diagonal(x, offset, axis1, axis2), axis=-1)


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
