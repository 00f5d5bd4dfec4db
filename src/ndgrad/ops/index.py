"""Indexing: `x[index]`, its scatter transpose, functional `x[index] = v`, and friends.

Three primitives carry every derivative here:

* `getitem(x, index)` gathers, with NumPy's exact semantics and result shapes;
* `scatter_add(g, index)` adds `g` into zeros of the indexed shape at `index`
  (repeated positions add up, as `np.add.at`): the VJP of getitem, whose own
  VJP is getitem again, so derivatives of any order work;
* `index_update(x, value, index)`: a copy of x with `x[index] = value`.

The index is checked and analysed once, when the public function is called,
into an `Index`; the rules reuse it.  Cotangents and tangents may carry extra
leading batch axes: `Index.gather` and `Index.scatter` prefix the key with a
full slice per batch axis and keep the batch axes in front even where NumPy's
advanced-indexing rules would move them.
"""

from __future__ import annotations

import operator
from typing import Any

from ..backend import ARRAY_TYPES, xp
from ..core import TensorBase, primitive
from ..core.graph import wrap
from ..core.mode import STATE
from ._axes import normalize_axis
from .compare import nondifferentiable
from .elementwise import where

__all__ = [
    "getitem", "index_update", "index_add", "take", "take_along_axis", "put_along_axis",
    "nonzero", "argwhere", "flatnonzero",
]

_FULL = slice(None)


class Index:
    """A NumPy index checked against the shape it indexes.

    `key` is the index as a tuple NumPy understands (tensors replaced by their
    arrays, lists by arrays); `shape` is the indexed shape and `out_shape` the
    result's.  `adv_ndim` is the number of axes the advanced (array) indices
    make and `adv_first` whether NumPy puts them in front (advanced indices
    separated by a slice, None or Ellipsis).  `accumulate` says whether
    positions may repeat, so a scatter must add rather than assign.
    """

    __slots__ = ("key", "shape", "out_shape", "adv_ndim", "adv_first", "accumulate", "_keep")

    def __init__(self, shape: tuple, index: Any, unique: bool = False) -> None:
        self.shape = shape = tuple(shape)
        entries = index if type(index) is tuple else (index,)
        self._keep = None
        basic = _basic_out_shape(shape, entries)
        if basic is not None:
            # Fast path for the common case of plain ints and slices.
            self.key, self.out_shape = entries, basic
            self.adv_ndim, self.adv_first, self.accumulate = 0, False, False
            return
        key = tuple(_convert(e) for e in entries)
        self.key = key
        first = key[0] if len(key) == 1 and shape else None
        if type(first) is xp.ndarray and first.dtype.kind in "iu":
            # Fast path for one integer array (x[idx], rows picked along the first axis).
            _check_array(first, 0, shape, key)
            self.out_shape = first.shape + shape[1:]
            self.adv_ndim, self.adv_first, self.accumulate = first.ndim, False, first.size > 1 and not unique
            return
        _analyse(self, key, unique)

    def gather(self, x: Any) -> Any:
        """`x[key]`, where `x` may carry leading batch axes."""
        nb = x.ndim - len(self.shape)
        if not nb:
            return x[self.key]
        out = x[(_FULL,) * nb + self.key]
        if self.adv_first and self.adv_ndim:
            out = out.transpose(_batch_to_front(self.adv_ndim, nb, out.ndim))
        return out

    def scatter(self, g: Any) -> Any:
        """Zeros of `shape` (after g's batch axes) with `g` added at `key`."""
        nb = g.ndim - len(self.out_shape)
        out = xp.zeros(g.shape[:nb] + self.shape, dtype=g.dtype)
        key = self.key
        if nb:
            key = (_FULL,) * nb + key
            if self.adv_first and self.adv_ndim:
                g = g.transpose(_batch_behind(self.adv_ndim, nb, g.ndim))
        if self.accumulate:
            xp.add.at(out, key, g)
        else:
            out[key] = g
        return out

    def keep_mask(self) -> Any:
        """True where `x[key] = v` leaves x's value in place (computed once)."""
        if self._keep is None:
            keep = xp.ones(self.shape, dtype=bool)
            keep[self.key] = False
            self._keep = keep
        return self._keep

    def __repr__(self) -> str:
        return f"[{', '.join(_show(e) for e in self.key)}]"


def _basic_out_shape(shape: tuple, entries: tuple) -> tuple | None:
    """The result shape when every entry is an in-bounds int or a slice, else None."""
    if len(entries) > len(shape):
        return None
    out = []
    for n, e in zip(shape, entries, strict=False):
        t = type(e)
        if t is int:
            if not -n <= e < n:
                return None
        elif t is slice:
            out.append(len(range(*e.indices(n))))
        else:
            return None
    return (*out, *shape[len(entries) :])


def _batch_to_front(adv: int, nb: int, ndim: int) -> tuple:
    """The permutation taking (advanced, batch, rest) axes to (batch, advanced, rest)."""
    return (*range(adv, adv + nb), *range(adv), *range(adv + nb, ndim))


def _batch_behind(adv: int, nb: int, ndim: int) -> tuple:
    """The permutation taking (batch, advanced, rest) axes to (advanced, batch, rest)."""
    return (*range(nb, nb + adv), *range(nb), *range(adv + nb, ndim))


def _show(e: Any) -> str:
    if e is None:
        return "None"
    if e is Ellipsis:
        return "..."
    if isinstance(e, slice):
        parts = ["" if v is None else str(v) for v in (e.start, e.stop, e.step)]
        return ":".join(parts[:2] if e.step is None else parts)
    if isinstance(e, xp.ndarray) and e.size > 6:
        return f"<{e.dtype} array {e.shape}>"
    return repr(e.tolist()) if isinstance(e, xp.ndarray) else repr(e)


_VALID = "integers, slices, None, Ellipsis (...), and integer or boolean arrays/tensors"


def _convert(e: Any) -> Any:
    """One entry of an index in the form NumPy takes, checked for its type."""
    if e is None or e is Ellipsis or type(e) is slice or type(e) is int:
        return e
    if isinstance(e, (bool, xp.bool_)):
        return xp.bool_(e)
    if isinstance(e, TensorBase):
        e = e.data
    if isinstance(e, (list, tuple)):
        e = xp.asarray(e)
        if e.size == 0 and e.dtype.kind == "f":
            e = e.astype(xp.intp)
    if isinstance(e, ARRAY_TYPES):
        kind = e.dtype.kind
        if kind == "b":
            return xp.bool_(e) if e.ndim == 0 else xp.asarray(e)
        if kind in "iu":
            return int(e) if e.ndim == 0 else xp.asarray(e)
        raise IndexError(
            f"getitem: index arrays must hold integers or booleans, got dtype {e.dtype}. "
            f"Valid indices are {_VALID}. Fix: convert it, e.g. idx.astype(int)."
        )
    if isinstance(e, slice):
        return e
    try:
        return operator.index(e)
    except TypeError:
        raise IndexError(
            f"getitem: {type(e).__name__} {e!r} is not a valid index. Valid indices are {_VALID}."
        ) from None


def _axes_used(e: Any) -> int:
    """How many axes of the indexed tensor an entry consumes."""
    if e is None or isinstance(e, xp.bool_):
        return 0
    if isinstance(e, xp.ndarray) and e.dtype == bool:
        return e.ndim
    return 1


def _analyse(ix: Index, key: tuple, unique: bool) -> None:
    """Check the index against the shape and work out the result's shape."""
    shape = ix.shape
    ndim = len(shape)
    fancy = any(isinstance(e, (xp.ndarray, xp.bool_)) for e in key)
    n_ellipsis = sum(e is Ellipsis for e in key)
    if n_ellipsis > 1:
        raise IndexError("getitem: an index can only have a single ellipsis ('...')")
    used = sum(_axes_used(e) for e in key if e is not Ellipsis)
    if used > ndim:
        raise IndexError(
            f"getitem: too many indices for a tensor of shape {shape}: it has {ndim} "
            f"{'axis' if ndim == 1 else 'axes'} but the index {_show_key(key)} uses {used}."
        )
    out: list[int] = []
    adv_shapes: list[tuple] = []
    adv_at: int | None = None
    adv_positions: list[int] = []
    accumulate = False
    ax = 0
    for pos, e in enumerate(key):
        if e is None:
            out.append(1)
        elif e is Ellipsis:
            k = ndim - used
            out.extend(shape[ax : ax + k])
            ax += k
        elif type(e) is slice:
            out.append(len(range(*e.indices(shape[ax]))))
            ax += 1
        elif type(e) is int:
            _check_int(e, ax, shape, key)
            if fancy:
                adv_positions.append(pos)
                adv_at = len(out) if adv_at is None else adv_at
                adv_shapes.append(())
            ax += 1
        else:
            adv_positions.append(pos)
            adv_at = len(out) if adv_at is None else adv_at
            if isinstance(e, xp.bool_):
                adv_shapes.append((int(e),))
            elif e.dtype == bool:
                _check_mask(e, ax, shape)
                adv_shapes.append((int(e.sum()),))
                ax += e.ndim
            else:
                _check_array(e, ax, shape, key)
                adv_shapes.append(e.shape)
                accumulate |= e.size > 1
                ax += 1
    out.extend(shape[ax:])
    adv_shape = _broadcast_index_shapes(adv_shapes, key) if fancy else ()
    adv_first = fancy and adv_positions != list(range(adv_positions[0], adv_positions[0] + len(adv_positions)))
    if fancy:
        at = 0 if adv_first else adv_at
        out[at:at] = adv_shape
    ix.out_shape = tuple(out)
    ix.adv_ndim = len(adv_shape)
    ix.adv_first = adv_first
    ix.accumulate = accumulate and not unique


def _show_key(key: tuple) -> str:
    return f"[{', '.join(_show(e) for e in key)}]"


def _bounds_error(i: Any, ax: int, shape: tuple, key: tuple) -> IndexError:
    n = shape[ax]
    valid = f"valid indices are {-n}..{n - 1}" if n else "it has no elements to index"
    return IndexError(
        f"getitem: index {i} is out of bounds for axis {ax} with size {n} "
        f"(tensor shape {shape}, index {_show_key(key)}); {valid}."
    )


def _check_int(i: int, ax: int, shape: tuple, key: tuple) -> None:
    if not -shape[ax] <= i < shape[ax]:
        raise _bounds_error(i, ax, shape, key)


def _check_array(a: Any, ax: int, shape: tuple, key: tuple) -> None:
    if not a.size:
        return
    n = shape[ax]
    lo, hi = int(a.min()), int(a.max())
    if lo < -n:
        raise _bounds_error(lo, ax, shape, key)
    if hi >= n:
        raise _bounds_error(hi, ax, shape, key)


def _check_mask(mask: Any, ax: int, shape: tuple) -> None:
    covered = shape[ax : ax + mask.ndim]
    if mask.shape != covered:
        axes = f"axis {ax}" if mask.ndim == 1 else f"axes {ax}..{ax + mask.ndim - 1}"
        raise IndexError(
            f"getitem: boolean mask of shape {mask.shape} does not match {axes} of the tensor "
            f"of shape {shape} (sizes {covered}). A mask must have exactly the shape of the axes it selects; "
            "fix its shape, or index other axes with ':' before it."
        )


def _broadcast_index_shapes(shapes: list[tuple], key: tuple) -> tuple:
    try:
        return tuple(xp.broadcast_shapes(*shapes))
    except ValueError:
        listed = ", ".join(str(s) for s in shapes if s != ())
        raise IndexError(
            f"getitem: index arrays of shapes {listed} cannot be broadcast together (index {_show_key(key)}). "
            "Array indices on different axes pair up elementwise, so their shapes must broadcast; "
            "to take every combination, use an outer index such as x[rows[:, None], cols]."
        ) from None


# ------------------------------------------------------------------ primitives


def _gather(x: Any, index: Index) -> Any:
    return index.gather(x)


def _scatter(g: Any, index: Index) -> Any:
    return index.scatter(g)


getitem_p = primitive(
    "getitem", _gather,
    vjp=lambda g, ans, x, index: scatter_add_p(g, index=index),
    jvp=lambda t, ans, x, index: getitem_p(t, index=index),
)

scatter_add_p = primitive(
    "scatter_add", _scatter,
    vjp=lambda g, ans, values, index: getitem_p(g, index=index),
    jvp=lambda t, ans, values, index: scatter_add_p(t, index=index),
)


def _update(x: Any, value: Any, index: Index) -> Any:
    out = xp.array(x, copy=True)
    out[index.key] = value
    return out


index_update_p = primitive(
    "index_update", _update,
    vjp=(
        # Overwritten positions no longer depend on x; the value's entries
        # receive the cotangent at the positions they were written to.
        lambda g, ans, x, value, index: where(index.keep_mask(), g, 0),
        lambda g, ans, x, value, index: getitem_p(g, index=index),
    ),
    jvp=(
        lambda t, ans, x, value, index: where(index.keep_mask(), t, 0),
        lambda t, ans, x, value, index: scatter_add_p(t, index=index),
    ),
)


# ------------------------------------------------------------ public functions


_OPERAND_TYPES = (TensorBase, *ARRAY_TYPES)


def _operand(x: Any) -> Any:
    return x if isinstance(x, _OPERAND_TYPES) else xp.asarray(x)


def getitem(x: Any, index: Any) -> Any:
    """`x[index]` with NumPy's semantics: ints, slices (any step), None,
    Ellipsis, integer arrays/lists/tensors and boolean masks, mixed freely.

    Differentiable: the gradient adds the cotangent back at the indexed
    positions (repeated indices add up).
    """
    x = _operand(x)
    return getitem_p(x, index=Index(x.shape, index))


def _broadcasts_to(shape: tuple, target: tuple) -> bool:
    if len(shape) > len(target):
        return False
    return all(a in (1, b) for a, b in zip(shape, target[len(target) - len(shape) :], strict=True))


def _fit_value(value: Any, index: Index, op: str) -> Any:
    """`value` broadcast to the shape of the indexed region (differentiably)."""
    from .shape import broadcast_to, reshape

    value = _operand(value)
    target, vshape = index.out_shape, tuple(value.shape)
    if vshape == target:
        return value
    extra = len(vshape) - len(target)
    if extra > 0 and all(s == 1 for s in vshape[:extra]):
        # NumPy drops leading size-1 axes of a value being assigned.
        value = reshape(value, vshape[extra:])
    if not _broadcasts_to(tuple(value.shape), target):
        raise ValueError(
            f"{op}: a value of shape {vshape} cannot be written into {index!r}, a region of shape {target} "
            f"of a tensor of shape {index.shape}: the value must broadcast to {target}. "
            "Fix: reshape the value (e.g. v.reshape(...) or v[:, None]) or change the index."
        )
    return broadcast_to(value, target)


def index_update(x: Any, index: Any, value: Any) -> Any:
    """A copy of `x` with `x[index] = value` (functional setitem).

    Differentiable in x (zero gradient at the overwritten positions) and in
    value (the cotangent gathered from those positions and summed back to
    value's shape).  With repeated indices the value written last is kept in
    the result, as in NumPy, but every repeat receives gradient.
    """
    x = _operand(x)
    idx = Index(x.shape, index)
    value = _fit_value(value, idx, "index_update")
    return index_update_p(x, value, index=idx)


def index_add(x: Any, index: Any, value: Any) -> Any:
    """`x` with `value` added at `index`, repeated positions adding up
    (a functional `np.add.at(x, index, value)`)."""
    x = _operand(x)
    idx = Index(x.shape, index)
    value = _fit_value(value, idx, "index_add")
    return x + scatter_add_p(value, index=idx)


def _axis_key(axis: int, ndim: int, entry: Any) -> tuple:
    """An index that applies `entry` along one axis."""
    return (_FULL,) * (axis % ndim) + (entry,)


def take(x: Any, indices: Any, axis: int | None = None) -> Any:
    """Elements at `indices` along `axis` (of the flattened tensor when None), like np.take."""
    x = _operand(x)
    if axis is None:
        return getitem(x.reshape(-1), (indices,))
    axis = normalize_axis(int(axis), x.ndim, "take")
    return getitem(x, _axis_key(axis, x.ndim, indices))


def _along_axis_key(x: Any, indices: Any, axis: int | None, op: str) -> tuple[Any, tuple]:
    """The advanced index that pairs `indices` along `axis` with every other position."""
    x = _operand(x)
    if isinstance(indices, TensorBase):
        indices = indices.data
    indices = xp.asarray(indices)
    if indices.dtype.kind not in "iu":
        raise IndexError(f"{op}: indices must be integers, got dtype {indices.dtype}")
    if axis is None:
        x, axis = x.reshape(-1), 0
    if indices.ndim != x.ndim:
        raise ValueError(
            f"{op}: indices (shape {indices.shape}) must have as many axes as the tensor (shape {x.shape}); "
            "add size-1 axes with indices[..., None] or expand_dims."
        )
    axis = normalize_axis(int(axis), x.ndim, op) % x.ndim
    key = []
    for d, n in enumerate(x.shape):
        if d == axis:
            key.append(indices)
        else:
            grid = [1] * x.ndim
            grid[d] = n
            key.append(xp.arange(n).reshape(grid))
    return x, tuple(key)


def take_along_axis(x: Any, indices: Any, axis: int | None = -1) -> Any:
    """Values at `indices` along `axis`, paired with the other axes' positions
    (np.take_along_axis): e.g. the entries that argsort or argmax picked."""
    x, key = _along_axis_key(x, indices, axis, "take_along_axis")
    return getitem(x, key)


def put_along_axis(x: Any, indices: Any, values: Any, axis: int | None) -> None:
    """Write `values` at `indices` along `axis`, in place, as np.put_along_axis.

    On a tensor this is `x[...] = values`: recorded for autodiff through
    the in-place machinery (version counters guard saved values).
    """
    if axis is None:
        raise ValueError("put_along_axis: axis=None is not supported in place; pass an axis, or flatten x first")
    _, key = _along_axis_key(x, indices, axis, "put_along_axis")
    if isinstance(x, TensorBase):
        x[key] = values
    else:
        x[key] = values.data if isinstance(values, TensorBase) else values


def nonzero(x: Any) -> tuple:
    """Indices of the non-zero elements, one integer tensor per axis (not differentiable)."""
    raw = xp.nonzero(x.data if isinstance(x, TensorBase) else xp.asarray(x))
    return raw if STATE.raw else tuple(wrap(a) for a in raw)


argwhere = nondifferentiable(xp.argwhere)
flatnonzero = nondifferentiable(xp.flatnonzero)
