"""Differential tests: ndgrad's Jacobians and Hessians against PyTorch's.

Random compositions of operations (hypothesis draws the program, the sizes
and the values) are written once for ndgrad and once for torch, then
`ndgrad.jacobian` / `ndgrad.hessian` are compared with
`torch.autograd.functional.jacobian` / `hessian`, and `ndgrad.func.jacrev`,
`jacfwd`, `hessian` with `torch.func`'s, including the result structure.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch  # the test oracle, pinned in the README's test command
from hypothesis import given
from hypothesis import strategies as st

import ndgrad as nd

TF = torch.autograd.functional

# Each operation: (ndgrad version, torch version).  All keep a vector's shape.
UNARY = {
    "sin": (nd.sin, torch.sin),
    "tanh": (nd.tanh, torch.tanh),
    "sigmoid": (nd.sigmoid, torch.sigmoid),
    "square": (lambda v: v * v, lambda v: v * v),
    "exp": (lambda v: nd.exp(0.5 * v), lambda v: torch.exp(0.5 * v)),
    "log1p_sq": (lambda v: nd.log1p(v * v), lambda v: torch.log1p(v * v)),
    "cumsum": (lambda v: nd.cumsum(v, axis=0), lambda v: torch.cumsum(v, 0)),
    "flip": (lambda v: nd.flip(v, 0), lambda v: torch.flip(v, [0])),
    "softmax": (lambda v: nd.softmax(v, axis=0), lambda v: torch.softmax(v, 0)),
    "times_sum": (lambda v: v * v.sum(), lambda v: v * v.sum()),
    "normalize": (lambda v: v / nd.sqrt(1 + (v * v).sum()), lambda v: v / torch.sqrt(1 + (v * v).sum())),
    "logsumexp": (lambda v: v - nd.logsumexp(v), lambda v: v - torch.logsumexp(v, 0)),
    "roll_index": (lambda v: v[np.roll(np.arange(v.shape[0]), 1)], lambda v: v[np.roll(np.arange(v.shape[0]), 1)]),
    "reshape_T": (
        lambda v: nd.reshape(nd.reshape(v, (1, -1)).T * 2, (-1,)),
        lambda v: torch.reshape(torch.reshape(v, (1, -1)).T * 2, (-1,)),
    ),
}
BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / (1 + b * b), lambda a, b: a / (1 + b * b)),
    "outer_sum": (lambda a, b: (nd.outer(a, b)).sum(axis=1), lambda a, b: torch.outer(a, b).sum(1)),
    "einsum": (lambda a, b: nd.einsum("i,j->i", a, b), lambda a, b: torch.einsum("i,j->i", a, b)),
}


@st.composite
def programs(draw, max_inputs=2):
    """A random program over vectors of one length: a list of steps, each an
    operation applied to earlier values (the inputs come first)."""
    n = draw(st.integers(1, 4))
    n_inputs = draw(st.integers(1, max_inputs))
    steps = []
    for k in range(draw(st.integers(1, 5))):
        available = n_inputs + k
        if draw(st.booleans()):
            steps.append((draw(st.sampled_from(sorted(UNARY))), draw(st.integers(0, available - 1))))
        else:
            name = draw(st.sampled_from(sorted(BINARY)))
            steps.append((name, draw(st.integers(0, available - 1)), draw(st.integers(0, available - 1))))
    matrix = np.array(draw(st.lists(st.floats(-1, 1), min_size=n * n, max_size=n * n))).reshape(n, n)
    inputs = [np.array(draw(st.lists(st.floats(-1.5, 1.5), min_size=n, max_size=n))) for _ in range(n_inputs)]
    n_outputs = draw(st.integers(1, 2))
    return steps, matrix, inputs, n_outputs


def build(steps, matrix, n_outputs, torch_side):
    """The program as a function of the inputs, for ndgrad or for torch."""
    pick = 1 if torch_side else 0
    a = torch.tensor(matrix) if torch_side else matrix

    def f(*xs):
        values = list(xs)
        for step in steps:
            if len(step) == 2:
                values.append(UNARY[step[0]][pick](values[step[1]]))
            else:
                values.append(BINARY[step[0]][pick](values[step[1]], values[step[2]]))
        last = values[-1]
        mixed = a @ last  # a dense map mixes every entry
        return (last, mixed) if n_outputs == 2 else mixed

    return f


def to_numpy(tree):
    if isinstance(tree, (tuple, list)):
        return tuple(to_numpy(t) for t in tree)
    return np.asarray(tree.detach().numpy() if hasattr(tree, "detach") else tree.data)


def assert_same(ours, theirs, rtol=1e-9, atol=1e-11):
    ours, theirs = to_numpy(ours), to_numpy(theirs)
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            assert_same(a, b, rtol, atol)
        return
    assert not isinstance(ours, tuple)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


def torch_inputs(inputs):
    return tuple(torch.tensor(x) for x in inputs)


@given(programs())
def test_jacobian_matches_torch_autograd_functional(program):
    steps, matrix, inputs, n_outputs = program
    f_nd, f_t = build(steps, matrix, n_outputs, False), build(steps, matrix, n_outputs, True)
    packed = tuple(inputs) if len(inputs) > 1 else inputs[0]
    packed_t = torch_inputs(inputs) if len(inputs) > 1 else torch.tensor(inputs[0])
    expected = TF.jacobian(f_t, packed_t)
    for mode in ("reverse", "forward", "auto"):
        assert_same(nd.jacobian(f_nd, packed, mode=mode), expected)
    assert_same(nd.jacobian(f_nd, packed, chunk_size=2), expected)
    assert_same(nd.jacobian(f_nd, packed, mode="forward", chunk_size=3), expected)


@given(programs())
def test_func_jacrev_and_jacfwd_match_torch_func(program):
    steps, matrix, inputs, n_outputs = program
    f_nd, f_t = build(steps, matrix, n_outputs, False), build(steps, matrix, n_outputs, True)
    argnums = tuple(range(len(inputs)))
    expected = torch.func.jacrev(f_t, argnums=argnums)(*torch_inputs(inputs))
    assert_same(nd.func.jacrev(f_nd, argnums=argnums)(*inputs), expected)
    assert_same(nd.func.jacfwd(f_nd, argnums=argnums)(*inputs), expected)
    assert_same(nd.func.jacrev(f_nd, argnums=argnums, chunk_size=1)(*inputs), expected)


@given(programs())
def test_hessians_match_torch(program):
    steps, matrix, inputs, _ = program
    f_nd, f_t = build(steps, matrix, 1, False), build(steps, matrix, 1, True)
    g_nd = lambda *xs: (f_nd(*xs) ** 2).sum()
    g_t = lambda *xs: (f_t(*xs) ** 2).sum()
    packed = tuple(inputs) if len(inputs) > 1 else inputs[0]
    packed_t = torch_inputs(inputs) if len(inputs) > 1 else torch.tensor(inputs[0])
    expected = TF.hessian(g_t, packed_t)
    assert_same(nd.hessian(g_nd, packed), expected, rtol=1e-8, atol=1e-10)
    assert_same(nd.hessian(g_nd, packed, outer_jacobian_strategy="reverse-mode"), expected, rtol=1e-8, atol=1e-10)
    assert_same(nd.hessian(g_nd, packed, chunk_size=2), expected, rtol=1e-8, atol=1e-10)  # one tape, pushed in chunks
    argnums = tuple(range(len(inputs)))
    expected = torch.func.hessian(g_t, argnums=argnums)(*torch_inputs(inputs))
    assert_same(nd.func.hessian(g_nd, argnums=argnums)(*inputs), expected, rtol=1e-8, atol=1e-10)


@given(programs(max_inputs=1))
def test_vjp_jvp_hvp_match_torch(program):
    steps, matrix, inputs, _ = program
    f_nd, f_t = build(steps, matrix, 1, False), build(steps, matrix, 1, True)
    x = inputs[0]
    v = np.linspace(-1, 1, x.size)
    out_t, vjp_t = TF.vjp(f_t, torch.tensor(x), torch.tensor(v))
    out, vjp_fn = nd.func.vjp(f_nd, x)
    assert_same(out, out_t)
    assert_same(vjp_fn(v)[0], vjp_t)
    _, jvp_t = TF.jvp(f_t, torch.tensor(x), torch.tensor(v))
    assert_same(nd.func.jvp(f_nd, (x,), (v,))[1], jvp_t)
    g_t = lambda y: (f_t(y) ** 2).sum()
    _, hvp_t = TF.hvp(g_t, torch.tensor(x), torch.tensor(v))
    assert_same(nd.func.hvp(lambda y: (f_nd(y) ** 2).sum(), (x,), (v,)), hvp_t, rtol=1e-8, atol=1e-10)


def test_seed_tip_jacobian_as_torch_computes_it():
    f_t = lambda x, y: torch.stack([x**2 + 3 * y, 5 * x + y**3])
    f_nd = lambda x, y: nd.stack([x**2 + 3 * y, 5 * x + y**3])
    expected = TF.jacobian(f_t, (torch.tensor(2.0, dtype=torch.float64), torch.tensor(4.0, dtype=torch.float64)))
    ours = nd.jacobian(f_nd, (2.0, 4.0))
    assert_same(ours, expected)
    assert np.stack(to_numpy(ours), axis=1).tolist() == [[4.0, 3.0], [5.0, 48.0]]


def test_strict_matches_torch_on_independent_output():
    f_t = lambda x, y: x * 2
    x = torch.ones(2, dtype=torch.float64)
    with pytest.raises(RuntimeError):
        TF.jacobian(f_t, (x, x), strict=True)
    with pytest.raises(ValueError):
        nd.jacobian(lambda x, y: x * 2, (np.ones(2), np.ones(2)), strict=True)
    # Without strict both give a zero block.
    assert_same(nd.jacobian(lambda x, y: x * 2, (np.ones(2), np.ones(2))), TF.jacobian(f_t, (x, x)))


def test_create_graph_matches_torch():
    x_t = torch.tensor([0.3, -0.7], dtype=torch.float64, requires_grad=True)
    TF.jacobian(lambda v: torch.sin(v) * v.sum(), x_t, create_graph=True).sum().backward()
    x = nd.tensor([0.3, -0.7], requires_grad=True)
    nd.jacobian(lambda v: nd.sin(v) * v.sum(), x, create_graph=True).sum().backward()
    np.testing.assert_allclose(x.grad.data, x_t.grad.numpy(), rtol=1e-12)
