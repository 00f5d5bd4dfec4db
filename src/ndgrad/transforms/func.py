"""Function transforms in the style of JAX and `torch.func`: functions in, functions out.

    >>> import ndgrad as nd
    >>> df = nd.func.grad(lambda x: 3 * x**2)
    >>> df(2.0)
    tensor(12.)
    >>> nd.func.grad(nd.func.grad(lambda x: x**3))(2.0)
    tensor(12.)

Transforms compose to any depth (`grad(grad(f))`, `jacfwd(jacrev(f))`, a
`jvp` of a `grad`); arguments may be numbers, lists, NumPy arrays, tensors,
or tuples, lists and dicts of them; results are tensors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..backend import xp
from ..core.errors import DtypeError, ShapeError
from ..core.forward import push_through
from ..core.graph import TensorBase, wrap
from ..core.mode import STATE
from ..ops.shape import broadcast_to
from ._common import (
    flatten_args,
    is_float,
    lower,
    normalize_argnums,
    regroup,
    to_primal,
    tracked,
)
from ._tree import LEAF, tree_flatten, tree_unflatten
from .forward import ForwardJacobian, nested_inputs, push
from .reverse import ReverseTrace, differentiable, jacobian_rows, one_block, unit_seed
from .structured import identity_basis

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "hvp"]


# ----------------------------------------------------------------- gradients


def grad(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """The gradient of a scalar function, as a function of the same arguments.

    `argnums` picks the arguments to differentiate (an int, or a tuple for a
    tuple of gradients); with `has_aux=True`, f returns `(value, aux)` and the
    gradient function returns `(gradient, aux)`.
    """

    def gradient(*args: Any) -> Any:
        _, g, aux = _value_and_grad(f, args, argnums, has_aux, "grad")
        return (g, aux) if has_aux else g

    return _named(gradient, "grad", f)


def value_and_grad(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """Like `grad`, but the function returns `(value, gradient)` (or
    `((value, aux), gradient)` with `has_aux=True`), from one evaluation."""

    def value_and_gradient(*args: Any) -> Any:
        value, g, aux = _value_and_grad(f, args, argnums, has_aux, "value_and_grad")
        return ((value, aux) if has_aux else value), g

    return _named(value_and_gradient, "value_and_grad", f)


def _value_and_grad(f: Callable, args: tuple, argnums: Any, has_aux: bool, op: str) -> tuple[Any, Any, Any]:
    nums, single = normalize_argnums(argnums, len(args), op)
    trace = _trace(f, args, nums, single, has_aux, op)
    out = _scalar_output(trace.outs, trace.out_spec, op)
    cots: list = [None] * len(trace.primals)
    if differentiable(out):
        cots = trace.pullback([out], [unit_seed(out)])
    grads = [_as_gradient(c, x) for c, x in zip(cots, trace.primals, strict=True)]
    keep = trace.create_graph
    return lower(out, keep), regroup(trace.specs, grads, single), _lower_tree(trace.aux, keep)


def _trace(f: Callable, args: tuple, nums: tuple[int, ...], single: bool, has_aux: bool, op: str) -> ReverseTrace:
    """f traced for reverse mode; one array argument nothing else follows
    (the common case) takes the short way."""
    x = _one_array(args, nums[0], op) if single else None
    if x is None:
        return ReverseTrace(f, args, nums, has_aux, op)
    return ReverseTrace.on_leaf(f, args, nums[0], x, op, has_aux=has_aux)


def _scalar_output(outs: list[TensorBase], out_spec: Any, op: str) -> TensorBase:
    if len(outs) != 1:
        raise ShapeError(
            f"{op}: the function must return one scalar, but it returned {len(outs)} values "
            f"(structure {out_spec}). Return extra values with has_aux=True as (value, aux), "
            "or use jacrev/jacfwd for several outputs."
        )
    out = outs[0]
    if out.data.size != 1:
        raise ShapeError(
            f"{op}: the function must return a scalar (one number), but its output has shape {out.shape}. "
            "Reduce it first (e.g. return f(x).sum()), or use jacrev/jacfwd (or ndgrad.jacobian) "
            "for the Jacobian of a vector output."
        )
    if not is_float(out.data.dtype):
        raise DtypeError(
            f"{op}: the function's output has dtype {out.data.dtype}; a gradient needs a floating-point output. "
            "Compute it in floats (e.g. x * 1.0) or cast with .astype('float64')."
        )
    return out


def _as_gradient(c: Any, x: TensorBase, batch: tuple = ()) -> Any:
    if c is None:
        return wrap(xp.zeros(batch + x.shape, dtype=x.data.dtype))
    return c if isinstance(c, TensorBase) else wrap(xp.asarray(c))


def _lower_tree(tree: Any, keep_graph: bool) -> Any:
    if tree is None:
        return None
    leaves, spec = tree_flatten(tree)
    return tree_unflatten(spec, [lower(a, keep_graph) if isinstance(a, TensorBase) else a for a in leaves])


def _named(fn: Callable, kind: str, f: Callable) -> Callable:
    name = getattr(f, "__name__", type(f).__name__)
    fn.__name__ = fn.__qualname__ = f"{kind}({name})"
    fn.__doc__ = f"The {kind} of {name}."
    return fn


# -------------------------------------------------------------- vjp and jvp


def vjp(f: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """Evaluate f at `primals` and return `(output, vjp_fn)` (and `aux`).

    `vjp_fn(cotangent)` takes a cotangent shaped like the output (it may carry
    extra leading batch axes) and returns a tuple with one cotangent per
    primal.  It may be called many times.
    """
    trace = ReverseTrace(f, primals, tuple(range(len(primals))), has_aux, "vjp")
    keep = trace.create_graph
    out = tree_unflatten(trace.out_spec, [lower(o, keep) for o in trace.outs])

    def vjp_fn(cotangents: Any) -> tuple:
        roots, seeds, batch = _cotangent_seeds(trace, cotangents)
        create = trace.create_graph or any(isinstance(s, TensorBase) and tracked(s) for s in seeds)
        cots = trace.pullback(roots, seeds, create_graph=create)
        grads = [_as_gradient(c, x, batch) for c, x in zip(cots, trace.primals, strict=True)]
        return regroup(trace.specs, grads, single=False)

    vjp_fn.__name__ = vjp_fn.__qualname__ = f"vjp_fn({getattr(f, '__name__', 'f')})"
    return (out, vjp_fn, _lower_tree(trace.aux, keep)) if has_aux else (out, vjp_fn)


def _cotangent_seeds(trace: ReverseTrace, cotangents: Any) -> tuple[list, list, tuple]:
    leaves, spec = tree_flatten(cotangents)
    if len(leaves) != len(trace.outs):
        raise ShapeError(
            f"vjp_fn: got a cotangent with {len(leaves)} leaves (structure {spec}), but the function's output "
            f"has {len(trace.outs)} (structure {trace.out_spec}); pass one cotangent per output, shaped like it."
        )
    roots, seeds, batch = [], [], None
    for k, (o, c) in enumerate(zip(trace.outs, leaves, strict=True)):
        if not isinstance(c, TensorBase):
            c = xp.asarray(c, dtype=o.data.dtype if is_float(o.data.dtype) else None)
        batch = _batch_axes(c, o.shape, batch, f"vjp_fn: cotangent {k}", f"output {k}")
        if differentiable(o):
            roots.append(o)
            seeds.append(c)
    return roots, seeds, batch or ()


def jvp(f: Callable, primals: Sequence, tangents: Sequence, has_aux: bool = False) -> tuple:
    """Evaluate f at `primals` and its derivative along `tangents`, in one pass.

    Returns `(output, tangent_out)` (and `aux` with `has_aux=True`).
    `tangents` has the structure and shapes of `primals` (leaves may carry the
    same extra leading batch axes, to push several tangents at once).
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(
            "jvp: primals and tangents must be tuples (or lists) of arguments, e.g. jvp(f, (x,), (v,)); "
            f"got {type(primals).__name__} and {type(tangents).__name__}"
        )
    if len(primals) != len(tangents):
        raise ShapeError(f"jvp: got {len(primals)} primals but {len(tangents)} tangents; pass one tangent per primal")
    nums = tuple(range(len(primals)))
    xs, specs = flatten_args(primals, nums, "jvp")
    ts, batch = _tangent_leaves(xs, specs, tangents)
    pushed = push(f, primals, specs, xs, dict(enumerate(ts)), has_aux, "jvp")
    keep = nested_inputs(xs) or any(isinstance(t, TensorBase) and (tracked(t) or t._tan) for t in ts)
    outs, tans = [], []
    for i, o in enumerate(pushed.outs):
        outs.append(pushed.primal(i, keep))
        tans.append(_tangent_out(pushed.tangent(i), o, batch))
    result = (tree_unflatten(pushed.out_spec, outs), tree_unflatten(pushed.out_spec, tans))
    return (*result, pushed.aux_value(keep)) if has_aux else result


def _tangent_leaves(xs: list[TensorBase], specs: list, tangents: Sequence) -> tuple[list, tuple]:
    ts: list = []
    for i, spec, _first in specs:
        leaves, tspec = tree_flatten(tangents[i])
        if tspec.num_leaves != spec.num_leaves:
            raise ShapeError(
                f"jvp: tangent {i} has structure {tspec} but primal {i} has structure {spec}; "
                "a tangent must be shaped like its primal"
            )
        ts.extend(leaves)
    batch = None
    out = []
    for k, (x, t) in enumerate(zip(xs, ts, strict=True)):
        if not isinstance(t, TensorBase):
            t = xp.asarray(t, dtype=x.data.dtype)
        batch = _batch_axes(t, x.shape, batch, f"jvp: tangent leaf {k}", "its primal")
        out.append(t)
    return out, batch or ()


def _tangent_out(t: Any, o: TensorBase, batch: tuple) -> Any:
    if t is None:
        dtype = o.data.dtype if is_float(o.data.dtype) else xp.float64
        return wrap(xp.zeros(batch + o.shape, dtype=dtype))
    if not isinstance(t, TensorBase):
        t = wrap(xp.asarray(t))
    full = batch + o.shape
    return t if tuple(t.shape) == full else broadcast_to(t, full)


# ---------------------------------------------------------------- Jacobians


def jacrev(
    f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False, chunk_size: int | None = None
) -> Callable:
    """The Jacobian of f by reverse mode: one backward pass pushes the whole
    identity basis of output cotangents (`chunk_size` rows at a time).

    Each Jacobian has shape `output.shape + input.shape`; a tuple of argnums
    gives a tuple per output, and several outputs a nest of them.
    """

    def jacobian(*args: Any) -> Any:
        nums, single = normalize_argnums(argnums, len(args), "jacrev")
        trace = _trace(f, args, nums, single, has_aux, "jacrev")
        if single and not has_aux and chunk_size is None and trace.specs[0][1] is LEAF and trace.out_spec is LEAF:
            return _block(one_block(trace), trace.outs[0], trace.primals[0])  # the common case, in short
        jac = jacobian_rows(trace, chunk_size)
        blocks = [
            regroup(trace.specs, [_block(b, o, x) for b, x in zip(row, trace.primals, strict=True)], single)
            for row, o in zip(jac, trace.outs, strict=True)
        ]
        result = tree_unflatten(trace.out_spec, blocks)
        return (result, _lower_tree(trace.aux, trace.create_graph)) if has_aux else result

    return _named(jacobian, "jacrev", f)


def jacfwd(
    f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False, chunk_size: int | None = None
) -> Callable:
    """The Jacobian of f by forward mode: one forward pass pushes the whole
    identity basis of input tangents (`chunk_size` columns at a time)."""
    return _named(_forward_jacobian(f, argnums, has_aux, chunk_size, "jacfwd", taped=False), "jacfwd", f)


def _forward_jacobian(
    f: Callable, argnums: int | Sequence[int], has_aux: bool, chunk_size: int | None, op: str, taped: bool
) -> Callable:
    def jacobian(*args: Any) -> Any:
        nums, single = normalize_argnums(argnums, len(args), op)
        fj = ForwardJacobian(f, args, nums, has_aux, op, chunk_size, taped=taped)
        primals, specs, first = fj.primals, fj.specs, fj.first
        blocks = [
            regroup(specs, [_block(b, o, x) for b, x in zip(row, primals, strict=True)], single)
            for row, o in zip(fj.jac, first.outs, strict=True)
        ]
        result = tree_unflatten(first.out_spec, blocks)
        return (result, first.aux_value(fj.nested)) if has_aux else result

    return jacobian


def _block(b: Any, o: TensorBase, x: TensorBase) -> Any:
    """One Jacobian block as a tensor; zeros where the output ignores the input."""
    if b is None:
        dtype = xp.result_type(o.data.dtype, x.data.dtype) if is_float(o.data.dtype) else x.data.dtype
        return wrap(xp.zeros(o.shape + x.shape, dtype=dtype))
    return b if isinstance(b, TensorBase) else wrap(b)


# ------------------------------------------------------------------ Hessians


def hessian(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """The Hessian of a scalar function, forward-over-reverse: jacfwd(jacrev(f)).

    For a tuple of argnums the blocks come as a tuple of tuples,
    H[i][j] = d2f / dx_i dx_j of shape x_i.shape + x_j.shape.  The forward
    pass runs over the graph that jacrev records (`forward.Tape`).
    """
    taped = _forward_jacobian(jacrev(f, argnums), argnums, False, None, "hessian", taped=True)
    untaped = _forward_jacobian(jacrev(f, argnums), argnums, False, None, "hessian", taped=False)

    def hessian_of_f(*args: Any) -> Any:
        x = _one_array(args, argnums, "hessian")
        if x is None:
            return taped(*args)
        block = hessian_on_tape(f, args, argnums, x, torch_style=False)
        # Else f ran once already: its graph fell short, or its output is not one number.
        return block if block is not None else untaped(*args)

    return _named(hessian_of_f, "hessian", f)


def _one_array(args: tuple, argnum: Any, op: str) -> TensorBase | None:
    """The argument to differentiate, where it is one array that no outer
    transform follows (the common case); None otherwise."""
    if type(argnum) is not int or not 0 <= argnum < len(args) or isinstance(args[argnum], (tuple, list, dict)):
        return None
    x = to_primal(args[argnum], op, f"argument {argnum}")
    return x if x.data.size and not nested_inputs([x]) else None


def hessian_on_tape(f: Callable, args: Sequence, argnum: int, x: TensorBase, torch_style: bool) -> TensorBase | None:
    """The Hessian with respect to one array argument, in short: f's gradient
    is recorded on a leaf standing for x, then the identity basis goes
    through that graph in one raw pass (`forward.Tape` without the
    bookkeeping for several inputs and chunks).

    None where the graph falls short, and, for `func.hessian`
    (`torch_style=False`), where f's output is not one 0-d float:
    jacfwd(jacrev(f)) takes those.  `ndgrad.hessian` accepts any one-element
    output and refuses others, as torch does.
    """
    marks = STATE.graph_marks()
    prev, STATE.grad_enabled = STATE.grad_enabled, True  # as for any transform's function
    try:
        trace = ReverseTrace.on_leaf(f, args, argnum, x, "hessian", create_graph=True)
        if torch_style:
            out = _scalar_output(trace.outs, trace.out_spec, "hessian")
        else:
            out = trace.outs[0]
            if trace.out_spec is not LEAF or out.data.ndim or not is_float(out.data.dtype):
                return None
        grad = trace.pullback([out], [unit_seed(out)])[0] if differentiable(out) else None
    finally:
        STATE.grad_enabled = prev
    if STATE.graph_marks() != marks:
        return None
    data = x.data
    n, shape = data.size, data.shape
    tangent = None
    if grad is not None:
        found = push_through([grad], {id(trace.aliases[0]): identity_basis(n, 0, shape, data.dtype)})
        if found is None:
            return None
        tangent = found[0]
    if tangent is None:  # the gradient does not depend on x
        return wrap(xp.zeros(shape + shape, dtype=data.dtype))
    t = xp.asarray(tangent)
    if t.base is not None or not t.flags.writeable:
        t = t.copy()  # the Hessian owns its memory
    # Row k of the tangent is column k of the Hessian.
    return wrap(t.T if len(shape) == 1 else t.reshape(n, n).T.reshape(shape + shape))


def hvp(f: Callable, primals: Sequence, tangents: Sequence) -> Any:
    """The Hessian of scalar f at `primals` times `tangents`, without forming
    the Hessian: the forward-mode derivative of the gradient along `tangents`.

    Returns a value shaped like `tangents` (a single one for one primal).
    """
    if not isinstance(primals, (tuple, list)):
        raise TypeError(
            f"hvp: primals must be a tuple of arguments, e.g. hvp(f, (x,), (v,)); got {type(primals).__name__}"
        )
    argnums: Any = 0 if len(primals) == 1 else tuple(range(len(primals)))
    _, product = jvp(grad(f, argnums), primals, tangents)
    return product


def _batch_axes(value: Any, shape: tuple, batch: tuple | None, what: str, of: str) -> tuple:
    """The leading batch axes of a cotangent or tangent that must otherwise
    have `shape`; all of them in one call must share the same batch axes."""
    nb = value.ndim - len(shape)
    if nb < 0 or tuple(value.shape[nb:]) != tuple(shape):
        raise ShapeError(
            f"{what} has shape {tuple(value.shape)}, but {of} has shape {tuple(shape)}; "
            f"it must have that shape (optionally after leading batch axes)."
        )
    if batch is not None and tuple(value.shape[:nb]) != batch:
        raise ShapeError(f"{what.split(':')[0]}: batch axes differ: {batch} and {tuple(value.shape[:nb])}")
    return tuple(value.shape[:nb])
