"""Joining, splitting, repeating and padding.

concatenate, stack, tile, repeat (one count) and the constant pad are
primitives of their own, one node each; split and unstack are slices, roll
joins two slices, and the gathering pads and per-element repeats `take`.
Axes are normalised to negative ints, so the rules let leading batch axes of
cotangents and tangents ride along.
"""

from __future__ import annotations

import math
import operator
from typing import Any

from .. import backend
from ..backend import xp
from ..core import TensorBase, primitive
from ..core.errors import ShapeError
from ._axes import normalize_axis
from .index import getitem, take
from .shape import _int_tuple, _operand, _reads_no_saved_values, ravel, reshape_p

__all__ = ["concatenate", "concat", "stack", "unstack", "split", "array_split", "tile", "repeat", "roll", "pad"]


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


def _stack_impl(*xs, axis):
    # What np.stack does, without its Python-level checks (stack() made them):
    # each input given the new size-1 axis, then joined along it.
    shape = xs[0].shape
    at = len(shape) + axis + 1
    expanded = shape[:at] + (1,) + shape[at:]
    return xp.concatenate([x.reshape(expanded) for x in xs], axis=axis)


# One node (the inputs given a size-1 axis and joined would be one more per input).
stack_p = primitive(
    "stack", _stack_impl,
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


# ---------------------------------------------------------------------- roll


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
    if mode == "constant" and type(pad_width) is int and pad_width >= 0 and type(constant_values) in (int, float):
        # The commonest spelling, nd.pad(x, 1): the same pair for every axis.
        return pad_p(x, widths=((pad_width, pad_width),) * x.ndim, fills=((constant_values, constant_values),) * x.ndim)
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


# Up to this many elements, zeroing the whole output and then writing the
# values costs less than writing each pad on its own (beyond, the extra pass
# over memory costs more).
_ZERO_FIRST_MAX = 1 << 14


def _pad_impl(x, widths, fills):
    shape = tuple(n + before + after for n, (before, after) in zip(xp.shape(x), widths, strict=True))
    # (An integer 0 only: a float fill may be -0.0, which zeros would not give.)
    if math.prod(shape) <= _ZERO_FIRST_MAX and all(type(f) is int and f == 0 for pair in fills for f in pair):
        out = xp.zeros(shape, dtype=xp.result_type(x))
        out[_inside(widths)] = x
        return out
    # Axis by axis, each pad spanning the others' pads too, as np.pad fills them.
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
