"""matmul, einsum and the products composed from them: values against NumPy,
gradients against PyTorch (a test-only oracle), higher order, dtypes, errors."""

import re

import numpy as np
import pytest
import torch

import ndgrad as nd
from ndgrad.core import engine
from ndgrad.gradcheck import gradcheck

RNG = np.random.default_rng(5)


def rand(*shape):
    return RNG.standard_normal(shape)


def grads(f, *arrays):
    """ndgrad's gradients of sum(f(*tensors) * fixed weights)."""
    xs = [nd.tensor(a, requires_grad=True) for a in arrays]
    out = f(*xs)
    (out * _weights(out.shape)).sum().backward()
    return out.data, [x.grad.data for x in xs]


def torch_grads(f, *arrays):
    xs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = f(*xs)
    (out * torch.tensor(_weights(tuple(out.shape)))).sum().backward()
    return out.detach().numpy(), [x.grad.numpy() for x in xs]


def _weights(shape):
    return np.cos(np.arange(int(np.prod(shape)), dtype=np.float64)).reshape(shape)


def assert_same_as_torch(f_nd, f_torch, *arrays):
    value, gs = grads(f_nd, *arrays)
    value_t, gs_t = torch_grads(f_torch, *arrays)
    np.testing.assert_allclose(value, value_t, rtol=1e-12, atol=1e-12)
    for g, g_t in zip(gs, gs_t, strict=True):
        assert g.shape == g_t.shape
        np.testing.assert_allclose(g, g_t, rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------ matmul

MATMUL_SHAPES = [
    ((3,), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3,)),
    ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)),
    ((2, 3), (5, 3, 4)),
    ((2, 1, 2, 3), (5, 3, 4)),
    ((3,), (5, 3, 4)),
    ((5, 2, 3), (3,)),
    ((1, 3), (3, 1)),
    ((4, 1, 3), (1, 3, 2)),
]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES, ids=[f"{a}@{b}" for a, b in MATMUL_SHAPES])
def test_matmul_matches_numpy_and_torch(sa, sb):
    a, b = rand(*sa), rand(*sb)
    out = nd.matmul(a, b)
    assert out.shape == (a @ b).shape
    np.testing.assert_allclose(out.data, a @ b, rtol=1e-12)
    np.testing.assert_allclose((nd.tensor(a) @ nd.tensor(b)).data, a @ b, rtol=1e-12)
    np.testing.assert_allclose((nd.tensor(a) @ b).data, a @ b, rtol=1e-12)
    np.testing.assert_allclose((a @ nd.tensor(b)).data, a @ b, rtol=1e-12)
    assert_same_as_torch(lambda x, y: x @ y, lambda x, y: x @ y, a, b)


def test_matmul_jacobians_in_both_modes_with_broadcast_batches():
    assert gradcheck(nd.matmul, rand(2, 1, 2, 3), rand(3, 3, 2))
    assert gradcheck(nd.matmul, rand(3), rand(2, 3, 2))


def test_integer_matmul_stays_integer():
    a = np.arange(6).reshape(2, 3)
    out = nd.matmul(a, a.T)
    assert out.dtype == (a @ a.T).dtype and out.tolist() == (a @ a.T).tolist()


def test_matmul_rules_fold_stacks_against_a_matrix_into_one_product(monkeypatch):
    """A stack times one matrix is one BLAS product in the rules (not one per
    matrix of the stack): the Jacobian of A @ x and a weight shared by a batch."""
    calls = []
    impl = nd.REGISTRY["matmul"].impl
    monkeypatch.setattr(nd.REGISTRY["matmul"], "impl", lambda a, b: calls.append((a.ndim, b.ndim)) or impl(a, b))
    A, x0 = rand(4, 3), rand(3)
    x = nd.tensor(x0, requires_grad=True)
    (jac,) = engine.backward([A @ x], [np.eye(4)], inputs=[x])
    np.testing.assert_allclose(np.asarray(jac), A, rtol=1e-12)
    X, W = rand(8, 10, 3), nd.tensor(rand(3, 2), requires_grad=True)
    (X @ W).sum().backward()
    np.testing.assert_allclose(W.grad.data, X.reshape(-1, 3).T @ np.ones((80, 2)), rtol=1e-12)
    assert calls and all(dims == (2, 2) for dims in calls), calls
    # A small stack (under 64 rows in all) is one batched product, without the reshapes around it.
    calls.clear()
    small = X[:2, :3] @ W
    assert calls == [(3, 2)] and small.shape == (2, 3, 2)


# ------------------------------------------------- dot, inner, outer, ...

COMPOSED = [
    ("dot", lambda m, a, b: m.dot(a, b), (2, 3, 4), (5, 4, 2)),
    ("dot 1-D", lambda m, a, b: m.dot(a, b), (4,), (4,)),
    ("dot 2-D", lambda m, a, b: m.dot(a, b), (2, 4), (4, 3)),
    ("dot scalar", lambda m, a, b: m.dot(a, b), (), (4, 3)),
    ("dot N-D . 1-D", lambda m, a, b: m.dot(a, b), (2, 3, 4), (4,)),
    ("vdot", lambda m, a, b: m.vdot(a, b), (2, 3), (3, 2)),
    ("inner", lambda m, a, b: m.inner(a, b), (2, 3), (4, 3)),
    ("inner 1-D", lambda m, a, b: m.inner(a, b), (3,), (3,)),
    ("outer", lambda m, a, b: m.outer(a, b), (2, 3), (4,)),
    ("outer, b 2-D", lambda m, a, b: m.outer(a, b), (3,), (2, 2)),
    ("outer, b 0-d", lambda m, a, b: m.outer(a, b), (3,), ()),
    ("tensordot int", lambda m, a, b: m.tensordot(a, b, 2), (2, 3, 4), (3, 4, 5)),
    ("tensordot 0", lambda m, a, b: m.tensordot(a, b, 0), (2,), (3,)),
    ("tensordot pairs", lambda m, a, b: m.tensordot(a, b, ([1, 0], [0, 2])), (2, 3, 4), (3, 5, 2)),
    ("tensordot ints", lambda m, a, b: m.tensordot(a, b, (-1, 0)), (2, 3), (3, 4)),
    ("kron", lambda m, a, b: m.kron(a, b), (2, 3), (3, 2)),
    ("kron ranks", lambda m, a, b: m.kron(a, b), (2,), (2, 3)),
    ("vecdot", lambda m, a, b: m.vecdot(a, b), (2, 3), (3,)),
    ("vecdot axis", lambda m, a, b: m.vecdot(a, b, axis=0), (3, 2), (3, 1)),
    ("matvec", lambda m, a, b: m.matvec(a, b), (2, 3, 4), (4,)),
    ("vecmat", lambda m, a, b: m.vecmat(a, b), (3,), (2, 3, 4)),
]


@pytest.mark.parametrize("name,fn,sa,sb", COMPOSED, ids=[c[0] for c in COMPOSED])
def test_composed_products_match_numpy_and_gradcheck(name, fn, sa, sb):
    a, b = rand(*sa), rand(*sb)
    got, want = fn(nd, a, b), fn(np, a, b)
    assert got.shape == np.shape(want)
    np.testing.assert_allclose(got.data, want, rtol=1e-12, atol=1e-12)
    assert gradcheck(lambda x, y: fn(nd, x, y), a, b)


TORCH_PRODUCTS = [
    (lambda a, b: nd.dot(a, b), lambda a, b: torch.dot(a, b), (4,), (4,)),
    (lambda a, b: nd.inner(a, b), lambda a, b: torch.inner(a, b), (2, 3), (4, 3)),
    (lambda a, b: nd.outer(a, b), lambda a, b: torch.outer(a, b), (3,), (4,)),
    (lambda a, b: nd.tensordot(a, b, ([1, 0], [0, 2])), lambda a, b: torch.tensordot(a, b, ([1, 0], [0, 2])),
     (2, 3, 4), (3, 5, 2)),
    (lambda a, b: nd.kron(a, b), lambda a, b: torch.kron(a, b), (2, 3), (3, 2)),
    (lambda a, b: nd.vecdot(a, b), lambda a, b: torch.linalg.vecdot(a, b), (2, 3), (3,)),
]


@pytest.mark.parametrize("k", range(len(TORCH_PRODUCTS)))
def test_composed_product_gradients_match_torch(k):
    f_nd, f_torch, sa, sb = TORCH_PRODUCTS[k]
    assert_same_as_torch(f_nd, f_torch, rand(*sa), rand(*sb))


# ------------------------------------------------------------------ einsum


def test_einsum_of_the_seed():
    out = nd.einsum("ij,jk->ik", [[1, 2], [3, 4]], [[5, 6], [7, 8]])
    assert out.tolist() == [[19, 22], [43, 50]]


EINSUM_FORMS = [
    ("ij,jk->ik", (2, 3), (3, 4)),
    ("ij,jk", (2, 3), (3, 4)),
    ("ii->i", (3, 3)),
    ("ii", (3, 3)),
    ("iij->j", (3, 3, 2)),
    ("ij->", (2, 3)),
    ("ij->ji", (2, 3)),
    ("i,i", (3,), (3,)),
    ("i,j->ij", (3,), (4,)),
    ("...ij,...jk", (2, 1, 3, 4), (5, 4, 6)),
    ("...ij,...jk->...ik", (3, 4), (2, 4, 5)),
    ("i...->...", (3, 2, 2)),
    ("...ii->...i", (2, 3, 3)),
    ("ij,jk,kl->il", (2, 3), (3, 4), (4, 5)),
    ("a,b,c,d->abcd", (2,), (3,), (1,), (2,)),
    ("ij,ij->ij", (3, 1), (1, 4)),
    ("ij,jk->ik", (3, 1), (4, 5)),
    ("bA,AC", (2, 3), (3, 4)),
    ("ii,i->i", (3, 3), (3,)),
    ("iij,jk->ik", (2, 2, 3), (3, 4)),
    ("ijk,ikl->ijl", (2, 3, 4), (2, 4, 5)),
    (" i j , j k ", (2, 3), (3, 4)),
    (",i->i", (), (3,)),
    ("i->...", (3,)),
]


@pytest.mark.parametrize("form", EINSUM_FORMS, ids=[f[0] for f in EINSUM_FORMS])
def test_einsum_forms_match_numpy_and_gradcheck(form):
    spec, *shapes = form
    xs = [rand(*s) for s in shapes]
    got, want = nd.einsum(spec, *xs), np.einsum(spec, *xs)
    assert got.shape == want.shape
    np.testing.assert_allclose(got.data, want, rtol=1e-12, atol=1e-12)
    assert gradcheck(lambda *ts: nd.einsum(spec, *ts), *xs)


TORCH_EINSUM = [
    ("ij,jk->ik", (2, 3), (3, 4)),
    ("ii->i", (3, 3)),
    ("ii", (3, 3)),
    ("...ij,...jk", (2, 1, 3, 4), (5, 4, 6)),
    ("i,i", (3,), (3,)),
    ("ij->", (2, 3)),
    ("ij,jk", (2, 3), (3, 4)),
    ("ij,jk,kl->il", (2, 3), (3, 4), (4, 5)),
    ("bij,bjk->bik", (2, 3, 4), (2, 4, 5)),
]


@pytest.mark.parametrize("form", TORCH_EINSUM, ids=[f[0] for f in TORCH_EINSUM])
def test_einsum_gradients_match_torch(form):
    spec, *shapes = form
    xs = [rand(*s) for s in shapes]
    assert_same_as_torch(lambda *ts: nd.einsum(spec, *ts), lambda *ts: torch.einsum(spec, *ts), *xs)


def test_einsum_interleaved_form():
    a, b = rand(2, 3), rand(3, 4)
    np.testing.assert_allclose(nd.einsum(a, [0, 1], b, [1, 2], [0, 2]).data, a @ b, rtol=1e-12)
    np.testing.assert_allclose(nd.einsum(a, [0, 1], b, [1, 2]).data, np.einsum(a, [0, 1], b, [1, 2]), rtol=1e-12)
    np.testing.assert_allclose(nd.einsum(a, [Ellipsis, 1], [Ellipsis]).data, a.sum(axis=1), rtol=1e-12)


def test_einsum_diagonal_cotangent_sits_on_the_diagonal():
    x = nd.tensor(rand(3, 3), requires_grad=True)
    nd.einsum("ii->i", x).backward(np.array([1.0, 2.0, 3.0]))
    assert x.grad.tolist() == np.diag([1.0, 2.0, 3.0]).tolist()


def test_einsum_summed_away_subscript_broadcasts_back():
    x = nd.tensor(rand(2, 3), requires_grad=True)
    nd.einsum("ij->i", x).backward(np.array([1.0, 2.0]))
    assert x.grad.tolist() == [[1.0] * 3, [2.0] * 3]


# ------------------------------------------------------------- higher order


def _hessian(f, x0):
    """The gradient recorded with create_graph, then one backward pass through
    it seeded with a batch of basis vectors (batch axes in tensor mode)."""
    x = nd.tensor(x0, requires_grad=True)
    (g,) = nd.autograd.grad(f(x), x, create_graph=True)
    n = x0.size
    (h,) = engine.backward([g], [np.eye(n).reshape((n,) + x0.shape)], inputs=[x])
    return np.asarray(getattr(h, "data", h)).reshape(n, n)


def _torch_hessian(f, x0):
    return torch.autograd.functional.hessian(f, torch.tensor(x0)).numpy().reshape(x0.size, x0.size)


def test_second_derivatives_through_matmul_match_torch():
    A, x0 = rand(3, 3), rand(3, 2)
    np.testing.assert_allclose(
        _hessian(lambda x: nd.tanh(A @ x).sum() + (x.T @ A @ x).sum(), x0),
        _torch_hessian(lambda x: torch.tanh(torch.tensor(A) @ x).sum() + (x.T @ torch.tensor(A) @ x).sum(), x0),
        rtol=1e-10, atol=1e-12,
    )


def test_second_derivatives_through_einsum_match_torch():
    A, x0 = rand(3, 3), rand(3)
    np.testing.assert_allclose(
        _hessian(lambda x: nd.sin(nd.einsum("i,ij,j", x, A, x)) + nd.einsum("i,i->", x, x) ** 2, x0),
        _torch_hessian(
            lambda x: torch.sin(torch.einsum("i,ij,j", x, torch.tensor(A), x)) + torch.einsum("i,i->", x, x) ** 2, x0
        ),
        rtol=1e-10, atol=1e-12,
    )
    m0 = rand(2, 2)
    np.testing.assert_allclose(
        _hessian(lambda m: nd.einsum("ii", m) ** 3, m0),
        _torch_hessian(lambda m: torch.einsum("ii", m) ** 3, m0),
        rtol=1e-10, atol=1e-12,
    )


def test_second_derivatives_through_vector_products_match_torch():
    # Two vectors multiply as one node (vecvec); its rules must differentiate again, both ways.
    x0, w = rand(4), rand(4)
    f_nd = lambda x: nd.sin(x @ x) * nd.dot(x, w) + nd.inner(nd.tanh(x), x) ** 2
    f_t = lambda x: torch.sin(x @ x) * torch.dot(x, torch.tensor(w)) + torch.inner(torch.tanh(x), x) ** 2
    np.testing.assert_allclose(_hessian(f_nd, x0), _torch_hessian(f_t, x0), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(nd.hessian(f_nd, nd.tensor(x0)).data, _torch_hessian(f_t, x0), rtol=1e-10, atol=1e-12)


def test_create_graph_double_backward_through_matmul():
    W = nd.tensor(rand(2, 2), requires_grad=True)
    x = nd.tensor(rand(2), requires_grad=True)
    y = (W @ x).sum() ** 2
    (gW,) = nd.autograd.grad(y, W, create_graph=True)
    gW.sum().backward()
    Wt, xt = torch.tensor(W.data, requires_grad=True), torch.tensor(x.data, requires_grad=True)
    (gWt,) = torch.autograd.grad((Wt @ xt).sum() ** 2, Wt, create_graph=True)
    gWt.sum().backward()
    np.testing.assert_allclose(W.grad.data, Wt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-12)


def test_hessian_vector_product_forward_over_reverse_through_einsum_and_matmul():
    A, x0, v = rand(3, 3), rand(3), rand(3)
    _, hv = nd.jvp(nd.grad(lambda x: nd.sin(nd.einsum("i,ij,j", x, A, x)) + nd.tanh(A @ x).sum()), (x0,), (v,))
    want = torch.autograd.functional.hvp(
        lambda x: torch.sin(torch.einsum("i,ij,j", x, torch.tensor(A), x)) + torch.tanh(torch.tensor(A) @ x).sum(),
        torch.tensor(x0), torch.tensor(v),
    )[1].numpy()
    np.testing.assert_allclose(np.asarray(getattr(hv, "data", hv)), want, rtol=1e-10)


def test_numpy_functions_on_tensors_route_here():
    a = nd.tensor(rand(2, 3), requires_grad=True)
    b = rand(3, 4)
    out = np.einsum("ij,jk->ik", a, b) + np.matmul(a, b) + np.dot(a, b) + np.tensordot(a, b, axes=1)
    assert isinstance(out, nd.Tensor)
    out.sum().backward()
    np.testing.assert_allclose(a.grad.data, 4 * np.ones((2, 4)) @ b.T, rtol=1e-12)


# ------------------------------------------------------------------ dtypes


@pytest.mark.parametrize(
    "f",
    [
        lambda a, b: a @ b,
        lambda a, b: nd.einsum("ij,jk->ik", a, b),
        lambda a, b: nd.einsum("ii->i", a @ b.T) * 1.0,
        lambda a, b: nd.tensordot(a, b, ([0], [0])),
        lambda a, b: nd.kron(a, b),
        lambda a, b: nd.dot(a[0], b[:, 0]),
    ],
)
def test_float32_stays_float32(f):
    a = nd.tensor(rand(3, 3).astype(np.float32), requires_grad=True)
    b = nd.tensor(rand(3, 3).astype(np.float32), requires_grad=True)
    out = f(a, b)
    assert out.dtype == np.float32
    out.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float32


# ------------------------------------------------------------------ errors


def test_matmul_error_names_the_contracted_dimensions():
    with pytest.raises(nd.ShapeError) as info:
        nd.ones((2, 3)) @ nd.ones((4, 5))
    assert str(info.value).startswith(
        "matmul: (2,3) @ (4,5): the contracted dimensions differ: "
        "3 (last of the first) vs 4 (second-to-last of the second)"
    )


def test_matmul_errors_for_scalars_and_batches():
    with pytest.raises(ValueError, match=r"matmul: the first operand is a 0-d tensor .* multiply by a scalar with \*"):
        nd.matmul(2.0, nd.ones(3))
    with pytest.raises(ValueError, match=r"matmul: the second operand is a 0-d tensor"):
        nd.ones((2, 3)) @ nd.tensor(5.0)
    with pytest.raises(ValueError, match=r"matmul: \(2,3\) @ \(4,\): the contracted dimensions differ"):
        nd.ones((2, 3)) @ nd.ones(4)
    with pytest.raises(ValueError, match=r"matmul: \(2,2,3\) @ \(3,3,5\): the batch dimensions \(2,\) and \(3,\)"):
        nd.matmul(nd.ones((2, 2, 3)), nd.ones((3, 3, 5)))
    with pytest.raises(ValueError, match=r"dot: \(3,\) @ \(4,\): the contracted dimensions differ"):
        nd.dot(nd.ones(3), nd.ones(4))
    with pytest.raises(ValueError, match=r"tensordot: .* axis 1 of a has size 3 but axis 0 of b has size 4"):
        nd.tensordot(nd.ones((2, 3)), nd.ones((4, 5)), 1)


def _caret_targets(message):
    """The characters of the spec line that the caret line points at."""
    lines = message.splitlines()
    spec_line, caret_line = lines[1], lines[2]
    return "".join(spec_line[i] for i, c in enumerate(caret_line) if c == "^")


EINSUM_ERRORS = [
    (("ij,jk->ik", (2, 3), (4, 5)), r"subscript 'j' has size 3 in operand 0 .* size 4 in operand 1", "jj"),
    (("ij,j1->i", (2, 3), (3, 1)), r"'1' is not a subscript", "1"),
    (("ij->k", (2, 3)), r"output subscript 'k' appears in no operand", "k"),
    (("ij->ii", (2, 3)), r"output subscript 'i' is repeated", "i"),
    (("ijk->i", (2, 3)), r"operand 0 has 2 dimension\(s\) \(shape \(2,3\)\) but its subscripts 'ijk' name 3", "ijk"),
    (("ij,jk", (2, 3)), r"the subscripts name 2 operand\(s\) but 1 was given", "ij,jk"),
    (("...i,...i", (2, 3), (4, 3)), r"the '...' dimensions \(2,\), \(4,\) do not broadcast", "......"),
    (("...i->i", (2, 3)), r"the output does not say where they go", "->"),
    (("i.j", (2, 3)), r"a '.' must be part of an ellipsis", "."),
    (("i->i->i", (2,)), r"more than one '->'", "->"),
    (("ii", (2, 3)), r"subscript 'i' repeats in operand 0 .* sizes 2 and 3", "i"),
    (("i-j", (2, 3)), r"stray '-'", "-"),
]


@pytest.mark.parametrize("call,pattern,pointed", EINSUM_ERRORS, ids=[e[0][0] for e in EINSUM_ERRORS])
def test_einsum_errors_point_at_the_bad_subscript(call, pattern, pointed):
    spec, *shapes = call
    with pytest.raises(nd.EinsumError) as info:
        nd.einsum(spec, *[np.ones(s) for s in shapes])
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert message.startswith("einsum: ") and re.search(pattern, message), message
    assert message.splitlines()[1].strip() == spec
    assert _caret_targets(message) == pointed


@pytest.mark.parametrize("transform", ["jacrev", "jacfwd"])
def test_matrix_vector_jacobians_match_torch(transform):
    # A @ x is one node; its rules must take batches of cotangents and tangents.
    A, x = rand(3, 4), rand(4)
    ours = getattr(nd.func, transform)(lambda A, x: nd.tanh(A @ x), argnums=(0, 1))(A, x)
    theirs = getattr(torch.func, transform)(lambda A, x: torch.tanh(A @ x), argnums=(0, 1))(
        torch.tensor(A), torch.tensor(x)
    )
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(np.asarray(a), b.numpy(), rtol=1e-12, atol=1e-15)


def test_matrix_vector_hessians_match_torch():
    A, x = rand(3, 4), rand(4)
    ours = nd.func.hessian(lambda A, x: (nd.tanh(A @ x) ** 2).sum(), argnums=(0, 1))(A, x)
    theirs = torch.func.hessian(lambda A, x: (torch.tanh(A @ x) ** 2).sum(), argnums=(0, 1))(
        torch.tensor(A), torch.tensor(x)
    )
    for row_ours, row_theirs in zip(ours, theirs, strict=True):
        for a, b in zip(row_ours, row_theirs, strict=True):
            np.testing.assert_allclose(np.asarray(a), b.numpy(), rtol=1e-11, atol=1e-14)


def test_hessian_of_a_squared_tanh_layer_has_its_closed_form():
    # W4's function: sum(tanh(A x)^2) has Hessian A^T diag(2 (1 - t^2)(1 - 3 t^2)) A.
    A, x = rand(5, 4), rand(4)
    t = np.tanh(A @ x)
    expected = A.T @ ((2 * (1 - t**2) * (1 - 3 * t**2))[:, None] * A)
    ours = nd.hessian(lambda v: (nd.tanh(nd.tensor(A) @ v) ** 2).sum(), nd.tensor(x))
    np.testing.assert_allclose(np.asarray(ours), expected, rtol=1e-12, atol=1e-14)
