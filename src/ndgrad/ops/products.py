"""Products: matmul is the primitive; dot, vdot, inner, outer, tensordot,
kron, vecdot, matvec and vecmat are composed from it (einsum has its own
module).

`matmul_p` takes operands of rank >= 2 and broadcasts their batch axes, so
the engine sums cotangents back over broadcast batch axes; its VJP is one
matmul per operand.  The public `matmul` promotes 1-D operands and removes
the added axis again, as NumPy does, except for the commonest case, a matrix
times a vector, which is a primitive of its own (`matvec_p`, one node).
"""

from __future__ import annotations

import math
import operator
from typing import Any

from ..backend import xp
from ..core import TensorBase, primitive, wrap
from ..core.errors import ShapeError
from ..core.graph import is_constant
from ._axes import ndim_of, normalize_axis
from .reduce import _as_operand
from .reduce import sum as _sum
from .shape import expand_dims, reshape_p, transpose_p

__all__ = [
    "matmul", "dot", "vdot", "inner", "outer", "tensordot", "kron", "vecdot", "matvec", "vecmat",
]


def _show(shape: tuple) -> str:
    """A shape the compact way NumPy users write it: (2,3), (3,), ()."""
    return "(" + ",".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


# ------------------------------------------------------------------- matmul


def _swap_last(x: Any) -> Any:
    """The transpose of each matrix in a stack: a view, no copy.  Arrays and
    tensors both have the method (on tensors it records a transpose); a
    constant tensor (a fixed matrix, in a rule run on tensors) needs no record."""
    if is_constant(x):
        return wrap(x.data.swapaxes(-1, -2))
    return x.swapaxes(-1, -2)


# NumPy multiplies a stack of matrices by a matrix with one BLAS call per
# matrix of the stack.  Where one operand is a single matrix, the helpers
# below fold the stack into one large product instead: for a stack of vectors
# (a Jacobian's basis pushed through A @ x) that is one gemm instead of many
# gemv calls; for a batched input times a weight matrix, the gradient of the
# weight comes out already summed over the batch.  Structured cotangents (a
# one-hot Jacobian basis, transforms/structured.py) are left to their own
# matmul, which avoids the product altogether.


def _dense(x: Any) -> bool:
    return isinstance(x, (xp.ndarray, TensorBase))


# Up to this many rows in all, NumPy's own loop over a stack costs no more than
# one product, and the folding would add two reshape nodes.
_FOLD_MIN_ROWS = 64


def _stack_times_matrix(x: Any, m: Any) -> Any:
    """x (..., p, q) @ m (q, r) as one (P*p, q) @ (q, r) product."""
    if x.ndim == 2 or not _dense(x) or x.size < _FOLD_MIN_ROWS * x.shape[-1]:
        return matmul_p(x, m)
    q, r = m.shape
    return reshape_p(matmul_p(reshape_p(x, (math.prod(x.shape[:-1]), q)), m), x.shape[:-1] + (r,))


def _matrix_times_stack(m: Any, x: Any) -> Any:
    """m (p, q) @ x (..., q, r) as one (p, q) @ (q, P*r) product."""
    if x.ndim == 2 or not _dense(x):
        return matmul_p(m, x)
    nd = x.ndim
    lead, (q, r) = x.shape[:-2], x.shape[-2:]
    to_front = (nd - 2, *range(nd - 2), nd - 1)  # (..., q, r) -> (q, ..., r)
    flat = reshape_p(transpose_p(x, to_front), (q, math.prod(lead) * r))
    out = reshape_p(matmul_p(m, flat), (m.shape[0], *lead, r))
    return transpose_p(out, (*range(1, nd - 1), 0, nd - 1))  # (p, ..., r) -> (..., p, r)


def _matmul_vjp_a(g, ans, a, b):
    if b.ndim == 2:
        return _stack_times_matrix(g, _swap_last(b))
    return matmul_p(g, _swap_last(b))


def _matmul_vjp_b(g, ans, a, b):
    if a.ndim == 2:
        return _matrix_times_stack(_swap_last(a), g)
    if b.ndim == 2 and _dense(g):
        # a's batch axes are all summed over: fold them into its rows.  The
        # output has a's rank here, so no rule reads `ans` and it is not kept.
        nbatch = g.ndim - a.ndim
        a_rows = reshape_p(a, (math.prod(a.shape[:-1]), a.shape[-1]))
        g_rows = reshape_p(g, g.shape[:nbatch] + (math.prod(g.shape[nbatch:-1]), g.shape[-1]))
        return matmul_p(_swap_last(a_rows), g_rows)
    return matmul_p(_swap_last(a), g)


def _matmul_jvp_a(t, ans, a, b):
    return _stack_times_matrix(t, b) if b.ndim == 2 else matmul_p(t, b)


def _matmul_jvp_b(t, ans, a, b):
    return _matrix_times_stack(a, t) if a.ndim == 2 else matmul_p(a, t)


# The impls are the `@` operator, which is NumPy's matmul for arrays and lets a
# structured cotangent (transforms/structured.py) take the product straight
# to its own handler.
matmul_p = primitive(
    "matmul", operator.matmul,
    # One BLAS call per operand; the engine sums over broadcast batch axes.
    vjp=(_matmul_vjp_a, _matmul_vjp_b),
    jvp=(_matmul_jvp_a, _matmul_jvp_b),
    broadcasting=True,
)


# A matrix times a vector, the commonest 1-D product (A @ x), as one node: the
# general path would add an axis to x, multiply and remove it again (three
# nodes).  Cotangents may carry leading batch axes, as ever.
def _times_vector(m: Any, v: Any) -> Any:
    """m (..., p, q) @ v (q,): a matrix, or a batch of them, times a vector."""
    if m.ndim == 2:
        return matvec_p(m, v)
    return reshape_p(_stack_times_matrix(m, reshape_p(v, (v.shape[0], 1))), m.shape[:-1])


def _vectors_times(v: Any, m: Any) -> Any:
    """v (..., p) @ m (p, q): a vector, or a batch of them, times a matrix."""
    return matvec_p(_swap_last(m), v) if v.ndim == 1 else _stack_times_matrix(v, m)


matvec_p = primitive(
    "matvec", operator.matmul,
    vjp=(lambda g, ans, a, b: expand_dims(g, -1) * b, lambda g, ans, a, b: _vectors_times(g, a)),
    jvp=(lambda t, ans, a, b: _times_vector(t, b), lambda t, ans, a, b: _vectors_times(t, _swap_last(a))),
)


# Two vectors (a @ b, dot, inner), one node too.
vecvec_p = primitive(
    "vecvec", operator.matmul,
    vjp=(lambda g, ans, a, b: expand_dims(g, -1) * b, lambda g, ans, a, b: expand_dims(g, -1) * a),
    jvp=(lambda t, ans, a, b: _times_vector(t, b), lambda t, ans, a, b: _times_vector(t, a)),
)


def _check_matmul(a_shape: tuple, b_shape: tuple, op: str) -> None:
    """Explain why two shapes cannot be matrix-multiplied."""
    names = ("first", "second")
    for name, shape in zip(names, (a_shape, b_shape), strict=True):
        if not shape:
            raise ShapeError(
                f"{op}: the {name} operand is a 0-d tensor (a scalar); {op} needs operands with at least "
                "one dimension. Fix: multiply by a scalar with *, or reshape it."
            )
    k_a, k_b = a_shape[-1], b_shape[-2] if len(b_shape) >= 2 else b_shape[-1]
    if k_a != k_b:
        where_b = "second-to-last" if len(b_shape) >= 2 else "only dimension"
        where_a = "last" if len(a_shape) >= 2 else "only dimension"
        raise ShapeError(
            f"{op}: {_show(a_shape)} @ {_show(b_shape)}: the contracted dimensions differ: {k_a} ({where_a} of the "
            f"first) vs {k_b} ({where_b} of the second). Fix: transpose one operand (x.mT or x.T) or reshape it so "
            "that the first's last dimension equals the second's second-to-last."
        )
    batch_a, batch_b = a_shape[:-2], b_shape[:-2]
    if not (batch_a and batch_b):
        return  # no batch dimensions to match (NumPy's broadcast_shapes is slow)
    try:
        xp.broadcast_shapes(batch_a, batch_b)
    except ValueError:
        raise ShapeError(
            f"{op}: {_show(a_shape)} @ {_show(b_shape)}: the batch dimensions {_show(batch_a)} and {_show(batch_b)} "
            "(all but the last two) do not broadcast; aligned from the right, each pair must be equal or 1. "
            "Fix: reshape or expand_dims one operand so the batch dimensions line up."
        ) from None


def matmul(a: Any, b: Any, /) -> Any:
    """Matrix product with NumPy's rules (the `@` operator).

    2-D @ 2-D is a matrix product; N-D operands are stacks of matrices whose
    batch dimensions broadcast; a 1-D first (second) operand is a row
    (column) vector whose added axis is removed from the result.
    """
    a, b = _as_operand(a), _as_operand(b)
    a_shape, b_shape = a.shape, b.shape
    if len(a_shape) == 2 and 1 <= len(b_shape) <= 2 and a_shape[1] == b_shape[0]:
        return matmul_p(a, b) if len(b_shape) == 2 else matvec_p(a, b)
    return _matmul(a, b, "matmul")


def _matmul(a: Any, b: Any, op: str) -> Any:
    a_shape, b_shape = tuple(a.shape), tuple(b.shape)
    _check_matmul(a_shape, b_shape, op)
    if len(b_shape) == 1 and len(a_shape) <= 2:
        return matvec_p(a, b) if len(a_shape) == 2 else vecvec_p(a, b)
    if len(a_shape) == 1:
        a = reshape_p(a, (1,) + a_shape)
    if len(b_shape) == 1:
        b = reshape_p(b, b_shape + (1,))
    out = _stack_times_matrix(a, b) if b.ndim == 2 else matmul_p(a, b)
    if len(a_shape) > 1 and len(b_shape) > 1:
        return out
    # Remove the axes the promotion added.
    shape = out.shape[:-2]
    shape += out.shape[-2:-1] if len(a_shape) > 1 else ()
    shape += out.shape[-1:] if len(b_shape) > 1 else ()
    return reshape_p(out, shape)


def dot(a: Any, b: Any, /) -> Any:
    """NumPy's dot: a scalar scales; up to 2-D it is matmul; N-D operands are
    summed over a's last axis and b's second-to-last."""
    a, b = _as_operand(a), _as_operand(b)
    na, nb = ndim_of(a), ndim_of(b)
    if na == 0 or nb == 0:
        return a * b
    if (na <= 2 and nb <= 2) or na == 1 or nb == 1:
        return _matmul(a, b, "dot")
    return tensordot(a, b, axes=([-1], [-2]))


def vdot(a: Any, b: Any, /) -> Any:
    """The dot product of the flattened tensors (real: no conjugation needed)."""
    a, b = _as_operand(a), _as_operand(b)
    if a.size != b.size:
        raise ShapeError(f"vdot: the tensors have {a.size} and {b.size} elements; they must have as many")
    return _matmul(reshape_p(a, (a.size,)), reshape_p(b, (b.size,)), "vdot")


def inner(a: Any, b: Any, /) -> Any:
    """Sum product over the last axes of a and b (a scalar scales)."""
    a, b = _as_operand(a), _as_operand(b)
    na, nb = ndim_of(a), ndim_of(b)
    if na == 0 or nb == 0:
        return a * b
    if na == nb == 1:
        return _matmul(a, b, "inner")
    return tensordot(a, b, axes=([-1], [-1]))


def outer(a: Any, b: Any, /) -> Any:
    """out[i, j] = a.ravel()[i] * b.ravel()[j]."""
    a, b = _as_operand(a), _as_operand(b)
    # A column times a row; a vector b already broadcasts as the row.
    return reshape_p(a, (a.size, 1)) * (b if b.ndim == 1 else reshape_p(b, (b.size,)))


def _tensordot_axes(axes: Any, na: int, nb: int) -> tuple[list[int], list[int]]:
    if isinstance(axes, int):
        if not 0 <= axes <= min(na, nb):
            raise ShapeError(f"tensordot: axes={axes} must be between 0 and the smaller rank {min(na, nb)}")
        return list(range(na - axes, na)), list(range(axes))
    try:
        axes_a, axes_b = axes
    except (TypeError, ValueError):
        raise ShapeError(f"tensordot: axes must be an int or a pair of sequences of axes, got {axes!r}") from None
    axes_a = [axes_a] if isinstance(axes_a, int) else list(axes_a)
    axes_b = [axes_b] if isinstance(axes_b, int) else list(axes_b)
    if len(axes_a) != len(axes_b):
        raise ShapeError(f"tensordot: {len(axes_a)} axes of a {axes_a} but {len(axes_b)} of b {axes_b}; pair them up")
    return (
        [normalize_axis(int(i), na, "tensordot") % na for i in axes_a],
        [normalize_axis(int(i), nb, "tensordot") % nb for i in axes_b],
    )


def tensordot(a: Any, b: Any, /, axes: Any = 2) -> Any:
    """Sum products over pairs of axes: the last `axes` of a with the first
    `axes` of b, or the axes listed in a pair of sequences.  One matmul."""
    a, b = _as_operand(a), _as_operand(b)
    sa, sb = tuple(a.shape), tuple(b.shape)
    axes_a, axes_b = _tensordot_axes(axes, len(sa), len(sb))
    for i, j in zip(axes_a, axes_b, strict=True):
        if sa[i] != sb[j]:
            raise ShapeError(
                f"tensordot: {_show(sa)} and {_show(sb)}: axis {i} of a has size {sa[i]} but axis {j} of b has "
                f"size {sb[j]}; contracted axes must have the same size"
            )
    free_a = [i for i in range(len(sa)) if i not in axes_a]
    free_b = [j for j in range(len(sb)) if j not in axes_b]
    k = math.prod(sa[i] for i in axes_a)
    a2 = reshape_p(_permuted(a, free_a + axes_a), (math.prod(sa[i] for i in free_a), k))
    b2 = reshape_p(_permuted(b, axes_b + free_b), (k, math.prod(sb[j] for j in free_b)))
    return reshape_p(matmul_p(a2, b2), tuple(sa[i] for i in free_a) + tuple(sb[j] for j in free_b))


def _permuted(x: Any, perm: list[int]) -> Any:
    return x if perm == sorted(perm) else transpose_p(x, tuple(perm))


def kron(a: Any, b: Any, /) -> Any:
    """Kronecker product: blocks a[i, j] * b, for tensors of any rank."""
    a, b = _as_operand(a), _as_operand(b)
    n = max(ndim_of(a), ndim_of(b))
    sa = (1,) * (n - ndim_of(a)) + tuple(a.shape)
    sb = (1,) * (n - ndim_of(b)) + tuple(b.shape)
    # a as (a0, 1, a1, 1, ...) times b as (1, b0, 1, b1, ...) gives (a0, b0, a1, b1, ...).
    a_wide = reshape_p(a, tuple(d for s in sa for d in (s, 1)))
    b_wide = reshape_p(b, tuple(d for s in sb for d in (1, s)))
    return reshape_p(a_wide * b_wide, tuple(p * q for p, q in zip(sa, sb, strict=True)))


def vecdot(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    """Array-API dot product of vectors along `axis`, broadcasting the rest."""
    x1, x2 = _as_operand(x1), _as_operand(x2)
    n1, n2 = ndim_of(x1), ndim_of(x2)
    if n1 == 0 or n2 == 0:
        raise ShapeError("vecdot: needs tensors with at least one dimension (vectors), got a 0-d tensor")
    ax1, ax2 = normalize_axis(axis, n1, "vecdot"), normalize_axis(axis, n2, "vecdot")
    if x1.shape[ax1] != x2.shape[ax2]:
        raise ShapeError(
            f"vecdot: {_show(x1.shape)} and {_show(x2.shape)}: the vectors along axis {axis} have sizes "
            f"{x1.shape[ax1]} and {x2.shape[ax2]}; they must be equal"
        )
    if xp.iscomplexobj(x1.data if isinstance(x1, TensorBase) else x1):
        from .complex_parts import conj

        x1 = conj(x1)  # the standard's vecdot conjugates its first argument
    return _sum(x1 * x2, axis=axis)


def matvec(x1: Any, x2: Any, /) -> Any:
    """Matrix-vector products over stacks: x1 (..., m, n) with x2 (..., n)."""
    x2 = _as_operand(x2)
    out = matmul(x1, reshape_p(x2, tuple(x2.shape) + (1,)))
    return reshape_p(out, out.shape[:-1])


def vecmat(x1: Any, x2: Any, /) -> Any:
    """Vector-matrix products over stacks: x1 (..., m) with x2 (..., m, n)."""
    x1 = _as_operand(x1)
    out = matmul(reshape_p(x1, tuple(x1.shape[:-1]) + (1,) + tuple(x1.shape[-1:])), x2)
    return reshape_p(out, out.shape[:-2] + out.shape[-1:])
