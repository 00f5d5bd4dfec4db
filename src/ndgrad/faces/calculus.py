"""Derivatives of expressions at a point: what the CLI, tour and practice print.

Everything is computed by ndgrad's reverse mode (`ndgrad.autograd.grad`); a
variable an output does not use gets a derivative of exactly 0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import autograd
from ..backend import xp
from ..core.graph import TensorBase
from ..ops import creation
from .expr import Expression

__all__ = ["leaves", "partials", "gradient_at", "jacobian_at", "hessian_at", "Derivatives"]


@dataclass(frozen=True)
class Derivatives:
    """Values of an expression and its derivatives at one point (plain floats / arrays)."""

    variables: tuple[str, ...]
    point: dict[str, float]
    value: Any  # float, or an array of output values for a vector function
    matrix: Any  # gradient (n,), Jacobian (m, n) or Hessian (n, n) as a NumPy array


def leaves(variables: Sequence[str], point: Mapping[str, Any]) -> list[Any]:
    """One float64 leaf tensor per variable, requiring grad."""
    return [creation.tensor(xp.asarray(point[name], dtype=xp.float64), requires_grad=True) for name in variables]


def partials(output: Any, inputs: Sequence[Any], create_graph: bool = False) -> list[Any]:
    """d output / d input for each input; zeros where the output does not depend on it.

    `output` may be a non-scalar tensor of a pointwise function: the result is
    then the gradient of its sum, which for a pointwise function is every
    point's own derivative (one backward pass for a whole grid).
    """
    if not (isinstance(output, TensorBase) and output.requires_grad):
        return [creation.zeros_like(x) for x in inputs]
    total = output if output.data.size == 1 else output.sum()
    found = autograd.grad(total, list(inputs), retain_graph=True, create_graph=create_graph, allow_unused=True)
    return [creation.zeros_like(x) if g is None else g for x, g in zip(inputs, found, strict=True)]


def _float(t: Any) -> float:
    return float(xp.asarray(t.data if isinstance(t, TensorBase) else t))


def _outputs(expr: Expression, xs: list[Any]) -> list[Any]:
    out = expr.evaluate(dict(zip(expr.variables, xs, strict=True)))
    return list(out) if isinstance(out, tuple) else [out]


def gradient_at(expr: Expression, point: Mapping[str, float]) -> Derivatives:
    """f(point) and its gradient (df/dv for each variable v)."""
    xs = leaves(expr.variables, point)
    outs = _outputs(expr, xs)
    if len(outs) != 1:
        raise ValueError(
            f"'{expr.text}' has {len(outs)} outputs; a gradient needs one. Use the Jacobian for a vector function."
        )
    grads = [_float(g) for g in partials(outs[0], xs)]
    return Derivatives(expr.variables, dict(point), _float(outs[0]), xp.asarray(grads, dtype=xp.float64))


def jacobian_at(expr: Expression, point: Mapping[str, float]) -> Derivatives:
    """Outputs and the Jacobian J[i, j] = d output_i / d variable_j (rows = outputs)."""
    xs = leaves(expr.variables, point)
    outs = _outputs(expr, xs)
    rows = [[_float(g) for g in partials(out, xs)] for out in outs]
    matrix = xp.asarray(rows, dtype=xp.float64).reshape(len(outs), len(xs))
    return Derivatives(expr.variables, dict(point), xp.asarray([_float(o) for o in outs]), matrix)


def hessian_at(expr: Expression, point: Mapping[str, float]) -> Derivatives:
    """f(point) and its Hessian H[i, j] = d2f / (d variable_i d variable_j)."""
    xs = leaves(expr.variables, point)
    outs = _outputs(expr, xs)
    if len(outs) != 1:
        raise ValueError(f"'{expr.text}' has {len(outs)} outputs; a Hessian needs one (a scalar function).")
    first = partials(outs[0], xs, create_graph=True)
    rows = [[_float(g) for g in partials(d, xs)] for d in first]
    matrix = xp.asarray(rows, dtype=xp.float64).reshape(len(xs), len(xs))
    return Derivatives(expr.variables, dict(point), _float(outs[0]), matrix)


def derivative_1d(f: Callable[[Any], Any], x0: float) -> tuple[float, float]:
    """f(x0) and f'(x0) for a function of one variable."""
    (x,) = leaves(["x"], {"x": x0})
    y = f(x)
    (dy,) = partials(y, [x])
    return _float(y), _float(dy)
