"""Tensors as the engine sees them, graph nodes, and how a primitive is applied.

`apply` is the hot path of every operation: it computes the primitive on raw
arrays, and only when something needs it records a node (reverse mode) or
pushes tangents (forward mode).
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from .. import backend
from .errors import DtypeError, GraphError, broadcast_error
from .mode import STATE

if TYPE_CHECKING:
    from .registry import Primitive

xp = backend.xp
_ndarray = xp.ndarray
ARRAY_TYPES = backend.ARRAY_TYPES


class TensorBase:
    """The state autodiff needs; the public `Tensor` adds the array methods.

    `_tan` maps a forward-mode level to this tensor's tangent at that level.
    """

    __slots__ = ("data", "_rg", "grad", "_node", "_version", "_tan", "_hooks", "__weakref__")

    data: Any
    _rg: bool  # requires_grad, read on the hot path without the property
    grad: Any
    _node: Node | None
    _version: int
    _tan: dict[int, Any] | None
    _hooks: list | None


def _get_requires_grad(t: TensorBase) -> bool:
    return t._rg


def _set_requires_grad(t: TensorBase, value: bool) -> None:
    if value and t.data.dtype.kind not in "fc":  # floating or complex (issubdtype is slow)
        raise DtypeError(
            f"only floating-point tensors can require gradients, got dtype {t.data.dtype}. "
            "Create it with a float dtype, e.g. ndgrad.tensor([1.0, 2.0]) or x.astype('float64')."
        )
    if not value and t._node is not None:
        raise GraphError("requires_grad can only be turned off on leaf tensors; use .detach()")
    t._rg = bool(value)


TensorBase.requires_grad = property(  # type: ignore[attr-defined]
    _get_requires_grad, _set_requires_grad, doc="Whether operations on this tensor are recorded for autodiff."
)

# The class that results are made of, set by the tensor layer above.
_tensor_class: type[TensorBase] = TensorBase
_new = object.__new__


def set_tensor_class(cls: type[TensorBase]) -> None:
    global _tensor_class
    _tensor_class = cls


def wrap(data: Any, node: Node | None = None, requires_grad: bool = False) -> Any:
    """A tensor around raw array data (no copy, no checks)."""
    t = _new(_tensor_class)
    t.data = data
    t._rg = requires_grad
    t.grad = None
    t._node = node
    t._version = 0
    t._tan = None
    t._hooks = None
    return t


def is_constant(x: Any) -> bool:
    """A tensor nothing differentiates (it neither requires grad nor carries
    tangents): a rule run on tensors may reshape its data directly, without
    recording an operation."""
    return isinstance(x, TensorBase) and not x._rg and not x._tan


class Node:
    """One recorded application of a primitive: what its rules need.

    `vals` are the raw values of the call's arguments and `ans` the raw
    output (after release, its shape and dtype).  `edges` are the indices of
    the arguments that gradients flow to, and `inputs` holds the tensors:
    the one tensor argument itself when it is the only one (the common case,
    which saves an object per node), else the whole argument tuple.  A lone
    intermediate argument is held as the node that made it.  A large
    intermediate that no rule reads is held that way too, whatever the number
    of arguments, and its value in `vals` is a stand-in with its shape and
    dtype but no memory (`stand_in`), so its memory is freed.  `seq`
    orders nodes by creation, which is a topological order.  After backward,
    `inputs`, `vals` and `ans` are released unless `retain_graph=True`.
    """

    __slots__ = ("prim", "inputs", "vals", "params", "ans", "edges", "epoch", "seq", "__dict__")

    # Rarely set; class-level defaults keep node creation cheap.
    ans_tan: Any = None
    hooks: list | None = None
    retained: Any = None
    view_write: str | None = None  # an in-place op wrote into the output through a view

    @property
    def args(self) -> tuple | None:
        """The call's arguments: tensors where tensors were passed."""
        return None if self.vals is None else self._tensors_at(None)

    def rule_args(self) -> tuple:
        """The arguments as VJP rules run on tensors see them: tensors where
        tensors were passed and some rule reads them, raw values elsewhere
        (an argument no rule reads is not rebuilt as a tensor)."""
        return self._tensors_at(self.prim.reads_args)

    def _tensors_at(self, read: tuple | None) -> tuple:
        """The raw values, with the tensors passed put back at the indices in
        `read` (all of them for None); one held as its node is rebuilt."""
        inputs = self.inputs
        if isinstance(inputs, tuple):
            if not any(isinstance(a, Node) for a in inputs):
                return inputs
            return tuple(
                _as_arg(a, v) if read is None or i in read else v
                for i, (a, v) in enumerate(zip(inputs, self.vals, strict=True))
            )
        i = self.edges[0]
        if read is not None and i not in read:
            return self.vals
        args = list(self.vals)
        args[i] = _as_arg(inputs, args[i])
        return tuple(args)

    def source(self, i: int) -> Any:
        """Where the gradient of argument `i` (one of `edges`) goes: the node
        that made it, or the leaf tensor itself."""
        a = self.inputs[i] if isinstance(self.inputs, tuple) else self.inputs
        return a if isinstance(a, Node) or a._node is None else a._node

    @property
    def name(self) -> str:
        return self.prim.name

    @property
    def shape(self) -> tuple:
        ans = self.ans
        return ans[0] if type(ans) is tuple else xp.shape(ans)

    @property
    def dtype(self) -> Any:
        ans = self.ans
        return ans[1] if type(ans) is tuple else ans.dtype

    @property
    def released(self) -> bool:
        return self.vals is None

    def __repr__(self) -> str:
        return f"<{self.prim.name} node, shape {self.shape}>"


_next_seq = itertools.count().__next__


def _as_arg(held: Any, value: Any) -> Any:
    """An argument as rules run on tensors see it: a tensor held by a node
    as itself; one held as the node that made it, rebuilt around its value."""
    if not isinstance(held, Node):
        return held
    t = wrap(value, held, True)
    t._tan = held.ans_tan
    return t


def stand_in(value: Any) -> Any:
    """A read-only array with the shape and dtype of `value` and no memory of
    its own: what a node keeps of a large argument no rule reads.  (Built
    straight on a shared zero buffer: NumPy's broadcast_to costs as much as
    the rest of recording the node.)"""
    dtype, shape = value.dtype, value.shape
    if dtype.itemsize > len(_ZERO_BYTES) or dtype.hasobject:
        return backend.broadcast_to(xp.zeros((), dtype), shape)
    return _ndarray(shape, dtype, _ZERO_BYTES, 0, (0,) * len(shape))


_ZERO_BYTES = bytes(16)  # one element of any numeric dtype; bytes make the view read-only


def record(prim: Primitive, inputs: Any, vals: tuple, params: dict, ans: Any, edges: tuple) -> Node:
    """A new node.  (A plain function, not Node.__init__: calling a class
    costs more, and this runs for every recorded operation.)"""
    node = _new(Node)
    node.prim = prim
    node.inputs = inputs
    node.vals = vals
    node.params = params
    # The output is kept only when a rule reads it (or when it is a NumPy
    # scalar, which holds no memory worth freeing); otherwise its shape and
    # dtype are enough, and large intermediates are freed as soon as the
    # nodes that take them as arguments are done.
    node.ans = ans if prim.reads_ans or type(ans) is not _ndarray else (ans.shape, ans.dtype)
    node.edges = edges
    node.seq = _next_seq()
    # In-place ops after this epoch make the node stale (checked at backward).
    node.epoch = STATE.inplace_ops
    return node


def released_error(node: Node) -> GraphError:
    return GraphError(
        f"Trying to backward through the graph a second time (at '{node.prim.name}'): "
        "its saved values were freed by the first backward. "
        "Pass retain_graph=True to the first backward() if you need to go through it again."
    )


def _explain(prim: Primitive, vals: list, exc: Exception) -> Exception:
    """Turn NumPy's terse shape errors into ones that name the op and shapes."""
    shapes = [xp.shape(v) for v in vals if isinstance(v, backend.ARRAY_TYPES)]
    if prim.broadcasting and len(shapes) > 1:
        try:
            xp.broadcast_shapes(*shapes)
        except ValueError:
            return broadcast_error(prim.name, shapes)
    return type(exc)(f"{prim.name}: {exc} (operand shapes: {', '.join(map(str, shapes))})")


# Shared constants, so a recorded node allocates as few objects as it can:
# deep graphs are otherwise dominated by Python's garbage-collector passes.
_NO_PARAMS: dict = {}
_EDGES = {mask: tuple(i for i in range(8) if mask >> i & 1) for mask in range(256)}


def _scan(args: tuple) -> tuple[tuple, int, int, bool]:
    """Raw values of the arguments, a bit mask of those requiring grad, how
    many are tensors, and whether any carries a tangent."""
    vals = []
    mask = tensors = 0
    tangent = False
    for i, a in enumerate(args):
        if isinstance(a, TensorBase):
            tensors += 1
            vals.append(a.data)
            if a._rg:
                mask |= 1 << i
            if a._tan is not None:
                tangent = True
        else:
            vals.append(a)
    # A tuple of raw values holds no tracked objects, so the collector soon
    # stops scanning it.
    return tuple(vals), mask, tensors, tangent


def apply(prim: Primitive, *args: Any, **params: Any) -> Any:
    """Apply a primitive to tensors and constants; record it when needed.

    This is `Primitive.__call__`, the hot path of every operation.
    """
    if STATE.raw:
        return prim.impl(*args, **params)
    if len(args) == 2 and not params:
        return apply2(prim, args[0], args[1])
    if len(args) == 1 and isinstance(args[0], TensorBase):  # unary functions
        x = args[0]
        vals, mask, tensors, tangent = (x.data,), x._rg, 1, x._tan is not None
        if mask and x._node is None and prim.fresh and type(x.data) is _ndarray and not x.data.shape:
            vals = (x.data[()],)  # a 0-d leaf as a NumPy scalar: see apply2
    else:
        vals, mask, tensors, tangent = _scan(args)
    try:
        out = prim.impl(*vals, **params) if params else prim.impl(*vals)
    except (ValueError, IndexError, TypeError) as exc:
        raise _explain(prim, vals, exc) from None
    return _result(prim, args, vals, params, out, mask, tensors, tangent)


def apply2(prim: Primitive, x: Any, y: Any) -> Any:
    """`apply(prim, x, y)` without argument packing: binary operators (the
    commonest call, made straight from Tensor's arithmetic methods)."""
    if STATE.raw:
        return prim.impl(x, y)
    mask = tensors = 0
    tangent = False
    if isinstance(x, TensorBase):
        tensors, vx, mask, tangent = 1, x.data, x._rg, x._tan is not None
        # A fresh primitive (a ufunc) gives the same values and dtype on a
        # NumPy scalar as on a 0-d array, several times faster: a 0-d leaf,
        # the common `tensor(3.0, requires_grad=True)`, is used as one.  The
        # engine checks the leaf's own array for in-place changes
        # (`engine._saved`).
        if mask and x._node is None and prim.fresh and type(vx) is _ndarray and not vx.shape:
            vx = vx[()]
    else:
        vx = x
    if isinstance(y, TensorBase):
        tensors += 1
        vy = y.data
        if y._rg:
            mask |= 2
            if y._node is None and prim.fresh and type(vy) is _ndarray and not vy.shape:
                vy = vy[()]
        if y._tan is not None:
            tangent = True
    else:
        vy = y
    try:
        out = prim.impl(vx, vy)
    except (ValueError, IndexError, TypeError) as exc:
        raise _explain(prim, (vx, vy), exc) from None
    return _result(prim, (x, y), (vx, vy), _NO_PARAMS, out, mask, tensors, tangent)


# Below this many elements an output's arguments are kept as they are: letting
# go of them costs more than the memory is worth.
_LET_GO_MIN = 1 << 14


def _let_go(prim: Primitive, args: tuple, vals: tuple, edges: tuple) -> tuple[tuple, tuple]:
    """Hold the intermediate arguments that no rule reads as the nodes that
    made them, with stand-ins for their values (as PyTorch does for `a + b`):
    their memory is freed when the caller drops them."""
    inputs, values = list(args), list(vals)
    for i in edges:
        a = args[i]
        made_by = a._node
        if i in prim.unread and made_by is not None and a._tan is made_by.ans_tan:
            inputs[i], values[i] = made_by, stand_in(vals[i])
    return tuple(inputs), tuple(values)


def _result(prim: Primitive, args: tuple, vals: tuple, params: dict, out: Any, mask: int, tensors: int,
            tangent: bool) -> Any:
    """The output tensor of an application, with its node and tangents."""
    t = _new(_tensor_class)
    t.data = out
    t.grad = t._tan = t._hooks = None
    t._version = 0
    if mask and STATE.grad_enabled:
        edges = _EDGES[mask] if mask < 256 else tuple(i for i in range(len(args)) if mask >> i & 1)
        if tensors != 1:
            inputs = args
            if prim.unread and out.size >= _LET_GO_MIN:
                inputs, vals = _let_go(prim, args, vals, edges)
        else:
            i = edges[0]
            inputs = args[i]
            made_by = inputs._node
            if made_by is not None and inputs._tan is made_by.ans_tan:
                # An intermediate: hold the node that made it, so the tensor
                # object itself dies with the caller's last reference (deep
                # graphs then keep one collected object per op, not two).
                inputs = made_by
                if i in prim.unread and vals[i].size >= _LET_GO_MIN:
                    vals = (*vals[:i], stand_in(vals[i]), *vals[i + 1 :])  # no rule reads them either
        t._node = record(prim, inputs, vals, params or _NO_PARAMS, out, edges)
        t._rg = True
    else:
        t._node = None
        t._rg = False
        if mask:  # an argument requires grad, but grad mode is off
            STATE.unrecorded += 1
    if tangent:
        push_tangents(prim, args, params, t)
        if t._node is not None:
            t._node.ans_tan = t._tan  # rules reading `ans` need its tangent too
    return t


# ---------------------------------------------------------------- forward mode


def _levels(args: tuple) -> list[int]:
    """The forward-mode levels the arguments' tangents are at, in order."""
    levels: Any = ()
    for a in args:
        if isinstance(a, TensorBase) and a._tan:
            levels = a._tan.keys() if not levels else levels | a._tan.keys()
    return list(levels) if len(levels) == 1 else sorted(levels)


def strip(a: Any, level: int, track: bool = True) -> Any:
    """`a` as seen by a rule at forward-mode `level`: without tangents of that
    level or deeper ones; a raw array when nothing else needs tracking."""
    if not isinstance(a, TensorBase):
        return a
    tan = a._tan
    keep = {k: v for k, v in tan.items() if k < level} if tan and (len(tan) > 1 or level not in tan) else None
    tracked = track and a._rg and STATE.grad_enabled
    if not keep and not tracked:
        return a.data
    s = wrap(a.data)
    s._tan = keep or None
    if tracked:
        s._rg = True
        s._node = a._node if a._node is not None else record(_IDENTITY, a, (a.data,), _NO_PARAMS, a.data, (0,))
    return s


def align_batch(t: Any, in_ndim: int, out_ndim: int) -> Any:
    """Insert size-1 axes after a tangent's batch axes so that it broadcasts
    against the other operands like its primal does."""
    nb = t.ndim - in_ndim
    if nb and in_ndim < out_ndim:
        t = t.reshape(t.shape[:nb] + (1,) * (out_ndim - in_ndim) + t.shape[nb:])
    return t


def broadcast_to(x: Any, shape: tuple) -> Any:
    if isinstance(x, TensorBase):
        return x.broadcast_to(shape)  # type: ignore[attr-defined]
    return xp.broadcast_to(x, shape)


def push_tangents(prim: Primitive, args: tuple, params: dict, out: TensorBase) -> None:
    """Forward mode: give `out` a tangent at every level its arguments have one."""
    data = out.data
    out_shape = data.shape if isinstance(data, ARRAY_TYPES) else xp.shape(data)
    out_ndim = len(out_shape)
    levels = _levels(args)
    for level in levels:
        if len(levels) == 1 and level in STATE.untracked_levels:
            # The one level, recording nothing: its rules see the raw values
            # (what `strip` would give, without a call per argument).
            primals = [a.data if isinstance(a, TensorBase) else a for a in args]
            ans, raw = data, True
        else:
            track = level not in STATE.untracked_levels
            primals = [strip(a, level, track) for a in args]
            ans = strip(out, level, track)
            raw = not isinstance(ans, TensorBase)
        terms = []
        for i, a in enumerate(args):
            if not isinstance(a, TensorBase):
                continue
            if raw and isinstance(primals[i], TensorBase):
                raw = False
            t = a._tan.get(level) if a._tan else None
            if t is None or prim.jvps[i] is None:
                continue
            if prim.broadcasting:
                in_ndim = a.data.ndim if isinstance(a.data, ARRAY_TYPES) else xp.ndim(a.data)
                if in_ndim < out_ndim:
                    t = align_batch(t, in_ndim, out_ndim)
            if raw and isinstance(t, TensorBase):
                raw = False
            terms.append((prim.jvps[i], t))
        if not terms:
            continue
        prev, STATE.raw = STATE.raw, raw
        try:
            total = None
            for rule, t in terms:
                c = rule(t, ans, *primals, **params)
                total = c if total is None else total + c
        finally:
            STATE.raw = prev
        shape = total.shape
        if shape[len(shape) - out_ndim :] != out_shape or len(shape) < out_ndim:
            total = broadcast_to(total, tuple(shape[: len(shape) - out_ndim]) + out_shape)
        if out._tan is None:
            out._tan = {}
        out._tan[level] = total


# Links an alias of a leaf back to it (see `strip`); the engine treats it like
# any primitive.  Registered by the registry module to avoid an import cycle.
_IDENTITY: Any = None
