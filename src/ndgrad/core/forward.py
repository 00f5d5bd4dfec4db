"""Forward mode: seeding tangents on inputs and reading them off outputs.

A tangent lives on a tensor under a level (`new_level()`), so nested
forward-mode transforms never confuse their perturbations.  Forward mode can
also run after the fact over a recorded graph (`push_through`): one pass over
its nodes in creation order, each node's JVP rules on raw values.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from .. import backend
from . import graph
from .graph import Node, TensorBase, align_batch, broadcast_to, wrap
from .mode import STATE, new_level

xp = backend.xp

__all__ = ["new_level", "seed", "unseed", "push_through"]


def seed(x: TensorBase, tangent: Any, level: int) -> TensorBase:
    """An alias of `x` that carries `tangent` at `level` (and keeps x's graph)."""
    dual = wrap(x.data)
    dual._tan = dict(x._tan or {})
    dual._tan[level] = tangent
    if x._rg and STATE.grad_enabled:
        dual._rg = True
        dual._node = x._node
        if dual._node is None:
            dual._node = graph.record(graph._IDENTITY, x, (x.data,), graph._NO_PARAMS, x.data, (0,))
    return dual


def unseed(out: Any, level: int) -> tuple[Any, Any]:
    """Split `out` into its primal (without `level`) and its tangent there.

    An output that does not depend on the seeded inputs has a zero tangent
    (without batch axes; callers broadcast it as they need).
    """
    if not isinstance(out, TensorBase):
        out = wrap(xp.asarray(out))
    tangent = out._tan.get(level) if out._tan else None
    if tangent is None:
        tangent = xp.zeros_like(out.data)
    primal = graph.strip(out, level)
    if not isinstance(primal, TensorBase):
        primal = wrap(primal)
    return primal, tangent


def push_through(outs: list[TensorBase], seeds: dict[int, Any]) -> list[Any] | None:
    """Forward mode over the graph recorded for `outs`: their tangents, given
    `seeds` (id of a leaf tensor -> its tangent, with leading batch axes).

    The nodes between the leaves and `outs` are visited in creation order and
    each runs its JVP rules on raw values, so structured batches (a Jacobian's
    basis) flow through as they do in `push_tangents`.  An output that does
    not depend on the seeds gets None.  Returns None when the graph cannot be
    pushed through: a node already released by a backward pass, or one whose
    JVP rules read a value the node let go of.
    """
    nodes = _ancestors([o._node for o in outs if o._node is not None])
    if nodes is None:
        return None
    tangents: dict[Node, Any] = {}
    prev = STATE.raw, STATE.grad_enabled
    STATE.raw, STATE.grad_enabled = True, False
    try:
        for node in sorted(nodes, key=_SEQ):
            total = _node_tangent(node, tangents, seeds)
            if total is not None:
                tangents[node] = total
    finally:
        STATE.raw, STATE.grad_enabled = prev
    return [seeds.get(id(o)) if o._node is None else tangents.get(o._node) for o in outs]


_SEQ = attrgetter("seq")  # creation order: a topological order


def _ancestors(roots: list[Node]) -> set[Node] | None:
    """Every node the roots depend on, or None if one cannot be pushed through."""
    seen: set[Node] = set()
    stack = roots
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        if node.inputs is None or not node.prim.sweepable:
            return None
        seen.add(node)
        held = node.inputs
        single = type(held) is not tuple
        for i in node.edges:
            a = held if single else held[i]
            parent = a if type(a) is Node else a._node
            if parent is not None and parent not in seen:
                stack.append(parent)
    return seen


def _node_tangent(node: Node, tangents: dict[Node, Any], seeds: dict[int, Any]) -> Any:
    """The tangent of one node's output from its arguments' (None if none has one)."""
    prim, vals, ans, params = node.prim, node.vals, node.ans, node.params
    # A node that let go of its output keeps (shape, dtype) in its place.
    out_shape = ans[0] if type(ans) is tuple else ans.shape
    nout = len(out_shape)
    held = node.inputs
    single = type(held) is not tuple
    total = None
    for i in node.edges:
        rule = prim.jvps[i]
        if rule is None:
            continue
        a = held if single else held[i]
        if type(a) is Node:
            t = tangents.get(a)
        else:
            t = seeds.get(id(a)) if a._node is None else tangents.get(a._node)
        if t is None:
            continue
        if prim.broadcasting and vals[i].ndim < nout:
            t = align_batch(t, vals[i].ndim, nout)
        c = rule(t, ans, *vals, **params)
        total = c if total is None else total + c
    if total is None:
        return None
    shape = total.shape
    if len(shape) < nout or shape[len(shape) - nout :] != out_shape:
        total = broadcast_to(total, shape[: len(shape) - nout] + out_shape)
    return total
