"""NumPy protocols: NumPy functions called on tensors stay on tensors and keep their graphs.

`np.sin(t)`, `np.add(a, t)`, `np.maximum.reduce(t)` reach `array_ufunc`;
`np.sum(t)`, `np.einsum(..., t)`, `np.linalg.inv(t)`, `np.fft.rfft(t)` reach
`array_function`.  Each is routed to the ndgrad function of the same name
(`numpy.linalg.*` to `ndgrad.linalg`, `numpy.fft.*` to `ndgrad.fft`), which
records the graph.  A NumPy function ndgrad does not have (or a call with
arguments its ndgrad version does not take, such as `out=` on a tensor that
needs gradients) runs on the values - a tensor comes back - unless that would
drop a graph: then it raises `NotDifferentiableError`, naming the function.
Results that cannot carry a gradient (integers, booleans) are always fine.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

from .backend import xp
from .core.errors import GraphError
from .core.graph import TensorBase, wrap
from .core.mode import STATE
from .core.versions import bump


class NotDifferentiableError(GraphError, TypeError):
    """A NumPy function was called on a tensor that needs gradients, and ndgrad cannot differentiate it."""


# ------------------------------------------------------------ looking up the ndgrad version


def _degrees(x: Any) -> Any:
    return x * (180 / math.pi)


def _radians(x: Any) -> Any:
    return x * (math.pi / 180)


def _float_power(x: Any, y: Any) -> Any:
    import ndgrad as nd

    return nd.power(nd.astype(x, xp.result_type(_values(x), xp.float64)), y)


def _logaddexp2(x: Any, y: Any) -> Any:
    import ndgrad as nd

    ln2 = math.log(2)
    return nd.logaddexp(x * ln2, y * ln2) / ln2


def _fmax(x: Any, y: Any) -> Any:
    import ndgrad as nd

    # Like maximum, but a NaN loses to a number.
    return nd.where(nd.isnan(y), x, nd.where(nd.isnan(x), y, nd.maximum(x, y)))


def _fmin(x: Any, y: Any) -> Any:
    import ndgrad as nd

    return nd.where(nd.isnan(y), x, nd.where(nd.isnan(x), y, nd.minimum(x, y)))


def _copysign(x: Any, y: Any) -> Any:
    import ndgrad as nd

    return nd.where(nd.signbit(y), -nd.absolute(x), nd.absolute(x))


def _numpy_spellings() -> dict[str, Callable]:
    """NumPy names ndgrad spells differently, or composes from its own functions."""
    import ndgrad as nd

    from . import fft

    return {
        "true_divide": nd.divide,
        "fabs": nd.absolute,
        "rint": nd.round,
        "around": nd.round,
        "conjugate": fft.conj,
        "conj": fft.conj,
        "real": fft.real,
        "imag": fft.imag,
        "angle": fft.angle,
        "degrees": _degrees,
        "rad2deg": _degrees,
        "radians": _radians,
        "deg2rad": _radians,
        "float_power": _float_power,
        "logaddexp2": _logaddexp2,
        "fmax": _fmax,
        "fmin": _fmin,
        "copysign": _copysign,
    }


_SPELLINGS: dict[str, Callable] | None = None


def _namespace(module: str) -> Any:
    """The ndgrad module that mirrors a NumPy module, or None."""
    import ndgrad

    return {"numpy": ndgrad, "numpy.linalg": ndgrad.linalg, "numpy.fft": ndgrad.fft}.get(module)


def _is_function(obj: Any) -> bool:
    return callable(obj) and not inspect.ismodule(obj) and not inspect.isclass(obj)


def ndgrad_version(module: str, name: str) -> Callable | None:
    """The ndgrad function standing in for NumPy's `module.name`, if there is one."""
    global _SPELLINGS
    if module == "numpy":
        if _SPELLINGS is None:
            _SPELLINGS = _numpy_spellings()
        if name in _SPELLINGS:
            return _SPELLINGS[name]
    namespace = _namespace(module)
    fn = getattr(namespace, name, None) if namespace is not None and not name.startswith("_") else None
    return fn if _is_function(fn) else None


_SIGNATURES: dict[Callable, inspect.Signature | None] = {}


def _accepts(fn: Callable, args: tuple, kwargs: dict) -> bool:
    """Can fn be called with these arguments (checked by its signature, not by calling it)?"""
    if fn not in _SIGNATURES:
        try:
            _SIGNATURES[fn] = inspect.signature(fn)
        except (TypeError, ValueError):
            _SIGNATURES[fn] = None
    sig = _SIGNATURES[fn]
    if sig is None:
        return True
    try:
        sig.bind(*args, **kwargs)
    except TypeError:
        return False
    return True


# ------------------------------------------------------------ values-only fallback


def _values(x: Any) -> Any:
    if isinstance(x, TensorBase):
        return x.data
    if isinstance(x, (list, tuple)) and not hasattr(x, "_fields"):
        return type(x)(_values(v) for v in x)
    return x


def _tracked(x: Any) -> bool:
    """Does x (or a tensor inside a list/tuple) take part in differentiation?"""
    if isinstance(x, TensorBase):
        return (x.requires_grad and STATE.grad_enabled) or bool(x._tan)
    if isinstance(x, (list, tuple)):
        return any(_tracked(v) for v in x)
    return False


def _carries_gradient(out: Any) -> bool:
    """Could this result have a derivative (any floating or complex array in it)?"""
    if isinstance(out, (list, tuple)):
        return any(_carries_gradient(v) for v in out)
    dtype = getattr(out, "dtype", None)
    return dtype is not None and xp.issubdtype(dtype, xp.inexact)


def _as_tensors(out: Any) -> Any:
    if isinstance(out, (xp.ndarray, xp.generic)):
        return wrap(out)
    if isinstance(out, tuple) and hasattr(out, "_fields"):
        return type(out)(*(_as_tensors(v) for v in out))
    if isinstance(out, (list, tuple)):
        return type(out)(_as_tensors(v) for v in out)
    return out


def _drop_error(name: str, why: str, fix: str = "") -> NotDifferentiableError:
    return NotDifferentiableError(
        f"{name} was called on a tensor that requires grad, but {why}: its result would be cut off from the "
        f"graph. Fix: {fix or 'use an ndgrad function that computes the same thing'}, or call it on x.detach() "
        "(or inside ndgrad.no_grad()) to use values only."
    )


def _on_values(name: str, func: Callable, args: tuple, kwargs: dict, why: str) -> Any:
    """Run the NumPy function on raw values; refuse only when a gradient would be lost."""
    out = func(*_values(args), **{k: _values(v) for k, v in kwargs.items()})
    if (_tracked(args) or _tracked(tuple(kwargs.values()))) and _carries_gradient(out):
        raise _drop_error(name, why)
    return _as_tensors(out)


def _foreign(types: Any) -> bool:
    """Another library's array type is involved: let it (or NumPy) decide."""
    return not all(issubclass(t, (TensorBase, xp.ndarray, xp.generic)) for t in types)


# ------------------------------------------------------------ __array_function__


def array_function(func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
    """Route `np.sum(t)`, `np.einsum(..., t)`, `np.linalg.inv(t)` and friends to ndgrad."""
    if _foreign(types):
        return NotImplemented
    module, name = getattr(func, "__module__", "numpy") or "numpy", func.__name__
    shown = f"{module}.{name}"
    fn = ndgrad_version(module, name)
    if fn is None:
        return _on_values(shown, func, args, kwargs, "ndgrad has no differentiable version of it")
    if not _accepts(fn, args, kwargs):
        why = f"ndgrad's {name} does not take the arguments {sorted(kwargs) or 'given'}"
        return _on_values(shown, func, args, kwargs, why)
    return fn(*args, **kwargs)


# ------------------------------------------------------------ __array_ufunc__


def _reduction(name: str) -> Callable | None:
    import ndgrad as nd

    reductions = {
        "add": nd.sum, "multiply": nd.prod, "maximum": nd.max, "minimum": nd.min,
        "logaddexp": getattr(nd, "logsumexp", None), "logical_and": nd.all, "logical_or": nd.any,
    }
    fn = reductions.get(name)
    if fn is None:
        return None

    def reduce(x: Any, axis: Any = 0, keepdims: bool = False) -> Any:
        return fn(x, axis=axis, keepdims=keepdims)

    return reduce


def _accumulation(name: str) -> Callable | None:
    import ndgrad as nd

    fn = {"add": nd.cumsum, "multiply": nd.cumprod}.get(name)
    if fn is None:
        return None

    def accumulate(x: Any, axis: int = 0) -> Any:
        return fn(x, axis=axis)

    return accumulate


def _outer(fn: Callable | None) -> Callable | None:
    if fn is None:
        return None

    def outer(a: Any, b: Any) -> Any:
        a = a if hasattr(a, "shape") else xp.asarray(a)
        b = b if hasattr(b, "shape") else xp.asarray(b)
        return fn(a.reshape(tuple(a.shape) + (1,) * len(b.shape)), b)

    return outer


def _ufunc_version(ufunc: Any, method: str) -> Callable | None:
    name = ufunc.__name__
    if method == "__call__":
        return ndgrad_version("numpy", name)
    if method == "reduce":
        return _reduction(name)
    if method == "accumulate":
        return _accumulation(name)
    if method == "outer":
        return _outer(ndgrad_version("numpy", name))
    return None  # reduceat, at: values only


def _write_out(name: str, out: tuple, result: Any) -> Any:
    """Honour `out=`: copy the result's values into the given arrays or tensors."""
    results = result if isinstance(result, tuple) else (result,)
    if _tracked(results) or _tracked(out):
        raise _drop_error(
            name, "out= writes values in place, which records no graph", f"use the returned value (y = {name}(...))"
        )
    for target, value in zip(out, results, strict=True):
        memory = target.data if isinstance(target, TensorBase) else target
        STATE.inplace_ops += 1
        xp.copyto(memory, _values(value), casting="same_kind")
        bump(memory, f"numpy.{name}(..., out=)")  # nodes that saved values living there must notice
        if isinstance(target, TensorBase):
            target._version += 1
    return out[0] if len(out) == 1 else out


def array_ufunc(ufunc: Any, method: str, inputs: tuple, kwargs: dict) -> Any:
    """Route a NumPy ufunc call (or its reduce/accumulate/outer) on tensors to ndgrad."""
    if _foreign(type(x) for x in (*inputs, *kwargs.get("out", ())) if hasattr(x, "__array_ufunc__")):
        return NotImplemented
    shown = f"numpy.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
    out = kwargs.pop("out", None)
    fn = _ufunc_version(ufunc, method)
    if fn is not None and _accepts(fn, inputs, kwargs):
        result = fn(*inputs, **kwargs)
    else:
        why = "ndgrad has no differentiable version of it" if fn is None else (
            f"ndgrad's version does not take the arguments {sorted(kwargs)}"
        )
        result = _on_values(shown, getattr(ufunc, method), inputs, kwargs, why)
    return result if out is None else _write_out(shown, out, result)
