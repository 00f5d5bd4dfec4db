"""Value-returning Jacobians and Hessians in the style of `torch.autograd.functional`.

    >>> import ndgrad as nd
    >>> f = lambda x, y: nd.stack([x**2 + 3*y, 5*x + y**3])   # doctest: +SKIP
    >>> nd.jacobian(f, (2.0, 4.0))                              # doctest: +SKIP
    (tensor([4., 5.]), tensor([ 3., 48.]))

`f` is called as `f(*inputs)`.  A Jacobian has shape `out.shape + in.shape`;
a tuple of inputs and/or outputs gives torch's nesting of tuples.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..backend import xp
from ..core.graph import TensorBase, wrap
from ._common import IndependentError, is_float, to_primal
from ._tree import LEAF, tree_unflatten
from .forward import ForwardJacobian
from .func import _as_gradient, _scalar_output, hessian_on_tape
from .reverse import ReverseTrace, differentiable, jacobian_rows, one_block, unit_seed

__all__ = ["jacobian", "hessian"]

_MODES = {
    "auto": "auto",
    "reverse": "reverse",
    "forward": "forward",
    "reverse-mode": "reverse",  # torch's strategy names
    "forward-mode": "forward",
}


def _pick_mode(mode: str, strategy: str | None) -> str:
    chosen = strategy if strategy is not None else mode
    if chosen not in _MODES:
        raise ValueError(
            f"mode/strategy must be 'auto', 'reverse' or 'forward' (or torch's 'reverse-mode' and 'forward-mode'), "
            f"got {chosen!r}"
        )
    return _MODES[chosen]


def _inputs(inputs: Any, create_graph: bool, op: str) -> tuple[bool, list[TensorBase]]:
    """torch's convention: a tuple is several inputs, anything else is one.
    Without create_graph the results are plain values: the function sees
    detached copies."""
    if not isinstance(inputs, tuple):
        x = to_primal(inputs, op, "input 0")
        return False, [x if create_graph else wrap(x.data)]
    xs = [to_primal(v, op, lambda i=i: f"input {i}") for i, v in enumerate(inputs)]
    return True, xs if create_graph else [wrap(x.data) for x in xs]


def _elements(tensors: list[TensorBase]) -> int:
    total = 0
    for t in tensors:
        total += t.data.size
    return total


def _finish(block: Any, o: TensorBase, x: TensorBase, create_graph: bool) -> Any:
    if block is None:
        dtype = xp.result_type(o.data.dtype, x.data.dtype) if is_float(o.data.dtype) else x.data.dtype
        return wrap(xp.zeros(o.shape + x.shape, dtype=dtype))
    if isinstance(block, TensorBase):
        return block if create_graph else wrap(block.data)
    return wrap(block)


def _strict_check(jac: list[list], outs: list[TensorBase], op: str, what: str = "output") -> None:
    for i, row in enumerate(jac):
        for j, block in enumerate(row):
            if block is None:
                raise IndependentError(
                    f"{op}(strict=True): {what} {i} does not depend on input {j}, so that block of the result "
                    f"is all zeros. Pass strict=False to get the zeros, or check that the function uses input {j}."
                )


def jacobian(
    f: Callable,
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    mode: str = "auto",
    chunk_size: int | None = None,
    *,
    vectorize: bool | None = None,
    strategy: str | None = None,
) -> Any:
    """The Jacobian of `f(*inputs)`, computed in one vectorized pass per chunk.

    mode: 'reverse' pushes the identity basis of output cotangents back,
    'forward' the identity basis of input tangents forward, 'auto' picks
    forward when the inputs have fewer elements than the outputs.
    `chunk_size` bounds memory by pushing that many basis vectors at a time.
    `strict=True` raises IndependentError for an output that does not depend
    on an input; `create_graph=True` keeps the result differentiable.
    `vectorize` and `strategy` are accepted for torch compatibility
    (ndgrad always vectorizes; strategy='forward-mode' is mode='forward').
    """
    mode = _pick_mode(mode, strategy)
    is_tuple, xs = _inputs(inputs, create_graph, "jacobian")
    nums = tuple(range(len(xs))) if is_tuple else (0,)
    cg = None if create_graph else False
    if mode != "forward":
        if is_tuple or create_graph:
            trace = ReverseTrace(f, xs, nums, False, "jacobian", create_graph=cg)
        else:
            trace = ReverseTrace.on_leaf(f, xs, 0, xs[0], "jacobian", create_graph=False)
        if mode == "reverse" or _elements(xs) >= _elements(trace.outs):
            if not (is_tuple or strict or create_graph or chunk_size) and trace.out_spec is LEAF:
                return _finish(one_block(trace), trace.outs[0], xs[0], False)  # the common case, in short
            jac = jacobian_rows(trace, chunk_size, per_output=strict)
            return _assemble(jac, trace.outs, trace.out_spec, xs, is_tuple, create_graph, strict, "jacobian")
    fj = ForwardJacobian(f, xs, nums, False, "jacobian", chunk_size, nested=None if create_graph else False,
                         per_input=strict)
    return _assemble(fj.jac, fj.first.outs, fj.first.out_spec, xs, is_tuple, create_graph, strict, "jacobian")


def _assemble(jac: list[list], outs: list, out_spec: Any, xs: list, is_tuple: bool, create_graph: bool,
              strict: bool, op: str, what: str = "output") -> Any:
    if strict:
        _strict_check(jac, outs, op, what)
    rows = []
    for row, o in zip(jac, outs, strict=True):
        blocks = [_finish(b, o, x, create_graph) for b, x in zip(row, xs, strict=True)]
        rows.append(tuple(blocks) if is_tuple else blocks[0])
    return tree_unflatten(out_spec, rows)


def hessian(
    f: Callable,
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    chunk_size: int | None = None,
    *,
    vectorize: bool | None = None,
    outer_jacobian_strategy: str | None = None,
) -> Any:
    """The Hessian of scalar `f(*inputs)`, forward-over-reverse.

    Shape `in.shape + in.shape`; a tuple of inputs gives a tuple of tuples of
    blocks H[i][j] = d2f / d in_i d in_j.  `strict=True` raises
    IndependentError when the output or a gradient block does not depend on
    an input.  `outer_jacobian_strategy='reverse-mode'` takes the Jacobian of
    the gradient by reverse mode instead (reverse-over-reverse); `vectorize`
    is accepted for torch compatibility (ndgrad always vectorizes).
    """
    outer = _pick_mode("forward" if outer_jacobian_strategy is None else outer_jacobian_strategy, None)
    taped = outer == "forward"
    if taped and not (isinstance(inputs, tuple) or strict or create_graph or chunk_size):
        x = to_primal(inputs, "hessian", "input 0")
        if x.data.size:
            block = hessian_on_tape(f, [x], 0, x, torch_style=True)
            if block is not None:
                return block
            taped = False  # f ran once already, and its graph falls short: push tangents through it
    is_tuple, xs = _inputs(inputs, create_graph, "hessian")
    nums = tuple(range(len(xs)))

    def gradient(*args: Any) -> tuple:
        trace = ReverseTrace(f, args, nums, False, "hessian")
        out = _scalar_output(trace.outs, trace.out_spec, "hessian")
        cots: list = [None] * len(xs)
        if differentiable(out):
            cots = trace.pullback([out], [unit_seed(out)])
        if strict:
            _strict_check([cots], [out], "hessian")
        grads = tuple(_as_gradient(c, x) for c, x in zip(cots, trace.primals, strict=True))
        return grads if is_tuple else grads[0]

    if outer == "reverse":
        trace = ReverseTrace(gradient, xs, nums, False, "hessian", create_graph=None if create_graph else False)
        jac = jacobian_rows(trace, chunk_size, per_output=strict)
        return _assemble(jac, trace.outs, trace.out_spec, xs, is_tuple, create_graph, strict, "hessian",
                         what="the gradient w.r.t. input")
    fj = ForwardJacobian(gradient, xs, nums, False, "hessian", chunk_size, nested=None if create_graph else False,
                         per_input=strict, taped=taped)
    return _assemble(fj.jac, fj.first.outs, fj.first.out_spec, xs, is_tuple, create_graph, strict, "hessian",
                     what="the gradient w.r.t. input")
