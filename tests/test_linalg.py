"""ndgrad.linalg: values against numpy.linalg, gradients against torch.linalg and
finite differences, decompositions through gauge-invariant functions."""

import numpy as np
import pytest
import torch

import ndgrad as nd
from ndgrad.gradcheck import gradcheck

L = nd.linalg
RNG = np.random.default_rng(7)


def randn(*shape):
    return RNG.normal(size=shape)


def well_conditioned(*shape):
    return randn(*shape) + 3 * np.eye(shape[-1])


def spd(*shape):
    x = randn(*shape)
    return x @ np.swapaxes(x, -1, -2) + np.eye(shape[-1])


# ------------------------------------------------------------------ values


VALUE_CASES = [
    ("inv", (well_conditioned(2, 3, 3),), {}),
    ("det", (well_conditioned(4, 4),), {}),
    ("det", (well_conditioned(2, 2, 3, 3),), {}),
    ("solve", (well_conditioned(2, 3, 3), randn(3, 2)), {}),
    ("solve", (well_conditioned(3, 3), randn(3)), {}),
    ("cholesky", (spd(2, 4, 4),), {}),
    ("cholesky", (spd(3, 3),), {"upper": True}),
    ("eigvalsh", (spd(2, 3, 3),), {}),
    ("eigvalsh", (randn(3, 3),), {"UPLO": "U"}),
    ("svdvals", (randn(2, 5, 3),), {}),
    ("pinv", (randn(2, 4, 3),), {}),
    ("pinv", (randn(3, 5),), {"rcond": 1e-3}),
    ("matrix_power", (well_conditioned(3, 3), 5), {}),
    ("matrix_power", (well_conditioned(2, 3, 3), -3), {}),
    ("matrix_power", (well_conditioned(3, 3), 0), {}),
    ("matrix_rank", (randn(4, 2) @ randn(2, 5),), {}),
    ("trace", (randn(2, 3, 4),), {"offset": 1}),
    ("diagonal", (randn(2, 3, 4),), {"offset": -1}),
    ("outer", (randn(3), randn(4)), {}),
    ("cross", (randn(4, 3), randn(3)), {}),
    ("vecdot", (randn(2, 3), randn(3)), {}),
    ("tensordot", (randn(2, 3, 4), randn(3, 4, 5)), {"axes": 2}),
    ("matrix_transpose", (randn(2, 3, 4),), {}),
    ("matmul", (randn(2, 3, 4), randn(4, 5)), {}),
    ("vector_norm", (randn(3, 4),), {"ord": 3, "axis": 1}),
    ("matrix_norm", (randn(2, 3, 4),), {"ord": "nuc"}),
    ("matrix_norm", (randn(3, 4),), {"ord": 2}),
    ("norm", (randn(3, 4),), {"ord": -2}),
]


@pytest.mark.parametrize("name,args,kwargs", VALUE_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(VALUE_CASES)])
def test_values_match_numpy(name, args, kwargs):
    got = getattr(L, name)(*[nd.tensor(a) if isinstance(a, np.ndarray) else a for a in args], **kwargs)
    expected = getattr(np.linalg, name)(*args, **kwargs)
    assert got.shape == np.shape(expected)
    np.testing.assert_allclose(got.data, expected, rtol=1e-9, atol=1e-10)


def test_multi_output_values_and_named_tuples():
    a = randn(2, 4, 3)
    for tracked in (False, True):
        t = nd.tensor(a, requires_grad=tracked)
        q, r = L.qr(t)
        np.testing.assert_allclose((q @ r).data, a, atol=1e-12)
        np.testing.assert_allclose(np.abs(r.data), np.abs(np.linalg.qr(a).R), atol=1e-12)
        u, s, vh = L.svd(t, full_matrices=False)
        np.testing.assert_allclose(s.data, np.linalg.svd(a).S)
        np.testing.assert_allclose(((u * s[..., None, :]) @ vh).data, a, atol=1e-12)
        sym = nd.tensor(spd(3, 3), requires_grad=tracked)
        result = L.eigh(sym)
        assert isinstance(result, L.EighResult)
        np.testing.assert_allclose(result.eigenvalues.data, np.linalg.eigvalsh(sym.data))
        w, v = result
        np.testing.assert_allclose((v * w[..., None, :] @ v.mT).data, sym.data, atol=1e-12)
        sign, logdet = L.slogdet(nd.tensor(-np.eye(3) * 2, requires_grad=tracked))
        assert sign.item() == -1.0
        np.testing.assert_allclose(logdet.item(), 3 * np.log(2))
    assert L.qr(a, mode="r").shape == (2, 3, 3)
    assert isinstance(L.svd(a), L.SVDResult) and L.svd(a).U.shape == (2, 4, 4)


def test_lstsq_matches_numpy():
    a, b = randn(6, 3), randn(6, 2)
    x, residuals, rank, s = L.lstsq(nd.tensor(a), nd.tensor(b))
    ex, eres, erank, es = np.linalg.lstsq(a, b)
    np.testing.assert_allclose(x.data, ex)
    np.testing.assert_allclose(residuals.data, eres)
    assert rank.item() == erank
    np.testing.assert_allclose(s.data, es)
    _, res_1d, _, _ = L.lstsq(a, b[:, 0])
    np.testing.assert_allclose(res_1d.data, np.linalg.lstsq(a, b[:, 0])[1])
    deficient = randn(5, 2) @ randn(2, 3)
    assert L.lstsq(deficient, b[:5])[1].shape == (0,)
    assert L.lstsq(deficient, b[:5])[2].item() == 2


def test_float32_stays_float32():
    a = nd.tensor(well_conditioned(3, 3).astype(np.float32), requires_grad=True)
    outs = [L.inv(a), L.det(a), L.solve(a, a[0]), L.eigvalsh(a), L.svdvals(a), L.pinv(a), L.qr(a).R]
    assert all(o.dtype == np.float32 for o in outs)
    sum(o.sum() for o in outs).backward()
    assert a.grad.dtype == np.float32


# ------------------------------------------------------------------ gradients against torch


def _grads(fn, module, arrays):
    """Gradient of the scalar fn(module, *arrays) with respect to every array, as NumPy."""
    if module is L:
        xs = [nd.tensor(a, requires_grad=True) for a in arrays]
        fn(L, *xs).backward()
        return [x.grad.data for x in xs]
    xs = [torch.tensor(a, requires_grad=True) for a in arrays]
    fn(torch.linalg, *xs).backward()
    return [x.grad.numpy() for x in xs]


def _sym(x):
    return (x + x.mT) / 2


def _like(m, array):
    """A constant in m's library (torch tensors do not mix with NumPy arrays)."""
    return torch.tensor(array) if isinstance(m, torch.Tensor) else array


def _weighted(m, w):
    return (m * _like(m, w)).sum()


W = randn(3, 3)
TORCH_CASES = {
    "inv": (lambda la, a: _weighted(la.inv(a), W), [well_conditioned(3, 3)]),
    "det": (lambda la, a: la.det(a).sum(), [well_conditioned(2, 3, 3)]),
    "slogdet": (lambda la, a: la.slogdet(a)[1].sum(), [well_conditioned(2, 3, 3) - 6 * np.eye(3)]),
    "solve": (lambda la, a, b: _weighted(la.solve(a, b), W[:, :2]), [well_conditioned(3, 3), randn(3, 2)]),
    "cholesky": (lambda la, x: _weighted(la.cholesky(x @ x.mT + _like(x, np.eye(3))), W), [randn(3, 3)]),
    "qr": (lambda la, a: _weighted(la.qr(a)[0], W[:, :2]) + la.qr(a)[1].sum() * 0.5, [randn(3, 2)]),
    "eigh": (lambda la, x: (la.eigh(_sym(x))[0] * (la.eigh(_sym(x))[1] ** 2)).sum(), [randn(3, 3)]),
    "svd": (lambda la, a: _weighted(la.svd(a, full_matrices=False)[0] ** 2, W[:, :2]), [randn(3, 2)]),
    "svdvals": (lambda la, a: (la.svdvals(a) ** 3).sum(), [randn(2, 4, 3)]),
    "pinv": (lambda la, a: _weighted(la.pinv(a), W[:2, :]), [randn(3, 2)]),
    "matrix_norm-nuc": (lambda la, a: la.matrix_norm(a, ord="nuc").sum(), [randn(2, 3, 4)]),
    "matrix_norm-2": (lambda la, a: la.matrix_norm(a, ord=2), [randn(3, 4)]),
    "matrix_power": (lambda la, a: _weighted(la.matrix_power(a, -3), W), [well_conditioned(3, 3)]),
    "cross": (lambda la, a, b: _weighted(la.cross(a, b), W), [randn(3, 3), randn(1, 3)]),
}


@pytest.mark.parametrize("name", list(TORCH_CASES))
def test_gradients_match_torch(name):
    fn, arrays = TORCH_CASES[name]
    for ours, theirs in zip(_grads(fn, L, arrays), _grads(fn, torch, arrays), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-10)


# ------------------------------------------------------------------ decompositions: what gradients mean


def test_triangle_read_gradient_sits_on_that_triangle():
    """cholesky/eigh read one triangle, like NumPy: changing the other one changes nothing."""
    a = nd.tensor(spd(3, 3), requires_grad=True)
    (L.cholesky(a) ** 2).sum().backward()
    assert np.all(np.triu(a.grad.data, 1) == 0)
    b = nd.tensor(spd(3, 3), requires_grad=True)
    L.eigvalsh(b, UPLO="U").sum().backward()  # the trace: ones on the diagonal, nothing below
    np.testing.assert_allclose(b.grad.data, np.eye(3), atol=1e-12)


def test_repeated_eigenvalues_give_exact_gradients_for_spectral_functions():
    """sum(eigvalsh(S)**2) = ||S||_F^2 has gradient 2S, also where all eigenvalues coincide."""
    for s0 in (np.eye(3), np.diag([2.0, 2.0, 5.0])):
        x = nd.tensor(s0, requires_grad=True)
        (L.eigvalsh(_sym(x)) ** 2).sum().backward()
        np.testing.assert_allclose(x.grad.data, 2 * s0, atol=1e-12)


def test_projector_onto_a_repeated_eigenspace_is_differentiated_exactly():
    """The eigenspace of a repeated eigenvalue is smooth in S although its basis is not."""
    weights = randn(3, 3)

    def projector_loss(x):
        _, v = L.eigh(_sym(x))
        block = v[:, :2]  # the eigenvalue 2 appears twice
        return ((block @ block.mT) * weights).sum()

    assert gradcheck(projector_loss, np.diag([2.0, 2.0, 5.0]))


def test_repeated_singular_values_give_exact_gradients_for_norms():
    x = nd.tensor(np.eye(3) * 2.0, requires_grad=True)
    L.svdvals(x).sum().backward()  # nuclear norm at 2I: gradient U V^T = I
    np.testing.assert_allclose(x.grad.data, np.eye(3), atol=1e-12)


def test_svd_gauge_invariant_reconstruction_has_identity_gradient():
    a0, w = randn(2, 5, 3), randn(2, 5, 3)
    a = nd.tensor(a0, requires_grad=True)
    u, s, vh = L.svd(a, full_matrices=False)
    (((u * s[..., None, :]) @ vh) * w).sum().backward()
    np.testing.assert_allclose(a.grad.data, w, atol=1e-10)


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (2, 3, 5)])
def test_qr_reconstruction_and_gradcheck(shape):
    a0 = randn(*shape)
    assert gradcheck(lambda a: L.qr(a).Q @ L.qr(a).R, a0)
    assert gradcheck(lambda a: L.qr(a).Q.mT @ L.qr(a).Q, a0)  # identity: its gradient is zero


def test_hessian_of_log_det_is_minus_inv_kron_inv():
    """d2 log det A / dA_ij dA_kl = -inv(A)_li inv(A)_jk: second order through slogdet."""
    a0 = well_conditioned(3, 3)
    a = nd.tensor(a0, requires_grad=True)
    (g,) = nd.autograd.grad(L.slogdet(a).logabsdet, a, create_graph=True)
    np.testing.assert_allclose(g.data, np.linalg.inv(a0).T)
    ainv = np.linalg.inv(a0)
    for i, j in [(0, 0), (1, 2)]:
        (h,) = nd.autograd.grad(g[i, j], a, retain_graph=True)
        np.testing.assert_allclose(h.data, -np.outer(ainv[:, i], ainv[j, :]).T, atol=1e-12)


def test_complex_inv_and_det_follow_jax_convention():
    """Holomorphic: the gradient of Re(det(Z)) is conj of the ascent direction (JAX): d det/dZ = det * inv(Z).T."""
    z0 = well_conditioned(3, 3) + 1j * randn(3, 3)
    z = nd.tensor(z0, requires_grad=True)
    nd.fft.real(L.det(z)).backward()
    np.testing.assert_allclose(z.grad.data, np.linalg.det(z0) * np.linalg.inv(z0).T)


# ------------------------------------------------------------------ errors


def test_errors_name_the_operation_shapes_and_fix():
    with pytest.raises(nd.ShapeError, match=r"inv: needs a square matrix .* got shape \(2, 3\).*pinv or lstsq"):
        L.inv(randn(2, 3))
    with pytest.raises(nd.ShapeError, match=r"solve: a has shape \(3, 3\), so b needs 3 rows"):
        L.solve(well_conditioned(3, 3), randn(4))
    with pytest.raises(ValueError, match=r"svd: gradients of a non-square \(4x3\) matrix need full_matrices=False"):
        L.svd(nd.tensor(randn(4, 3), requires_grad=True))
    with pytest.raises(ValueError, match=r"qr: mode='complete' of a tall 4x3 matrix has no gradient"):
        L.qr(nd.tensor(randn(4, 3), requires_grad=True), mode="complete")
    with pytest.raises(nd.DtypeError, match=r"eigh: gradients of complex matrices are not implemented"):
        L.eigh(nd.tensor(np.eye(2) + 0j, requires_grad=True))
    with pytest.raises(nd.ShapeError, match=r"cross: both vectors need 3 components"):
        L.cross(randn(2), randn(2))
    with pytest.raises(L.LinAlgError, match="inv"):
        L.inv(np.zeros((2, 2)))
    # Complex values are fine without gradients.
    assert L.eigh(np.eye(2) + 0j).eigenvalues.dtype == np.float64
    sign, logdet = L.slogdet(np.diag([2j, 1.0]))
    assert sign.item() == 1j and logdet.dtype == np.float64
