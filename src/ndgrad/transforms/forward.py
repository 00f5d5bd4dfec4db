"""Forward mode for the transforms: tangents pushed along with the values.

`push` runs the user's function once with tangents seeded on its inputs;
`jacobian_columns` seeds a whole identity basis (per chunk of columns) and
reads the Jacobian off the output tangents in one forward pass.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..backend import xp
from ..core.forward import new_level, push_through, seed
from ..core.graph import TensorBase, strip, wrap
from ..core.mode import STATE
from ..ops.shape import transpose
from ._common import DEPTH, call, flatten_args, flatten_outputs, lower, reshaped, split_aux, substitute, tracked
from ._tree import TreeSpec, tree_flatten, tree_unflatten
from .reverse import chunks
from .structured import identity_basis


class Pushed:
    """The outcome of one forward pass at `level`: outputs and their tangents.

    A pass over a recorded graph (`Tape`) has no level: its tangents come
    as a list, one per output."""

    __slots__ = ("outs", "out_spec", "aux", "level", "tangents")

    def __init__(
        self, outs: list[TensorBase], out_spec: TreeSpec, aux: Any, level: int | None, tangents: list | None = None
    ) -> None:
        self.outs = outs
        self.out_spec = out_spec
        self.aux = aux
        self.level = level
        self.tangents = tangents

    def tangent(self, i: int) -> Any:
        """Output i's tangent at this level, or None when it does not depend on the inputs."""
        if self.level is None:
            return self.tangents[i]
        o = self.outs[i]
        return o._tan.get(self.level) if o._tan else None

    def primal(self, i: int, keep_graph: bool) -> Any:
        return lower(self._unseeded(self.outs[i]), keep_graph)

    def aux_value(self, keep_graph: bool) -> Any:
        leaves, spec = tree_flatten(self.aux)
        values = [lower(self._unseeded(a), keep_graph) if isinstance(a, TensorBase) else a for a in leaves]
        return tree_unflatten(spec, values)

    def _unseeded(self, t: TensorBase) -> TensorBase:
        return t if self.level is None else _strip(t, self.level)


def _strip(t: TensorBase, level: int) -> TensorBase:
    s = strip(t, level)
    return s if isinstance(s, TensorBase) else wrap(s)


def push(
    f: Callable, args: Sequence, specs: list, primals: list, tangents: dict[int, Any], has_aux: bool, op: str,
    untracked: bool = False,
) -> Pushed:
    """Call f with `tangents[j]` seeded on primal leaf j (at a fresh level).

    `untracked=True` promises that no reverse pass will differentiate these
    tangents (no transform encloses this one, and its results are plain
    values): their rules then run on raw values and record no graph, even
    where f's own reverse passes record the primals (forward-over-reverse).
    """
    level = new_level()
    duals = list(primals)
    for j, t in tangents.items():
        duals[j] = seed(primals[j], t, level)
    if untracked:
        STATE.untracked_levels.add(level)
    try:
        result = call(f, substitute(args, specs, duals), reverse=False)
    finally:
        STATE.untracked_levels.discard(level)
    out, aux = split_aux(result, has_aux, op)
    return Pushed(*flatten_outputs(out, op), aux, level)


class Tape:
    """f run once on leaves that record a graph; forward mode then runs over
    that graph for each chunk of seeds (`push_through`) instead of running f
    again with the tangents riding along.

    Where f's result is itself a derivative computed by reverse mode (a
    Hessian is the Jacobian of a gradient), the graph of that reverse pass is
    recorded too, and one raw pass over it costs less than carrying tangents
    through every rule as it runs.
    """

    __slots__ = ("leaves", "outs", "out_spec", "aux")

    def __init__(self, leaves: list[TensorBase], outs: list[TensorBase], out_spec: TreeSpec, aux: Any) -> None:
        self.leaves = leaves
        self.outs = outs
        self.out_spec = out_spec
        self.aux = aux

    @classmethod
    def record(
        cls, f: Callable, args: Sequence, specs: list, primals: list, has_aux: bool, op: str
    ) -> Tape | None:
        """Run f on fresh leaves that require grad; None where the graph would
        not tell the whole story (values changed in place, or computed from the
        inputs without a graph: under no_grad, by a first-order backward)."""
        leaves = [wrap(x.data, None, True) for x in primals]
        marks = STATE.graph_marks()
        result = call(f, substitute(args, specs, leaves), reverse=False)
        if STATE.graph_marks() != marks:
            return None
        out, aux = split_aux(result, has_aux, op)
        return cls(leaves, *flatten_outputs(out, op), aux)

    def push(self, tangents: dict[int, Any]) -> Pushed | None:
        """The outputs' tangents for `tangents[j]` on input j (None if the graph
        cannot be pushed through)."""
        found = push_through(self.outs, {id(self.leaves[j]): t for j, t in tangents.items()})
        return None if found is None else Pushed(self.outs, self.out_spec, self.aux, None, found)


def nested_inputs(primals: list[TensorBase]) -> bool:
    """Must results stay tensors (an outer level follows the inputs or a closure)?"""
    return DEPTH.any > 0 or any(tracked(x) or x._tan for x in primals)


class ForwardJacobian:
    """J[i][j] = d out_i / d primal_j by forward mode, with the first pass's outputs."""

    __slots__ = ("jac", "first", "nested", "primals", "specs", "tape")

    def __init__(
        self,
        f: Callable,
        args: Sequence,
        argnums: tuple[int, ...],
        has_aux: bool,
        op: str,
        chunk_size: int | None = None,
        nested: bool | None = None,
        per_input: bool = False,
        taped: bool = False,
    ) -> None:
        """`taped=True` runs f once and pushes the tangents through its
        recorded graph (`Tape`), where nothing encloses this transform; f
        runs again with tangents riding along if the tape falls short."""
        self.primals, self.specs = primals, specs = flatten_args(args, argnums, op)
        self.nested = nested_inputs(primals) if nested is None else nested
        self.first: Pushed | None = None
        self.jac: list[list] = []
        self.tape = Tape.record(f, args, specs, primals, has_aux, op) if taped and not self.nested else None
        groups = [[j] for j in range(len(primals))] if (self.nested or per_input) else [list(range(len(primals)))]
        for group in groups:
            self._group(f, args, specs, primals, group, has_aux, op, None if self.nested else chunk_size)
        if self.first is None:  # no input elements at all: one plain call for the outputs
            self._record(self._push(f, args, specs, primals, {}, has_aux, op), len(primals))

    def _push(self, f: Callable, args: Sequence, specs: list, primals: list, tangents: dict[int, Any],
              has_aux: bool, op: str) -> Pushed:
        if self.tape is not None:
            pushed = self.tape.push(tangents)
            if pushed is not None:
                return pushed
            self.tape = None  # its graph cannot carry tangents: run f with them instead
        return push(f, args, specs, primals, tangents, has_aux, op, untracked=not self.nested)

    def _record(self, pushed: Pushed, nin: int) -> None:
        if self.first is None:
            self.first = pushed
            self.jac = [[None] * nin for _ in pushed.outs]

    def _group(
        self, f: Callable, args: Sequence, specs: list, primals: list, group: list[int], has_aux: bool, op: str,
        chunk_size: int | None,
    ) -> None:
        """Columns for the inputs in `group`: their bases stacked, in chunks."""
        offsets, total = [], 0
        for j in group:
            offsets.append(total)
            total += primals[j].data.size
        cols: dict[int, Any] = {}
        ours: dict[int, bool] = {}  # is cols[i] a view of memory nothing else holds?
        reached: dict[int, set] = {}
        spans = chunks(total, chunk_size)
        for r0, r1 in spans:
            tangents = {}
            for j, first in zip(group, offsets, strict=True):
                x = primals[j]
                if first < r1 and first + x.data.size > r0:
                    tangents[j] = self._basis(r1 - r0, first - r0, x)
            pushed = self._push(f, args, specs, primals, tangents, has_aux, op)
            self._record(pushed, len(primals))
            for i, o in enumerate(pushed.outs):
                t = pushed.tangent(i)
                if t is None:
                    continue
                reached.setdefault(i, set()).update(tangents)
                if self.nested:
                    # One input, one chunk: the tangents are J's columns.
                    j = group[0]
                    t = t if isinstance(t, TensorBase) else wrap(xp.asarray(t))
                    n, m = primals[j].data.size, o.data.size
                    cols_t = transpose(reshaped(t, (n, m)), (1, 0))
                    self.jac[i][j] = reshaped(cols_t, o.shape + primals[j].shape)
                    continue
                t = xp.asarray(t.data if isinstance(t, TensorBase) else t)
                m = o.data.size
                if len(spans) == 1:
                    # A tangent made for this pass and this output alone (a
                    # product's result, a structured batch made dense) becomes
                    # the Jacobian as it is, in Fortran order; anything else
                    # is copied, below.
                    ours[i] = t.base is None and t.flags.writeable and not any(c.base is t for c in cols.values())
                    cols[i] = t.reshape(total, m).T  # a view, of the tangent's memory
                    continue
                if i not in cols:
                    cols[i], ours[i] = xp.zeros((m, total), dtype=t.dtype), True
                cols[i][:, r0:r1] = t.reshape(r1 - r0, m).T
        for i, block in cols.items():
            o = self.first.outs[i]
            for j, first in zip(group, offsets, strict=True):
                if j in reached[i]:
                    x = primals[j]
                    piece = block[:, first : first + x.data.size]
                    piece = piece if ours[i] else xp.ascontiguousarray(piece)
                    self.jac[i][j] = piece.reshape(o.shape + x.shape)

    def _basis(self, nrows: int, first: int, x: TensorBase) -> Any:
        if not self.nested:
            return identity_basis(nrows, first, x.shape, x.data.dtype)
        n = x.data.size
        return xp.eye(n, dtype=x.data.dtype).reshape((n, *x.shape))
