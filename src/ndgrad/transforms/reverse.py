"""Reverse mode for the transforms: one recorded call, many backward passes.

`ReverseTrace` runs the user's function once on aliases of its inputs and
pulls cotangents back to them.  `jacobian_rows` pushes a whole identity
basis of output cotangents through one backward pass (per chunk of rows).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..backend import xp
from ..core import engine
from ..core.graph import TensorBase, wrap
from ..core.mode import STATE
from ._common import (
    DEPTH,
    call,
    flatten_args,
    flatten_outputs,
    is_float,
    make_alias,
    reshaped,
    split_aux,
    stands_for_itself,
    substitute,
)
from ._tree import LEAF
from .structured import identity_basis


class ReverseTrace:
    """f called once on aliases of its differentiable inputs, graph recorded.

    `create_graph` says whether cotangents must themselves be differentiable:
    when an outer level follows the inputs (they require grad) or an outer
    reverse transform is running (it may reach this one through a closure).
    """

    __slots__ = ("primals", "specs", "aliases", "links", "linked", "create_graph", "outs", "out_spec", "aux")

    def __init__(
        self,
        f: Callable,
        args: Sequence,
        argnums: tuple[int, ...],
        has_aux: bool,
        op: str,
        create_graph: bool | None = None,
    ) -> None:
        self.primals, self.specs = flatten_args(args, argnums, op)
        self.aliases, self.links = [], []
        distinct = len(self.primals) == 1 or len(set(map(id, self.primals))) == len(self.primals)
        for x in self.primals:
            alias, link = (x, None) if distinct and stands_for_itself(x) else make_alias(x)
            self.aliases.append(alias)
            self.links.append(link)
        self.linked = self.links.count(None) != len(self.links)
        if create_graph is None:
            create_graph = STATE.grad_enabled and (
                DEPTH.rev > 0 or any(x.requires_grad for x in self.primals)
            )
        self.create_graph = create_graph
        result = call(f, substitute(args, self.specs, self.aliases), reverse=True)
        if self.linked:
            self._link(True)
        self._take(result, has_aux, op)

    @classmethod
    def on_leaf(
        cls, f: Callable, args: Sequence, argnum: int, x: TensorBase, op: str, create_graph: bool = False,
        has_aux: bool = False,
    ) -> ReverseTrace:
        """The trace of f for one array argument that nothing else follows (no
        outer level, no tangents): a fresh leaf stands for it, with no link,
        and none of the general set-up for pytrees and several inputs."""
        self = cls.__new__(cls)
        leaf = wrap(x.data, None, True)
        self.primals, self.specs = [x], [(argnum, LEAF, 0)]
        self.aliases, self.links, self.linked = [leaf], [None], False
        self.create_graph = create_graph
        args = list(args)
        args[argnum] = leaf
        self._take(call(f, args, reverse=True), has_aux, op)
        return self

    def _take(self, result: Any, has_aux: bool, op: str) -> None:
        """f's outputs (flattened) and its aux, from what it returned."""
        out, self.aux = split_aux(result, has_aux, op) if has_aux else (result, None)
        self.outs, self.out_spec = flatten_outputs(out, op)

    def _link(self, on: bool) -> None:
        # Linked, the aliases lead outer levels back to the inputs; unlinked,
        # they are leaves where this transform's own backward stops.  (Only
        # called when some alias has a link.)
        for alias, link in zip(self.aliases, self.links, strict=True):
            if link is not None:
                alias._node = link if on else None

    def tensor_mode(self, roots: Sequence[TensorBase]) -> bool:
        """Will the engine run rules on tensors (not raw arrays) for these roots?"""
        return self.create_graph or any([r._tan for r in roots])

    def pullback(self, roots: list[TensorBase], seeds: list[Any], create_graph: bool | None = None) -> list:
        """Cotangents of the inputs (raw arrays or tensors; None where unreached)."""
        if not roots:
            return [None] * len(self.aliases)
        create_graph = self.create_graph if create_graph is None else create_graph
        if self.linked:
            self._link(False)
        try:
            return engine.backward(roots, seeds, inputs=self.aliases, create_graph=create_graph, retain_graph=True)
        finally:
            if self.linked:
                self._link(True)


def differentiable(out: TensorBase) -> bool:
    """Does this output carry a graph (and a float dtype) to pull back through?"""
    return out.requires_grad and is_float(out.data.dtype)


def chunks(total: int, chunk_size: int | None) -> list[tuple[int, int]]:
    if chunk_size is None or chunk_size >= total:
        return [(0, total)] if total else []
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive int or None, got {chunk_size}")
    return [(r, min(r + chunk_size, total)) for r in range(0, total, chunk_size)]


def jacobian_rows(trace: ReverseTrace, chunk_size: int | None = None, per_output: bool = False) -> list[list]:
    """J[i][j] = d outs[i] / d primals[j], of shape outs[i].shape + primals[j].shape.

    Entries are raw arrays, or tensors when the result must stay
    differentiable; None marks an output that does not depend on an input.
    """
    outs = trace.outs
    result: list[list] = [[None] * len(trace.primals) for _ in outs]
    live = [i for i, o in enumerate(outs) if differentiable(o)]
    if not live:
        return result
    if trace.tensor_mode([outs[i] for i in live]):
        for i in live:
            _rows_on_tensors(trace, i, result)
    elif len(live) == 1 and (chunk_size is None or chunk_size >= outs[live[0]].data.size):
        _all_rows_at_once(trace, live[0], result)
    elif per_output:
        for i in live:
            _rows_on_arrays(trace, [i], chunk_size, result)
    else:
        _rows_on_arrays(trace, live, chunk_size, result)
    return result


def one_block(trace: ReverseTrace) -> Any:
    """The Jacobian of a trace's one output with respect to its one input
    (None where it does not depend on it): `jacobian_rows` without the lists."""
    result: list[list] = [[None]]
    o = trace.outs[0]
    if differentiable(o):
        if trace.tensor_mode([o]):
            _rows_on_tensors(trace, 0, result)
        else:
            _all_rows_at_once(trace, 0, result)
    return result[0][0]


def _all_rows_at_once(trace: ReverseTrace, i: int, result: list[list]) -> None:
    """The common case: one output, its whole basis in one pass."""
    o = trace.outs[i]
    seed = unit_seed(o) if o.ndim == 0 else identity_basis(o.data.size, 0, o.shape, o.data.dtype)
    for j, c in enumerate(trace.pullback([o], [seed])):
        if c is not None:
            c = c.data if isinstance(c, TensorBase) else xp.asarray(c)
            result[i][j] = c.reshape(o.shape + trace.primals[j].shape)


def unit_seed(out: TensorBase) -> Any:
    """The cotangent 1 of a one-element output, in its shape and dtype: for a
    0-d output, the basis itself without a batch axis, so the rules run as
    for a gradient (a Hessian's inner pass is then the same whether it came
    from `grad` or `jacrev`)."""
    return xp.array(1, dtype=out.data.dtype).reshape(out.shape)


def _rows_on_arrays(trace: ReverseTrace, idx: list[int], chunk_size: int | None, result: list[list]) -> None:
    """The Jacobian rows of outputs `idx` on raw arrays: their identity bases
    stacked into one basis of M rows, pushed through in chunks of rows."""
    outs = [trace.outs[i] for i in idx]
    offsets, total = [], 0
    for o in outs:
        offsets.append(total)
        total += o.data.size
    full: list = [None] * len(trace.primals)
    reached = [[False] * len(trace.primals) for _ in idx]
    spans = chunks(total, chunk_size)
    for r0, r1 in spans:
        roots, seeds, which = [], [], []
        for k, (o, first) in enumerate(zip(outs, offsets, strict=True)):
            if first < r1 and first + o.data.size > r0:
                roots.append(o)
                seeds.append(identity_basis(r1 - r0, first - r0, o.shape, o.data.dtype))
                which.append(k)
        cots = trace.pullback(roots, seeds)
        for j, c in enumerate(cots):
            if c is None:
                continue
            for k in which:
                reached[k][j] = True
            c = xp.asarray(c.data if isinstance(c, TensorBase) else c)
            if len(spans) == 1:
                full[j] = c.reshape(total, -1)
                continue
            if full[j] is None:
                full[j] = xp.zeros((total, trace.primals[j].data.size), dtype=c.dtype)
            full[j][r0:r1] = c.reshape(r1 - r0, -1)
    for k, (i, o, first) in enumerate(zip(idx, outs, offsets, strict=True)):
        for j, x in enumerate(trace.primals):
            if full[j] is not None and reached[k][j]:
                block = full[j][first : first + o.data.size]
                result[i][j] = block.reshape(o.shape + x.shape)


def _rows_on_tensors(trace: ReverseTrace, i: int, result: list[list]) -> None:
    """One output's Jacobian rows as tensors (differentiable, or carrying
    tangents): one backward pass with a dense identity basis."""
    o = trace.outs[i]
    m = o.data.size
    seed = unit_seed(o) if o.ndim == 0 else xp.eye(m, dtype=o.data.dtype).reshape((m, *o.shape))
    cots = trace.pullback([o], [seed])
    for j, c in enumerate(cots):
        if c is None:
            continue
        if not isinstance(c, TensorBase):
            c = wrap(xp.asarray(c))
        result[i][j] = reshaped(c, o.shape + trace.primals[j].shape)
