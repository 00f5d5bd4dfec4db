"""Derivatives of expressions at a point: what the CLI, tour and practice print.

Gradients come from `ndgrad.autograd.grad` (the PyTorch face), Jacobians and
Hessians from `ndgrad.jacobian` / `ndgrad.hessian` (the transforms); a
variable an output does not use gets a derivative of exactly 0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import autograd, transforms
from ..backend import xp
from ..core.graph import TensorBase
from ..ops import creation
from ..ops.joins import stack
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


def _stacked(expr: Expression) -> Callable[..., Any]:
    """The expression as a function of its variables returning one 1-D tensor of its outputs."""

    def f(*xs: Any) -> Any:
        outs = _outputs(expr, list(xs))
        return stack([out.reshape(()) for out in outs])

    return f


def jacobian_at(expr: Expression, point: Mapping[str, float]) -> Derivatives:
    """Outputs and the Jacobian J[i, j] = d output_i / d variable_j (rows = outputs), by `ndgrad.jacobian`."""
    xs = tuple(creation.tensor(xp.asarray(point[v], dtype=xp.float64)) for v in expr.variables)
    values = _stacked(expr)(*xs)
    m = values.shape[0]
    if not xs:
        return Derivatives((), dict(point), xp.asarray(values.data), xp.zeros((m, 0)))
    columns = transforms.jacobian(_stacked(expr), xs)  # one (m,) block per variable
    matrix = xp.stack([xp.asarray(c.data, dtype=xp.float64) for c in columns], axis=-1)
    return Derivatives(expr.variables, dict(point), xp.asarray(values.data), matrix.reshape(m, len(xs)))


def hessian_at(expr: Expression, point: Mapping[str, float]) -> Derivatives:
    """f(point) and its Hessian H[i, j] = d2f / (d variable_i d variable_j), by `ndgrad.hessian`."""
    xs = tuple(creation.tensor(xp.asarray(point[v], dtype=xp.float64)) for v in expr.variables)
    outs = _outputs(expr, list(xs))
    if len(outs) != 1:
        raise ValueError(f"'{expr.text}' has {len(outs)} outputs; a Hessian needs one (a scalar function).")
    blocks = transforms.hessian(lambda *args: _outputs(expr, list(args))[0].reshape(()), xs)
    matrix = xp.asarray([[float(b.data) for b in row] for row in blocks], dtype=xp.float64)
    return Derivatives(expr.variables, dict(point), _float(outs[0]), matrix.reshape(len(xs), len(xs)))


def derivative_1d(f: Callable[[Any], Any], x0: float) -> tuple[float, float]:
    """f(x0) and f'(x0) for a function of one variable."""
    (x,) = leaves(["x"], {"x": x0})
    y = f(x)
    (dy,) = partials(y, [x])
    return _float(y), _float(dy)
