"""Differential tests against PyTorch (torch==2.13.0, CPU, float64) as oracle.

Every row of `OPS` is one operation written twice, once with ndgrad and once
with torch.  Hypothesis builds random programs from the rows: a chain of
operations on a leaf, where binary operations bring in fresh leaves of shapes
that broadcast with the current value (including () and size-1 axes).  Both
libraries run the same program on the same values; the outputs and the
gradients of a random projection of the output with respect to every leaf
must agree.  Inputs of functions with restricted domains are mapped into them
first (log(x*x + 1/4), arcsin(0.9 tanh x), ...), identically on both sides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, note, settings
from hypothesis import strategies as st

import ndgrad as nd

from .strategies import axes, axis, broadcastable_with, normalized_axes, reduced_count, shapes, uniform_values

torch.set_default_dtype(torch.float64)

RTOL, ATOL = 1e-8, 1e-10
MAX_SIZE = 200  # elements in any intermediate value

# The same NumPy-named functions in both libraries, for rows written once.
ND = nd
TORCH = SimpleNamespace(
    exp=torch.exp, expm1=torch.expm1, log=torch.log, log2=torch.log2, log10=torch.log10, log1p=torch.log1p,
    sqrt=torch.sqrt, square=torch.square, reciprocal=torch.reciprocal,
    sin=torch.sin, cos=torch.cos, tan=torch.tan, arcsin=torch.arcsin, arccos=torch.arccos, arctan=torch.arctan,
    sinh=torch.sinh, cosh=torch.cosh, tanh=torch.tanh, arcsinh=torch.arcsinh, arccosh=torch.arccosh,
    arctanh=torch.arctanh, sigmoid=torch.sigmoid, relu=torch.relu, softplus=F.softplus, abs=torch.abs,
    sign=torch.sign, floor=torch.floor, ceil=torch.ceil, round=torch.round, negative=torch.negative,
    maximum=torch.maximum, minimum=torch.minimum, arctan2=torch.arctan2, hypot=torch.hypot,
    logaddexp=torch.logaddexp, where=torch.where, remainder=torch.remainder, fmod=torch.fmod,
    clip=torch.clip, power=torch.pow, exp2=torch.exp2, trunc=torch.trunc,
)


@dataclass(frozen=True)
class Op:
    """One operation in both libraries.

    `fn(L, x, *others, **params)` is written once against a namespace `L`
    (ndgrad or TORCH) when the spelling agrees; otherwise `nd_fn` and
    `torch_fn` give the two versions.  `params(shape)` draws the keyword
    parameters, `others(shape, params)` the shapes of fresh leaves, and
    `min_dims`..`max_dims` the ranks the op accepts.
    """

    name: str
    fn: Callable | None = None
    nd_fn: Callable | None = None
    torch_fn: Callable | None = None
    params: Callable = field(default=lambda shape: st.just({}))
    others: Callable = field(default=lambda shape, params: ())
    min_dims: int = 0
    max_dims: int = 4
    # Singular where the output is 0 (std, norms): such points are skipped.
    nonzero_output: bool = False

    def applies(self, shape) -> bool:
        return self.min_dims <= len(shape) <= self.max_dims

    def __repr__(self) -> str:
        return f"Op({self.name!r})"

    def run_nd(self, x, others, params):
        return self.nd_fn(x, *others, **params) if self.nd_fn else self.fn(ND, x, *others, **params)

    def run_torch(self, x, others, params):
        return self.torch_fn(x, *others, **params) if self.torch_fn else self.fn(TORCH, x, *others, **params)


def unary(name, fn):
    return Op(name, fn=lambda L, x: fn(L, x))


def binary(name, fn):
    """A binary op with a fresh leaf whose shape broadcasts with the value's."""
    return Op(
        name,
        fn=lambda L, x, y, **p: fn(L, x, y),
        params=lambda shape: broadcastable_with(shape).map(lambda s: {"_other": s}),
        others=lambda shape, params: (params["_other"],),
    )


def _strip(params):
    return {k: v for k, v in params.items() if not k.startswith("_")}


# ----------------------------------------------------------- elementwise

ELEMENTWISE = [
    unary("negative", lambda L, x: -x),
    unary("exp", lambda L, x: L.exp(x)),
    unary("expm1", lambda L, x: L.expm1(x)),
    unary("exp2", lambda L, x: L.exp2(x)),
    unary("log", lambda L, x: L.log(x * x + 0.25)),
    unary("log2", lambda L, x: L.log2(x * x + 0.25)),
    unary("log10", lambda L, x: L.log10(x * x + 0.25)),
    unary("log1p", lambda L, x: L.log1p(x * x)),
    unary("sqrt", lambda L, x: L.sqrt(x * x + 0.1)),
    unary("square", lambda L, x: L.square(x)),
    unary("reciprocal", lambda L, x: L.reciprocal(x * x + 0.5)),
    unary("sin", lambda L, x: L.sin(x)),
    unary("cos", lambda L, x: L.cos(x)),
    unary("tan", lambda L, x: L.tan(L.tanh(x))),
    unary("arcsin", lambda L, x: L.arcsin(0.9 * L.tanh(x))),
    unary("arccos", lambda L, x: L.arccos(0.9 * L.tanh(x))),
    unary("arctan", lambda L, x: L.arctan(x)),
    unary("sinh", lambda L, x: L.sinh(x)),
    unary("cosh", lambda L, x: L.cosh(x)),
    unary("tanh", lambda L, x: L.tanh(x)),
    unary("arcsinh", lambda L, x: L.arcsinh(x)),
    unary("arccosh", lambda L, x: L.arccosh(x * x + 1.1)),
    unary("arctanh", lambda L, x: L.arctanh(0.9 * L.tanh(x))),
    unary("sigmoid", lambda L, x: L.sigmoid(x)),
    unary("relu", lambda L, x: L.relu(x)),
    unary("softplus", lambda L, x: L.softplus(x)),
    unary("abs", lambda L, x: abs(x)),
    unary("sign", lambda L, x: L.sign(x) + x),
    unary("floor", lambda L, x: L.floor(x) * x),
    unary("ceil", lambda L, x: L.ceil(x) * x),
    unary("round", lambda L, x: L.round(x) + x),
    unary("trunc", lambda L, x: L.trunc(x) * x),
    unary("x*x", lambda L, x: x * x),
    unary("x**2", lambda L, x: x**2),
    unary("x**3", lambda L, x: x**3),
    unary("pos**-1.5", lambda L, x: (x * x + 0.5) ** -1.5),
    unary("pos**0.5", lambda L, x: (x * x + 0.5) ** 0.5),
    unary("2**x", lambda L, x: 2.0**x),
    unary("scalar-x", lambda L, x: 1.5 - x),
    unary("x/scalar", lambda L, x: x / 3.0),
    unary("scalar/pos", lambda L, x: 2.0 / (x * x + 0.5)),
    unary("x%scalar", lambda L, x: x % 0.75),
    unary("clip", lambda L, x: L.clip(x, -0.5, 1.0)),
    unary("where(x>0)", lambda L, x: L.where(x > 0, x, 0.5 * x)),
    binary("add", lambda L, x, y: x + y),
    binary("subtract", lambda L, x, y: x - y),
    binary("multiply", lambda L, x, y: x * y),
    binary("divide", lambda L, x, y: x / (y * y + 0.5)),
    binary("power", lambda L, x, y: (x * x + 0.5) ** y),
    binary("power function", lambda L, x, y: L.power(x * x + 0.5, y)),
    binary("maximum", lambda L, x, y: L.maximum(x, y)),
    binary("minimum", lambda L, x, y: L.minimum(x, y)),
    binary("arctan2", lambda L, x, y: L.arctan2(x, y)),
    binary("hypot", lambda L, x, y: L.hypot(x, y)),
    binary("logaddexp", lambda L, x, y: L.logaddexp(x, y)),
    binary("where", lambda L, x, y: L.where(x > y, x, y)),
    binary("remainder", lambda L, x, y: L.remainder(x, y * y + 0.5)),
    binary("fmod", lambda L, x, y: L.fmod(x, y * y + 0.5)),
    binary("sigmoid*y", lambda L, x, y: L.sigmoid(x) * y),
    Op(
        "floor_divide",
        nd_fn=lambda x, y, _other: x // (y * y + 0.5) + x * y,
        # torch has no derivative for floor_divide; its gradient is zero almost everywhere
        torch_fn=lambda x, y, _other: torch.floor_divide(x.detach(), (y * y + 0.5).detach()) + x * y,
        params=lambda shape: broadcastable_with(shape).map(lambda s: {"_other": s}),
        others=lambda shape, params: (params["_other"],),
    ),
]

# ----------------------------------------------------------------- reductions


def _reduction_params(shape, ddof=False):
    draws = {"axis": axes(len(shape)), "keepdims": st.booleans()}
    if ddof:
        draws["ddof"] = st.sampled_from([0, 1])
    return st.fixed_dictionaries(draws).filter(
        lambda p: not ddof or reduced_count(shape, p["axis"]) > p["ddof"]
    )


def _dims(x, axis):
    return normalized_axes(axis, x.dim())


def _torch_prod(x, axis, keepdims):
    out = x
    for d in reversed(_dims(x, axis)):
        out = torch.prod(out, dim=d, keepdim=True)
    if not keepdims:
        out = out.reshape([s for i, s in enumerate(out.shape) if i not in _dims(x, axis)])
    return out


def reduction(name, nd_fn, torch_fn, ddof=False, nonzero_output=False):
    return Op(
        name, nd_fn=nd_fn, torch_fn=torch_fn, params=lambda shape: _reduction_params(shape, ddof),
        nonzero_output=nonzero_output,
    )


REDUCTIONS = [
    reduction(
        "sum",
        lambda x, axis, keepdims: nd.sum(x, axis=axis, keepdims=keepdims),
        lambda x, axis, keepdims: torch.sum(x, dim=_dims(x, axis), keepdim=keepdims),
    ),
    reduction(
        "sum method",
        lambda x, axis, keepdims: x.sum(axis=axis, keepdims=keepdims),
        lambda x, axis, keepdims: x.sum(dim=_dims(x, axis), keepdim=keepdims),
    ),
    reduction(
        "mean",
        lambda x, axis, keepdims: nd.mean(x, axis=axis, keepdims=keepdims),
        lambda x, axis, keepdims: torch.mean(x, dim=_dims(x, axis), keepdim=keepdims),
    ),
    reduction("prod", lambda x, axis, keepdims: nd.prod(x, axis=axis, keepdims=keepdims), _torch_prod),
    reduction(
        "max",
        lambda x, axis, keepdims: nd.max(x, axis=axis, keepdims=keepdims),
        lambda x, axis, keepdims: torch.amax(x, dim=_dims(x, axis), keepdim=keepdims),
    ),
    reduction(
        "min",
        lambda x, axis, keepdims: x.min(axis=axis, keepdims=keepdims),
        lambda x, axis, keepdims: torch.amin(x, dim=_dims(x, axis), keepdim=keepdims),
    ),
    reduction(
        "var",
        lambda x, axis, keepdims, ddof: nd.var(x, axis=axis, ddof=ddof, keepdims=keepdims),
        lambda x, axis, keepdims, ddof: torch.var(x, dim=_dims(x, axis), correction=ddof, keepdim=keepdims),
        ddof=True,
    ),
    reduction(
        "std",
        lambda x, axis, keepdims, ddof: nd.std(x, axis=axis, ddof=ddof, keepdims=keepdims),
        lambda x, axis, keepdims, ddof: torch.std(x, dim=_dims(x, axis), correction=ddof, keepdim=keepdims),
        ddof=True,
        nonzero_output=True,
    ),
    reduction(
        "logsumexp",
        lambda x, axis, keepdims: nd.logsumexp(x, axis=axis, keepdims=keepdims),
        lambda x, axis, keepdims: torch.logsumexp(x, dim=_dims(x, axis), keepdim=keepdims),
    ),
    reduction(
        "vector_norm",
        lambda x, axis, keepdims: nd.vector_norm(x, axis=axis, keepdims=keepdims),
        lambda x, axis, keepdims: torch.linalg.vector_norm(x, dim=_dims(x, axis), keepdim=keepdims),
        nonzero_output=True,
    ),
    Op(
        "norm",
        nd_fn=lambda x: nd.norm(x),
        torch_fn=lambda x: torch.linalg.vector_norm(x),
        nonzero_output=True,
    ),
    Op(
        "vector_norm ord",
        nd_fn=lambda x, axis, order: nd.vector_norm(x, axis=axis, ord=order),
        torch_fn=lambda x, axis, order: torch.linalg.vector_norm(x, ord=order, dim=axis),
        params=lambda shape: st.fixed_dictionaries(
            {"axis": axis(len(shape)), "order": st.sampled_from([1, 2, 3, np.inf])}
        ),
        min_dims=1,
        nonzero_output=True,
    ),
    Op(
        "matrix_norm",
        nd_fn=lambda x: nd.matrix_norm(x),
        torch_fn=lambda x: torch.linalg.matrix_norm(x),
        min_dims=2,
        nonzero_output=True,
    ),
    Op(
        "softmax",
        nd_fn=lambda x, axis: nd.softmax(x, axis=axis),
        torch_fn=lambda x, axis: torch.softmax(x, dim=axis),
        params=lambda shape: st.fixed_dictionaries({"axis": axis(len(shape))}),
        min_dims=1,
    ),
    Op(
        "log_softmax",
        nd_fn=lambda x, axis: nd.log_softmax(x, axis=axis),
        torch_fn=lambda x, axis: torch.log_softmax(x, dim=axis),
        params=lambda shape: st.fixed_dictionaries({"axis": axis(len(shape))}),
        min_dims=1,
    ),
    Op(
        "cumprod",
        nd_fn=lambda x, axis: nd.cumprod(x, axis=axis),
        torch_fn=lambda x, axis: torch.cumprod(x, dim=axis),
        params=lambda shape: st.fixed_dictionaries({"axis": axis(len(shape))}),
        min_dims=1,
    ),
    Op(
        "cumsum",
        nd_fn=lambda x, axis: nd.cumsum(x, axis=axis),
        torch_fn=lambda x, axis: torch.cumsum(x, dim=axis),
        params=lambda shape: st.fixed_dictionaries({"axis": axis(len(shape))}),
        min_dims=1,
    ),
]

# ---------------------------------------------------------------------- shape


def _reshape_targets(shape):
    size = int(np.prod(shape, dtype=np.int64))
    targets = [(-1,), tuple(reversed(shape)), shape + (1,), (1,) + shape, (size,)]
    if len(shape) >= 2:
        targets.append((shape[0] * shape[1],) + shape[2:])
        targets.append(shape[:-2] + (-1,))
    return st.sampled_from(targets).map(lambda t: {"shape": t})


def _pad_params(shape):
    widths = st.tuples(*[st.tuples(st.integers(0, 2), st.integers(0, 2)) for _ in shape])
    return st.fixed_dictionaries({"widths": widths, "value": st.sampled_from([0.0, 1.5])})


def _torch_pad(x, widths, value):
    flat = [w for pair in reversed(widths) for w in pair]
    return F.pad(x, flat, mode="constant", value=value)


def _concat_params(shape):
    return st.fixed_dictionaries({"axis": axis(len(shape)), "_size": st.integers(1, 2)})


def _concat_other(shape, params):
    other = list(shape)
    other[params["axis"]] = params["_size"]
    return (tuple(other),)


def _diagonal_params(shape):
    ndim = len(shape)
    pairs = st.tuples(st.integers(0, ndim - 1), st.integers(0, ndim - 1)).filter(lambda p: p[0] != p[1])
    return st.fixed_dictionaries({"offset": st.integers(-1, 1), "axes": pairs}).filter(
        lambda p: _diagonal_length(shape, p["offset"], p["axes"]) > 0
    )


def _diagonal_length(shape, offset, axes):
    n1, n2 = shape[axes[0]], shape[axes[1]]
    return min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2)


def _broadcast_target(shape):
    return st.tuples(st.integers(1, 2), st.tuples(*[st.integers(1, 3) if s == 1 else st.just(s) for s in shape])).map(
        lambda t: {"shape": (t[0],) + t[1]}
    )


def _split_params(shape):
    return axis(len(shape)).flatmap(
        lambda a: st.integers(0, shape[a]).map(lambda at: {"axis": a, "at": at})
    )


def _weighted_concat(pieces, axis, concatenate):
    """Put split pieces back together, each scaled differently."""
    return concatenate([p * (i + 1.5) for i, p in enumerate(pieces)], axis)


SHAPE_OPS = [
    Op(
        "reshape",
        nd_fn=lambda x, shape: x.reshape(shape),
        torch_fn=lambda x, shape: x.reshape(shape),
        params=_reshape_targets,
    ),
    Op(
        "ravel",
        nd_fn=lambda x: nd.ravel(x),
        torch_fn=lambda x: x.reshape(-1),
    ),
    Op(
        "transpose",
        nd_fn=lambda x, perm: nd.transpose(x, perm),
        torch_fn=lambda x, perm: x.permute(perm),
        params=lambda shape: st.permutations(range(len(shape))).map(lambda p: {"perm": tuple(p)}),
        min_dims=1,
    ),
    Op(
        "permute_dims",
        nd_fn=lambda x, perm: nd.permute_dims(x, perm),
        torch_fn=lambda x, perm: x.permute(perm),
        params=lambda shape: st.permutations(range(len(shape))).map(lambda p: {"perm": tuple(p)}),
        min_dims=1,
    ),
    Op("T", nd_fn=lambda x: x.T, torch_fn=lambda x: x.permute(tuple(reversed(range(x.dim()))))),
    Op("mT", nd_fn=lambda x: x.mT, torch_fn=lambda x: x.mT, min_dims=2),
    Op(
        "swapaxes",
        nd_fn=lambda x, a, b: nd.swapaxes(x, a, b),
        torch_fn=lambda x, a, b: torch.swapaxes(x, a, b),
        params=lambda shape: st.fixed_dictionaries({"a": axis(len(shape)), "b": axis(len(shape))}),
        min_dims=1,
    ),
    Op(
        "moveaxis",
        nd_fn=lambda x, a, b: nd.moveaxis(x, a, b),
        torch_fn=lambda x, a, b: torch.movedim(x, a, b),
        params=lambda shape: st.fixed_dictionaries({"a": axis(len(shape)), "b": axis(len(shape))}),
        min_dims=1,
    ),
    Op("squeeze", nd_fn=lambda x: nd.squeeze(x), torch_fn=lambda x: torch.squeeze(x)),
    Op(
        "expand_dims",
        nd_fn=lambda x, a: nd.expand_dims(x, a),
        torch_fn=lambda x, a: torch.unsqueeze(x, a),
        params=lambda shape: st.fixed_dictionaries({"a": axis(len(shape) + 1)}),
    ),
    Op(
        "broadcast_to",
        nd_fn=lambda x, shape: nd.broadcast_to(x, shape),
        torch_fn=lambda x, shape: torch.broadcast_to(x, shape),
        params=_broadcast_target,
    ),
    Op(
        "flip",
        nd_fn=lambda x, axis: nd.flip(x, axis),
        torch_fn=lambda x, axis: torch.flip(x, dims=_dims(x, axis)),
        params=lambda shape: st.fixed_dictionaries({"axis": axes(len(shape))}),
    ),
    Op(
        "concatenate",
        nd_fn=lambda x, y, axis, _size: nd.concatenate([x, y], axis=axis),
        torch_fn=lambda x, y, axis, _size: torch.cat([x, y], dim=axis),
        params=_concat_params,
        others=_concat_other,
        min_dims=1,
    ),
    Op(
        "concat",
        nd_fn=lambda x, y, axis, _size: nd.concat([y, x], axis=axis),
        torch_fn=lambda x, y, axis, _size: torch.cat([y, x], dim=axis),
        params=_concat_params,
        others=_concat_other,
        min_dims=1,
    ),
    Op(
        "stack",
        nd_fn=lambda x, y, axis: nd.stack([x, y, x], axis=axis),
        torch_fn=lambda x, y, axis: torch.stack([x, y, x], dim=axis),
        params=lambda shape: st.fixed_dictionaries({"axis": axis(len(shape) + 1)}),
        others=lambda shape, params: (shape,),
    ),
    Op(
        "split",
        nd_fn=lambda x, at, axis: _weighted_concat(nd.split(x, [at], axis=axis), axis, nd.concatenate),
        torch_fn=lambda x, at, axis: _weighted_concat(torch.tensor_split(x, [at], dim=axis), axis, torch.cat),
        params=_split_params,
        min_dims=1,
    ),
    Op(
        "tile",
        nd_fn=lambda x, reps: nd.tile(x, reps),
        torch_fn=lambda x, reps: torch.tile(x, reps),
        params=lambda shape: st.lists(st.integers(1, 2), min_size=1, max_size=len(shape) + 1).map(
            lambda r: {"reps": tuple(r)}
        ),
    ),
    Op(
        "repeat",
        nd_fn=lambda x, repeats, axis: nd.repeat(x, repeats, axis=axis),
        torch_fn=lambda x, repeats, axis: torch.repeat_interleave(x, repeats, dim=axis),
        params=lambda shape: st.fixed_dictionaries(
            {"repeats": st.integers(1, 3), "axis": st.none() | axis(len(shape))}
        ),
        min_dims=1,
    ),
    Op(
        "pad",
        nd_fn=lambda x, widths, value: nd.pad(x, widths, constant_values=value),
        torch_fn=_torch_pad,
        params=_pad_params,
        min_dims=1,
    ),
    Op(
        "diagonal",
        nd_fn=lambda x, offset, axes: nd.diagonal(x, offset, axes[0], axes[1]),
        torch_fn=lambda x, offset, axes: torch.diagonal(x, offset, axes[0], axes[1]),
        params=_diagonal_params,
        min_dims=2,
    ),
    Op(
        "trace",
        nd_fn=lambda x: nd.trace(x),
        torch_fn=lambda x: torch.diagonal(x, 0, 0, 1).sum(-1),
        min_dims=2,
    ),
    Op(
        "triu",
        nd_fn=lambda x, k: nd.triu(x, k),
        torch_fn=lambda x, k: torch.triu(x, k),
        params=lambda shape: st.fixed_dictionaries({"k": st.integers(-1, 1)}),
        min_dims=2,
    ),
    Op(
        "tril",
        nd_fn=lambda x, k: nd.tril(x, k),
        torch_fn=lambda x, k: torch.tril(x, k),
        params=lambda shape: st.fixed_dictionaries({"k": st.integers(-1, 1)}),
        min_dims=2,
    ),
]

# ------------------------------------------------------------------- indexing


def _basic_index(shape):
    def one_axis(n):
        ints = st.integers(-n, n - 1)
        slices = st.builds(
            slice,
            st.none() | st.integers(-n, n),
            st.none() | st.integers(-n, n),
            st.sampled_from([None, 1, 2, -1, -2]),
        ).filter(lambda s: len(range(n)[s]) > 0)
        return ints | slices

    count = st.integers(1, len(shape))
    return count.flatmap(lambda k: st.tuples(*[one_axis(n) for n in shape[:k]])).map(lambda ix: {"index": ix})


def _torch_basic_index(x, index):
    # torch has no negative steps: gather the positions NumPy would pick, axis by axis.
    out, dim = x, 0
    for item, n in zip(index, x.shape, strict=False):
        positions = np.arange(n)[item]
        if np.ndim(positions) == 0:
            out = out.select(dim, int(positions))
        else:
            out = out.index_select(dim, torch.tensor(positions.copy()))
            dim += 1
    return out


def _array_index_params(shape):
    ndim = len(shape)
    return axis(ndim).flatmap(
        lambda a: st.lists(st.integers(-shape[a], shape[a] - 1), min_size=1, max_size=5).map(
            lambda idx: {"axis": a, "idx": tuple(idx)}
        )
    )


def _nd_array_index(x, axis, idx):
    return x[(slice(None),) * (axis % x.ndim) + (np.array(idx),)]


def _torch_array_index(x, axis, idx):
    positions = np.arange(x.shape[axis])[list(idx)]
    return torch.index_select(x, axis, torch.tensor(positions.copy()))


def _mask_params(shape):
    size = int(np.prod(shape, dtype=np.int64))
    return st.lists(st.booleans(), min_size=size, max_size=size).filter(any).map(
        lambda bits: {"mask": tuple(bits)}
    )


def _mask(x, mask):
    return np.array(mask, dtype=bool).reshape(tuple(x.shape))


INDEX_OPS = [
    Op(
        "getitem basic",
        nd_fn=lambda x, index: x[index],
        torch_fn=_torch_basic_index,
        params=_basic_index,
        min_dims=1,
    ),
    Op("getitem None, ...", nd_fn=lambda x: x[None, ..., None], torch_fn=lambda x: x[None, ..., None]),
    Op(
        "getitem integer array",
        nd_fn=_nd_array_index,
        torch_fn=_torch_array_index,
        params=_array_index_params,
        min_dims=1,
    ),
    Op(
        "getitem boolean mask",
        nd_fn=lambda x, mask: x[_mask(x, mask)],
        torch_fn=lambda x, mask: x[torch.as_tensor(_mask(x, mask))],
        params=_mask_params,
        min_dims=1,
    ),
    Op(
        "take",
        nd_fn=lambda x, axis, idx: nd.take(x, np.array(idx), axis=axis),
        torch_fn=_torch_array_index,
        params=_array_index_params,
        min_dims=1,
    ),
]

# ------------------------------------------------------------------- products


def _matmul_other(shape, params):
    k, n = params["_k"], shape[-1]
    batched = (2,) + (1,) * max(len(shape) - 2, 0) + (n, k)
    return ([(n,), (n, k), batched][params["_form"]],)


def _matmul_params(shape):
    return st.fixed_dictionaries({"_k": st.integers(1, 3), "_form": st.integers(0, 2)})


def _einsum_specs(shape):
    ndim = len(shape)
    letters = "abcd"[:ndim]
    specs = [(f"{letters}->", None), ("...,k->...k", (2,))]
    if ndim >= 1:
        specs.append((f"{letters}->{letters[::-1]}", None))
        specs.append((letters, None))  # implicit output: the letters in alphabetical order
        specs.append(("...z,z->...", (shape[-1],)))
        specs.append((f"{letters},{letters[-1]}y->{letters[:-1]}y", (shape[-1], 2)))
    if ndim >= 2:
        specs.append(("...ij,jk->...ik", (shape[-1], 3)))
        specs.append(("...ij,...ij->...", shape))
        if shape[-1] == shape[-2]:
            specs.append(("...ii->...i", None))
            specs.append(("...ii", None))
    if ndim == 2:
        specs.append(("ij,jk", (shape[1], 2)))
        specs.append(("ij,jk,k->i", (shape[1], 2)))
    return st.sampled_from(specs).map(lambda s: {"spec": s[0], "_other": s[1]})


def _einsum_others(shape, params):
    other = params["_other"]
    if other is None:
        return ()
    return (other, (other[-1],)) if params["spec"].count(",") == 2 else (other,)


def _nd_einsum(x, *others, spec, _other):
    return nd.einsum(spec, x, *others)


def _torch_einsum(x, *others, spec, _other):
    return torch.einsum(spec, x, *others)


PRODUCT_OPS = [
    Op(
        "matmul",
        nd_fn=lambda x, y, _k, _form: x @ y,
        torch_fn=lambda x, y, _k, _form: torch.matmul(x, y),
        params=_matmul_params,
        others=_matmul_other,
        min_dims=1,
    ),
    Op(
        "rmatmul",
        nd_fn=lambda x, y, _k, _form: nd.matmul(y.mT if y.ndim >= 2 else y, x.mT if x.ndim >= 2 else x),
        torch_fn=lambda x, y, _k, _form: torch.matmul(y.mT if y.dim() >= 2 else y, x.mT if x.dim() >= 2 else x),
        params=_matmul_params,
        others=_matmul_other,
        min_dims=1,
    ),
    Op(
        "einsum",
        nd_fn=_nd_einsum,
        torch_fn=_torch_einsum,
        params=_einsum_specs,
        others=_einsum_others,
    ),
    Op(
        "outer",
        nd_fn=lambda x, y: nd.outer(x, y),
        torch_fn=lambda x, y: torch.outer(x.reshape(-1), y),
        others=lambda shape, params: ((2,),),
    ),
    Op(
        "dot",
        nd_fn=lambda x, y: nd.dot(x, y),
        torch_fn=lambda x, y: torch.dot(x, y),
        others=lambda shape, params: (shape,),
        min_dims=1,
        max_dims=1,
    ),
    Op(
        "inner",
        nd_fn=lambda x, y: nd.inner(x, y),
        torch_fn=lambda x, y: torch.inner(x, y),
        others=lambda shape, params: ((2, shape[-1]),),
        min_dims=1,
    ),
    Op(
        "tensordot",
        nd_fn=lambda x, y: nd.tensordot(x, y, axes=1),
        torch_fn=lambda x, y: torch.tensordot(x, y, dims=1),
        others=lambda shape, params: ((shape[-1], 2),),
        min_dims=1,
    ),
]

OPS = ELEMENTWISE + REDUCTIONS + SHAPE_OPS + INDEX_OPS + PRODUCT_OPS


# -------------------------------------------------------------------- runner


def _to_numpy(t):
    if not isinstance(t, torch.Tensor):
        return np.asarray(t)
    if t._is_zerotensor():  # torch's symbolic zeros (e.g. the second derivative of abs) crash .numpy()
        return np.zeros(tuple(t.shape))
    return t.detach().numpy()


def _check_same(nd_values, torch_values, what):
    got, expected = np.asarray(nd_values, dtype=np.float64), _to_numpy(torch_values)
    assert got.shape == expected.shape, f"{what}: shape {got.shape}, torch {expected.shape}"
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL * scale, err_msg=what)


def _finite(*arrays):
    return all(np.all(np.isfinite(a)) and np.max(np.abs(a), initial=0.0) < 1e8 for a in arrays)


class Program:
    """Runs the same chain of operations in ndgrad and torch, step by step."""

    def __init__(self, rng, shape):
        self.rng = rng
        self.nd_leaves, self.torch_leaves = [], []
        self.nd_value, self.torch_value = self._leaf(shape)
        self.trace = [f"leaf {shape}"]

    def _leaf(self, shape):
        values = uniform_values(self.rng, shape)
        a, b = nd.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
        self.nd_leaves.append(a)
        self.torch_leaves.append(b)
        return a, b

    def step(self, op, params):
        shape = tuple(self.nd_value.shape)
        other_shapes = tuple(op.others(shape, params))
        pairs = [self._leaf(s) for s in other_shapes]
        call = _strip(params) if op.fn else params
        self.trace.append(f"{op.name} {_strip(params)} others={other_shapes}")
        note(self.trace[-1])
        self.nd_value = op.run_nd(self.nd_value, [p[0] for p in pairs], call)
        self.torch_value = op.run_torch(self.torch_value, [p[1] for p in pairs], call)
        expected = _to_numpy(self.torch_value)
        assume(_finite(expected))
        if op.nonzero_output:
            assume(np.min(np.abs(expected), initial=np.inf) > 1e-6)
        _check_same(self.nd_value, self.torch_value, f"values after {' -> '.join(self.trace)}")

    def check_gradients(self):
        cotangent = uniform_values(self.rng, tuple(self.torch_value.shape))
        nd_loss = (self.nd_value * cotangent).sum()
        torch_loss = (self.torch_value * torch.tensor(cotangent)).sum()
        torch_grads = torch.autograd.grad(torch_loss, self.torch_leaves, allow_unused=True)
        torch_grads = [
            np.zeros(tuple(leaf.shape)) if g is None else _to_numpy(g)
            for g, leaf in zip(torch_grads, self.torch_leaves, strict=True)
        ]
        assume(_finite(*torch_grads))
        nd_grads = nd.autograd.grad(nd_loss, self.nd_leaves, allow_unused=True)
        for i, (g, expected, leaf) in enumerate(zip(nd_grads, torch_grads, self.nd_leaves, strict=True)):
            got = np.zeros(leaf.shape) if g is None else np.asarray(g)
            _check_same(got, expected, f"gradient of leaf {i} after {' -> '.join(self.trace)}")


    def check_second_order(self):
        """Hessian-vector products: d/dleaves of sum_i <grad_i, w_i>."""
        cotangent = uniform_values(self.rng, tuple(self.torch_value.shape))
        weights = [uniform_values(self.rng, tuple(leaf.shape)) for leaf in self.torch_leaves]

        torch_loss = (self.torch_value * torch.tensor(cotangent)).sum()
        first = torch.autograd.grad(torch_loss, self.torch_leaves, create_graph=True, allow_unused=True)
        torch_inner = sum((g * torch.tensor(w)).sum() for g, w in zip(first, weights, strict=True) if g is not None)
        expected = [np.zeros(tuple(leaf.shape)) for leaf in self.torch_leaves]
        if isinstance(torch_inner, torch.Tensor) and torch_inner.requires_grad:
            second = torch.autograd.grad(torch_inner, self.torch_leaves, allow_unused=True)
            expected = [e if g is None else _to_numpy(g) for e, g in zip(expected, second, strict=True)]
        assume(_finite(*expected))

        nd_loss = (self.nd_value * cotangent).sum()
        first_nd = nd.autograd.grad(nd_loss, self.nd_leaves, create_graph=True, allow_unused=True)
        for i, (g, e) in enumerate(zip(first_nd, first, strict=True)):
            if e is not None:
                _check_same(np.zeros(e.shape) if g is None else g, e, f"first derivative {i}: {self.trace}")
        nd_inner = sum((g * w).sum() for g, w in zip(first_nd, weights, strict=True) if g is not None)
        got = [np.zeros(tuple(leaf.shape)) for leaf in self.nd_leaves]
        if isinstance(nd_inner, nd.Tensor) and nd_inner.requires_grad:
            second_nd = nd.autograd.grad(nd_inner, self.nd_leaves, allow_unused=True)
            got = [z if g is None else np.asarray(g) for z, g in zip(got, second_nd, strict=True)]
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            _check_same(g, e, f"second derivative w.r.t. leaf {i} after {' -> '.join(self.trace)}")


def _applicable(shape):
    size = int(np.prod(shape, dtype=np.int64))
    return [op for op in OPS if op.applies(shape) and size <= MAX_SIZE]


def _run(data, ops_for_first_step, max_steps, second_order=False):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    min_dims = min(op.min_dims for op in ops_for_first_step)
    max_dims = min(3, max(op.max_dims for op in ops_for_first_step))
    program = Program(rng, data.draw(shapes(min_dims, max_dims), label="shape"))
    n_steps = data.draw(st.integers(1, max_steps), label="steps")
    for i in range(n_steps):
        shape = tuple(program.nd_value.shape)
        choices = [op for op in ops_for_first_step if op.applies(shape)] if i == 0 else _applicable(shape)
        assume(choices)
        op = data.draw(st.sampled_from(choices), label="op")
        program.step(op, data.draw(op.params(shape), label=f"{op.name} params"))
    if second_order:
        program.check_second_order()
    else:
        program.check_gradients()


def _examples(share):
    return max(5, int(settings.default.max_examples * share))


@settings(max_examples=_examples(8))
@given(st.data())
def test_random_compositions_match_torch(data):
    _run(data, OPS, max_steps=5)


@settings(max_examples=_examples(3))
@given(st.data())
def test_random_compositions_second_order_match_torch(data):
    """create_graph=True: the rules run on tensors and are differentiated again."""
    _run(data, OPS, max_steps=3, second_order=True)


@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
@settings(max_examples=_examples(1))
@given(data=st.data())
def test_each_operation_matches_torch(op, data):
    """Every row at least once per run, as the first step, then maybe one more."""
    _run(data, [op], max_steps=2)


# ------------------------------------------------------- targeted edge cases


def _grad_pair(nd_fn, torch_fn, *values):
    nd_inputs = [nd.tensor(v, requires_grad=True) for v in values]
    torch_inputs = [torch.tensor(v, requires_grad=True) for v in values]
    nd_grads = nd.autograd.grad(nd_fn(*nd_inputs).sum(), nd_inputs)
    torch_grads = torch.autograd.grad(torch_fn(*torch_inputs).sum(), torch_inputs)
    return [np.asarray(g) for g in nd_grads], [g.numpy() for g in torch_grads]


@pytest.mark.parametrize(
    "name,fn,values",
    [
        ("x**0 at 0", lambda x: x**0, [np.array([0.0, 1.0])]),
        ("x**1 at 0", lambda x: x**1, [np.array([0.0, 2.0])]),
        ("x**2 at 0", lambda x: x**2, [np.array([0.0, -1.0])]),
        ("relu at 0", lambda x: x.relu(), [np.array([0.0, 1.0, -1.0])]),
        ("abs at 0", lambda x: abs(x), [np.array([0.0, 1.0, -1.0])]),
        ("clip at the bounds", lambda x: x.clip(-1.0, 1.0), [np.array([-1.0, 1.0, 0.0, 2.0])]),
    ],
)
def test_gradients_at_kinks_match_torch(name, fn, values):
    nd_grads, torch_grads = _grad_pair(fn, fn, *values)
    for got, expected in zip(nd_grads, torch_grads, strict=True):
        np.testing.assert_array_equal(got, expected, err_msg=name)


def test_maximum_and_minimum_ties_share_the_gradient_like_torch():
    values = (np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0]))
    for nd_fn, torch_fn in [(nd.maximum, torch.maximum), (nd.minimum, torch.minimum)]:
        nd_grads, torch_grads = _grad_pair(nd_fn, torch_fn, *values)
        for got, expected in zip(nd_grads, torch_grads, strict=True):
            np.testing.assert_array_equal(got, expected)


def test_max_reduction_ties_share_the_gradient_like_torch_amax():
    values = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    nd_grads, torch_grads = _grad_pair(lambda x: nd.max(x, axis=1), lambda x: torch.amax(x, dim=1), values)
    np.testing.assert_array_equal(nd_grads[0], torch_grads[0])


def test_prod_with_zeros_matches_torch():
    values = np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 4.0], [1.5, 2.0, -1.0]])
    nd_grads, torch_grads = _grad_pair(lambda x: nd.prod(x, axis=1), lambda x: torch.prod(x, dim=1), values)
    np.testing.assert_allclose(nd_grads[0], torch_grads[0], rtol=1e-12)


def test_softmax_and_logsumexp_are_stable_for_large_inputs():
    values = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1002.0, -1001.0]])
    for nd_fn, torch_fn in [
        (lambda x: nd.softmax(x, axis=-1) * np.arange(3.0), lambda x: torch.softmax(x, dim=-1) * torch.arange(3.0)),
        (lambda x: nd.log_softmax(x, axis=-1) * np.arange(3.0), lambda x: torch.log_softmax(x, -1) * torch.arange(3.0)),
        (lambda x: nd.logsumexp(x, axis=-1), lambda x: torch.logsumexp(x, dim=-1)),
    ]:
        x_nd = nd.tensor(values)
        _check_same(nd_fn(x_nd), torch_fn(torch.tensor(values)), "values")
        nd_grads, torch_grads = _grad_pair(nd_fn, torch_fn, values)
        np.testing.assert_allclose(nd_grads[0], torch_grads[0], rtol=1e-10, atol=1e-12)


def test_second_derivatives_of_a_composition_match_torch():
    values = np.array([0.3, -0.8, 1.4])

    def f(L, x):
        return (L.tanh(x) * L.exp(-x * x) + L.sin(x) ** 2).sum()

    x_nd = nd.tensor(values, requires_grad=True)
    (g_nd,) = nd.autograd.grad(f(ND, x_nd), x_nd, create_graph=True)
    (h_nd,) = nd.autograd.grad((g_nd * np.array([1.0, 2.0, 3.0])).sum(), x_nd)

    x_t = torch.tensor(values, requires_grad=True)
    (g_t,) = torch.autograd.grad(f(TORCH, x_t), x_t, create_graph=True)
    (h_t,) = torch.autograd.grad((g_t * torch.tensor([1.0, 2.0, 3.0])).sum(), x_t)

    _check_same(g_nd, g_t, "first derivative")
    _check_same(h_nd, h_t, "second derivative")


@pytest.mark.parametrize(
    "name,nd_fn,torch_fn",
    [
        ("sigmoid", nd.sigmoid, torch.sigmoid),
        ("softplus", nd.softplus, F.softplus),
        ("tanh", nd.tanh, torch.tanh),
        ("logaddexp with 0", lambda x: nd.logaddexp(x, 0.0), lambda x: torch.logaddexp(x, torch.tensor(0.0))),
        ("log(sigmoid)", lambda x: nd.log(nd.sigmoid(x)), lambda x: torch.log(torch.sigmoid(x))),
        ("logsumexp pair", lambda x: nd.logsumexp(nd.stack([x, -x]), axis=0),
         lambda x: torch.logsumexp(torch.stack([x, -x]), dim=0)),
        ("log_softmax pair", lambda x: nd.log_softmax(nd.stack([x, 0.5 * x]), axis=0),
         lambda x: torch.log_softmax(torch.stack([x, 0.5 * x]), dim=0)),
    ],
)
def test_stable_functions_at_large_magnitudes_match_torch(name, nd_fn, torch_fn):
    values = np.array([-800.0, -60.0, -20.0, 0.0, 20.0, 60.0, 800.0])
    weights = np.linspace(0.5, 2.0, values.size)
    x_nd = nd.tensor(values, requires_grad=True)
    out_nd = nd_fn(x_nd)
    (g_nd,) = nd.autograd.grad((out_nd * (weights if out_nd.ndim == 1 else weights[None])).sum(), x_nd)
    x_t = torch.tensor(values, requires_grad=True)
    out_t = torch_fn(x_t)
    (g_t,) = torch.autograd.grad((out_t * torch.tensor(weights if out_t.dim() == 1 else weights[None])).sum(), x_t)
    np.testing.assert_allclose(np.asarray(out_nd), _to_numpy(out_t), rtol=1e-12, atol=1e-300, err_msg=name)
    np.testing.assert_allclose(np.asarray(g_nd), _to_numpy(g_t), rtol=1e-12, atol=1e-300, err_msg=name)
