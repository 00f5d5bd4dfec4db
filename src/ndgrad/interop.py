"""NumPy protocols: `np.sin(t)`, `np.add(a, t)`, `np.sum(t)` keep tensors and graphs."""

from __future__ import annotations

from typing import Any

from . import ops
from .core.errors import GraphError
from .core.graph import TensorBase, wrap

# NumPy names whose ndgrad function differs in spelling.
_RENAMED = {"true_divide": "divide", "absolute": "absolute", "invert": "bitwise_invert"}


def _values(x: Any) -> Any:
    return x.data if isinstance(x, TensorBase) else x


def _needs_grad(args: Any) -> bool:
    return any(isinstance(a, TensorBase) and a.requires_grad for a in args)


def array_ufunc(ufunc: Any, method: str, inputs: tuple, kwargs: dict) -> Any:
    """Route a NumPy ufunc call on tensors to the ndgrad function of that name."""
    fn = getattr(ops, _RENAMED.get(ufunc.__name__, ufunc.__name__), None)
    if method == "__call__" and fn is not None and not kwargs:
        return fn(*inputs)
    if _needs_grad(inputs):
        raise GraphError(
            f"numpy.{ufunc.__name__}.{method} has no ndgrad derivative; it would drop the graph. "
            "Call it on x.detach() to use values only."
        )
    out = getattr(ufunc, method)(*(_values(a) for a in inputs), **kwargs)
    return wrap(out) if out is not None else None


def array_function(func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
    """Route `np.sum(t)`, `np.einsum(..., t)` and friends to ndgrad."""
    fn = getattr(ops, func.__name__, None)
    if fn is not None:
        return fn(*args, **kwargs)
    flat = list(args) + list(kwargs.values())
    if _needs_grad(flat):
        raise GraphError(
            f"numpy.{func.__name__} has no ndgrad version; it would drop the graph. "
            "Call it on x.detach() to use values only."
        )
    out = func(*(_values(a) for a in args), **{k: _values(v) for k, v in kwargs.items()})
    return wrap(out) if hasattr(out, "shape") else out
