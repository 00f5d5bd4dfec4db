"""Products: matmul and einsum are the primitives; dot, vdot, inner, outer,
tensordot, kron, vecdot, matvec and vecmat are composed from them.

`matmul_p` takes operands of rank >= 2 and broadcasts their batch axes, so
the engine sums cotangents back over broadcast batch axes; its VJP is one
matmul per operand.  The public `matmul` promotes 1-D operands and removes
the added axis again, as NumPy does.

`einsum_p` contracts one or two operands whose subscripts are plain letters
(no ellipsis, no broadcasting: the public `einsum` resolves those into
letters first).  More operands are contracted pairwise along the path NumPy's
`einsum_path` finds, so a backward pass costs two contractions per pair.
"""

from __future__ import annotations

import functools
import math
import string
from collections.abc import Sequence
from typing import Any

from ..backend import ARRAY_TYPES, xp
from ..core import TensorBase, primitive
from ..core.errors import EinsumError, ShapeError
from ._axes import ndim_of, normalize_axis
from .reduce import sum as _sum
from .shape import broadcast_to, reshape_p, transpose_p

__all__ = [
    "matmul", "dot", "vdot", "inner", "outer", "tensordot", "kron", "vecdot", "matvec", "vecmat", "einsum",
]


def _as_operand(x: Any) -> Any:
    """Tensors and arrays pass through; Python numbers and lists become arrays."""
    return x if isinstance(x, (TensorBase, *ARRAY_TYPES)) else xp.asarray(x)


def _show(shape: tuple) -> str:
    """A shape the compact way NumPy users write it: (2,3), (3,), ()."""
    return "(" + ",".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


# ------------------------------------------------------------------- matmul


def _swap_last(x: Any) -> Any:
    """The transpose of each matrix in a stack: a view, no copy.  Arrays and
    tensors both have the method (on tensors it records a transpose)."""
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


def _stack_times_matrix(x: Any, m: Any) -> Any:
    """x (..., p, q) @ m (q, r) as one (P*p, q) @ (q, r) product."""
    if x.ndim == 2 or not _dense(x):
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
        # a's batch axes are all summed over: fold them into its rows.
        nbatch = g.ndim - ans.ndim
        a_rows = reshape_p(a, (math.prod(a.shape[:-1]), a.shape[-1]))
        g_rows = reshape_p(g, g.shape[:nbatch] + (math.prod(g.shape[nbatch:-1]), g.shape[-1]))
        return matmul_p(_swap_last(a_rows), g_rows)
    return matmul_p(_swap_last(a), g)


def _matmul_jvp_a(t, ans, a, b):
    return _stack_times_matrix(t, b) if b.ndim == 2 else matmul_p(t, b)


def _matmul_jvp_b(t, ans, a, b):
    return _matrix_times_stack(a, t) if a.ndim == 2 else matmul_p(a, t)


matmul_p = primitive(
    "matmul", xp.matmul,
    # One BLAS call per operand; the engine sums over broadcast batch axes.
    vjp=(_matmul_vjp_a, _matmul_vjp_b),
    jvp=(_matmul_jvp_a, _matmul_jvp_b),
    broadcasting=True,
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
    if len(a_shape) == 2 == len(b_shape) and a_shape[1] == b_shape[0]:
        return matmul_p(a, b)
    return _matmul(a, b, "matmul")


def _matmul(a: Any, b: Any, op: str) -> Any:
    a_shape, b_shape = tuple(a.shape), tuple(b.shape)
    _check_matmul(a_shape, b_shape, op)
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
    if ndim_of(a) == 0 or ndim_of(b) == 0:
        return a * b
    return tensordot(a, b, axes=([-1], [-1]))


def outer(a: Any, b: Any, /) -> Any:
    """out[i, j] = a.ravel()[i] * b.ravel()[j]."""
    a, b = _as_operand(a), _as_operand(b)
    return reshape_p(a, (a.size, 1)) * reshape_p(b, (1, b.size))


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


# ------------------------------------------------------------------- einsum

LETTERS = string.ascii_lowercase + string.ascii_uppercase
# Above this many operand-element pairs, NumPy's optimized einsum (BLAS via
# tensordot) beats its plain C loop despite ~20 us of path planning.
_BLAS_WORTH = 1 << 20


def _einsum_impl(a, b, spec):
    if b is None:
        return xp.einsum(spec, a)
    return xp.einsum(spec, a, b, optimize=a.size * b.size > _BLAS_WORTH)


def _split(spec: str) -> tuple[list[str], str]:
    inputs, out = spec.split("->")
    return inputs.split(","), out


def _fresh(used: str, n: int) -> str:
    """`n` letters that do not occur in `used` (for batch and helper axes)."""
    free = [c for c in LETTERS if c not in used]
    if n > len(free):
        raise EinsumError(f"einsum: needs {n} more subscript letters than the 52 available")
    return "".join(free[:n])


def _einsum_vjp(k: int) -> Any:
    def rule(g, ans, a, b, spec):
        ins, out = _split(spec)
        nb = g.ndim - len(out)
        batch = _fresh(spec, nb)
        operands, subs = [g], [batch + out]
        if b is not None:
            operands.append(b if k == 0 else a)
            subs.append(ins[1 - k])
        return _embed(operands, subs, ins[k], (a if k == 0 else b).shape, g.shape[:nb], batch, g.dtype)

    return rule


def _einsum_jvp(k: int) -> Any:
    def rule(t, ans, a, b, spec):
        ins, out = _split(spec)
        nb = t.ndim - len(ins[k])
        batch = _fresh(spec, nb)
        subs = list(ins)
        subs[k] = batch + subs[k]
        operands = [t, b] if k == 0 else [a, t]
        if b is None:
            operands, subs = operands[:1], subs[:1]
        return contract(operands, subs, batch + out)

    return rule


def _embed(
    operands: list, subs: list[str], target: str, shape: tuple, batch_shape: tuple, batch: str, dtype: Any
) -> Any:
    """The einsum of `operands` laid out as an operand with subscripts
    `target` (plus the batch axes in front).

    A letter repeated in `target` names a diagonal: its later occurrences get
    new letters tied to the first by identity matrices.  A letter no operand
    has (it was summed away) is broadcast back: the cotangent is constant
    along it.
    """
    used = "".join(subs) + target + batch
    extra = iter(_fresh(used, len(target) - len(set(target))))
    operands, subs = list(operands), list(subs)
    letters, seen = [], set()
    for letter, size in zip(target, shape, strict=True):
        if letter in seen:
            diagonal = next(extra)
            operands.append(xp.eye(size, dtype=dtype))
            subs.append(letter + diagonal)
            letter = diagonal
        seen.add(letter)
        letters.append(letter)
    have = set("".join(subs))
    present = "".join(c for c in letters if c in have)
    out = contract(operands, subs, batch + present)
    if len(present) == len(letters):
        return out
    kept = tuple(size if c in have else 1 for c, size in zip(letters, shape, strict=True))
    return broadcast_to(reshape_p(out, batch_shape + kept), batch_shape + tuple(shape))


einsum_p = primitive(
    "einsum", _einsum_impl,
    vjp=(_einsum_vjp(0), _einsum_vjp(1)),
    jvp=(_einsum_jvp(0), _einsum_jvp(1)),
)


def contract(operands: Sequence[Any], subs: Sequence[str], out: str) -> Any:
    """Einsum over resolved subscripts (letters only, sizes consistent),
    contracting more than two operands pairwise along NumPy's greedy path."""
    if len(operands) <= 2:
        return _contract_few(operands, subs, out)
    pending, labels = list(operands), list(subs)
    for step in _greedy_path(tuple(labels), out, tuple(tuple(x.shape) for x in pending)):
        chosen = [(pending.pop(i), labels.pop(i)) for i in sorted(step, reverse=True)][::-1]
        # A step may name more than two operands (products with nothing to
        # sum): contract them two at a time, left to right.
        while chosen:
            group, chosen = chosen[:2], chosen[2:]
            needed = "".join(labels) + "".join(s for _, s in chosen) + out
            if labels or chosen:
                keep = "".join(dict.fromkeys(c for _, s in group for c in s if c in needed))
            else:
                keep = out
            result = _contract_few([x for x, _ in group], [s for _, s in group], keep)
            if chosen:
                chosen.insert(0, (result, keep))
            else:
                pending.append(result)
                labels.append(keep)
    return pending[0]


def _contract_few(operands: Sequence[Any], subs: Sequence[str], out: str) -> Any:
    if len(operands) == 1:
        return einsum_p(operands[0], None, spec=f"{subs[0]}->{out}")
    return einsum_p(operands[0], operands[1], spec=f"{subs[0]},{subs[1]}->{out}")


@functools.lru_cache(maxsize=256)
def _greedy_path(subs: tuple[str, ...], out: str, shapes: tuple[tuple, ...]) -> list[tuple]:
    # einsum_path reads only shapes: stand-ins broadcast from one zero cost nothing.
    dummies = [xp.broadcast_to(xp.zeros(()), shape) for shape in shapes]
    path, _ = xp.einsum_path(f"{','.join(subs)}->{out}", *dummies, optimize="greedy")
    return path[1:]


# ------------------------------------------------------------ einsum parsing


class _Operand:
    """One operand's subscripts as parsed: letters with their positions in
    the spec, and where its '...' stands (None if it has none)."""

    __slots__ = ("letters", "positions", "ellipsis", "ellipsis_at", "end")

    def __init__(self) -> None:
        self.letters: list[str] = []
        self.positions: list[int] = []
        self.ellipsis: int | None = None  # how many letters come before the '...'
        self.ellipsis_at = 0  # where the '...' starts in the spec
        self.end = 0  # where the group ends in the spec


def _error(spec: str, message: str, positions: Sequence[int], fix: str = "") -> EinsumError:
    """An EinsumError that shows the spec with a caret under the culprit."""
    marks = set(positions)
    caret = "".join("^" if i in marks else " " for i in range(max(marks, default=-1) + 1))
    text = f"einsum: {message}\n    {spec}\n    {caret}"
    return EinsumError(text + (f"\n{fix}" if fix else ""))


def _tokenize(spec: str, start: int, end: int, separators: str) -> list[_Operand]:
    """The subscript groups of spec[start:end], split at `separators`."""
    groups = [_Operand()]
    i = start
    while i < end:
        c = spec[i]
        if c in separators:
            groups[-1].end = i
            groups.append(_Operand())
        elif c in LETTERS:
            groups[-1].letters.append(c)
            groups[-1].positions.append(i)
        elif c == "." and spec[i : i + 3] == "..." and i + 3 <= end:
            if groups[-1].ellipsis is not None:
                raise _error(spec, "a subscript group can hold only one '...'", [i, i + 1, i + 2])
            groups[-1].ellipsis = len(groups[-1].letters)
            groups[-1].ellipsis_at = i
            i += 2
        elif c == ".":
            raise _error(spec, "a '.' must be part of an ellipsis '...'", [i])
        elif c in "->":
            raise _error(spec, f"stray {c!r}: the output subscripts follow one '->'", [i])
        elif c == ",":
            raise _error(spec, "the output is one group of subscripts; it has no ','", [i])
        elif not c.isspace():
            raise _error(spec, f"{c!r} is not a subscript; subscripts are the letters a-z and A-Z", [i])
        i += 1
    groups[-1].end = end
    return groups


def _parse(spec: str, n_operands: int) -> tuple[list[_Operand], _Operand | None]:
    arrows = [i for i in range(len(spec)) if spec.startswith("->", i)]
    if len(arrows) > 1:
        raise _error(spec, "more than one '->'", [arrows[1], arrows[1] + 1])
    inputs_end = arrows[0] if arrows else len(spec)
    groups = _tokenize(spec, 0, inputs_end, ",")
    output = _tokenize(spec, arrows[0] + 2, len(spec), "")[0] if arrows else None
    if len(groups) != n_operands:
        raise _error(
            spec,
            f"the subscripts name {len(groups)} operand(s) but {n_operands} {'was' if n_operands == 1 else 'were'} "
            "given",
            range(inputs_end), "Fix: one comma-separated group of subscripts per operand.",
        )
    return groups, output


def _check_ranks(spec: str, groups: list[_Operand], shapes: list[tuple]) -> None:
    for k, (group, shape) in enumerate(zip(groups, shapes, strict=True)):
        named = len(group.letters)
        if named == len(shape) or (group.ellipsis is not None and named < len(shape)):
            continue
        span = group.positions or [group.end]
        raise _error(
            spec,
            f"operand {k} has {len(shape)} dimension(s) (shape {_show(shape)}) but its subscripts "
            f"{''.join(group.letters)!r} name {named}",
            range(span[0], span[-1] + 1),
            "Fix: one letter per dimension, or '...' for the leading ones.",
        )


def _check_output(spec: str, groups: list[_Operand], output: _Operand) -> None:
    inputs = {c for g in groups for c in g.letters}
    seen: set[str] = set()
    for c, pos in zip(output.letters, output.positions, strict=True):
        if c not in inputs:
            raise _error(spec, f"output subscript {c!r} appears in no operand", [pos])
        if c in seen:
            raise _error(spec, f"output subscript {c!r} is repeated; an output dimension is named once", [pos])
        seen.add(c)


def _ellipsis_dims(spec: str, groups: list[_Operand], shapes: list[tuple]) -> tuple:
    """The broadcast shape of all operands' '...' dimensions."""
    parts = [shape[g.ellipsis : g.ellipsis + len(shape) - len(g.letters)] if g.ellipsis is not None else ()
             for g, shape in zip(groups, shapes, strict=True)]
    try:
        return tuple(xp.broadcast_shapes(*parts))
    except ValueError:
        marks = [g.ellipsis_at + d for g in groups if g.ellipsis is not None for d in range(3)]
        raise _error(
            spec, f"the '...' dimensions {', '.join(map(_show, parts))} do not broadcast",
            marks,
            "Fix: aligned from the right, the '...' dimensions must be equal or 1.",
        ) from None


def _letter_sizes(spec: str, groups: list[_Operand], shapes: list[tuple]) -> dict[str, int]:
    """Each letter's size; a size 1 broadcasts against any other size."""
    sizes: dict[str, tuple[int, int, int]] = {}  # letter -> (size, operand, position)
    for k, (group, shape) in enumerate(zip(groups, shapes, strict=True)):
        dims = _named_dims(group, shape)
        local: dict[str, int] = {}
        for c, pos, size in zip(group.letters, group.positions, dims, strict=True):
            if c in local and local[c] != size:
                raise _error(
                    spec, f"subscript {c!r} repeats in operand {k} (shape {_show(shape)}), taking its diagonal, "
                    f"but names dimensions of sizes {local[c]} and {size}", [pos],
                    "Fix: a diagonal needs a square pair of dimensions.",
                )
            local[c] = size
            known = sizes.get(c)
            if known is None or known[0] == 1:
                sizes[c] = (size, k, pos)
            elif size not in (1, known[0]):
                raise _error(
                    spec, f"subscript {c!r} has size {known[0]} in operand {known[1]} (shape "
                    f"{_show(shapes[known[1]])}) but size {size} in operand {k} (shape {_show(shape)})",
                    [known[2], pos],
                    "Fix: the dimensions a subscript names must have the same size (or size 1, which broadcasts).",
                )
    return {c: s for c, (s, _, _) in sizes.items()}


def _named_dims(group: _Operand, shape: tuple) -> tuple:
    """The sizes of the dimensions that `group`'s letters name."""
    if group.ellipsis is None:
        return tuple(shape)
    after = len(group.letters) - group.ellipsis
    return tuple(shape[: group.ellipsis]) + (tuple(shape[len(shape) - after :]) if after else ())


@functools.lru_cache(maxsize=512)
def _resolve(spec: str, shapes: tuple[tuple, ...]) -> tuple[tuple[str, ...], str]:
    """Subscripts with every dimension named by a letter of its own size.

    '...' becomes letters shared from the right across operands.  A size-1
    dimension that broadcasts against a larger one gets a letter of its own,
    summed away (a sum over one element), so the contraction itself never
    broadcasts and its rules need no special case.
    """
    shapes = list(shapes)
    groups, output = _parse(spec, len(shapes))
    _check_ranks(spec, groups, shapes)
    if output is not None:
        _check_output(spec, groups, output)
    ell_shape = _ellipsis_dims(spec, groups, shapes)
    sizes = _letter_sizes(spec, groups, shapes)
    spare = iter(c for c in LETTERS if c not in spec)

    def fresh() -> str:
        letter = next(spare, None)
        if letter is None:
            raise EinsumError(f"einsum: {spec!r} needs more than the 52 subscript letters a-z, A-Z")
        return letter

    ell_letters = "".join(fresh() for _ in ell_shape)
    for c, s in zip(ell_letters, ell_shape, strict=True):
        sizes[c] = s

    subs = []
    for group, shape in zip(groups, shapes, strict=True):
        letters = list(group.letters)
        if group.ellipsis is not None:
            n_ell = len(shape) - len(letters)
            letters[group.ellipsis : group.ellipsis] = ell_letters[len(ell_letters) - n_ell :]
        subs.append("".join(fresh() if d == 1 and sizes[c] != 1 else c for c, d in zip(letters, shape, strict=True)))
    return tuple(subs), _output_letters(spec, groups, output, ell_letters)


def _output_letters(spec: str, groups: list[_Operand], output: _Operand | None, ell_letters: str) -> str:
    if output is None:
        # Implicit mode: '...' first, then the letters used once, sorted.
        counts: dict[str, int] = {}
        for g in groups:
            for c in g.letters:
                counts[c] = counts.get(c, 0) + 1
        return ell_letters + "".join(sorted(c for c, n in counts.items() if n == 1))
    if output.ellipsis is None:
        if ell_letters:
            raise _error(
                spec, "the operands have '...' dimensions but the output does not say where they go",
                [spec.index("->"), spec.index("->") + 1],
                "Fix: put '...' in the output (e.g. '...ij->...i'), or name those dimensions with letters.",
            )
        return "".join(output.letters)
    letters = list(output.letters)
    letters[output.ellipsis : output.ellipsis] = ell_letters
    return "".join(letters)


def _interleaved(args: tuple) -> tuple[str, list]:
    """NumPy's other calling form, einsum(a, [0, 1], b, [1, 2], [0, 2]), as a
    subscripts string (integers 0..51 stand for a..z, A..Z) and operands."""

    def letters(sublist: Any) -> str:
        return "".join("..." if s is Ellipsis else LETTERS[int(s)] for s in sublist)

    has_output = len(args) % 2 == 1
    pairs = args[:-1] if has_output else args
    spec = ",".join(letters(sub) for sub in pairs[1::2])
    if has_output:
        spec += "->" + letters(args[-1])
    return spec, list(pairs[0::2])


def einsum(subscripts: Any, *operands: Any, optimize: Any = True) -> Any:
    """Einstein summation, with NumPy's notation and results.

    'ij,jk->ik' (explicit output), 'ij,jk' (implicit: the letters used once,
    sorted), '...ij,...jk->...ik' (broadcast leading dimensions), 'ii->i' and
    'ii' (diagonal, trace), any number of operands; spaces are ignored.  The
    interleaved form einsum(a, [0, 1], b, [1, 2], [0, 2]) works too.
    Contractions are planned with NumPy's greedy path whatever `optimize` says.
    Errors point at the offending subscript.
    """
    if not isinstance(subscripts, str):
        subscripts, ops = _interleaved((subscripts, *operands))
    else:
        ops = list(operands)
    if not ops:
        raise EinsumError("einsum: no operands given; pass the tensors after the subscripts")
    ops = [_as_operand(x) for x in ops]
    # Parsed once per spec and shapes: a training loop pays for it once.
    subs, out = _resolve(subscripts, tuple(tuple(x.shape) for x in ops))
    return contract(ops, subs, out)
