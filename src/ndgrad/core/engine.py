"""Reverse mode: walk the recorded graph backwards, applying VJP rules.

The traversal is iterative (no recursion limit).  For a first-order gradient
the rules run in raw mode on NumPy arrays; with `create_graph=True`, or when
tangents ride along (forward-over-reverse), they run on tensors so that the
gradient is itself differentiable.  Broadcasting is undone here, in one place.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

from .. import backend
from .errors import GraphError
from .graph import Node, TensorBase, released_error, wrap
from .mode import STATE

xp = backend.xp

# The last in-place operation applied to each tensor, for error messages,
# keyed by id (tensors overload ==, so they make poor weak dictionary keys).
_last_inplace: dict[int, tuple[weakref.ref, str]] = {}


def note_inplace(t: TensorBase, op: str) -> None:
    if len(_last_inplace) > 10_000:
        _last_inplace.clear()
    _last_inplace[id(t)] = (weakref.ref(t), op)


def last_inplace(t: TensorBase) -> str:
    ref, op = _last_inplace.get(id(t), (None, ""))
    return op if ref is not None and ref() is t else "an in-place operation"


def sum_to(g: Any, shape: tuple, nbatch: int) -> Any:
    """Sum a cotangent over the axes that broadcasting added, keeping the
    leading `nbatch` batch axes: the inverse of broadcasting `shape`."""
    gshape = g.shape
    if gshape[nbatch:] == shape:
        return g
    lead = len(gshape) - nbatch - len(shape)
    axes = tuple(range(nbatch, nbatch + lead)) + tuple(
        nbatch + lead + i for i, n in enumerate(shape) if n == 1 and gshape[nbatch + lead + i] != 1
    )
    return g.sum(axis=axes, keepdims=True).reshape(gshape[:nbatch] + shape)


def toposort(roots: Sequence[Node]) -> tuple[list[Node], bool]:
    """Nodes reachable from `roots`, each before the nodes it depends on.

    Also says whether any tensor on the way carries forward-mode tangents.
    """
    order: list[Node] = []
    seen: set[Node] = set()
    tangents = False
    stack: list[tuple[Node, bool]] = [(r, False) for r in roots]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        if node.ans_tan is not None:
            tangents = True
        for a in node.parents():
            if a._tan is not None:
                tangents = True
            parent = a._node
            if parent is not None and parent not in seen:
                stack.append((parent, False))
    order.reverse()
    return order, tangents


def _check_saved(node: Node) -> None:
    """Version counters: a value a rule reads must not have changed in place."""
    prim = node.prim
    for i, version in zip(prim.reads_args, node.versions):
        a = node.args[i]
        if isinstance(a, TensorBase) and a._version != version:
            op = last_inplace(a)
            raise GraphError(
                f"'{prim.name}' saved argument {i} (shape {a.shape}) for its gradient, but it was "
                f"modified by {op} afterwards (version {version} -> {a._version}). "
                "Use the out-of-place form (y = y + 1 instead of y += 1), or .clone() the value first."
            )
    if node.modified_by and prim.reads_ans:
        raise GraphError(
            f"the output of '{prim.name}' is needed for its gradient but was modified by "
            f"{node.modified_by}. Use the out-of-place form, or .clone() the output first."
        )


def _rule_inputs(node: Node, tensors: bool) -> tuple[Any, list]:
    """The output and arguments as the rules see them: raw, or tensors."""
    if not tensors:
        return node.ans, [a.data if isinstance(a, TensorBase) else a for a in node.args]
    ans = wrap(node.ans, node, True)
    ans._tan = node.ans_tan
    return ans, list(node.args)


def _run_hooks(hooks: list, g: Any, tensors: bool) -> Any:
    prev, STATE.raw = STATE.raw, False
    try:
        for hook in hooks:
            out = hook(g if tensors else wrap(g))
            if out is not None:
                g = out if tensors else getattr(out, "data", out)
    finally:
        STATE.raw = prev
    return g


def _add(acc: dict, key: Any, g: Any) -> None:
    prev = acc.get(key)
    acc[key] = g if prev is None else prev + g


def backward(
    roots: Sequence[TensorBase],
    seeds: Sequence[Any],
    *,
    retain_graph: bool = False,
    create_graph: bool = False,
    inputs: Sequence[TensorBase] | None = None,
) -> list[Any] | None:
    """Propagate `seeds` (cotangents of `roots`) back through the graph.

    Without `inputs`, gradients accumulate into the `.grad` of leaves.  With
    `inputs`, their gradients are returned (None where unreached) and no
    `.grad` is touched.  Seeds may have extra leading batch axes.
    """
    nbatch = xp.ndim(seeds[0]) - xp.ndim(roots[0].data)
    grads: dict[Node, Any] = {}
    leaves: dict[TensorBase, Any] = {}
    wanted = {id(t): t for t in inputs} if inputs is not None else None
    captured: dict[int, Any] = {}
    for root, seed in zip(roots, seeds):
        if root._node is None:
            _add(leaves, root, seed)
        else:
            _add(grads, root._node, seed)
    order, tangents = toposort(list(grads))
    tensors = create_graph or tangents
    want_nodes = {t._node: id(t) for t in inputs or () if t._node is not None}

    prev_raw, prev_grad = STATE.raw, STATE.grad_enabled
    STATE.raw, STATE.grad_enabled = not tensors, create_graph
    try:
        for node in order:
            g = grads.pop(node, None)
            if g is None:
                continue
            if node.hooks:
                g = _run_hooks(node.hooks, g, tensors)
            if node.retained is not None:
                _retain(node.retained, g, tensors)
            if node in want_nodes:
                captured[want_nodes[node]] = g
            _backprop_node(node, g, nbatch, tensors, grads, leaves)
            if not retain_graph:
                node.release()
    finally:
        STATE.raw, STATE.grad_enabled = prev_raw, prev_grad

    if wanted is not None:
        for leaf, g in leaves.items():
            if id(leaf) in wanted:
                captured[id(leaf)] = _finish_leaf(leaf, g, tensors)
        return [captured.get(id(t)) for t in inputs]
    for leaf, g in leaves.items():
        _accumulate(leaf, _finish_leaf(leaf, g, tensors))
    return None


def _backprop_node(node: Node, g: Any, nbatch: int, tensors: bool, grads: dict, leaves: dict) -> None:
    if node.args is None:
        raise released_error(node)
    if node.versions or node.modified_by:
        _check_saved(node)
    prim = node.prim
    ans, vals = _rule_inputs(node, tensors)
    params = node.params
    for i, a in enumerate(node.args):
        if not (isinstance(a, TensorBase) and a.requires_grad):
            continue
        rule = prim.vjps[i]
        if rule is None:
            continue
        gi = rule(g, ans, *vals, **params)
        if prim.broadcasting:
            gi = sum_to(gi, xp.shape(a.data), nbatch)
        parent = a._node
        if parent is None:
            _add(leaves, a, gi)
        else:
            _add(grads, parent, gi)


def _finish_leaf(leaf: TensorBase, g: Any, tensors: bool) -> Any:
    """A leaf's total gradient for this pass: hooks run, dtype matched."""
    if leaf._hooks:
        g = _run_hooks(leaf._hooks, g, tensors)
    if tensors:
        if g.dtype != leaf.data.dtype:
            g = g.astype(leaf.data.dtype)
        return g
    g = xp.asarray(g)
    if g.dtype != leaf.data.dtype or g.base is not None or not g.flags.writeable:
        g = g.astype(leaf.data.dtype, copy=True)
    return wrap(g)


def _accumulate(leaf: TensorBase, g: Any) -> None:
    leaf.grad = g if leaf.grad is None else leaf.grad + g


def _retain(t: TensorBase, g: Any, tensors: bool) -> None:
    value = g if tensors else wrap(xp.array(g))
    t.grad = value if t.grad is None else t.grad + value


def check_requires_grad(outputs: Sequence[TensorBase]) -> None:
    for out in outputs:
        if not out.requires_grad:
            raise GraphError(
                "element 0 of tensors does not require grad and has no graph: "
                "create the inputs with requires_grad=True (or call .requires_grad_()) "
                "and compute the output outside no_grad()."
            )
