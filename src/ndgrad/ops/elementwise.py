"""Elementwise primitives: NumPy's ufuncs with their derivatives.

Most rows give the local derivative `d(ans, *args)`; the VJP multiplies the
cotangent by it and the JVP the tangent, since an elementwise Jacobian is
diagonal.  Broadcasting between arguments is undone by the engine.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

from ..backend import ARRAY_TYPES, xp
from ..core import TensorBase, primitive
from .complex_parts import conj, imag, is_complex, real

__all__ = [
    "add",
    "subtract",
    "multiply",
    "divide",
    "true_divide",
    "power",
    "pow",
    "negative",
    "positive",
    "floor_divide",
    "remainder",
    "mod",
    "fmod",
    "abs",
    "absolute",
    "exp",
    "expm1",
    "exp2",
    "log",
    "log2",
    "log10",
    "log1p",
    "sqrt",
    "square",
    "reciprocal",
    "sin",
    "cos",
    "tan",
    "arcsin",
    "arccos",
    "arctan",
    "arctan2",
    "sinh",
    "cosh",
    "tanh",
    "arcsinh",
    "arccosh",
    "arctanh",
    "asin",
    "acos",
    "atan",
    "atan2",
    "asinh",
    "acosh",
    "atanh",
    "sigmoid",
    "relu",
    "softplus",
    "sign",
    "floor",
    "ceil",
    "round",
    "trunc",
    "angle",
    "maximum",
    "minimum",
    "clip",
    "where",
    "logaddexp",
    "astype",
    "hypot",
]


# Above this size a fresh local derivative is multiplied in place: one
# allocation less per rule, which large-tensor backward passes notice.
_IN_PLACE_MIN = 1 << 14


def _reusable(local: Any, g: Any, ans: Any, args: tuple) -> bool:
    """Is the large array `local` fresh and held by nobody else, with g's
    shape and dtype, so that g can be multiplied into it?"""
    return (
        local.base is None
        and local.shape == g.shape
        and local.dtype == g.dtype
        and local is not ans
        and not any(local is a for a in args)
    )


def _vjp(d: Callable) -> Callable:
    code = d.__code__
    if code.co_argcount == 2 and not code.co_flags & 0x0C:  # d(ans, x): one argument, no packing

        def rule(g, ans, x):
            local = d(ans, x)
            if type(local) is xp.ndarray and local.size >= _IN_PLACE_MIN and _reusable(local, g, ans, (x,)):
                return xp.multiply(g, local, out=local)
            return g * local

    else:

        def rule(g, ans, *args, **params):
            local = d(ans, *args, **params)
            if type(local) is xp.ndarray and local.size >= _IN_PLACE_MIN and _reusable(local, g, ans, args):
                return xp.multiply(g, local, out=local)
            return g * local

    rule.derivative = d  # type: ignore[attr-defined]
    return rule


def _jvp(d: Callable) -> Callable:
    def rule(t, ans, *args, **params):
        return t * d(ans, *args, **params)

    rule.derivative = d  # type: ignore[attr-defined]
    return rule


def elementwise(name: str, impl: Callable, *derivatives: Callable | None) -> Any:
    """A primitive whose Jacobian is diagonal: one local derivative per argument."""
    vjps = [None if d is None else _vjp(d) for d in derivatives]
    jvps = [None if d is None else _jvp(d) for d in derivatives]
    # Ufuncs: the output is always new memory.
    return primitive(name, impl, vjps, jvps, broadcasting=len(derivatives) > 1, fresh=True)


def _activation(name: str, impl: Callable, d: Callable, dd: Callable) -> tuple[Any, Any]:
    """An elementwise primitive whose derivative d(y) is a function of its
    output y, and that derivative applied to a cotangent, g * d(y), as a
    primitive of its own (PyTorch's tanh_backward).  Where the rules run on
    tensors (create_graph, or forward-over-reverse Hessians) the step is then
    one recorded operation, not three; its own rules need dd = d'(y)."""

    times_derivative = _vjp(lambda ans, y: d(y))  # g * d(y), into d(y)'s memory where that is safe
    backward = primitive(
        f"{name}_backward",
        lambda g, y: times_derivative(g, None, y),
        vjp=(lambda c, out, g, y: c * d(y), lambda c, out, g, y: c * g * dd(y)),
        jvp=(lambda t, out, g, y: t * d(y), lambda t, out, g, y: t * (g * dd(y))),
        broadcasting=True,
        fresh=True,
    )
    forward = primitive(name, impl, vjp=lambda g, ans, x: backward(g, ans), jvp=_jvp(lambda ans, x: d(ans)), fresh=True)
    return forward, backward


def _zero(ans, x):
    return 0 * ans


def _operator(op: Callable, ufunc: Any) -> Callable:
    """Arithmetic through Python's operator: NumPy's scalar fast path makes it
    several times faster than calling the ufunc on 0-d values.  Two plain
    Python values (numbers, lists) go to the ufunc, which gives an array."""

    def impl(x, y):
        out = op(x, y)
        return out if isinstance(out, ARRAY_TYPES) else ufunc(x, y)

    impl.__name__ = ufunc.__name__
    return impl


# Linear operations: the rules pass the cotangent through.
add = primitive(
    "add",
    _operator(operator.add, xp.add),
    vjp=(lambda g, ans, x, y: g, lambda g, ans, x, y: g),
    jvp=(lambda t, ans, x, y: t, lambda t, ans, x, y: t),
    broadcasting=True,
    fresh=True,
)
subtract = primitive(
    "subtract",
    _operator(operator.sub, xp.subtract),
    vjp=(lambda g, ans, x, y: g, lambda g, ans, x, y: -g),
    jvp=(lambda t, ans, x, y: t, lambda t, ans, x, y: -t),
    broadcasting=True,
    fresh=True,
)
negative = primitive("negative", xp.negative, vjp=lambda g, ans, x: -g, jvp=lambda t, ans, x: -t, fresh=True)

multiply = primitive(
    "multiply",
    _operator(operator.mul, xp.multiply),
    vjp=(lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x),
    jvp=(lambda t, ans, x, y: t * y, lambda t, ans, x, y: t * x),
    broadcasting=True,
    fresh=True,
)
divide = primitive(
    "divide",
    _operator(operator.truediv, xp.divide),
    vjp=(lambda g, ans, x, y: g / y, lambda g, ans, x, y: -g * ans / y),
    jvp=(lambda t, ans, x, y: t / y, lambda t, ans, x, y: -t * ans / y),
    broadcasting=True,
    fresh=True,
)


def _dpow_base(ans, x, y):
    # d(x**y)/dx = y x**(y-1), taken as 0 where y == 0 (x**0 is constant, even at x = 0).
    if isinstance(y, (int, float)):
        if y == 2:  # the commonest power: 2x, without an x**1 (whose tangents cost as much again)
            return 2 * x
        return y * x ** (y - 1) if y != 0 else 0 * ans
    return where(y == 0, 0 * ans, y * x ** (y - 1))


def _dpow_exponent(ans, x, y):
    # d(x**y)/dy = log(x) x**y, taken as 0 where x == 0 (as PyTorch and JAX do).
    safe = where(x == 0, 1, x)
    return where(x == 0, 0 * ans, ans * log(safe))


_pow_base_general = _vjp(_dpow_base)


def _pow_base_vjp(g, ans, x, y):
    if type(y) is int and y == 2:
        # x**2, the commonest power: scale the cotangent, then one product with
        # x.  Where g is a constant (a Hessian's inner pass) the graph
        # recorded for the gradient then has one node here, not two.
        return (g * 2.0) * x
    return _pow_base_general(g, ans, x, y)


power = primitive(
    "power",
    _operator(operator.pow, xp.power),
    vjp=(_pow_base_vjp, _vjp(_dpow_exponent)),
    jvp=(_jvp(_dpow_base), _jvp(_dpow_exponent)),
    broadcasting=True,
    fresh=True,
)
maximum = elementwise(
    "maximum",
    xp.maximum,
    # Ties share the gradient equally, as in JAX.
    lambda ans, x, y: (x > y) + 0.5 * (x == y),
    lambda ans, x, y: (x < y) + 0.5 * (x == y),
)
minimum = elementwise(
    "minimum",
    xp.minimum,
    lambda ans, x, y: (x < y) + 0.5 * (x == y),
    lambda ans, x, y: (x > y) + 0.5 * (x == y),
)


def _zero2(ans, x, y):
    return 0 * ans


floor_divide = elementwise("floor_divide", xp.floor_divide, _zero2, _zero2)
remainder = elementwise("remainder", xp.remainder, lambda ans, x, y: 0 * ans + 1, lambda ans, x, y: -floor_divide(x, y))
fmod = elementwise("fmod", xp.fmod, lambda ans, x, y: 0 * ans + 1, lambda ans, x, y: -trunc(x / y))
arctan2 = elementwise(
    "arctan2",
    xp.arctan2,
    lambda ans, y, x: x / (x * x + y * y),
    lambda ans, y, x: -y / (x * x + y * y),
)
hypot = elementwise("hypot", xp.hypot, lambda ans, x, y: x / ans, lambda ans, x, y: y / ans)
logaddexp = elementwise(
    "logaddexp",
    xp.logaddexp,
    lambda ans, x, y: exp(x - ans),
    lambda ans, x, y: exp(y - ans),
)

exp = elementwise("exp", xp.exp, lambda ans, x: ans)
expm1 = elementwise("expm1", xp.expm1, lambda ans, x: ans + 1)
exp2 = elementwise("exp2", xp.exp2, lambda ans, x: ans * math.log(2))
log = elementwise("log", xp.log, lambda ans, x: 1 / x)
log2 = elementwise("log2", xp.log2, lambda ans, x: 1 / (x * math.log(2)))
log10 = elementwise("log10", xp.log10, lambda ans, x: 1 / (x * math.log(10)))
log1p = elementwise("log1p", xp.log1p, lambda ans, x: 1 / (x + 1))
sqrt = elementwise("sqrt", xp.sqrt, lambda ans, x: 0.5 / ans)
square = elementwise("square", xp.square, lambda ans, x: 2 * x)
reciprocal = elementwise("reciprocal", xp.reciprocal, lambda ans, x: -ans * ans)


def _abs_vjp(g, ans, x):
    # Complex x: d|z| = Re(conj(z) dz) / |z|, whose cotangent is g conj(z) / |z|.
    return g * conj(x) / ans if is_complex(x) else g * sign(x)


def _abs_jvp(t, ans, x):
    return real(conj(x) * t) / ans if is_complex(x) else t * sign(x)


absolute = primitive("absolute", xp.absolute, vjp=_abs_vjp, jvp=_abs_jvp, fresh=True)
sin = elementwise("sin", xp.sin, lambda ans, x: cos(x))
cos = elementwise("cos", xp.cos, lambda ans, x: -sin(x))
tan = elementwise("tan", xp.tan, lambda ans, x: 1 + ans * ans)
arcsin = elementwise("arcsin", xp.arcsin, lambda ans, x: 1 / sqrt(1 - x * x))
arccos = elementwise("arccos", xp.arccos, lambda ans, x: -1 / sqrt(1 - x * x))
arctan = elementwise("arctan", xp.arctan, lambda ans, x: 1 / (1 + x * x))
sinh = elementwise("sinh", xp.sinh, lambda ans, x: cosh(x))
cosh = elementwise("cosh", xp.cosh, lambda ans, x: sinh(x))
tanh, tanh_backward = _activation("tanh", xp.tanh, lambda y: 1.0 - y * y, lambda y: -2.0 * y)
arcsinh = elementwise("arcsinh", xp.arcsinh, lambda ans, x: 1 / sqrt(x * x + 1))
arccosh = elementwise("arccosh", xp.arccosh, lambda ans, x: 1 / sqrt(x * x - 1))
arctanh = elementwise("arctanh", xp.arctanh, lambda ans, x: 1 / (1 - x * x))


def _sigmoid(x):
    # exp(-|x|) never overflows, and the x < 0 branch keeps relative precision
    # far into the tail (log(sigmoid(-40)) is -40, not -inf).
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


sigmoid, sigmoid_backward = _activation("sigmoid", _sigmoid, lambda y: y * (1 - y), lambda y: 1 - 2 * y)
relu = elementwise("relu", lambda x: xp.maximum(x, 0), lambda ans, x: x > 0)

# Piecewise constant: zero gradient almost everywhere.
sign = elementwise("sign", xp.sign, _zero)
floor = elementwise("floor", xp.floor, _zero)
ceil = elementwise("ceil", xp.ceil, _zero)
trunc = elementwise("trunc", xp.trunc, _zero)
_round = elementwise("round", lambda x, decimals=0: xp.round(x, decimals), lambda ans, x, decimals: 0 * ans)


def round(x: Any, decimals: int = 0) -> Any:  # noqa: A001 - NumPy's name
    """Round half to even, like NumPy; its gradient is zero."""
    return _round(x, decimals=decimals)


def _where_impl(cond, x, y):
    return xp.where(cond, x, y)


_where = primitive(
    "where",
    _where_impl,
    vjp=(None, lambda g, ans, c, x, y: g * c, lambda g, ans, c, x, y: g * ~c),
    jvp=(None, lambda t, ans, c, x, y: t * c, lambda t, ans, c, x, y: t * ~c),
    broadcasting=True,
)


def where(condition: Any, x: Any = None, y: Any = None) -> Any:
    """Pick `x` where `condition` holds, else `y` (differentiable in x and y)."""
    if x is None and y is None:
        from .index import nonzero

        return nonzero(condition)
    cond = condition.data if isinstance(condition, TensorBase) else condition
    return _where(xp.asarray(cond, dtype=bool), x, y)


def _astype_impl(x, dtype):
    return x.astype(dtype, copy=False) if hasattr(x, "astype") else xp.asarray(x, dtype=dtype)


def _astype_vjp(g, ans, x, dtype):
    # A real value cast to complex gets the real part of its cotangent.
    return (real(g) if is_complex(g) and not is_complex(x) else g).astype(x.dtype)


astype_prim = primitive(
    "astype",
    _astype_impl,
    vjp=_astype_vjp,
    jvp=lambda t, ans, x, dtype: t.astype(dtype),
)


def astype(x: Any, dtype: Any, /, *, copy: bool = True, device: Any = None) -> Any:
    """Cast to `dtype`; differentiable between floating dtypes.

    As the array API says: `copy=True` always gives new memory; `copy=False`
    returns `x` itself when it already has `dtype`.
    """
    if device not in (None, "cpu"):
        raise ValueError(f"astype: ndgrad tensors live on the CPU (device 'cpu'); got device {device!r}")
    dtype = xp.dtype(dtype)
    if getattr(x, "dtype", None) == dtype:
        if not copy:
            return x
        from .shape import copy as copy_op

        return copy_op(x)
    return astype_prim(x, dtype)


def positive(x: Any) -> Any:
    """+x: a copy of x's values (x * 1 keeps the sign of -0.0, which x + 0 loses)."""
    return x if getattr(x, "dtype", None) == xp.bool_ else x * 1


def clip(x: Any, /, min: Any = None, max: Any = None, *, a_min: Any = None, a_max: Any = None) -> Any:  # noqa: A002
    """Limit values to [min, max] (NumPy's a_min/a_max too); the gradient passes where x is inside."""
    min = a_min if min is None else min  # noqa: A001
    max = a_max if max is None else max  # noqa: A001
    if min is not None:
        x = where(x < min, min, x)
    if max is not None:
        x = where(x > max, max, x)
    return x


def softplus(x: Any) -> Any:
    """log(1 + exp(x)), stable for large |x|."""
    return logaddexp(x, 0)


# NumPy and array-API aliases.
true_divide = divide
pow = power  # noqa: A001
mod = remainder
abs = absolute  # noqa: A001
asin, acos, atan, atan2 = arcsin, arccos, arctan, arctan2
asinh, acosh, atanh = arcsinh, arccosh, arctanh


def angle(z: Any, deg: bool = False) -> Any:
    """The argument of z in (-pi, pi] (degrees if `deg`); differentiable away from z = 0."""
    out = arctan2(imag(z), real(z))
    return out * (180 / xp.pi) if deg else out
