"""What every transform shares: checked inputs, aliases, nesting depth, errors."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

from ..backend import ARRAY_TYPES, xp
from ..core.errors import DtypeError
from ..core.graph import TensorBase, strip, wrap
from ..core.mode import STATE
from ..ops.shape import reshape
from ._tree import LEAF, TreeSpec, tree_flatten, tree_unflatten


class ArgnumsError(ValueError):
    """`argnums` names an argument the function was not called with."""


class IndependentError(ValueError):
    """Under `strict=True`, an output does not depend on an input."""


class _Depth:
    """How many transforms are running their function right now.

    `rev` counts reverse-mode ones: a gradient computed inside one must stay
    differentiable (create_graph), even when it reaches the outer level only
    through a closure.
    """

    __slots__ = ("any", "rev")

    def __init__(self) -> None:
        self.any = 0
        self.rev = 0


DEPTH = _Depth()

# A forward-mode level above every real one: strip(x, ALL_LEVELS) keeps all tangents.
ALL_LEVELS = sys.maxsize


def call(f: Callable, args: Sequence, reverse: bool) -> Any:
    """Run the user's function as a transform does: one level deeper, and
    with grad mode on (an outer `no_grad` does not switch a transform off)."""
    prev_grad = STATE.grad_enabled
    STATE.grad_enabled = True
    DEPTH.any += 1
    DEPTH.rev += reverse
    try:
        return f(*args)
    finally:
        DEPTH.any -= 1
        DEPTH.rev -= reverse
        STATE.grad_enabled = prev_grad


def normalize_argnums(argnums: Any, nargs: int, op: str) -> tuple[tuple[int, ...], bool]:
    """argnums as a tuple of non-negative indices, and whether it was a single int."""
    if type(argnums) is int and 0 <= argnums < nargs:  # the common case, checked first
        return (argnums,), True
    single = isinstance(argnums, (int, xp.integer)) and not isinstance(argnums, bool)
    nums = (argnums,) if single else argnums
    if not isinstance(nums, (tuple, list)) or not all(
        isinstance(a, (int, xp.integer)) and not isinstance(a, bool) for a in nums
    ):
        raise ArgnumsError(f"{op}: argnums must be an int or a tuple of ints, got {argnums!r}")
    if not nums:
        raise ArgnumsError(f"{op}: argnums is empty; name at least one argument to differentiate, e.g. argnums=0")
    out = []
    for a in nums:
        a = int(a)
        if not -nargs <= a < nargs:
            valid = f"0..{nargs - 1} (or -{nargs}..-1)" if nargs else "none: it was called without arguments"
            raise ArgnumsError(
                f"{op}: argnums={argnums!r} is out of range for a function called with {nargs} positional "
                f"argument{'s' if nargs != 1 else ''}; valid indices are {valid}. "
                "Pass the arguments to differentiate positionally, or fix argnums."
            )
        out.append(a % nargs)
    if len(set(out)) != len(out):
        raise ArgnumsError(f"{op}: argnums={argnums!r} names the same argument twice")
    return tuple(out), single


def to_primal(value: Any, op: str, where: str | Callable[[], str]) -> TensorBase:
    """A value to differentiate with respect to, as a float tensor.

    Tensors and NumPy arrays keep their dtype (float32 stays float32); Python
    numbers and lists become float64.  Integer arrays and tensors are refused:
    their derivative is not defined.  `where` names the value in errors.
    """
    if isinstance(value, TensorBase):
        if value.data.dtype.kind not in "fc":
            _check_float(value.data.dtype, op, where)
        return value
    if isinstance(value, ARRAY_TYPES):
        _check_float(value.dtype, op, where)
        return wrap(xp.asarray(value))
    arr = xp.asarray(value)
    if arr.dtype.kind in "biu":
        arr = arr.astype(xp.float64)
    _check_float(arr.dtype, op, where)
    return wrap(arr)


def is_float(dtype: Any) -> bool:
    """A floating-point (real or complex) dtype: one that has derivatives."""
    return dtype.kind in "fc"


def _check_float(dtype: Any, op: str, where: str | Callable[[], str]) -> None:
    if is_float(dtype):
        return
    where = where if isinstance(where, str) else where()
    raise DtypeError(
        f"{op}: {where} has dtype {dtype}, but derivatives are only defined for floating-point inputs. "
        "Pass floats (2.0 instead of 2), or cast first: x.astype('float64')."
    )


def as_output(value: Any, op: str) -> TensorBase:
    """One output leaf of the user's function, as a tensor."""
    if isinstance(value, TensorBase):
        return value
    arr = xp.asarray(value)
    if arr.dtype == object:
        raise TypeError(
            f"{op}: the function returned a {type(value).__name__}, which is not a tensor, array or number. "
            "Return tensors (or tuples, lists and dicts of them)."
        )
    return wrap(arr)


def flatten_outputs(out: Any, op: str) -> tuple[list[TensorBase], TreeSpec]:
    """The leaves of the user's function's output, as tensors, and its structure."""
    if isinstance(out, TensorBase):  # one output, the commonest return
        return [out], LEAF
    leaves, spec = tree_flatten(out)
    return [as_output(o, op) for o in leaves], spec


def split_aux(result: Any, has_aux: bool, op: str) -> tuple[Any, Any]:
    if not has_aux:
        return result, None
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise TypeError(
            f"{op}(has_aux=True): the function must return a pair (output, aux), "
            f"got {type(result).__name__}{'' if not isinstance(result, (tuple, list)) else f' of length {len(result)}'}"
        )
    return result[0], result[1]


def tracked(x: TensorBase) -> bool:
    """Is x followed by an outer reverse level (a graph is recorded for it)?"""
    return x.requires_grad and STATE.grad_enabled


def make_alias(x: TensorBase) -> tuple[TensorBase, Any]:
    """A fresh tensor standing for `x` inside a reverse transform, and its link.

    The alias is a leaf that requires grad, so the transform's own backward
    stops there.  The link is the node that joins it to x's graph (None when
    x is not tracked by an outer level); it is installed on the alias between
    backward passes so that outer levels differentiate through it.  Forward
    tangents of outer levels are kept.
    """
    alias = wrap(x.data, None, True)  # x is a checked float primal
    alias._tan = dict(x._tan) if x._tan else None
    link = None
    if tracked(x):
        link = strip(x, ALL_LEVELS)._node
    return alias, link


def stands_for_itself(x: TensorBase) -> bool:
    """Can x be its own alias?  A leaf that requires grad and records, with no
    tangents or hooks: a transform's backward stops there as at an alias,
    and outer levels reach it with no link (a Hessian's tape passes such
    leaves to the gradient it records)."""
    return x._node is None and x._rg and STATE.grad_enabled and not x._tan and not x._hooks


def reshaped(t: TensorBase, shape: tuple) -> TensorBase:
    """t in `shape`, recording a reshape only where the shape changes."""
    return t if tuple(t.shape) == shape else reshape(t, shape)


def lower(t: Any, keep_graph: bool) -> Any:
    """A result as the caller's level sees it: without this transform's graph
    unless the caller differentiates through it (forward tangents stay)."""
    if not isinstance(t, TensorBase):
        return wrap(xp.asarray(t))
    if keep_graph or not t.requires_grad:
        return t
    s = wrap(t.data)
    s._tan = t._tan
    return s


def flatten_args(args: Sequence, argnums: tuple[int, ...], op: str) -> tuple[list, list[tuple[int, TreeSpec, int]]]:
    """The differentiable leaves of the arguments named by argnums, as tensors,
    and for each argnum its (index, spec, first leaf)."""
    primals: list = []
    specs = []
    for i in argnums:
        arg = args[i]
        if not isinstance(arg, (tuple, list, dict)):
            specs.append((i, LEAF, len(primals)))
            primals.append(to_primal(arg, op, lambda i=i: f"argument {i}"))
            continue
        leaves, spec = tree_flatten(arg)
        specs.append((i, spec, len(primals)))
        for k, v in enumerate(leaves):
            primals.append(to_primal(v, op, lambda i=i, k=k, leaf=spec.is_leaf: _leaf_name(i, k, leaf)))
    return primals, specs


def _leaf_name(i: int, k: int, whole: bool) -> str:
    return f"argument {i}" if whole else f"leaf {k} of argument {i}"


def substitute(args: Sequence, specs: list, values: list) -> list:
    """The arguments with the differentiable leaves replaced by `values`."""
    new = list(args)
    for i, spec, first in specs:
        new[i] = values[first] if spec is LEAF else tree_unflatten(spec, values[first : first + spec.num_leaves])
    return new


def regroup(specs: list, values: list, single: bool) -> Any:
    """Per-leaf results back in the structure of the argnums arguments."""
    groups = tuple(tree_unflatten(spec, values[first : first + spec.num_leaves]) for _, spec, first in specs)
    return groups[0] if single else groups
