"""Jacobians: jacrev, jacfwd and ndgrad.jacobian against a row-by-row reference.

The reference pushes one unit cotangent per output element through the
PyTorch-style `autograd.grad`, a separate path from the one-pass transforms.
Every primitive of the registry also goes through the transforms, which run
it on the structured `OneHotRows` basis, and must match a dense basis.
"""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest

import ndgrad as nd
from ndgrad.core import engine
from ndgrad.gradcheck import numerical_jacobian
from ndgrad.transforms import IndependentError, OneHotRows, structured
from ndgrad.transforms._tree import tree_flatten
from ndgrad.transforms.forward import ForwardJacobian

from .registry_cases import all_cases

F = nd.func
RNG = np.random.default_rng(7)


def rand(*shape, low=-1.0, high=1.0):
    return RNG.uniform(low, high, shape)


def reference_jacobian(f, inputs):
    """J[i][j] row by row: one backward pass per output element."""
    xs = [nd.tensor(np.array(x, dtype=np.float64), requires_grad=True) for x in inputs]
    outs, _ = tree_flatten(f(*xs))
    jac = []
    for o in outs:
        row = [np.zeros(o.shape + x.shape) for x in xs]
        for k in range(o.size if o.requires_grad else 0):
            seed = np.zeros(o.shape)
            seed.flat[k] = 1.0
            grads = nd.autograd.grad(o, xs, grad_outputs=seed, retain_graph=True, allow_unused=True)
            for j, g in enumerate(grads):
                if g is not None:
                    row[j].reshape(o.size, -1)[k] = np.asarray(g.data).ravel()
        jac.append(row)
    return jac


def as_rows(result, n_out, n_in):
    """A transform's nest (tuple per output of tuple per input) as J[i][j] arrays."""
    rows = result if n_out > 1 else (result,)
    return [[np.asarray(b.data) for b in (row if n_in > 1 else (row,))] for row in rows]


# name, function, inputs, number of outputs
CORPUS = [
    ("elementwise", lambda x: nd.sin(x) * nd.exp(x) / (1 + x**2), [rand(3, 2)], 1),
    ("broadcast binary", lambda x, y: nd.tanh(x * y) - nd.maximum(x, y), [rand(3, 2), rand(2)], 1),
    ("power and where", lambda x: nd.where(x > 0, x**3, nd.sqrt(x * x + 1)), [rand(4)], 1),
    ("sum over axis", lambda x: nd.sum(x**2, axis=0), [rand(3, 4)], 1),
    ("mean keepdims", lambda x: x - x.mean(axis=-1, keepdims=True), [rand(2, 3)], 1),
    ("prod", lambda x: nd.prod(x + 2, axis=1), [rand(3, 3)], 1),
    ("max", lambda x: nd.max(x, axis=0), [rand(4, 3)], 1),
    ("logsumexp and softmax", lambda x: nd.softmax(x, axis=-1) * nd.logsumexp(x), [rand(2, 3)], 1),
    ("cumsum", lambda x: nd.cumsum(x * x, axis=0), [rand(4)], 1),
    ("norm", lambda x: nd.norm(x) * x, [rand(3)], 1),
    ("reshape", lambda x: nd.reshape(x, (3, 2)) * 2, [rand(2, 3)], 1),
    ("transpose", lambda x: nd.transpose(nd.sin(x), (1, 2, 0)), [rand(2, 3, 2)], 1),
    ("swapaxes and flip", lambda x: nd.flip(nd.swapaxes(x, 0, 1), 0) ** 2, [rand(2, 3)], 1),
    ("broadcast_to", lambda x: nd.broadcast_to(x, (2, 3)) * nd.arange(3.0), [rand(3)], 1),
    ("concatenate", lambda x, y: nd.concatenate([x, y * y], axis=0), [rand(2, 2), rand(1, 2)], 1),
    ("stack", lambda x, y: nd.stack([x * y, x + y]), [rand(3), rand(3)], 1),
    ("slice", lambda x: x[1:, ::2] ** 2, [rand(3, 4)], 1),
    ("fancy index", lambda x: x[[0, 2, 2]] * x[1], [rand(3, 2)], 1),
    ("mask", lambda x: nd.exp(x[np.array([True, False, True])]), [rand(3)], 1),
    ("new axis", lambda x: x[..., None] * x[None, :], [rand(3)], 1),
    ("matmul", lambda a, b: nd.tanh(a @ b), [rand(2, 3), rand(3, 2)], 1),
    ("matvec", lambda a, x: nd.tanh(a @ x) * x, [rand(3, 3), rand(3)], 1),
    ("batched matmul", lambda a, b: a @ b, [rand(2, 2, 3), rand(3, 1)], 1),
    ("einsum", lambda a, b: nd.einsum("ij,jk->ik", a, b) ** 2, [rand(2, 3), rand(3, 2)], 1),
    ("einsum trace-like", lambda a: nd.einsum("ii->i", a) * nd.einsum("ij->", a), [rand(3, 3)], 1),
    ("outer and dot", lambda x, y: nd.outer(x, y) * nd.dot(x, y), [rand(3), rand(3)], 1),
    ("two outputs", lambda x, y: (x @ y, nd.sum(x) * y), [rand(2, 3), rand(3)], 2),
    ("three outputs share", lambda x: (nd.sin(x), nd.sin(x) * 2, nd.sum(nd.sin(x))), [rand(3)], 3),
    ("scalar input", lambda s, x: s * x + s**2, [np.array(0.7), rand(2)], 1),
    ("constant output part", lambda x: (x * 0 + 1.0, x**2), [rand(2)], 2),
]


@pytest.mark.parametrize("name,f,inputs,n_out", CORPUS, ids=[c[0] for c in CORPUS])
def test_jacrev_jacfwd_and_reference_agree(name, f, inputs, n_out):
    ref = reference_jacobian(f, inputs)
    argnums = tuple(range(len(inputs))) if len(inputs) > 1 else 0
    n_in = len(inputs)
    rev = as_rows(F.jacrev(f, argnums=argnums)(*inputs), n_out, n_in)
    fwd = as_rows(F.jacfwd(f, argnums=argnums)(*inputs), n_out, n_in)
    chunked = as_rows(F.jacrev(f, argnums=argnums, chunk_size=2)(*inputs), n_out, n_in)
    fwd_chunked = as_rows(F.jacfwd(f, argnums=argnums, chunk_size=3)(*inputs), n_out, n_in)
    for i in range(n_out):
        for j in range(n_in):
            for got in (rev, fwd, chunked, fwd_chunked):
                assert got[i][j].shape == ref[i][j].shape
                np.testing.assert_allclose(got[i][j], ref[i][j], rtol=1e-10, atol=1e-12, err_msg=f"{name} [{i}][{j}]")


@pytest.mark.parametrize("name,f,inputs,n_out", CORPUS[:12], ids=[c[0] for c in CORPUS[:12]])
def test_corpus_against_finite_differences(name, f, inputs, n_out):
    arrays = [np.array(x, dtype=np.float64) for x in inputs]
    for j in range(len(arrays)):
        numeric = numerical_jacobian(f, arrays, j, 1e-6)
        argnums = tuple(range(len(arrays))) if len(arrays) > 1 else 0
        got = as_rows(F.jacrev(f, argnums=argnums)(*arrays), n_out, len(arrays))
        for i in range(n_out):
            np.testing.assert_allclose(got[i][j].reshape(numeric[i].shape), numeric[i], rtol=1e-5, atol=1e-7)


REGISTRY_CASES = [(name, k, c) for name, cases in sorted(all_cases().items()) for k, c in enumerate(cases)]


def _dense_reverse(f, inputs):
    """The Jacobian from one backward pass of a dense identity basis."""
    xs = [nd.tensor(x, requires_grad=True) for x in inputs]
    outs, _ = tree_flatten(f(*xs))
    rows = []
    for o in outs:
        m = o.size
        if not o.requires_grad:
            rows.append([np.zeros(o.shape + x.shape) for x in xs])
            continue
        basis = np.eye(m, dtype=o.dtype).reshape((m, *o.shape))
        grads = engine.backward([o], [basis], inputs=xs, retain_graph=True)
        rows.append([np.zeros(o.shape + x.shape) if g is None else np.asarray(g).reshape(o.shape + x.shape)
                     for g, x in zip(grads, xs, strict=True)])
    return rows


@pytest.fixture
def structured_basis(monkeypatch):
    """Small Jacobians are seeded with a dense basis; these tests want OneHotRows whatever the size."""
    monkeypatch.setattr(structured, "_DENSE_BASIS_MAX", 0)
    assert isinstance(structured.identity_basis(2, 0, (2,), np.float64), OneHotRows)


@pytest.mark.parametrize("name,k,case", REGISTRY_CASES, ids=[f"{n}-{k}" for n, k, _ in REGISTRY_CASES])
def test_structured_basis_through_every_primitive(name, k, case, structured_basis):
    """jacrev and jacfwd seed OneHotRows; every rule must treat it like the dense basis."""
    inputs = [np.array(x) for x in case.inputs]
    dense = _dense_reverse(case.fn, inputs)
    argnums = tuple(range(len(inputs)))
    n_out = len(dense)
    for transform in (F.jacrev, F.jacfwd):
        result = transform(case.fn, argnums=argnums)(*inputs)
        rows = result if isinstance(result, (tuple, list)) and n_out > 1 else (result,)
        for i, row in enumerate(rows):
            leaves, _ = tree_flatten(row)
            for j, block in enumerate(leaves):
                np.testing.assert_allclose(np.asarray(block.data), dense[i][j], rtol=1e-9, atol=1e-12,
                                           err_msg=f"{transform.__name__} {name}-{k} [{i}][{j}]")


@pytest.mark.parametrize("name,k,case", REGISTRY_CASES, ids=[f"{n}-{k}" for n, k, _ in REGISTRY_CASES])
def test_basis_pushed_through_the_recorded_graph_of_every_primitive(name, k, case, structured_basis):
    """Forward mode after the fact (a Hessian's tape): the basis pushed through
    the recorded nodes gives the same Jacobian as a dense reverse pass."""
    inputs = [np.array(x) for x in case.inputs]
    dense = _dense_reverse(case.fn, inputs)
    fj = ForwardJacobian(case.fn, inputs, tuple(range(len(inputs))), False, "test", taped=True)
    assert fj.tape is not None, f"{name}-{k}: the graph could not be pushed through"
    for i, row in enumerate(fj.jac):
        for j, block in enumerate(row):
            got = np.zeros_like(dense[i][j]) if block is None else np.asarray(block)
            np.testing.assert_allclose(got, dense[i][j], rtol=1e-9, atol=1e-12, err_msg=f"{name}-{k} [{i}][{j}]")


@pytest.mark.parametrize("n", [1, 3, 40])  # a dense basis up to 32 x 32, OneHotRows beyond
def test_the_jacobian_of_the_identity_is_a_new_writable_eye(n):
    x = nd.tensor(np.linspace(-1.0, 1.0, n))
    for jac in (nd.jacobian(lambda v: v, x), nd.jacobian(lambda v: v, x, mode="forward"), F.jacfwd(lambda v: v)(x)):
        np.testing.assert_array_equal(jac.data, np.eye(n))
        jac.data[0, 0] = 5.0  # the caller owns it: no basis is shared
    np.testing.assert_array_equal(nd.jacobian(lambda v: v, x).data, np.eye(n))


# ----------------------------------------------------------------- the seed


def seed_f(x, y):
    return nd.stack([x**2 + 3 * y, 5 * x + y**3])


@pytest.mark.parametrize("x,y", [(2.0, 4.0), (-1.5, 0.5), (0.0, 0.0), (3.25, -2.0), (1e3, 1e-3)])
def test_seed_jacobian_at_points(x, y):
    expected = np.array([[2 * x, 3.0], [5.0, 3 * y**2]])
    dx, dy = nd.jacobian(seed_f, (x, y))
    np.testing.assert_allclose(np.stack([dx.data, dy.data], axis=1), expected, rtol=1e-12)
    # The same as one matrix from a vector input, in both modes and both APIs.
    g = lambda v: seed_f(v[0], v[1])
    for mode in ("reverse", "forward", "auto"):
        np.testing.assert_allclose(nd.jacobian(g, [x, y], mode=mode).data, expected, rtol=1e-12)
    np.testing.assert_allclose(F.jacrev(g)(np.array([x, y])).data, expected, rtol=1e-12)
    np.testing.assert_allclose(F.jacfwd(g)(np.array([x, y])).data, expected, rtol=1e-12)


def test_seed_jacobian_at_2_4_is_4_3_5_48():
    g = lambda v: seed_f(v[0], v[1])
    assert nd.jacobian(g, [2.0, 4.0]).tolist() == [[4.0, 3.0], [5.0, 48.0]]


def test_seed_jacobian_vectorized_over_many_points():
    xs, ys = rand(50, low=-3, high=3), rand(50, low=-3, high=3)
    dx, dy = nd.jacobian(lambda x, y: (x**2 + 3 * y, 5 * x + y**3), (xs, ys))[0]
    # Elementwise in the points: each block is diagonal.
    np.testing.assert_allclose(np.diag(dx.data), 2 * xs)
    np.testing.assert_allclose(np.diag(dy.data), np.full(50, 3.0))
    assert np.count_nonzero(dx.data - np.diag(np.diag(dx.data))) == 0
    (_, dy2) = nd.jacobian(lambda x, y: (x**2 + 3 * y, 5 * x + y**3), (xs, ys))[1]
    np.testing.assert_allclose(np.diag(dy2.data), 3 * ys**2)


def test_walkthrough_manual_jacobian_equals_automatic():
    def f(x, y):
        return x**2 + 3 * y

    def manual_jacobian(x, y):  # the walkthrough's Step 3, verbatim
        df_dx = 2 * x
        df_dy = 3
        return np.array([[df_dx, df_dy]])

    assert manual_jacobian(2, 4).tolist() == [[4, 3]]
    automatic = nd.jacobian(lambda v: nd.reshape(f(v[0], v[1]), (1,)), [2, 4])
    assert automatic.shape == (1, 2)
    np.testing.assert_array_equal(automatic.data, manual_jacobian(2, 4))
    dfdx, dfdy = nd.jacobian(f, (2, 4))
    assert (float(dfdx), float(dfdy)) == (4.0, 3.0)


@pytest.mark.parametrize("x,y", [(2.0, 4.0), (-0.5, 3.0), (0.0, 1.0)])
def test_question_jacobian_of_sum_and_product(x, y):
    (a, b), (c, d) = nd.jacobian(lambda x, y: (x + y, x * y), (x, y))
    assert [[float(a), float(b)], [float(c), float(d)]] == [[1.0, 1.0], [y, x]]


# ----------------------------------------------- torch-style result structure


def test_structure_follows_torch():
    x, y = rand(2), rand(3)
    j = nd.jacobian(lambda x: x * 2, x)
    assert isinstance(j, nd.Tensor) and j.shape == (2, 2)
    j = nd.jacobian(lambda x, y: nd.outer(x, y), (x, y))
    assert isinstance(j, tuple) and [b.shape for b in j] == [(2, 3, 2), (2, 3, 3)]
    j = nd.jacobian(lambda x: (x, x.sum()), x)
    assert isinstance(j, tuple) and [b.shape for b in j] == [(2, 2), (2,)]
    j = nd.jacobian(lambda x, y: (x.sum() * y, y[:2] * x), (x, y))
    assert [[b.shape for b in row] for row in j] == [[(3, 2), (3, 3)], [(2, 2), (2, 3)]]


def test_jacobian_of_independent_output_is_zero_unless_strict():
    x, y = rand(2), rand(2)
    jx, jy = nd.jacobian(lambda x, y: x * 2, (x, y))
    np.testing.assert_array_equal(jy.data, np.zeros((2, 2)))
    with pytest.raises(IndependentError, match="output 0 does not depend on input 1.*strict=False"):
        nd.jacobian(lambda x, y: x * 2, (x, y), strict=True)
    with pytest.raises(IndependentError, match="output 1 does not depend on input 0"):
        nd.jacobian(lambda x, y: (x * y, y * 3), (x, y), strict=True, mode="forward")
    with pytest.raises(IndependentError):
        nd.jacobian(lambda x: nd.tensor([1.0, 2.0]), x, strict=True)
    assert isinstance(IndependentError("x"), ValueError)
    # strict passes when everything depends on everything.
    nd.jacobian(lambda x, y: x * y, (x, y), strict=True)


def test_mode_auto_picks_forward_for_wide_outputs(monkeypatch):
    from ndgrad.transforms import forward, functional

    calls = []
    real = forward.ForwardJacobian

    def spy(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(functional, "ForwardJacobian", spy)
    x = rand(2)
    wide = nd.jacobian(lambda x: nd.outer(x, nd.arange(5.0)), x)  # 2 inputs -> 10 outputs: forward
    assert calls == [1]
    nd.jacobian(lambda x: x.sum(), rand(5))  # 5 inputs -> 1 output: reverse
    assert calls == [1]
    np.testing.assert_allclose(wide.data, nd.jacobian(lambda x: nd.outer(x, nd.arange(5.0)), x, mode="reverse").data)


def test_create_graph_keeps_the_jacobian_differentiable():
    x = nd.tensor([0.5, -1.0], requires_grad=True)
    j = nd.jacobian(lambda v: v**3, x, create_graph=True)
    assert j.requires_grad
    j.sum().backward()
    np.testing.assert_allclose(x.grad.data, 6 * x.data)
    plain = nd.jacobian(lambda v: v**3, x)
    assert not plain.requires_grad
    plain_f = nd.jacobian(lambda v: v**3, x, create_graph=True, mode="forward")
    assert plain_f.requires_grad


def test_torch_keywords_are_accepted():
    x = rand(3)
    a = nd.jacobian(nd.sin, x, vectorize=True, strategy="forward-mode")
    np.testing.assert_allclose(a.data, np.diag(np.cos(x)))
    with pytest.raises(ValueError, match="must be 'auto', 'reverse' or 'forward'"):
        nd.jacobian(nd.sin, x, mode="sideways")


def test_chunk_size_gives_the_same_jacobian():
    a = rand(7, 5)
    f = lambda x: nd.tanh(a @ x) * x.sum()
    x = rand(5)
    full = nd.jacobian(f, x).data
    for chunk in (1, 2, 3, 6, 7, 100):
        np.testing.assert_allclose(nd.jacobian(f, x, chunk_size=chunk, mode="reverse").data, full, rtol=1e-12)
        np.testing.assert_allclose(nd.jacobian(f, x, chunk_size=chunk, mode="forward").data, full, rtol=1e-12)
    with pytest.raises(ValueError, match="chunk_size"):
        nd.jacobian(f, x, chunk_size=0)


def test_float32_stays_float32():
    x = rand(3).astype(np.float32)
    assert nd.jacobian(nd.sin, x).dtype == np.float32
    assert nd.jacobian(nd.sin, x, mode="forward").dtype == np.float32
    assert F.jacrev(nd.sin)(x).dtype == np.float32


def test_forward_jacobians_own_their_memory():
    """jacfwd hands out a fresh tangent as the Jacobian itself (in Fortran
    order, no copy); two outputs with one tangent still get separate arrays."""
    a, b = rand(3, 3), rand(3, 3)

    def f(x):
        y = nd.tensor(b) @ (nd.tensor(a) @ x)  # the tangent is a product's result: an array of its own
        return y, y, y * 2

    x = rand(3)
    j1, j2, j3 = (np.asarray(j.data) for j in F.jacfwd(f)(x))
    want = b @ a
    assert j1.flags.f_contiguous  # the tangent itself, transposed
    for j, scale in ((j1, 1), (j2, 1), (j3, 2)):
        np.testing.assert_allclose(j, scale * want, rtol=1e-13)
        assert j.flags.writeable
    assert not np.shares_memory(j1, j2) and not np.shares_memory(j1, j3)
    j1[...] = 0.0
    np.testing.assert_allclose(j2, want, rtol=1e-13)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_jacobian_of_a_scalar_output_is_its_gradient(dtype):
    """A 0-d output is seeded with 1 itself: the same values, shape and dtype
    as the gradient, on arrays and on tensors (create_graph, jacfwd over it)."""
    a = rand(4, 4).astype(dtype)
    x = rand(4).astype(dtype)
    g = lambda v: nd.sum(nd.tanh(nd.tensor(a) @ v) ** 2)
    t = np.tanh(a.astype(np.float64) @ x)
    want = a.T.astype(np.float64) @ (2 * t * (1 - t * t))
    tol = {"rtol": 1e-5} if dtype == np.float32 else {"rtol": 1e-13}
    for got in (F.jacrev(g)(x), nd.jacobian(g, x), nd.jacobian(g, x, create_graph=True), F.grad(g)(x)):
        assert got.shape == (4,) and got.dtype == dtype
        np.testing.assert_allclose(got.data, want, **tol)
    hess = (a.T.astype(np.float64) * (2 * (1 - t * t) * (1 - 3 * t * t))) @ a
    np.testing.assert_allclose(F.jacfwd(F.jacrev(g))(x).data, hess, **tol)
    np.testing.assert_allclose(F.hessian(g)(x).data, hess, **tol)


def test_empty_inputs_and_outputs():
    assert nd.jacobian(lambda x: x * 2, np.zeros(0)).shape == (0, 0)
    assert nd.jacobian(lambda x: x.sum(), np.zeros(0)).shape == (0,)
    assert nd.jacobian(lambda x: x[:0], rand(3), mode="forward").shape == (0, 3)


def test_memory_of_a_chunked_4000_jacobian_is_bounded_by_the_chunk():
    """4000 -> 4000 map whose Jacobian is dense (outer product plus diagonal):
    the intermediate cotangents are chunk x n, never the full basis."""
    n, chunk = 4000, 256
    x = np.linspace(-1.0, 1.0, n)
    f = lambda v: nd.sin(v) * nd.sum(v**2)
    result_bytes = n * n * 8

    tracemalloc.start()
    try:
        jac = nd.jacobian(f, x, chunk_size=chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    s = np.sum(x**2)
    row = np.arange(0, n, 997)
    expected = np.sin(x)[row, None] * 2 * x[None, :]
    expected[np.arange(row.size), row] += np.cos(x[row]) * s
    np.testing.assert_allclose(jac.data[row], expected, rtol=1e-12)
    # The result itself plus a few chunk-sized arrays; the full basis alone would be another result_bytes.
    chunk_bytes = chunk * n * 8
    assert peak < result_bytes + 6 * chunk_bytes, (peak / 2**20, result_bytes / 2**20)
    assert peak < 1.5 * result_bytes


# ------------------------------------------------------------- OneHotRows


def _raw(fn):
    """Run fn as the engine runs rules: in raw mode."""
    from ndgrad.core.mode import raw_mode

    with raw_mode():
        return fn()


def _basis(kind="eye", shape=(2, 3)):
    """Scaled bases: the identity (flagged `eye`), the same entries unflagged,
    and a chunk whose block starts before its first row and ends early."""
    first = {"eye": 0, "plain": 0, "chunk": -2}[kind]
    x = OneHotRows.basis(6, first, shape, np.float64)
    values = RNG.uniform(0.5, 2.0, x.values.shape)
    return OneHotRows(x.rows, x.cols, values, x.shape, eye=kind == "eye")


def test_onehot_basis_is_the_identity_in_chunks():
    np.testing.assert_array_equal(np.asarray(OneHotRows.basis(4, 0, (2, 2), np.float64)), np.eye(4).reshape(4, 2, 2))
    # Rows 2..5 of a 10-row basis whose block for a (3,) array starts at row 4.
    part = np.asarray(OneHotRows.basis(4, 2, (3,), np.float64))
    full = np.zeros((10, 3))
    full[4:7] = np.eye(3)
    np.testing.assert_array_equal(part, full[2:6])


STRUCTURED_OPS = [
    ("scale by array", lambda x: x * RNG_A, True),
    ("scale by broadcast", lambda x: np.multiply(RNG_A[0], x), True),
    ("scale full shape", lambda x: x * RNG_FULL, True),
    ("divide", lambda x: x / (RNG_A + 3), True),
    ("negate", lambda x: -x, True),
    ("add same entries", lambda x: x + x * 2, True),
    ("add dense", lambda x: x + RNG_FULL, False),
    ("add strided dense", lambda x: RNG_FULL_T + x, False),
    ("subtract from dense", lambda x: RNG_FULL - x, False),
    ("subtract dense", lambda x: x - RNG_FULL, False),
    ("sum last axis", lambda x: x.sum(axis=-1), True),
    ("sum keepdims", lambda x: np.sum(x, axis=(1,), keepdims=True), True),
    ("sum with batch", lambda x: x.sum(axis=(0, 2)), False),
    ("sum all", lambda x: x.sum(), False),
    ("reshape", lambda x: x.reshape(6, 3, 2), True),
    ("reshape batch", lambda x: x.reshape(36), False),
    ("transpose elems", lambda x: np.transpose(x, (0, 2, 1)), True),
    ("swapaxes", lambda x: np.swapaxes(x, -1, -2), True),
    ("T", lambda x: x.T, False),
    ("moveaxis", lambda x: np.moveaxis(x, 1, 2), True),
    ("expand_dims", lambda x: np.expand_dims(x, -1), True),
    ("getitem basic", lambda x: x[:, 1, ::2], True),
    ("getitem batch slice", lambda x: x[1:4, None], True),
    ("getitem fancy", lambda x: x[:, [0, 0, 1]], False),
    ("broadcast_to", lambda x: np.broadcast_to(x[:, None], (6, 4, 2, 3)), False),
    ("matmul right", lambda x: x @ RNG_B, False),
    ("matmul vector", lambda x: x @ RNG_B[:, 0], True),
    ("matmul left", lambda x: RNG_C @ x, False),
    ("matmul left vector", lambda x: RNG_C[0] @ x, True),
    ("matrix view", lambda x: x.reshape(6, 6) @ RNG_D, False),
    ("matrix view vector", lambda x: x.reshape(6, 6) @ RNG_D[:, 0], False),
    ("columns", lambda x: RNG_E @ x.reshape(6, 6, 1), False),
    ("rows", lambda x: x.reshape(6, 1, 6) @ RNG_D, False),
    ("exp densifies", lambda x: np.exp(x), False),
    ("astype", lambda x: x.astype(np.float32), True),
    ("any other method", lambda x: x.conj().ravel(), False),
    ("any other attribute", lambda x: x.real, False),
]
RNG_A = RNG.uniform(-2, 2, (2, 3))
RNG_FULL = RNG.uniform(-2, 2, (6, 2, 3))
RNG_FULL_T = RNG.uniform(-2, 2, (3, 2, 6)).T  # not C-contiguous
RNG_B = RNG.uniform(-2, 2, (3, 4))
RNG_C = RNG.uniform(-2, 2, (5, 2))
RNG_D = RNG.uniform(-2, 2, (6, 2))
RNG_E = RNG.uniform(-2, 2, (4, 6))


@pytest.mark.parametrize("kind", ["eye", "plain", "chunk"])
@pytest.mark.parametrize("name,op,stays", STRUCTURED_OPS, ids=[s[0] for s in STRUCTURED_OPS])
def test_onehot_ops_match_dense(name, op, stays, kind):
    x = _basis(kind)
    got = _raw(lambda: op(x))
    want = op(np.asarray(x))
    assert isinstance(got, OneHotRows) == stays, type(got)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-14)
    assert got.shape == want.shape


def test_onehot_disjoint_rows_add_to_onehot():
    a = _raw(lambda: OneHotRows.basis(6, 0, (2,), np.float64) * 2.0)
    b = _raw(lambda: OneHotRows.basis(6, 2, (3,), np.float64)[:, :2])
    total = _raw(lambda: a + b)
    assert isinstance(total, OneHotRows)
    np.testing.assert_array_equal(np.asarray(total), np.asarray(a) + np.asarray(b))


def test_onehot_densifies_outside_raw_mode():
    x = _basis()
    for result in (x * 2.0, x.reshape(6, 6), x.sum(axis=-1), np.multiply(x, 2.0), x[:, 0]):
        assert isinstance(result, np.ndarray)
    t = nd.tensor(np.ones((2, 3)), requires_grad=True)
    y = x * t  # a tensor operand takes over and sees a dense array
    assert isinstance(y, nd.Tensor) and isinstance(y.data, np.ndarray)
    np.testing.assert_array_equal(y.data, np.asarray(x))
    assert np.ndim(x) == 3 and np.shape(x) == (6, 2, 3) and math.prod(x.shape) == x.size
