"""Losses: softmax cross-entropy and the negative log-likelihood under it.

`cross_entropy(logits, target)` is `log_softmax` followed by `nll_loss` for
class indices (two nodes, where the formula written out takes five), and the
formula with `log_softmax` for class probabilities.  Both reduce as
PyTorch's do: the mean over samples by default.
"""

from __future__ import annotations

import math
from typing import Any

from .. import backend
from ..core.errors import DtypeError, ShapeError
from ..core.graph import TensorBase
from ..core.registry import primitive
from ._axes import normalize_axis
from .reduce import log_softmax_p, sum_p
from .shape import reshape_p

xp = backend.xp

__all__ = ["cross_entropy", "nll_loss"]

_REDUCTIONS = ("mean", "sum", "none")


def _picked(x: Any, labels: Any, axis: int) -> Any:
    """x at each sample's class index (the class axis dropped)."""
    if axis == -1:  # the usual (..., classes) layout: one fancy index, several times faster
        rows = x.reshape(-1, x.shape[-1])
        return rows[xp.arange(len(rows)), labels.reshape(-1)].reshape(labels.shape)
    return xp.take_along_axis(x, xp.expand_dims(labels, axis), axis).squeeze(axis)


def _reduce(losses: Any, reduction: str) -> Any:
    if reduction == "none":
        return losses
    total = backend.array_sum(losses)
    return total / losses.size if reduction == "mean" else total


def _with_class_axis(shape: tuple, axis: int) -> tuple:
    """A per-sample shape with the (negative) class axis put back as size 1."""
    cut = len(shape) + axis + 1
    return shape[:cut] + (1,) + shape[cut:]


def _samples(x: Any, axis: int) -> int:
    return math.prod(n for i, n in enumerate(x.shape) if i != axis % x.ndim)


def _one_hot(labels: Any, classes: int, axis: int) -> Any:
    """Booleans: True at each sample's class (the class axis at `axis`)."""
    shape = [1] * (labels.ndim + 1)
    shape[axis] = classes
    return labels.reshape(_with_class_axis(labels.shape, axis)) == xp.arange(classes).reshape(shape)


def _per_sample(g: Any, x: Any, axis: int, reduction: str) -> Any:
    """The cotangent of each sample's loss, shaped to broadcast against x
    (the class axis back as size 1; leading batch axes of g ride along)."""
    if reduction == "none":
        return reshape_p(g, _with_class_axis(g.shape, axis))
    g = reshape_p(g, g.shape + (1,) * x.ndim)
    return g / _samples(x, axis) if reduction == "mean" else g


def _reduced(v: Any, x: Any, axis: int, reduction: str) -> Any:
    """Per-sample tangents (after any leading batch axes) reduced like the losses."""
    if reduction == "none":
        return v
    sample_axes = tuple(range(1 - x.ndim, 0))
    total = sum_p(v, sample_axes, False) if sample_axes else v
    return total / _samples(x, axis) if reduction == "mean" else total


def _nll_vjp(g, ans, x, labels, axis, reduction):
    if isinstance(g, backend.ARRAY_TYPES) and axis == -1 and g.shape == (labels.shape if reduction == "none" else ()):
        # Raw arrays without batch axes: the same values written straight in.
        weights = -g if reduction != "mean" else -(g / labels.size)
        return _scattered(weights, x.shape, labels)
    return -_per_sample(g, x, axis, reduction) * _one_hot(labels, x.shape[axis], axis)


def _scattered(weights: Any, shape: tuple, labels: Any) -> Any:
    """Zeros of `shape` but `weights` (one per sample, or one for all) at
    each sample's class along the last axis."""
    out = xp.zeros(shape, dtype=weights.dtype)
    rows = out.reshape(-1, shape[-1])
    rows[xp.arange(len(rows)), labels.reshape(-1)] = weights.reshape(-1)
    return out


_nll_p = primitive(
    "nll_loss",
    lambda x, labels, axis, reduction: -_reduce(_picked(x, labels, axis), reduction),
    vjp=(_nll_vjp, None, None, None),
    jvp=(
        lambda t, ans, x, labels, axis, reduction: _reduced(
            -sum_p(t * _one_hot(labels, x.shape[axis], axis), (axis,), False), x, axis, reduction
        ),
        None, None, None,
    ),
)


def _class_axis(x: Any, axis: Any, op: str) -> int:
    if not isinstance(axis, int):
        raise TypeError(f"{op}: axis must be one int (the class axis), got {axis!r}")
    if x.ndim == 0:
        raise ShapeError(f"{op}: the input needs a class axis; got a 0-d value")
    return normalize_axis(axis, x.ndim, op)


def _class_indices(labels: Any, shape: tuple, axis: int, op: str) -> Any:
    """Check integer class indices against the input's shape and class count."""
    classes = shape[axis]
    cut = axis % len(shape)
    sample_shape = shape[:cut] + shape[cut + 1 :]
    if labels.shape != sample_shape:
        raise ShapeError(
            f"{op}: class indices must have the input's shape without the class axis "
            f"({shape} without axis {axis} is {sample_shape}), got {labels.shape}. "
            "Pass one class index per sample."
        )
    if labels.size and _out_of_range(labels, classes):
        bad = labels[(labels < 0) | (labels >= classes)].flat[0]
        raise ValueError(f"{op}: class index {bad} is out of range for {classes} classes (valid: 0 to {classes - 1})")
    return labels


def _out_of_range(labels: Any, classes: int) -> bool:
    """Is any class index negative or at least `classes`?  (One pass: seen as
    unsigned, a negative index is larger than any class count.)"""
    dtype = labels.dtype
    unsigned = labels.view(_UNSIGNED.get(dtype) or dtype.str.replace("i", "u")) if dtype.kind == "i" else labels
    return bool(backend.array_max(unsigned) >= classes)


_UNSIGNED = {xp.dtype(f"i{n}"): xp.dtype(f"u{n}") for n in (1, 2, 4, 8)}  # native byte order


def _checked(x: Any, reduction: str, op: str) -> Any:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    x = x if isinstance(x, TensorBase) else xp.asarray(x)
    if x.dtype.kind != "f":
        raise DtypeError(f"{op}: the input must be floating point, got {x.dtype}. Use .astype('float64').")
    return x


def nll_loss(log_probs: Any, target: Any, axis: int = -1, reduction: str = "mean") -> Any:
    """Negative log-likelihood: minus `log_probs` at each sample's class index
    `target` (integers, the input's shape without the class axis), reduced
    like PyTorch's `nll_loss` ("mean" over samples, "sum" or "none")."""
    x = _checked(log_probs, reduction, "nll_loss")
    axis = _class_axis(x, axis, "nll_loss")
    labels = xp.asarray(target.data if isinstance(target, TensorBase) else target)
    if labels.dtype.kind not in "iu":
        raise DtypeError(f"nll_loss: targets must be integer class indices, got {labels.dtype}")
    return _nll_p(x, _class_indices(labels, tuple(x.shape), axis, "nll_loss"), axis, reduction)


def cross_entropy(logits: Any, target: Any, axis: int = -1, reduction: str = "mean") -> Any:
    """Softmax cross-entropy between `logits` and `target`, classes along `axis`.

    `target` is either integer class indices (the logits' shape without the
    class axis) or class probabilities (the logits' shape; differentiable).
    `reduction` is "mean" over samples (the default, as in PyTorch), "sum" or
    "none" (one loss per sample).  Stable for large logits.  The class axis
    defaults to the last, as for `softmax` (PyTorch's is dimension 1: the same
    for (batch, classes) logits).
    """
    x = _checked(logits, reduction, "cross_entropy")
    axis = _class_axis(x, axis, "cross_entropy")
    log_probs = log_softmax_p(x, (axis,))
    values = target.data if isinstance(target, TensorBase) else xp.asarray(target)
    if values.dtype.kind in "iu":
        labels = _class_indices(values, tuple(x.shape), axis, "cross_entropy")
        return _nll_p(log_probs, labels, axis, reduction)
    if values.shape != tuple(x.shape):
        raise ShapeError(
            f"cross_entropy: probability targets must have the logits' shape {tuple(x.shape)}, got {values.shape}"
        )
    losses = -sum_p((target if isinstance(target, TensorBase) else values) * log_probs, (axis,), False)
    if reduction == "none":
        return losses
    total = sum_p(losses, tuple(range(-losses.ndim, 0)), False)
    return total / losses.size if reduction == "mean" else total
