"""A structured batch of basis vectors, kept sparse through derivative rules.

A Jacobian is seeded with the identity basis: a batch of M one-hot arrays.
Pushed through the rules as a dense (M, *S) array it costs M times a single
vector; but most rules keep its structure.  An elementwise product scales
each one-hot row, a sum over element axes or a transpose moves its entry, a
reshape relabels it, two such batches on different rows add into one.
`OneHotRows` carries that structure: row k of the batch is zero except for
one entry, `values[e]` at flat element position `cols[e]` where
`rows[e] == k`.  Only where no structure survives (a matrix product, a
broadcast) does it become dense, and then often only as the other operand
with its rows scaled (diag(v) @ A), which `ScaledRows` (scaled.py) keeps
lazy in raw mode.

It flows through rules by duck typing and NumPy's protocols, shared with
`ScaledRows` in `_structure.Structured`, and only while the engine runs rules
on raw arrays (`STATE.raw`); in any other context an operation on it gives a
dense array (the structured one where that is dense anyway, as the basis
times a matrix; otherwise it turns itself into a dense array first), so it
can never end up inside a tensor.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

from ..backend import xp
from ..core.mode import STATE
from ._structure import Structured, fits
from .scaled import ScaledRows

_int = xp.intp
_ndarray = xp.ndarray
_new = object.__new__


# Up to this many entries (a 32 x 32 Jacobian) the identity basis is dense:
# NumPy on a few numbers costs less than the structured dispatch (the seed's
# 2 x 2 Jacobian takes 43 us instead of 106).
_DENSE_BASIS_MAX = 1024


def identity_basis(nrows: int, first: int, shape: tuple, dtype: Any) -> Any:
    """Rows [0, nrows) of the identity basis whose block for an array of
    `shape` starts at row `first` (see `OneHotRows.basis`): structured, or
    for a small one a new dense array."""
    basis = OneHotRows.basis(nrows, first, shape, dtype)
    return basis if nrows * math.prod(shape) > _DENSE_BASIS_MAX else basis.dense()


class OneHotRows(Structured):
    """A batch of M arrays of shape S, each zero except for at most one entry."""

    __slots__ = ("rows", "cols", "values", "shape", "eye", "identity")

    def __init__(self, rows: Any, cols: Any, values: Any, shape: tuple, eye: bool = False) -> None:
        self.rows = rows
        self.cols = cols
        self.values = values
        self.shape = tuple(shape)
        # A scaled identity: entry k at row k and flat position k, every row
        # present.  Lets the common case skip index arithmetic altogether.
        self.eye = eye
        self.identity = False  # the identity itself: set on a basis only

    @staticmethod
    @functools.lru_cache(maxsize=64)
    def basis(nrows: int, first: int, shape: tuple, dtype: Any) -> OneHotRows:
        """Rows [0, nrows) of an identity basis whose block for an array of
        `shape` starts at row `first` (it may start before row 0 or end after
        nrows, as in one chunk of a longer basis).  Made once per size, and
        read-only: no rule changes a structured batch, they make new ones."""
        size = math.prod(shape)
        lo, hi = max(0, first), min(nrows, first + size)
        rows = xp.arange(lo, max(lo, hi), dtype=_int)
        ones = xp.ones(rows.size, dtype=dtype)
        eye = first == 0 and nrows == size
        cols = rows if eye else rows - first
        rows.flags.writeable = cols.flags.writeable = ones.flags.writeable = False
        basis = OneHotRows(rows, cols, ones, (nrows, *shape), eye)
        basis.identity = eye
        return basis

    @property
    def dtype(self) -> Any:
        return self.values.dtype

    def __repr__(self) -> str:
        return f"OneHotRows(shape={self.shape}, nnz={self.rows.size}, dtype={self.dtype})"

    def dense(self, dtype: Any = None) -> Any:
        out = xp.zeros((self.nrows, math.prod(self.elem_shape)), dtype=dtype or self.dtype)
        if self.eye:
            out.reshape(-1)[:: self.nrows + 1] = self.values
        else:
            out[self.rows, self.cols] = self.values
        return out.reshape(self.shape)

    def _eye_scaled(self, values: Any) -> OneHotRows:
        """The identity's entries with new values (the hot path of elementwise
        rules, so without __init__)."""
        out = _new(OneHotRows)
        out.rows, out.cols, out.values, out.shape, out.eye, out.identity = (
            self.rows, self.cols, values, self.shape, True, False)
        return out

    def _with(self, values: Any, cols: Any = None, shape: tuple | None = None) -> OneHotRows:
        """The same rows with new values (and entries moved to `cols` in `shape`)."""
        if cols is None:
            return OneHotRows(self.rows, self.cols, values, self.shape if shape is None else shape, self.eye)
        return OneHotRows(self.rows, cols, values, self.shape if shape is None else shape)

    def _elem_index(self) -> tuple:
        """The entries' multi-indices into the element shape."""
        return xp.unravel_index(self.cols, self.elem_shape) if self.elem_shape else ()

    # ----------------------------------------------------------------- methods
    def reshape(self, *shape: Any) -> Any:
        if len(shape) == 1 and not isinstance(shape[0], (int, xp.integer)):
            shape = tuple(shape[0])
        return _reshape(self, shape)

    def sum(self, axis: Any = None, keepdims: bool = False, dtype: Any = None) -> Any:
        return _sum(self, axis=axis, keepdims=keepdims, dtype=dtype)

    def astype(self, dtype: Any, copy: bool = True) -> Any:
        if not STATE.raw:
            return self.dense().astype(dtype)
        return self._with(self.values.astype(dtype))

    def transpose(self, *axes: Any) -> Any:
        if len(axes) == 1 and not isinstance(axes[0], (int, xp.integer)):
            axes = tuple(axes[0]) if axes[0] is not None else ()
        return _transpose(self, axes or None)

    def swapaxes(self, axis1: int, axis2: int) -> Any:
        return _swapaxes(self, axis1, axis2)

    @property
    def T(self) -> Any:  # noqa: N802 - NumPy's name
        return _transpose(self, None)

    def __getitem__(self, key: Any) -> Any:
        if STATE.raw:
            result = _getitem(self, key)
            if result is not NotImplemented:
                return result
        return self.dense()[key]

    def __mul__(self, other: Any) -> Any:
        # The hot path of elementwise rules: the identity basis times an
        # array of its element shape is the identity with scaled values.
        if self.eye and STATE.raw and type(other) is _ndarray and other.shape == self.shape[1:]:
            return self._eye_scaled(self.values * other.reshape(-1))
        return Structured.__mul__(self, other)

    def __rmul__(self, other: Any) -> Any:
        if self.eye and STATE.raw and type(other) is _ndarray and other.shape == self.shape[1:]:
            return self._eye_scaled(other.reshape(-1) * self.values)
        return Structured.__rmul__(self, other)


# ------------------------------------------------------------------ elementwise


def _gather(x: OneHotRows, a: Any) -> Any:
    """The values of `a` (broadcast against x) at x's entries, or None when
    broadcasting would change x's shape."""
    if isinstance(a, (int, float, complex)):
        return a  # a Python number stays weakly typed: float32 stays float32
    a = xp.asarray(a)
    if a.ndim == 0:
        return a
    shape = x.shape
    elem = shape[1:]
    if a.shape == elem:
        flat = a.reshape(-1)
        return flat if x.eye else flat[x.cols]
    if a.ndim <= len(elem):
        return xp.broadcast_to(a, elem)[x._elem_index()] if fits(a.shape, elem) else None
    if a.ndim == len(shape) and fits(a.shape, shape):
        return xp.broadcast_to(a, shape)[(x.rows, *x._elem_index())]
    return None


def _scale(x: OneHotRows, a: Any, combine: Callable) -> Any:
    vals = _gather(x, a)
    if vals is None:
        return NotImplemented
    return x._with(combine(x.values, vals))


def _same_entries(x: OneHotRows, y: OneHotRows) -> bool:
    return (x.eye and y.eye) or (x.rows is y.rows and x.cols is y.cols) or (
        xp.array_equal(x.rows, y.rows) and xp.array_equal(x.cols, y.cols)
    )


def _multiply(a: Any, b: Any) -> Any:
    if isinstance(a, OneHotRows) and isinstance(b, OneHotRows):
        if a.shape == b.shape and _same_entries(a, b):
            return a._with(a.values * b.values)
        return NotImplemented
    x, other = (a, b) if isinstance(a, OneHotRows) else (b, a)
    return _scale(x, other, xp.multiply)


def _divide(a: Any, b: Any) -> Any:
    if isinstance(a, OneHotRows) and not isinstance(b, OneHotRows):
        return _scale(a, b, xp.divide)
    return NotImplemented


def _add_dense(x: OneHotRows, dense: Any, sign: int) -> Any:
    """dense + sign * x, written into a fresh copy of the dense operand (or
    into the dense form of a structured one, new memory already)."""
    if isinstance(dense, Structured):
        dense = dense.dense()
        if dense.shape == x.shape and dense.flags.c_contiguous and xp.result_type(dense, x.values) == dense.dtype:
            return _add_entries(dense, x, sign)
    dense = xp.asarray(dense)
    if dense.shape == x.shape and dense.flags.c_contiguous:  # the common case, without the general machinery
        return _add_entries(dense.astype(xp.result_type(dense, x.values), copy=True), x, sign)
    if xp.broadcast_shapes(dense.shape, x.shape) != x.shape:
        return NotImplemented
    # Keep the dense operand's memory order (a forward-mode tangent is often
    # column-major: its transpose is the Jacobian), but write the entries
    # through a view: fall back to C order where the rows cannot be viewed.
    out = xp.array(xp.broadcast_to(dense, x.shape), dtype=xp.result_type(dense, x.values), order="K", copy=True)
    try:
        rows = xp.reshape(out, (x.nrows, -1), copy=False)
    except ValueError:
        out = xp.ascontiguousarray(out)
        rows = out.reshape(x.nrows, -1)
    rows[x.rows, x.cols] += x.values if sign > 0 else -x.values
    return out


def _add_entries(out: Any, x: OneHotRows, sign: int) -> Any:
    """out += sign * x, in place, for a C-contiguous `out` of x's shape."""
    values = x.values if sign > 0 else -x.values
    if x.eye:  # the diagonal as a strided view: no index arrays
        out.reshape(-1)[:: x.nrows + 1] += values
    else:
        out.reshape(x.nrows, -1)[x.rows, x.cols] += values
    return out


def _add_signed(a: Any, b: Any, sign: int) -> Any:
    if isinstance(a, OneHotRows) and isinstance(b, OneHotRows):
        if a.shape != b.shape:
            return NotImplemented
        if _same_entries(a, b):
            return a._with(a.values + sign * b.values)
        if not xp.intersect1d(a.rows, b.rows).size:
            # Disjoint rows (different outputs of one Jacobian): still one entry per row.
            return OneHotRows(
                xp.concatenate([a.rows, b.rows]),
                xp.concatenate([a.cols, b.cols]),
                xp.concatenate([a.values, sign * b.values]),
                a.shape,
            )
        return NotImplemented
    if isinstance(a, OneHotRows):
        if sign > 0:
            return _add_dense(a, b, 1)
        out = _add_dense(a, b, -1)  # b - a, negated below
        return out if out is NotImplemented else xp.negative(out, out=out)
    return _add_dense(b, a, sign)


def _add(a: Any, b: Any) -> Any:
    return _add_signed(a, b, 1)


def _subtract(a: Any, b: Any) -> Any:
    return _add_signed(a, b, -1)


def _negative(x: OneHotRows) -> Any:
    return x._with(-x.values)


def _positive(x: OneHotRows) -> Any:
    return x._with(+x.values)


# ------------------------------------------------------------------ matmul


def _matmul(a: Any, b: Any) -> Any:
    if isinstance(a, OneHotRows) and isinstance(b, OneHotRows):
        return NotImplemented
    if isinstance(a, OneHotRows):
        return _onehot_at_dense(a, xp.asarray(b))
    return _dense_at_onehot(xp.asarray(a), b)


def _onehot_at_dense(x: OneHotRows, b: Any) -> Any:
    """x @ b for x of shape (M, ..., p, q) (or (M, q): then M is the row axis)."""
    elem = x.elem_shape
    if not elem or b.ndim > 2 or elem[-1] != b.shape[0]:
        return NotImplemented
    if len(elem) == 1:
        # x is the matrix (M, q): row k is values * e_col, so (x @ b)[k] = values * b[col].
        if x.eye and b.ndim == 2 and STATE.raw:
            # b with its rows scaled (not at all for the identity itself), kept lazy.
            return ScaledRows(b, None, None if x.identity else x.values)
        if x.eye:
            # In C order even for a transposed b (forward mode's basis @ A.T):
            # the elementwise rules that follow then run on contiguous rows.
            return xp.multiply(x.values[:, None], b, order="C") if b.ndim == 2 else x.values * b
        out = xp.zeros((x.nrows, *b.shape[1:]), dtype=xp.result_type(x.values, b))
        out[x.rows] = (x.values * b[x.cols].T).T
        return out
    q = elem[-1]
    if x.eye and b.ndim == 2 and math.prod(elem[:-1]) == 1:
        # A row vector per batch entry: row k is values[k] * b[k].
        return (x.values[:, None] * b).reshape(x.shape[:-1] + b.shape[1:])
    lead, c = x.cols // q, x.cols % q
    if b.ndim == 1:
        return OneHotRows(x.rows, lead, x.values * b[c], x.shape[:-1])
    out = xp.zeros((x.nrows, math.prod(elem[:-1]), b.shape[1]), dtype=xp.result_type(x.values, b))
    out[x.rows, lead] = x.values[:, None] * b[c]
    return out.reshape(x.shape[:-1] + b.shape[1:])


def _dense_at_onehot(b: Any, x: OneHotRows) -> Any:
    """b @ x for x of shape (M, ..., q, r) with b of shape (p, q) or (q,)."""
    elem = x.elem_shape
    if len(elem) < 2 or b.ndim > 2 or b.shape[-1] != elem[-2]:
        return NotImplemented
    q, r = elem[-2:]
    if x.eye and r == 1 and b.ndim == 2 and math.prod(elem[:-2]) == 1:
        # A column vector per batch entry: (b @ x)[k] is values[k] times column k of b.
        return (b.T * x.values[:, None]).reshape(x.shape[:-2] + (b.shape[0], 1))
    lead, i, c = x.cols // (q * r), (x.cols // r) % q, x.cols % r
    if b.ndim == 1:
        return OneHotRows(x.rows, lead * r + c, x.values * b[i], x.shape[:-2] + (r,))
    p = b.shape[0]
    out = xp.zeros((x.nrows, math.prod(elem[:-2]), p, r), dtype=xp.result_type(x.values, b))
    out[x.rows, lead, :, c] = b[:, i].T * x.values[:, None]
    return out.reshape(x.shape[:-2] + (p, r))


# ------------------------------------------------------------- shape functions


def _resolve(shape: tuple, size: int) -> tuple | None:
    shape = tuple(int(s) for s in shape)
    if shape.count(-1) == 1:
        known = math.prod(s for s in shape if s != -1)
        if known == 0 or size % known:
            return None
        shape = tuple(size // known if s == -1 else s for s in shape)
    return shape if math.prod(shape) == size else None


def _reshape(x: OneHotRows, shape: Any, order: str = "C", **kw: Any) -> Any:
    if isinstance(shape, (int, xp.integer)):
        shape = (shape,)
    new = _resolve(tuple(shape), x.size)
    if STATE.raw and order == "C" and not kw and new is not None and new and new[0] == x.nrows:
        # Keeping the batch axis, a C-order reshape keeps each entry's flat position.
        return x._with(x.values, shape=new)
    return xp.reshape(x.dense(), shape, order=order, **kw)


def _norm_axes(axis: Any, ndim: int) -> tuple[int, ...]:
    axes = (axis,) if isinstance(axis, (int, xp.integer)) else tuple(axis)
    return tuple(sorted(int(a) % ndim for a in axes))


def _sum(x: OneHotRows, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False, **kw: Any) -> Any:
    if not STATE.raw or out is not None or kw:
        return xp.sum(x.dense(), axis=axis, dtype=dtype, out=out, keepdims=keepdims, **kw)
    values = x.values if dtype is None else x.values.astype(dtype)
    if axis is None:
        total = values.sum()
        return xp.reshape(total, (1,) * x.ndim) if keepdims else total
    axes = _norm_axes(axis, x.ndim)
    elem = x.elem_shape
    index = list(x._elem_index())
    kept = [(i, n) for i, n in enumerate(elem) if i + 1 not in axes]
    if 0 in axes:
        # Summing over the batch too leaves one dense array.
        shape = tuple(n for _, n in kept)
        result = xp.zeros(shape, dtype=values.dtype)
        flat = xp.ravel_multi_index([index[i] for i, _ in kept], shape) if shape else 0
        xp.add.at(result.reshape(-1), flat, values)
        return result.reshape(tuple(1 if a in axes else n for a, n in enumerate(x.shape))) if keepdims else result
    shape = tuple(n for _, n in kept)
    cols = xp.ravel_multi_index([index[i] for i, _ in kept], shape) if shape else xp.zeros_like(x.cols)
    if keepdims:
        shape = tuple(1 if i + 1 in axes else n for i, n in enumerate(elem))
    return x._with(values, cols=cols, shape=(x.nrows, *shape))


def _transpose(x: OneHotRows, axes: Any = None) -> Any:
    perm = tuple(reversed(range(x.ndim))) if axes is None else tuple(int(a) % x.ndim for a in axes)
    if not STATE.raw or not perm or perm[0] != 0 or sorted(perm) != list(range(x.ndim)):
        return xp.transpose(x.dense(), perm)
    elem_perm = [p - 1 for p in perm[1:]]
    index = x._elem_index()
    shape = tuple(x.elem_shape[p] for p in elem_perm)
    cols = xp.ravel_multi_index([index[p] for p in elem_perm], shape) if shape else x.cols
    return x._with(x.values, cols=cols, shape=(x.nrows, *shape))


def _swapaxes(x: OneHotRows, axis1: int, axis2: int) -> Any:
    perm = list(range(x.ndim))
    a, b = int(axis1) % x.ndim, int(axis2) % x.ndim
    perm[a], perm[b] = perm[b], perm[a]
    return _transpose(x, perm)


def _moveaxis(x: OneHotRows, source: Any, destination: Any) -> Any:
    src = _norm_list(source, x.ndim)
    dst = _norm_list(destination, x.ndim)
    order = [n for n in range(x.ndim) if n not in src]
    for d, s in sorted(zip(dst, src, strict=True)):
        order.insert(d, s)
    return _transpose(x, order)


def _norm_list(axes: Any, ndim: int) -> list[int]:
    return [int(a) % ndim for a in ((axes,) if isinstance(axes, (int, xp.integer)) else axes)]


def _expand_dims(x: OneHotRows, axis: Any) -> Any:
    axes = _norm_list(axis, x.ndim + (1 if isinstance(axis, (int, xp.integer)) else len(axis)))
    shape = list(x.shape)
    for a in sorted(axes):
        shape.insert(a, 1)
    return _reshape(x, tuple(shape))


def _squeeze(x: OneHotRows, axis: Any = None) -> Any:
    axes = [i for i, n in enumerate(x.shape) if n == 1] if axis is None else _norm_list(axis, x.ndim)
    if any(x.shape[a] != 1 for a in axes):
        return xp.squeeze(x.dense(), axis)
    return _reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in axes))


def _getitem(x: OneHotRows, key: Any) -> Any:
    """Basic indexing that keeps the batch axis whole, or slices it with step 1."""
    key = key if isinstance(key, tuple) else (key,)
    if any(not (k is None or k is Ellipsis or isinstance(k, (slice, int, xp.integer))) for k in key):
        return NotImplemented
    if sum(k is Ellipsis for k in key) > 1:
        return NotImplemented
    consumed = sum(1 for k in key if k is not None and k is not Ellipsis)
    if consumed > x.ndim:
        return NotImplemented
    if Ellipsis in key:
        at = key.index(Ellipsis)
        key = key[:at] + (slice(None),) * (x.ndim - consumed) + key[at + 1 :]
    else:
        key = key + (slice(None),) * (x.ndim - consumed)
    first = next(i for i, k in enumerate(key) if k is not None)
    batch_key, elem_key = key[first], key[:first] + key[first + 1 :]
    if not isinstance(batch_key, slice):
        return NotImplemented
    start, stop, step = batch_key.indices(x.nrows)
    if step != 1:
        return NotImplemented
    lead_none = first  # new axes written before the batch axis move it
    if lead_none:
        return NotImplemented
    # Where each element position lands: index a small map of flat positions.
    positions = xp.arange(math.prod(x.elem_shape), dtype=_int).reshape(x.elem_shape)[elem_key]
    inverse = xp.full(math.prod(x.elem_shape), -1, dtype=_int)
    inverse[positions.reshape(-1)] = xp.arange(positions.size, dtype=_int)
    new_cols = inverse[x.cols]
    keep = (new_cols >= 0) & (x.rows >= start) & (x.rows < max(start, stop))
    nrows = max(0, stop - start)
    return OneHotRows(x.rows[keep] - start, new_cols[keep], x.values[keep], (nrows, *positions.shape))


_UFUNCS: dict[Any, Callable] = {
    xp.multiply: _multiply,
    xp.divide: _divide,
    xp.add: _add,
    xp.subtract: _subtract,
    xp.negative: _negative,
    xp.positive: _positive,
    xp.matmul: _matmul,
}

_FUNCTIONS: dict[Any, Callable] = {
    xp.reshape: _reshape,
    xp.sum: _sum,
    xp.transpose: _transpose,
    xp.permute_dims: _transpose,
    xp.swapaxes: _swapaxes,
    xp.moveaxis: _moveaxis,
    xp.expand_dims: _expand_dims,
    xp.squeeze: _squeeze,
}

OneHotRows._ufuncs = _UFUNCS
OneHotRows._functions = _FUNCTIONS
