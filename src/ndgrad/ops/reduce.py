"""Reductions.

Primitives: sum, prod, max, min and three fused rows (logsumexp, softmax, log_softmax) whose one-pass forward and
short rules are faster and more stable than their compositions.  Everything
else here (mean, var, std, norm, ...) is composed from primitives.

Public functions normalise `axis` to a tuple of negative axes before calling
a primitive, so that the rules, which index from the right, let the leading
batch axes of cotangents and tangents ride along.
"""

from __future__ import annotations

import builtins
import math
from typing import Any

from ..backend import ARRAY_TYPES, array_max, array_min, array_sum, broadcast_to, xp
from ..core import TensorBase, primitive, wrap
from ..core.graph import is_constant

# shape.py imports this module while it loads, so shape's (and index's) names
# are looked up when called (_shape.reshape_p), not bound at import.
from . import shape as _shape
from ._axes import ndim_of, normalize_axes
from .compare import nondifferentiable
from .complex_parts import conj, is_complex, real
from .elementwise import astype, exp, where

__all__ = [
    "sum",
    "prod",
    "mean",
    "max",
    "min",
    "amax",
    "amin",
    "var",
    "std",
    "logsumexp",
    "softmax",
    "log_softmax",
    "argmax",
    "argmin",
    "all",
    "any",
    "count_nonzero",
]


# ------------------------------------------------------------------ helpers


_OPERAND_TYPES = (TensorBase, *ARRAY_TYPES)


def _as_operand(x: Any) -> Any:
    """Tensors and arrays pass through; Python numbers and lists become arrays."""
    return x if isinstance(x, _OPERAND_TYPES) else xp.asarray(x)


def _value(x: Any) -> Any:
    """The raw values of a tensor or array (for masks that are constants)."""
    return x.data if isinstance(x, TensorBase) else x


def kept_shape(shape: tuple, axes: tuple[int, ...]) -> tuple:
    """`shape` with the reduced axes (negative indices) kept as size 1."""
    n = len(shape)
    return tuple(1 if i - n in axes else s for i, s in enumerate(shape))


def _dropped_shape(shape: tuple, axes: tuple[int, ...]) -> tuple:
    """`shape` without the reduced axes (negative indices)."""
    n = len(shape)
    return tuple(s for i, s in enumerate(shape) if i - n not in axes)


def _keep_axes(g: Any, shape: tuple, axes: tuple[int, ...], keepdims: bool) -> Any:
    """A reduction's cotangent (or output) with the reduced axes of an input
    of `shape` back as size 1, ready to broadcast against that input."""
    if keepdims:
        return g
    nbatch = g.ndim - (len(shape) - len(axes))
    return _shape.reshape_p(g, g.shape[:nbatch] + kept_shape(shape, axes))


def expand_reduced(g: Any, shape: tuple, axes: tuple[int, ...], keepdims: bool) -> Any:
    """Broadcast a reduction's cotangent back over the reduced axes of an
    input of `shape` (leading batch axes of g ride along)."""
    # `shape` is already a tuple of ints: straight to the primitive.
    if g.ndim == 0:  # a full reduction without batch axes broadcasts as it is
        if not shape:
            return g
        # A constant cotangent (the 1 that seeds a Hessian's gradient) needs no record.
        return wrap(broadcast_to(g.data, shape)) if is_constant(g) else _shape.broadcast_p(g, shape)
    nbatch = g.ndim - (len(shape) if keepdims else len(shape) - len(axes))
    g = _keep_axes(g, shape, axes, keepdims)
    full = g.shape[:nbatch] + tuple(shape)
    return g if g.shape == full else _shape.broadcast_p(g, full)


def _reduced_size(shape: tuple, axes: tuple[int, ...]) -> int:
    n = len(shape)
    return math.prod(s for i, s in enumerate(shape) if i - n in axes)


_ALL_AXES = [tuple(range(-n, 0)) for n in range(33)]


def _axes_of(x: Any, axis: Any, op: str) -> tuple[int, ...]:
    """`axis` as a sorted tuple of negative axes (None: all of them)."""
    n = ndim_of(x)
    # Fast paths for the common spellings; everything else is checked in full.
    if axis is None and n < len(_ALL_AXES):
        return _ALL_AXES[n]
    if type(axis) is int and -n <= axis < n:
        return (axis - n if axis >= 0 else axis,)
    return normalize_axes(axis, n, op)


# ---------------------------------------------------------------------- sum


def _reduced(reduce: Any, x: Any, axis: tuple[int, ...], keepdims: bool, longest: int) -> Any:
    """`reduce(x, axis, keepdims)` for raw values (array_sum, array_max, ...).

    NumPy reduces a short last axis (the classes of a batch of logits) one
    row at a time; for many rows of at most `longest` values, a contiguous
    copy with the rows as its columns, reduced along its first axis, is
    several times faster.  (Not float16, which NumPy sums in float32 along a
    row but in float16 down a column.)
    """
    n = x.shape[-1] if axis == (-1,) and x.ndim > 1 else 0
    if 1 < n <= longest and x.size >= 32 * n and type(x) is xp.ndarray and x.dtype != xp.float16:
        columns = xp.ascontiguousarray(x.reshape(-1, n).T)
        return reduce(columns, 0).reshape(x.shape[:-1] + (1,) if keepdims else x.shape[:-1])
    return reduce(x, axis, keepdims)


# The impls call array methods: a third of the cost of xp.sum & co. on small arrays.
def _sum(x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
    return _reduced(array_sum, x, axis, keepdims, 16)


def _sum_impl(x, axis, keepdims, shape):
    return _sum(x, axis, keepdims)


# The input's shape rides along as a constant so that the rules read neither
# x nor the output: changing either in place afterwards does not matter.
_sum_p = primitive(
    "sum",
    _sum_impl,
    vjp=lambda g, ans, x, axis, keepdims, shape: expand_reduced(g, shape, axis, keepdims),
    jvp=lambda t, ans, x, axis, keepdims, shape: sum_p(t, axis, keepdims),
    fresh=True,
)


def sum_p(x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
    """The sum primitive over normalised (negative) axes."""
    return _sum_p(x, axis, keepdims, x.shape)


def sum(x: Any, axis: Any = None, keepdims: bool = False, dtype: Any = None) -> Any:  # noqa: A001
    """Sum over `axis` (int, tuple, negative or None for all), like NumPy."""
    x = _as_operand(x)
    if dtype is not None:
        x = astype(x, dtype, copy=False)
    out = sum_p(x, _axes_of(x, axis, "sum"), bool(keepdims))
    # NumPy sums small integers in the platform integer: cast back to the asked dtype.
    return out if dtype is None else astype(out, dtype, copy=False)


# One node, as the sum is (a sum and a division would be two); the shape rides
# along as for the sum.
_mean_p = primitive(
    "mean",
    lambda x, axis, keepdims, shape: _sum(x, axis, keepdims) / _reduced_size(shape, axis),
    vjp=lambda g, ans, x, axis, keepdims, shape: expand_reduced(g / _reduced_size(shape, axis), shape, axis, keepdims),
    jvp=lambda t, ans, x, axis, keepdims, shape: sum_p(t, axis, keepdims) / _reduced_size(shape, axis),
    fresh=True,
)


def mean(x: Any, axis: Any = None, keepdims: bool = False, dtype: Any = None) -> Any:
    """Arithmetic mean over `axis`; integer inputs give float64, as in NumPy."""
    x = _as_operand(x)
    if dtype is not None:
        x = astype(x, dtype)
    return _mean_p(x, _axes_of(x, axis, "mean"), bool(keepdims), x.shape)


# ---------------------------------------------------------------- max / min


def _tie_weights(x: Any, ans: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
    """1/k at each of the k elements where the extremum is attained, 0 elsewhere.

    The location of a maximum does not move under small perturbations, so
    these weights are constants for every derivative order.
    """
    xv, av = _value(x), _value(ans)
    if not keepdims:
        av = xp.reshape(av, kept_shape(xv.shape, axes))
    hit = (xv == av) | (xp.isnan(xv) & xp.isnan(av))
    count = _sum(hit, axes, True)
    return (hit / count).astype(xv.dtype, copy=False)


def _extremum(name: str, impl: Any) -> Any:
    def vjp(g, ans, x, axis, keepdims):
        return _keep_axes(g, x.shape, axis, keepdims) * _tie_weights(x, ans, axis, keepdims)

    def jvp(t, ans, x, axis, keepdims):
        return sum_p(t * _tie_weights(x, ans, axis, keepdims), axis, keepdims)

    return primitive(name, impl, vjp, jvp)


# Max and min are exact in any order: rows of up to 32 go the transposed way.
def _max(x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
    return _reduced(array_max, x, axis, keepdims, 32)


def _min(x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
    return _reduced(array_min, x, axis, keepdims, 32)


max_p = _extremum("max", _max)
min_p = _extremum("min", _min)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """Largest value over `axis`.

    Where several elements tie for the maximum, the gradient is shared
    equally among them (each gets 1/k of it), as in JAX; the forward
    derivative is the mean of their tangents.
    """
    x = _as_operand(x)
    return max_p(x, _axes_of(x, axis, "max"), bool(keepdims))


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """Smallest value over `axis`; tied minima share the gradient equally."""
    x = _as_operand(x)
    return min_p(x, _axes_of(x, axis, "min"), bool(keepdims))


amax, amin = max, min


# --------------------------------------------------------------------- prod


def _products_of_others(x: Any, axes: tuple[int, ...]) -> Any:
    """For each element, the product of the other elements along `axes`.

    Computed as (product of those before it) * (product of those after it)
    with two exclusive scans over the flattened reduced axes: no division,
    so it is exact with one or several zeros.
    """
    shape, n = x.shape, len(x.shape)
    kept = [i for i in range(n) if i - n not in axes]
    reduced = [i for i in range(n) if i - n in axes]
    perm = tuple(kept + reduced)
    moved_shape = tuple(shape[i] for i in perm)
    flat_shape = moved_shape[: len(kept)] + (math.prod(moved_shape[len(kept) :]),)
    inverse = None if perm == tuple(range(n)) else tuple(sorted(range(n), key=perm.__getitem__))
    if type(x) is xp.ndarray:  # raw values (a first-order rule): the scans written straight into one array
        others = _others_along_last(x.transpose(perm).reshape(flat_shape)).reshape(moved_shape)
        return others if inverse is None else others.transpose(inverse)
    flat = _shape.reshape_p(x if inverse is None else _shape.transpose_p(x, perm), flat_shape)
    others = _scan.cumprod_p(flat, -1, False, True) * _scan.cumprod_p(flat, -1, True, True)
    others = _shape.reshape_p(others, moved_shape)
    return others if inverse is None else _shape.transpose_p(others, inverse)


def _others_along_last(flat: Any) -> Any:
    """Each element's product of the others along the last axis of an array:
    the exclusive prefix products, times the exclusive suffix products."""
    others = xp.ones_like(flat)
    xp.multiply.accumulate(flat[..., :-1], -1, out=others[..., 1:])
    suffix = xp.multiply.accumulate(flat[..., :0:-1], -1)
    others[..., :-1] *= suffix[..., ::-1]
    return others


def _prod_vjp(g, ans, x, axis, keepdims):
    if not axis:
        return g
    return _keep_axes(g, x.shape, axis, keepdims) * _products_of_others(x, axis)


def _prod_jvp(t, ans, x, axis, keepdims):
    if not axis:
        return t
    return sum_p(t * _products_of_others(x, axis), axis, keepdims)


prod_p = primitive(
    "prod",
    lambda x, axis, keepdims: x.prod(axis=axis, keepdims=keepdims),
    vjp=_prod_vjp,
    jvp=_prod_jvp,
)


def prod(x: Any, axis: Any = None, keepdims: bool = False, dtype: Any = None) -> Any:
    """Product over `axis`.  The gradient (the product of the other elements)
    is computed without dividing by x, so it is right with zeros."""
    x = _as_operand(x)
    if dtype is not None:
        x = astype(x, dtype, copy=False)
    out = prod_p(x, _axes_of(x, axis, "prod"), bool(keepdims))
    return out if dtype is None else astype(out, dtype, copy=False)


# -------------------------------------------------------------- var / std


def _degrees_of_freedom(ddof: float, correction: float | None, op: str) -> float:
    if correction is None:
        return ddof
    if ddof not in (0, correction):
        raise ValueError(f"{op}: give either ddof={ddof} or correction={correction} (the same thing), not both")
    return correction


def _abs2(x: Any) -> Any:
    """|x|**2 of raw values (real for complex x)."""
    return (x.real * x.real + x.imag * x.imag) if x.dtype.kind == "c" else x * x


def _centered(x: Any, axes: tuple[int, ...], n: int) -> Any:
    """x minus its mean over `axes` (raw values or tensors)."""
    return x - sum_p(x, axes, True) / n


def _conj_times(t: Any, x: Any) -> Any:
    """Re(conj(x) * t): the directional derivative of |x|**2 / 2."""
    return real(conj(x) * t) if is_complex(x) else t * x


def _conj_if_complex(x: Any) -> Any:
    return conj(x) if is_complex(x) else x


def _nonzero(v: Any) -> Any:
    """v with its zeros replaced by 1 (raw values or tensors): a divisor
    that is safe where the numerator is 0 too."""
    return where(v == 0, 1, v)


def _var_scale(n: int, ddof: float) -> float:
    """2 / (N - ddof): the gradient of var is this times the (conjugated) deviation."""
    return 2.0 / (n - ddof) if n > ddof else math.inf


def _var_impl(x, axes, keepdims, ddof):
    n = _reduced_size(x.shape, axes)
    deviation = x - _sum(x, axes, True) / n
    return _sum(_abs2(deviation), axes, keepdims) / builtins.max(n - ddof, 0)


def _var_vjp(g, ans, x, axes, keepdims, ddof):
    n = _reduced_size(x.shape, axes)
    return _keep_axes(g, x.shape, axes, keepdims) * (_conj_if_complex(_centered(x, axes, n)) * _var_scale(n, ddof))


def _var_jvp(t, ans, x, axes, keepdims, ddof):
    n = _reduced_size(x.shape, axes)
    return sum_p(_conj_times(t, _centered(x, axes, n)), axes, keepdims) * _var_scale(n, ddof)


# One node (PyTorch's var is one too), where the formula written out takes six.
var_p = primitive("var", _var_impl, vjp=_var_vjp, jvp=_var_jvp, fresh=True)


def var(
    x: Any,
    axis: Any = None,
    ddof: float = 0,
    keepdims: bool = False,
    *,
    correction: float | None = None,
    dtype: Any = None,
) -> Any:
    """Variance: the mean squared deviation (of |x| for complex x), divided
    by N - ddof instead of N.

    `correction` is the array-API name of `ddof` (ddof=1 gives the unbiased
    sample variance, as torch.var does by default).
    """
    ddof = _degrees_of_freedom(ddof, correction, "var")
    x = _as_operand(x)
    if dtype is not None:
        x = astype(x, dtype)
    return var_p(x, _axes_of(x, axis, "var"), bool(keepdims), ddof)


def _std_vjp(g, ans, x, axes, keepdims, ddof):
    # d std = d var / (2 std); where std is 0 the deviations are 0 too, and so is the gradient.
    n = _reduced_size(x.shape, axes)
    scaled = _keep_axes(g / _nonzero(ans), x.shape, axes, keepdims)
    return scaled * (_conj_if_complex(_centered(x, axes, n)) * (_var_scale(n, ddof) / 2))


def _std_jvp(t, ans, x, axes, keepdims, ddof):
    n = _reduced_size(x.shape, axes)
    return sum_p(_conj_times(t, _centered(x, axes, n)), axes, keepdims) * (_var_scale(n, ddof) / 2) / _nonzero(ans)


std_p = primitive(
    "std", lambda x, axes, keepdims, ddof: xp.sqrt(_var_impl(x, axes, keepdims, ddof)),
    vjp=_std_vjp, jvp=_std_jvp, fresh=True,
)


def std(
    x: Any,
    axis: Any = None,
    ddof: float = 0,
    keepdims: bool = False,
    *,
    correction: float | None = None,
    dtype: Any = None,
) -> Any:
    """Standard deviation, sqrt(var(x, axis, ddof)).

    Where the deviations are all exactly 0 (a constant input) std is not
    differentiable; ndgrad returns the gradient 0 there (a subgradient).
    """
    ddof = _degrees_of_freedom(ddof, correction, "std")
    x = _as_operand(x)
    if dtype is not None:
        x = astype(x, dtype)
    return std_p(x, _axes_of(x, axis, "std"), bool(keepdims), ddof)


# ---------------------------------------------- logsumexp and softmaxes


_LARGEST = {xp.dtype(t): xp.finfo(t).max for t in (xp.float16, xp.float32, xp.float64, xp.longdouble)}


def _finite_max(x: Any, axis: tuple[int, ...]) -> Any:
    """The max over `axis` (kept), clipped to the finite range so that
    subtracting it never makes inf - inf: a lane of -inf still gives exp 0
    (logsumexp -inf), a +inf still gives exp inf (logsumexp +inf)."""
    m = _max(x, axis, True)
    largest = _LARGEST.get(m.dtype)
    if largest is None:  # integers have no infinities
        return m
    return xp.minimum(xp.maximum(m, -largest), largest)


def _logsumexp_impl(x, axis, keepdims):
    m = _finite_max(x, axis)
    with xp.errstate(divide="ignore"):  # a lane of -inf sums to 0: its log is -inf, as it should be
        out = xp.log(_sum(xp.exp(x - m), axis, True)) + m
    return out if keepdims else xp.reshape(out, _dropped_shape(out.shape, axis))


def _logsumexp_weights(ans, x, axis, keepdims):
    """softmax(x): the derivative of logsumexp."""
    return exp(x - _keep_axes(ans, x.shape, axis, keepdims))


logsumexp_p = primitive(
    "logsumexp",
    _logsumexp_impl,
    vjp=lambda g, ans, x, axis, keepdims: (
        _keep_axes(g, x.shape, axis, keepdims) * _logsumexp_weights(ans, x, axis, keepdims)
    ),
    jvp=lambda t, ans, x, axis, keepdims: sum_p(t * _logsumexp_weights(ans, x, axis, keepdims), axis, keepdims),
)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """log(sum(exp(x))) over `axis`, computed stably (the max is taken out
    first, so inputs like 1000.0 do not overflow)."""
    x = _as_operand(x)
    return logsumexp_p(x, _axes_of(x, axis, "logsumexp"), bool(keepdims))


def _softmax_impl(x, axis):
    e = xp.exp(x - _finite_max(x, axis))
    e /= _sum(e, axis, True)
    return e


def _log_softmax_impl(x, axis):
    shifted = x - _finite_max(x, axis)
    return shifted - xp.log(_sum(xp.exp(shifted), axis, True))


# With s = softmax(x): ds = s * (dx - sum(s * dx)), a symmetric Jacobian.
softmax_p = primitive(
    "softmax",
    _softmax_impl,
    vjp=lambda g, ans, x, axis: ans * (g - sum_p(g * ans, axis, True)),
    jvp=lambda t, ans, x, axis: ans * (t - sum_p(t * ans, axis, True)),
)
# With l = log_softmax(x): dl = dx - sum(softmax * dx).
log_softmax_p = primitive(
    "log_softmax",
    _log_softmax_impl,
    vjp=lambda g, ans, x, axis: g - exp(ans) * sum_p(g, axis, True),
    jvp=lambda t, ans, x, axis: t - sum_p(t * exp(ans), axis, True),
)


def _softmax_axes(x: Any, axis: Any, op: str) -> tuple[int, ...]:
    return () if ndim_of(x) == 0 else _axes_of(x, axis, op)


def softmax(x: Any, axis: Any = -1) -> Any:
    """exp(x) / sum(exp(x)) along `axis` (the last by default; None for all).

    The max is subtracted first, so large inputs (1000.0) do not overflow.
    """
    x = _as_operand(x)
    return softmax_p(x, _softmax_axes(x, axis, "softmax"))


def log_softmax(x: Any, axis: Any = -1) -> Any:
    """log(softmax(x)) along `axis`, computed stably as x - logsumexp(x)."""
    x = _as_operand(x)
    return log_softmax_p(x, _softmax_axes(x, axis, "log_softmax"))


# ----------------------------------------------------- values only


def _as_array_result(fn: Any) -> Any:
    """`fn` returning an array even where NumPy returns a Python number."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return xp.asarray(fn(*args, **kwargs))

    call.__name__ = fn.__name__
    return call


_argmax = nondifferentiable(_as_array_result(xp.argmax))
_argmin = nondifferentiable(_as_array_result(xp.argmin))
_all = nondifferentiable(_as_array_result(xp.all))
_any = nondifferentiable(_as_array_result(xp.any))
_count_nonzero = nondifferentiable(_as_array_result(xp.count_nonzero))


def argmax(x: Any, axis: int | None = None, keepdims: bool = False) -> Any:
    """Index of the largest value (the first one on ties); not differentiable."""
    return _argmax(x, axis=axis, keepdims=keepdims)


def argmin(x: Any, axis: int | None = None, keepdims: bool = False) -> Any:
    """Index of the smallest value (the first one on ties); not differentiable."""
    return _argmin(x, axis=axis, keepdims=keepdims)


def all(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """Whether every element is true (non-zero) over `axis`."""
    return _all(x, axis=axis, keepdims=keepdims)


def any(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """Whether some element is true (non-zero) over `axis`."""
    return _any(x, axis=axis, keepdims=keepdims)


def count_nonzero(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """How many elements are non-zero over `axis`."""
    return _count_nonzero(x, axis=axis, keepdims=keepdims)


# The scans build on this module (sum_p, prod_p) and prod's rules on the
# scans: imported last, once everything above exists.
from . import scan as _scan  # noqa: E402
