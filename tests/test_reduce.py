"""Reductions, scans, softmaxes, norms and sorting: values against NumPy,
gradients against PyTorch (a test-only oracle) and finite differences."""

import math

import numpy as np
import pytest
import torch

import ndgrad as nd
from ndgrad.core import engine
from ndgrad.gradcheck import gradcheck

RNG = np.random.default_rng(11)


def rand(*shape, low=-1.0, high=1.0):
    return RNG.uniform(low, high, shape)


def grad_of(f, x0):
    """ndgrad's gradient of the scalar f at x0."""
    x = nd.tensor(x0, requires_grad=True)
    f(x).backward()
    return x.grad.data


def torch_grad_of(f, x0):
    x = torch.tensor(x0, requires_grad=True)
    f(x).backward()
    return x.grad.numpy()


def hessian_of(f, x0):
    """ndgrad's Hessian of the scalar f: the gradient recorded with create_graph,
    then one backward pass through it seeded with a batch of basis vectors
    (which also checks that the rules carry batch axes in tensor mode)."""
    x = nd.tensor(x0, requires_grad=True)
    (g,) = nd.autograd.grad(f(x), x, create_graph=True)
    n = x0.size
    (h,) = engine.backward([g], [np.eye(n).reshape((n,) + x0.shape)], inputs=[x])
    return np.asarray(getattr(h, "data", h)).reshape(n, n)


def torch_hessian_of(f, x0):
    return torch.autograd.functional.hessian(f, torch.tensor(x0)).numpy().reshape(x0.size, x0.size)


# ------------------------------------------------------------------ values

X = rand(3, 4, 5)

VALUE_CASES = [
    (lambda m, x: m.sum(x, axis=(0, -1)), "sum"),
    (lambda m, x: m.mean(x), "mean"),
    (lambda m, x: m.mean(x, axis=-2, keepdims=True), "mean keepdims"),
    (lambda m, x: m.prod(x, axis=1), "prod"),
    (lambda m, x: m.max(x, axis=-1), "max"),
    (lambda m, x: m.min(x, axis=(0, 2), keepdims=True), "min"),
    (lambda m, x: m.amax(x), "amax"),
    (lambda m, x: m.amin(x, axis=0), "amin"),
    (lambda m, x: m.var(x, axis=1, ddof=1), "var ddof"),
    (lambda m, x: m.std(x, axis=(0, 1)), "std"),
    (lambda m, x: m.cumsum(x, axis=1), "cumsum"),
    (lambda m, x: m.cumsum(x), "cumsum flat"),
    (lambda m, x: m.cumprod(x, axis=-1), "cumprod"),
    (lambda m, x: m.argmax(x, axis=1), "argmax"),
    (lambda m, x: m.argmin(x, axis=-1, keepdims=True), "argmin"),
    (lambda m, x: m.argmax(x), "argmax flat"),
    (lambda m, x: m.all(x > -0.9, axis=0), "all"),
    (lambda m, x: m.any(x > 0.9, axis=(1, 2)), "any"),
    (lambda m, x: m.count_nonzero(x > 0, axis=1), "count_nonzero"),
    (lambda m, x: m.diff(x, axis=1), "diff"),
    (lambda m, x: m.diff(x, n=2, axis=0), "diff n=2"),
    (lambda m, x: m.diff(x, prepend=0.0, append=x[..., :1]), "diff prepend/append"),
    (lambda m, x: m.sort(x, axis=1), "sort"),
    (lambda m, x: m.sort(x, axis=None), "sort flat"),
    (lambda m, x: m.argsort(x, axis=0), "argsort"),
]


@pytest.mark.parametrize("fn,name", VALUE_CASES, ids=[n for _, n in VALUE_CASES])
def test_values_match_numpy(fn, name):
    got = fn(nd, nd.tensor(X))
    want = fn(np, X)
    assert isinstance(got, nd.Tensor)
    assert got.shape == np.shape(want)
    np.testing.assert_allclose(got.data, want, rtol=1e-12, atol=1e-12)


def test_array_api_spellings_match_numpy():
    x = rand(3, 4)
    np.testing.assert_allclose(nd.var(x, axis=0, correction=1).data, np.var(x, axis=0, ddof=1))
    np.testing.assert_allclose(nd.std(x, correction=1).data, np.std(x, ddof=1))
    for include in (False, True):
        np.testing.assert_allclose(
            nd.cumulative_sum(x, axis=1, include_initial=include).data,
            np.cumulative_sum(x, axis=1, include_initial=include),
        )
        np.testing.assert_allclose(
            nd.cumulative_prod(x, axis=0, include_initial=include).data,
            np.cumulative_prod(x, axis=0, include_initial=include),
        )
    v = rand(5)
    np.testing.assert_allclose(nd.cumulative_sum(v).data, np.cumsum(v))
    np.testing.assert_allclose(nd.vector_norm(x, ord=3).data, np.linalg.vector_norm(x, ord=3))
    np.testing.assert_allclose(nd.matrix_norm(x, ord=1).data, np.linalg.matrix_norm(x, ord=1))


def test_descending_sort_keeps_ties_in_order():
    x = np.array([1.0, 3.0, 2.0, 3.0, 1.0])
    assert nd.argsort(x, descending=True).tolist() == [1, 3, 2, 0, 4]
    assert nd.sort(x, descending=True).tolist() == [3.0, 3.0, 2.0, 1.0, 1.0]
    assert nd.argsort(x, stable=True).tolist() == [0, 4, 2, 1, 3]


VECTOR_ORDS = [None, 1, 2, 3, 0.5, 0, -1, -2.5, math.inf, -math.inf]


@pytest.mark.filterwarnings("ignore:divide by zero")  # negative ord at a zero entry, as NumPy warns
@pytest.mark.parametrize("ord_", VECTOR_ORDS)
def test_vector_norms_match_numpy(ord_):
    x = rand(4, 6)
    np.testing.assert_allclose(nd.norm(x, ord_, axis=1).data, np.linalg.norm(x, ord_, axis=1))
    np.testing.assert_allclose(
        nd.norm(x, ord_, axis=0, keepdims=True).data, np.linalg.norm(x, ord_, axis=0, keepdims=True)
    )
    np.testing.assert_allclose(nd.norm(x[0], ord_).data, np.linalg.norm(x[0], ord_))
    with_zero = np.array([0.0, -2.0, 0.5])
    np.testing.assert_allclose(nd.norm(with_zero, ord_).data, np.linalg.norm(with_zero, ord_))


@pytest.mark.parametrize("ord_", [None, "fro", 1, -1, math.inf, -math.inf, 2, -2, "nuc"])
def test_matrix_norms_match_numpy(ord_):
    x = rand(2, 3, 4)
    np.testing.assert_allclose(nd.norm(x, ord_, axis=(1, 2)).data, np.linalg.norm(x, ord_, axis=(1, 2)))
    np.testing.assert_allclose(
        nd.norm(x, ord_, axis=(-1, 0), keepdims=True).data, np.linalg.norm(x, ord_, axis=(-1, 0), keepdims=True)
    )
    np.testing.assert_allclose(nd.norm(x[0], ord_).data, np.linalg.norm(x[0], ord_))


def test_norm_without_ord_flattens_any_rank():
    np.testing.assert_allclose(nd.norm(X).data, np.linalg.norm(X))


# ------------------------------------------------------ gradients vs torch

GRAD_CASES = [
    (lambda m, x: m.mean(x, axis=1).sum(), lambda x: x.mean(dim=1).sum()),
    (lambda m, x: (m.var(x, axis=0, ddof=1) ** 2).sum(), lambda x: (x.var(dim=0, correction=1) ** 2).sum()),
    (lambda m, x: m.std(x, axis=-1).sum(), lambda x: x.std(dim=-1, correction=0).sum()),
    (lambda m, x: (m.prod(x, axis=0) * 3).sum(), lambda x: (x.prod(dim=0) * 3).sum()),
    (lambda m, x: (m.cumsum(x, axis=1) ** 2).sum(), lambda x: (x.cumsum(dim=1) ** 2).sum()),
    (lambda m, x: (m.cumprod(x, axis=0) ** 2).sum(), lambda x: (x.cumprod(dim=0) ** 2).sum()),
    (lambda m, x: m.logsumexp(x, axis=1).sum(), lambda x: x.logsumexp(dim=1).sum()),
    (lambda m, x: (m.softmax(x, axis=0) * W).sum(), lambda x: (x.softmax(dim=0) * torch.tensor(W)).sum()),
    (lambda m, x: (m.log_softmax(x) * W).sum(), lambda x: (x.log_softmax(dim=-1) * torch.tensor(W)).sum()),
    (lambda m, x: (m.sort(x, axis=1) * W).sum(), lambda x: (x.sort(dim=1).values * torch.tensor(W)).sum()),
    (lambda m, x: (m.diff(x, axis=0) ** 2).sum(), lambda x: (x.diff(dim=0) ** 2).sum()),
]
W = rand(3, 4)


@pytest.mark.parametrize("k", range(len(GRAD_CASES)))
def test_gradients_match_torch(k):
    f_nd, f_torch = GRAD_CASES[k]
    x0 = rand(3, 4)
    np.testing.assert_allclose(grad_of(lambda x: f_nd(nd, x), x0), torch_grad_of(f_torch, x0), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("ord_", [2, 1, 3, 0.5, math.inf, -math.inf])
def test_vector_norm_gradients_match_torch(ord_):
    x0 = rand(3, 4)
    got = grad_of(lambda x: nd.norm(x, ord_, axis=1).sum(), x0)
    want = torch_grad_of(lambda x: torch.linalg.vector_norm(x, ord_, dim=1).sum(), x0)
    np.testing.assert_allclose(got, want, rtol=1e-10)


@pytest.mark.parametrize("ord_", ["fro", 1, -1, math.inf, -math.inf, 2, -2, "nuc"])
def test_matrix_norm_gradients_match_torch(ord_):
    x0 = rand(2, 3, 4)
    got = grad_of(lambda x: nd.norm(x, ord_, axis=(1, 2)).sum(), x0)
    want = torch_grad_of(lambda x: torch.linalg.matrix_norm(x, ord_, dim=(1, 2)).sum(), x0)
    np.testing.assert_allclose(got, want, rtol=1e-10)


@pytest.mark.parametrize("ord_", [None, 1, 2, 3, 0.5, math.inf])
def test_norm_gradient_at_exactly_zero_is_zero_like_torch(ord_):
    x0 = np.zeros(4)
    got = grad_of(lambda x: nd.norm(x, ord_), x0)
    assert np.array_equal(got, np.zeros(4))
    assert np.array_equal(got, torch_grad_of(lambda x: torch.linalg.vector_norm(x, 2 if ord_ is None else ord_), x0))


def test_std_gradient_of_a_constant_is_zero_not_nan():
    assert np.array_equal(grad_of(lambda x: nd.std(x), np.full(3, 2.0)), np.zeros(3))


def test_composites_pass_gradcheck_in_both_modes():
    x = rand(3, 4)
    assert gradcheck(lambda t: nd.var(t, axis=0, correction=1), x)
    assert gradcheck(lambda t: nd.std(t, axis=(0, 1), keepdims=True), x)
    assert gradcheck(lambda t: nd.norm(t, 3, axis=-1), x)
    assert gradcheck(lambda t: nd.norm(t, "fro", axis=(0, 1)), x)
    assert gradcheck(lambda t: nd.norm(t, -1), x)
    assert gradcheck(lambda t: nd.mean(t, axis=-1), x)
    assert gradcheck(lambda t: nd.diff(t, n=2, axis=1, prepend=t[:, :1]), x)
    assert gradcheck(lambda t: nd.sort(t, axis=0, descending=True), x)


def test_hessian_vector_products_forward_over_reverse_match_torch():
    x0 = np.array([0.7, 0.0, -1.2, 2.0])
    v = np.array([0.3, -1.0, 0.5, 2.0])
    cases = [
        (lambda x: nd.prod(x), lambda x: x.prod()),
        (lambda x: (nd.cumprod(x) ** 2).sum(), lambda x: (x.cumprod(0) ** 2).sum()),
        (lambda x: (nd.softmax(x) * W[0]).sum(), lambda x: (x.softmax(0) * torch.tensor(W[0])).sum()),
        (lambda x: nd.norm(x, 3), lambda x: torch.linalg.vector_norm(x, 3)),
        (lambda x: nd.max(x * x), lambda x: (x * x).amax()),
        (lambda x: nd.var(x, ddof=1), lambda x: x.var()),
        (lambda x: nd.linalg.norm(x) * nd.std(x), lambda x: torch.linalg.vector_norm(x) * x.std(correction=0)),
    ]
    for f_nd, f_torch in cases:
        _, hv = nd.jvp(nd.grad(f_nd), (nd.tensor(x0),), (nd.tensor(v),))
        want = torch.autograd.functional.hvp(f_torch, torch.tensor(x0), torch.tensor(v))[1].numpy()
        np.testing.assert_allclose(np.asarray(getattr(hv, "data", hv)), want, rtol=1e-10, atol=1e-12)


def test_mean_variance_and_norm_hessians_reverse_over_reverse_match_torch():
    x0 = rand(2, 3)
    cases = [
        (lambda x: nd.mean(nd.exp(x), axis=0).prod(), lambda x: x.exp().mean(dim=0).prod()),
        (lambda x: nd.var(x, axis=1, ddof=1).sum() ** 2, lambda x: x.var(dim=1).sum() ** 2),
        (lambda x: nd.linalg.norm(x, axis=0).prod(), lambda x: torch.linalg.vector_norm(x, dim=0).prod()),
    ]
    for f_nd, f_torch in cases:
        np.testing.assert_allclose(hessian_of(f_nd, x0), torch_hessian_of(f_torch, x0), rtol=1e-10, atol=1e-12)


def test_numpy_functions_on_tensors_route_here():
    x = nd.tensor(rand(3, 4), requires_grad=True)
    y = np.linalg.norm(x) + np.sort(x, axis=0).sum() + np.max(np.cumsum(x, axis=1)) + np.var(x, ddof=1)
    assert isinstance(y, nd.Tensor)
    y.backward()
    want = torch_grad_of(
        lambda t: torch.linalg.vector_norm(t) + t.sort(dim=0).values.sum() + t.cumsum(1).amax() + t.var(), x.data
    )
    np.testing.assert_allclose(x.grad.data, want, rtol=1e-10)


# ------------------------------------------------------------- prod, zeros


@pytest.mark.parametrize(
    "x0",
    [
        np.array([2.0, 0.0, 3.0, 4.0]),
        np.array([2.0, 0.0, 3.0, 0.0]),
        np.array([0.0, 0.0, 0.0, 5.0]),
        np.array([1.5, -2.0, 3.0, 0.5]),
    ],
    ids=["one zero", "two zeros", "three zeros", "no zero"],
)
def test_prod_and_cumprod_with_zeros_match_torch_to_second_order(x0):
    weights = np.array([1.0, 2.0, 3.0, 4.0])
    cases = [
        (lambda x: nd.prod(x), lambda x: x.prod()),
        (lambda x: (nd.cumprod(x) * weights).sum(), lambda x: (x.cumprod(0) * torch.tensor(weights)).sum()),
        (lambda x: (nd.cumprod(x) ** 2).sum(), lambda x: (x.cumprod(0) ** 2).sum()),
    ]
    for f_nd, f_torch in cases:
        g = grad_of(f_nd, x0)
        assert np.all(np.isfinite(g))
        np.testing.assert_allclose(g, torch_grad_of(f_torch, x0), rtol=1e-12)
        np.testing.assert_allclose(hessian_of(f_nd, x0), torch_hessian_of(f_torch, x0), rtol=1e-12)


def test_prod_gradient_with_one_zero_is_the_product_of_the_others():
    g = grad_of(lambda x: nd.prod(x), np.array([2.0, 0.0, 3.0]))
    assert g.tolist() == [0.0, 6.0, 0.0]


def test_prod_gradient_survives_where_the_product_underflows():
    # The product is 0 in float64, but each product of the others is not:
    # dividing the product by x would give 0 where the answer is 1.
    g = grad_of(lambda x: nd.prod(x), np.array([1e-200, 1e-200, 1e200]))
    np.testing.assert_allclose(g, [1.0, 1.0, 0.0], rtol=1e-15)  # 1e-400 is 0 in float64 too


def test_prod_over_several_axes_with_zeros():
    x0 = rand(2, 3, 4)
    x0[0, 1, 2] = 0.0
    x0[1, 0, 0] = x0[1, 2, 0] = 0.0
    got = grad_of(lambda x: (nd.prod(x, axis=(0, 2)) * np.array([1.0, 2.0, 3.0])).sum(), x0)
    want = torch_grad_of(lambda x: (x.prod(dim=2).prod(dim=0) * torch.tensor([1.0, 2.0, 3.0])).sum(), x0)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_reverse_and_exclusive_cumprod_gradients_with_zeros():
    x0 = np.array([[2.0, 0.0, 3.0, 0.0, 5.0], [1.0, 2.0, 0.0, 3.0, 4.0]])
    got = grad_of(lambda x: (nd.cumulative_prod(x, axis=1, include_initial=True) ** 2).sum(), x0)

    def f_torch(x):
        full = torch.cat([torch.ones(2, 1, dtype=x.dtype), x.cumprod(1)], dim=1)
        return (full**2).sum()

    np.testing.assert_allclose(got, torch_grad_of(f_torch, x0), rtol=1e-12)
    assert gradcheck(lambda x: nd.cumulative_prod(x, axis=0, include_initial=True), x0.T.copy())


# ------------------------------------------------------------- max and ties


def test_max_ties_share_the_gradient_equally():
    x0 = np.array([1.0, 3.0, 3.0, 2.0])
    assert grad_of(lambda x: nd.max(x), x0).tolist() == [0.0, 0.5, 0.5, 0.0]
    x1 = np.array([[4.0, 4.0, 4.0], [1.0, 0.0, 1.0]])
    assert np.allclose(grad_of(lambda x: nd.min(x, axis=1).sum(), x1), [[1 / 3, 1 / 3, 1 / 3], [0, 1, 0]])
    np.testing.assert_allclose(
        grad_of(lambda x: nd.amax(x, axis=0).sum(), x1), torch_grad_of(lambda x: x.amax(dim=0).sum(), x1)
    )


def test_max_forward_mode_with_ties_is_the_mean_tangent():
    x = np.array([1.0, 3.0, 3.0])
    _, tangent = nd.jvp(lambda t: nd.max(t), (x,), (np.array([10.0, 1.0, 2.0]),))
    assert float(tangent) == 1.5


# ----------------------------------------------------- softmax, stability


def test_softmax_family_is_stable_for_large_inputs():
    big = np.array([1000.0, 1001.0, 1002.0])
    small = np.array([0.0, 1.0, 2.0])
    expected = np.exp(small) / np.exp(small).sum()
    np.testing.assert_allclose(nd.softmax(big).data, expected, rtol=1e-14)
    np.testing.assert_allclose(nd.log_softmax(big).data, np.log(expected), rtol=1e-14)
    np.testing.assert_allclose(nd.logsumexp(big).data, 1000.0 + np.log(np.exp(small).sum()), rtol=1e-15)
    np.testing.assert_allclose(nd.logsumexp(-big).data, -1000.0 + np.log(np.exp(-small).sum()), rtol=1e-15)
    for f_nd, f_torch in [
        (lambda x: (nd.softmax(x) * small).sum(), lambda x: (x.softmax(0) * torch.tensor(small)).sum()),
        (lambda x: nd.log_softmax(x)[0], lambda x: x.log_softmax(0)[0]),
        (lambda x: nd.logsumexp(x), lambda x: x.logsumexp(0)),
    ]:
        g = grad_of(f_nd, big)
        assert np.all(np.isfinite(g))
        np.testing.assert_allclose(g, torch_grad_of(f_torch, big), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("shape", [(64, 10), (3, 40, 7), (32, 32), (40, 33)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.filterwarnings("ignore:.*encountered in:RuntimeWarning")  # NumPy's, on the inf and nan lanes
def test_softmaxes_over_many_short_rows_match_torch(shape, dtype):
    # Many short rows take a transposed path for their max; lanes with inf,
    # -inf and nan must come out as on the plain path.
    x0 = (RNG.standard_normal(shape) * 30).astype(dtype)
    x0.reshape(-1, shape[-1])[:3, :] = [[np.inf], [-np.inf], [np.nan]]
    t = torch.tensor(x0)
    tol = {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-13, "atol": 1e-15}
    np.testing.assert_allclose(nd.logsumexp(x0, axis=-1).data, t.logsumexp(-1).numpy(), **tol)
    np.testing.assert_allclose(nd.softmax(x0).data, t.softmax(-1).numpy(), **tol)
    np.testing.assert_allclose(nd.log_softmax(x0).data, t.log_softmax(-1).numpy(), **tol)


@pytest.mark.parametrize("shape", [(64, 10), (3, 40, 7), (200, 16), (40, 17), (5, 3)])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_sums_over_many_short_rows_match_numpy(shape, keepdims, dtype):
    # Many short rows are summed along the columns of a transposed copy: the
    # values (nan and inf lanes too), shape and gradient are as on the plain
    # path; float16, which NumPy accumulates in float32, keeps NumPy's path.
    x0 = RNG.standard_normal(shape).astype(dtype)
    x0.reshape(-1, shape[-1])[:2, 0] = [np.inf, np.nan]
    x = nd.tensor(x0, requires_grad=True)
    s = x.sum(axis=-1, keepdims=keepdims)
    expected = x0.sum(axis=-1, keepdims=keepdims)
    assert s.shape == expected.shape and s.dtype == dtype
    if dtype == np.float16:
        np.testing.assert_array_equal(s.data, expected)
    else:
        np.testing.assert_allclose(s.data, expected, rtol=1e-6, atol=1e-5)  # float32 rounding, order apart
    weights = RNG.standard_normal(expected.shape).astype(dtype)
    (s * weights).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.broadcast_to(weights.reshape(shape[:-1] + (1,)), shape))


@pytest.mark.parametrize("shape", [(64, 10), (3, 40, 7), (200, 32), (40, 33)])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_and_min_over_many_short_rows_match_numpy(shape, keepdims, name):
    # Many short rows take the transposed way: nan, inf and tied lanes come
    # out as NumPy's, and ties share the gradient.
    x0 = RNG.standard_normal(shape).astype(np.float32)
    rows = x0.reshape(-1, shape[-1])
    rows[0, :2], rows[1, 1], rows[2, :] = np.nan, -np.inf, 0.5
    x = nd.tensor(x0, requires_grad=True)
    out = getattr(nd, name)(x, axis=-1, keepdims=keepdims)
    np.testing.assert_array_equal(out.data, getattr(x0, name)(axis=-1, keepdims=keepdims))
    out.sum().backward()
    grad_rows = x.grad.data.reshape(rows.shape)
    np.testing.assert_allclose(grad_rows[0], [0.5, 0.5] + [0.0] * (shape[-1] - 2))  # two nans tie
    np.testing.assert_allclose(grad_rows[2], np.full(shape[-1], 1 / shape[-1]))  # all tie
    np.testing.assert_allclose(grad_rows.sum(axis=-1), 1.0, rtol=1e-6)


def test_complex_variance_and_norm_match_numpy_with_jax_style_gradients():
    # |x|**2 for complex x, and the gradient conj(...) as for abs (JAX's convention).
    z0 = np.array([[3 + 4j, 1 - 2j, -0.5j], [2.0, 1j, -1 + 1j]])
    z = nd.tensor(z0, requires_grad=True)
    v = nd.var(z, axis=1, ddof=1)
    np.testing.assert_allclose(v.data, np.var(z0, axis=1, ddof=1))
    assert v.dtype == np.float64
    v.sum().backward()
    np.testing.assert_allclose(z.grad.data, np.conj(z0 - z0.mean(axis=1, keepdims=True)))  # 2 / (3 - 1) = 1
    z.grad = None
    norm = nd.linalg.norm(z)
    np.testing.assert_allclose(norm.data, np.linalg.norm(z0))
    norm.backward()
    np.testing.assert_allclose(z.grad.data, np.conj(z0) / np.linalg.norm(z0))
    z.grad = None
    s = nd.std(z)
    np.testing.assert_allclose(s.data, np.std(z0))
    s.backward()
    np.testing.assert_allclose(z.grad.data, np.conj(z0 - z0.mean()) / (z0.size * np.std(z0)))


def test_logsumexp_with_infinities():
    assert nd.logsumexp(np.array([-np.inf, -np.inf])).item() == -np.inf
    assert nd.logsumexp(np.array([-np.inf, 0.0])).item() == 0.0
    assert nd.logsumexp(np.array([np.inf, 0.0])).item() == np.inf


def test_softmax_second_derivatives_match_torch():
    x0 = rand(4)
    np.testing.assert_allclose(
        hessian_of(lambda x: (nd.softmax(x) * W[0]).sum(), x0),
        torch_hessian_of(lambda x: (x.softmax(0) * torch.tensor(W[0])).sum(), x0),
        rtol=1e-10, atol=1e-14,
    )
    np.testing.assert_allclose(
        hessian_of(lambda x: nd.logsumexp(x), x0), torch_hessian_of(lambda x: x.logsumexp(0), x0), rtol=1e-10
    )
    np.testing.assert_allclose(
        hessian_of(lambda x: nd.log_softmax(x)[1], x0), torch_hessian_of(lambda x: x.log_softmax(0)[1], x0),
        rtol=1e-10, atol=1e-14,
    )


def test_cross_entropy_step_matches_torch_in_float32():
    logits0 = rand(8, 5).astype(np.float32)
    labels = RNG.integers(0, 5, 8)
    onehot = np.eye(5, dtype=np.float32)[labels]
    z = nd.tensor(logits0, requires_grad=True)
    loss = -(nd.log_softmax(z, axis=-1) * onehot).sum() / 8
    loss.backward()
    zt = torch.tensor(logits0, requires_grad=True)
    loss_torch = torch.nn.functional.cross_entropy(zt, torch.tensor(labels))
    loss_torch.backward()
    assert loss.dtype == np.float32 and z.grad.dtype == np.float32
    np.testing.assert_allclose(loss.item(), loss_torch.item(), rtol=1e-6)
    np.testing.assert_allclose(z.grad.data, zt.grad.numpy(), rtol=1e-5, atol=1e-7)


# ------------------------------------------------------------------ dtypes

FLOAT32_OPS = [
    lambda x: nd.mean(x, axis=0),
    lambda x: nd.prod(x, axis=1),
    lambda x: nd.max(x, axis=0),
    lambda x: nd.var(x, axis=1),
    lambda x: nd.std(x),
    lambda x: nd.logsumexp(x, axis=1),
    lambda x: nd.softmax(x),
    lambda x: nd.log_softmax(x, axis=0),
    lambda x: nd.norm(x),
    lambda x: nd.norm(x, 3, axis=1),
    lambda x: nd.cumsum(x, axis=0),
    lambda x: nd.cumprod(x, axis=1),
    lambda x: nd.sort(x, axis=0),
    lambda x: nd.diff(x),
]


@pytest.mark.parametrize("k", range(len(FLOAT32_OPS)))
def test_float32_stays_float32_in_values_and_gradients(k):
    x0 = rand(3, 4).astype(np.float32)
    x0[1, 2] = 0.0  # the zero-safe paths too
    x = nd.tensor(x0, requires_grad=True)
    out = FLOAT32_OPS[k](x)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32


def test_integer_inputs_follow_numpy_dtypes():
    i = np.arange(6).reshape(2, 3)
    assert nd.mean(i).dtype == np.mean(i).dtype
    assert nd.prod(i, axis=0).dtype == np.prod(i, axis=0).dtype
    assert nd.cumsum(i).dtype == np.cumsum(i).dtype
    assert nd.max(i).item() == 5


# ------------------------------------------------------------ methods, errors


def test_tensor_methods_route_here():
    x = nd.tensor(rand(3, 4))
    np.testing.assert_allclose(x.max(axis=1).data, x.data.max(axis=1))
    np.testing.assert_allclose(x.softmax().data, nd.softmax(x).data)
    np.testing.assert_allclose(x.norm(axis=0).data, np.linalg.norm(x.data, axis=0))
    np.testing.assert_allclose(x.cumsum(axis=1).data, np.cumsum(x.data, axis=1))
    np.testing.assert_allclose(x.std(ddof=1).data, np.std(x.data, ddof=1))


def test_sum_gradient_does_not_need_the_summed_values():
    """As in PyTorch: changing a summed tensor in place afterwards is fine,
    the gradient of a sum does not depend on the values."""
    x = nd.tensor(np.ones(3), requires_grad=True)
    y = x * 2
    total = y.sum() + y.mean(axis=0)
    y += 1
    total.backward()
    np.testing.assert_allclose(x.grad.data, np.full(3, 2 + 2 / 3))


def test_errors_name_the_operation_and_the_fix():
    x = nd.tensor(rand(2, 3))
    with pytest.raises(ValueError, match=r"max: axis 2 is out of bounds .* rank 2"):
        nd.max(x, axis=2)
    with pytest.raises(ValueError, match=r"cumulative_sum: axis must be given .* rank 2"):
        nd.cumulative_sum(x)
    with pytest.raises(ValueError, match=r"norm: invalid matrix norm order ord='bad'"):
        nd.norm(x, "bad")
    with pytest.raises(ValueError, match=r"var: give either ddof=1 or correction=2"):
        nd.var(x, ddof=1, correction=2)
    with pytest.raises(ValueError, match=r"norm: ord=3 without axis needs a 1-D or 2-D tensor"):
        nd.norm(nd.ones((2, 2, 2)), 3)
    with pytest.raises(ValueError, match=r"diff: the order n must be non-negative"):
        nd.diff(x, n=-1)
