"""The PyTorch-style face of the engine: `backward()` and `autograd.grad`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .backend import xp
from .core import engine
from .core.errors import GraphError, ShapeError
from .core.graph import TensorBase, wrap
from .core.mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled

__all__ = ["backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled"]


def _seq(x: Any) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _seed(out: TensorBase, gradient: Any, create_graph: bool) -> Any:
    """The cotangent that starts backward from `out`."""
    if gradient is None:
        if out.data.size != 1:
            raise GraphError(
                f"grad can be implicitly created only for scalar outputs, but this output has shape {out.shape}. "
                "Reduce it first (y.sum().backward()) or pass gradient= with the output's shape."
            )
        # A fresh 1 of the output's dtype and shape (cheaper than ones_like).
        one = xp.array(1, dtype=out.data.dtype)
        return wrap(one.reshape(out.data.shape)) if create_graph else one.reshape(out.data.shape)
    elif isinstance(gradient, TensorBase):
        if create_graph and gradient.shape == out.shape:
            return gradient
        gradient = gradient.data
    gradient = xp.asarray(gradient, dtype=out.dtype)
    if gradient.shape != out.shape:
        raise ShapeError(
            f"gradient has shape {gradient.shape} but the output has shape {out.shape}: "
            "pass a gradient of the output's shape (for a whole Jacobian, see ndgrad.jacobian)"
        )
    return wrap(gradient) if create_graph else gradient


def _check_graph(outputs: Sequence[TensorBase]) -> None:
    for i, out in enumerate(outputs):
        if not isinstance(out, TensorBase) or not out.requires_grad:
            raise GraphError(
                f"output {i} does not require grad and has no graph: create the inputs with "
                "requires_grad=True and compute the output outside no_grad()."
            )


def backward(
    tensors: Any,
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
) -> None:
    """Accumulate gradients of `tensors` into the `.grad` of the leaves."""
    if isinstance(tensors, TensorBase) and not isinstance(grad_tensors, (list, tuple)):
        outs, seeds = [tensors], [grad_tensors]  # one output, the common call
    else:
        outs = _seq(tensors)
        seeds = _seq(grad_tensors) if grad_tensors is not None else [None] * len(outs)
    _check_graph(outs)
    seeds = [_seed(o, g, create_graph) for o, g in zip(outs, seeds)]
    engine.backward(
        outs,
        seeds,
        retain_graph=bool(create_graph if retain_graph is None else retain_graph),
        create_graph=create_graph,
    )


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple:
    """Gradients of `outputs` with respect to `inputs`, returned, not stored.

    As `torch.autograd.grad`: `.grad` attributes are left untouched.
    """
    outs, ins = _seq(outputs), _seq(inputs)
    _check_graph(outs)
    for i, t in enumerate(ins):
        if not isinstance(t, TensorBase) or not t.requires_grad:
            raise GraphError(f"input {i} does not require grad: create it with requires_grad=True")
    gouts = _seq(grad_outputs) if grad_outputs is not None else [None] * len(outs)
    seeds = [_seed(o, g, create_graph) for o, g in zip(outs, gouts)]
    keep = bool(create_graph if retain_graph is None else retain_graph)
    found = engine.backward(outs, seeds, retain_graph=keep, create_graph=create_graph, inputs=ins)
    result = []
    for i, g in enumerate(found or []):
        if g is None and not allow_unused:
            raise GraphError(
                f"input {i} was not used to compute the outputs, so it has no gradient. "
                "Pass allow_unused=True to get None for it."
            )
        result.append(g if g is None or isinstance(g, TensorBase) else wrap(g))
    return tuple(result)
