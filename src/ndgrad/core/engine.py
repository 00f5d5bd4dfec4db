"""Reverse mode: walk the recorded graph backwards, applying VJP rules.

The traversal is iterative (no recursion limit).  For a first-order gradient
the rules run in raw mode on NumPy arrays; with `create_graph=True`, or when
tangents ride along (forward-over-reverse), they run on tensors so that the
gradient is itself differentiable.  Broadcasting is undone here, in one place.
"""

from __future__ import annotations

import weakref
from bisect import bisect_right
from collections.abc import Sequence
from heapq import heappop, heappush
from operator import itemgetter
from typing import Any

from .. import backend
from .errors import GraphError
from .graph import Node, TensorBase, released_error, wrap
from .mode import STATE
from .registry import ANS
from .versions import last_op, written_since

xp = backend.xp
_ndarray = xp.ndarray


def sum_to(g: Any, shape: tuple, nbatch: int) -> Any:
    """Sum a cotangent over the axes that broadcasting added, keeping the
    leading `nbatch` batch axes: the inverse of broadcasting `shape`."""
    gshape = g.shape
    if gshape[nbatch:] == shape:
        return g
    lead = len(gshape) - nbatch - len(shape)
    if gshape[nbatch + lead :] == shape:  # only leading axes were added (a bias): a plain sum
        leading = _LEADING[nbatch][lead] if nbatch < 8 and lead < 8 else tuple(range(nbatch, nbatch + lead))
        return backend.array_sum(g, leading)
    ones = tuple(nbatch + lead + i for i, n in enumerate(shape) if n == 1 and gshape[nbatch + lead + i] != 1)
    axes = tuple(range(nbatch, nbatch + lead)) + ones
    return backend.array_sum(g, axes, True).reshape(gshape[:nbatch] + shape)


_LEADING = [[tuple(range(start, start + n)) for n in range(8)] for start in range(8)]


def _check_saved(node: Node) -> None:
    """Version counters: a value a rule reads must not have changed in place."""
    prim = node.prim
    needed = frozenset().union(*(prim.rule_reads[i] for i in node.edges))  # by the rules this node runs
    for where in sorted(needed):
        value = node.ans if where == ANS else _saved(node, where)
        if written_since(value, node.epoch):
            what = "its output" if where == ANS else f"argument {where}"
            raise GraphError(
                f"'{prim.name}' saved {what} (shape {xp.shape(value)}) for its gradient, but it was "
                f"modified by {last_op(value)} afterwards. "
                "Use the out-of-place form (y = y + 1 instead of y += 1), or .clone() the value first."
            )


def _saved(node: Node, i: int) -> Any:
    """The array that argument `i` was saved from: a 0-d leaf's value is kept
    as a NumPy scalar (`graph.apply2`), but in-place writes go to the
    leaf's array."""
    value = node.vals[i]
    if type(value) is not xp.ndarray and i in node.edges:
        held = node.inputs[i] if type(node.inputs) is tuple else node.inputs
        if isinstance(held, TensorBase):
            return held.data
    return value


def _view_write_error(node: Node) -> GraphError:
    return GraphError(
        f"the output of '{node.prim.name}' (shape {node.shape}) was changed in place through a view "
        f"({node.view_write}); ndgrad cannot differentiate through that. Build the new value out of place "
        "instead (e.g. with nd.where, nd.concatenate or index_update), or .clone() before the in-place op."
    )


def note_rebase(t: TensorBase) -> None:
    """Remember the node that made `t` before the in-place op of this epoch
    gives it a new one: nodes recorded earlier must still send their gradient
    to the old node."""
    entry = _past_nodes.get(id(t))
    if entry is None or entry[0]() is not t:
        entry = _past_nodes[id(t)] = (weakref.ref(t), [])
    entry[1].append((STATE.inplace_ops, t._node))


def _parent_at(node: Node, a: TensorBase) -> Node | None:
    """The node that made the tensor `a` at the time `node` was recorded: the
    one it lost at its first rebase after that epoch, else its current one."""
    entry = _past_nodes.get(id(a))
    if entry is not None and entry[0]() is a:
        rebases = entry[1]  # in epoch order
        k = bisect_right(rebases, node.epoch, key=_epoch_of)
        if k < len(rebases):
            return rebases[k][1]
    return a._node


_epoch_of = itemgetter(0)


_past_nodes: dict[int, tuple[weakref.ref, list[tuple[int, Node | None]]]] = {}


def _tensor_rule_inputs(node: Node) -> tuple[Any, Any]:
    """The output and arguments as tensors, so the rules record a graph
    (values no rule reads stay raw)."""
    if not node.prim.reads_ans:
        return None, node.rule_args()
    ans = wrap(node.ans, node, True)
    ans._tan = node.ans_tan
    return ans, node.rule_args()


def _node_extras(node: Node, g: Any, tensors: bool) -> Any:
    """Hooks and retain_grad of the tensor this node made."""
    if node.hooks:
        g = _run_hooks(node.hooks, g, tensors)
    if node.retained is not None:
        _retain(node.retained, g, tensors)
    return g


def _run_hooks(hooks: list, g: Any, tensors: bool) -> Any:
    prev, STATE.raw = STATE.raw, False
    try:
        for hook in hooks:
            out = hook(g if tensors else wrap(g))
            if out is not None:
                g = out if tensors else (out.data if isinstance(out, TensorBase) else out)
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

    Nodes are visited latest-created first (a max-heap on creation order), so
    every node has all its cotangent contributions when it is reached.
    """
    nbatch = seeds[0].ndim - roots[0].data.ndim
    # Rules run on tensors when the gradient must itself be differentiable,
    # or when forward-mode tangents ride along (forward-over-reverse).
    tensors = create_graph or any([r._tan for r in roots])
    if tensors or any([isinstance(s, TensorBase) for s in seeds]):
        seeds = [_as_cotangent(s, tensors) for s in seeds]
    grads: dict[Node, Any] = {}
    leaves: dict[TensorBase, Any] = {}
    heap: list = []
    # The pending node pushed last is kept out of the heap in `top`: in a
    # chain it is the next one to visit, and the heap is never touched.
    top = None
    for root, seed in zip(roots, seeds):
        node = root._node
        if node is None:
            _add(leaves, root, seed)
        elif node in grads:
            grads[node] = grads[node] + seed
        elif top is None:
            grads[node], top = seed, node
        else:
            grads[node] = seed
            heappush(heap, (-node.seq, node))
    want_nodes = {t._node: id(t) for t in inputs if t._node is not None} if inputs else None
    captured: dict[int, Any] = {}
    epoch = STATE.inplace_ops  # in-place ops so far: nodes recorded since then need no checks

    prev_raw, prev_grad = STATE.raw, STATE.grad_enabled
    STATE.raw, STATE.grad_enabled = not tensors, create_graph
    STATE.unrecorded += not tensors  # raw gradients: values computed without a graph
    try:
        while True:
            if heap and (top is None or -heap[0][0] > top.seq):
                node = heappop(heap)[1]
            elif top is not None:
                node, top = top, None
            else:
                break
            g = grads.pop(node)
            held = node.inputs
            if held is None:
                raise released_error(node)
            single = type(held) is not tuple
            if node.hooks or node.retained is not None:
                g = _node_extras(node, g, tensors)
            if want_nodes and node in want_nodes:
                captured[want_nodes[node]] = g
            prim = node.prim
            stale = node.epoch != epoch
            if stale:
                if node.view_write:
                    raise _view_write_error(node)
                if prim.reads_args or prim.reads_ans:
                    _check_saved(node)
            if tensors:
                ans, vals = _tensor_rule_inputs(node)
            else:
                ans, vals = node.ans, node.vals
            params = node.params
            for i in node.edges:
                rule = prim.vjps[i]
                if rule is None:
                    continue
                gi = rule(g, ans, *vals, **params) if params else rule(g, ans, *vals)
                if prim.broadcasting:
                    shape = node.vals[i].shape
                    if (gi.shape[nbatch:] if nbatch else gi.shape) != shape:
                        gi = sum_to(gi, shape, nbatch)
                a = held if single else held[i]
                if type(a) is Node:  # an argument held as the node that made it
                    parent = a
                else:
                    parent = _parent_at(node, a) if stale else a._node
                if parent is None:
                    prev = leaves.get(a)
                    leaves[a] = gi if prev is None else prev + gi
                else:
                    prev = grads.get(parent)
                    if prev is None:
                        grads[parent] = gi
                        if top is None:
                            top = parent
                        else:
                            heappush(heap, (-parent.seq, parent))
                    else:
                        grads[parent] = prev + gi
            if not retain_graph:
                # Let go of the saved values; keep the output's shape and dtype (a
                # NumPy scalar output holds no memory and stays).
                ans = node.ans
                if type(ans) is _ndarray:
                    node.ans = (ans.shape, ans.dtype)
                node.inputs = node.vals = None
                if node.ans_tan is not None:
                    node.ans_tan = None
    finally:
        STATE.raw, STATE.grad_enabled = prev_raw, prev_grad

    handed: set[int] = set(map(id, seeds))
    if inputs is not None:
        wanted = set(map(id, inputs))
        for leaf, g in leaves.items():
            if id(leaf) in wanted:
                captured[id(leaf)] = _finish_leaf(leaf, g, tensors, handed)
        return list(map(captured.get, map(id, inputs)))
    for leaf, g in leaves.items():
        g = _finish_leaf(leaf, g, tensors, handed)
        leaf.grad = g if leaf.grad is None else leaf.grad + g  # accumulate, as in PyTorch
    return None


def _as_cotangent(seed: Any, tensors: bool) -> Any:
    if tensors:
        return seed if isinstance(seed, TensorBase) else wrap(seed)
    return seed.data if isinstance(seed, TensorBase) else seed


def _finish_leaf(leaf: TensorBase, g: Any, tensors: bool, handed: set[int]) -> Any:
    """A leaf's total gradient for this pass: hooks run, dtype matched, and
    never sharing memory with another leaf's gradient or a seed."""
    if leaf._hooks:
        g = _run_hooks(leaf._hooks, g, tensors)
    elif (
        type(g) is xp.ndarray  # the common case: a fresh array of the leaf's dtype, ours alone
        and not tensors
        and g.dtype == leaf.data.dtype
        and g.base is None
        and g.flags.writeable
        and id(g) not in handed
    ):
        handed.add(id(g))
        return wrap(g)
    shared = id(g) in handed
    if g.dtype.kind == "c" and leaf.data.dtype.kind != "c":
        g = g.real  # a real leaf gets the real part of a complex cotangent (JAX's rule)
    if tensors:
        if g.dtype != leaf.data.dtype:
            g = g.astype(leaf.data.dtype)
        elif shared:
            g = g.copy()  # a differentiable copy: leaves never share a gradient
        handed.add(id(g))
        return g
    g = xp.asarray(g)
    if shared or g.dtype != leaf.data.dtype or g.base is not None or not g.flags.writeable:
        g = g.astype(leaf.data.dtype, copy=True)
    handed.add(id(g))
    return wrap(g)


def _retain(t: TensorBase, g: Any, tensors: bool) -> None:
    """retain_grad(): keep a non-leaf's gradient, accumulating like a leaf's."""
    if tensors:
        t.grad = g if t.grad is None else t.grad + g
    else:  # raw mode: add the arrays, not the tensors
        t.grad = wrap(xp.array(g) if t.grad is None else t.grad.data + g)
