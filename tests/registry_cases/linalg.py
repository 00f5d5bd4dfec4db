"""Cases for the linear-algebra primitives: stacks of matrices, broadcast batch
axes, tall and wide shapes, and second order (gradients of gradients)."""

import numpy as np

import ndgrad as nd

from . import case, rand
from .fft import second_order

L = nd.linalg


def well_conditioned(*shape):
    """Random square matrices (..., n, n) kept away from singular."""
    n = shape[-1]
    return rand(*shape) + 2.5 * np.eye(n)


def spd(x):
    """A symmetric positive definite matrix built from any square x."""
    return x @ x.mT + np.eye(x.shape[-1], dtype=x.dtype)


def lower_read(x, noise):
    """An SPD lower triangle with unrelated values above it: cholesky/eigh must ignore them."""
    return nd.tril(spd(x)) + nd.triu(noise, 1)


def eigvec_gauge_free(v):
    """Squares of eigenvector entries do not depend on each vector's sign."""
    return v * v


def svd_square_products(a):
    """U[i, k] Vh[k, j]: each singular pair's sign cancels."""
    u, _, vh = L.svd(a)
    return u * vh.mT


def svd_left_gram(a):
    """U diag(S) U.T: sign-free, uses U of a tall matrix."""
    u, s, _ = L.svd(a, full_matrices=False)
    return (u * s[..., None, :]) @ u.mT


def svd_right_projector(a):
    """Vh.T Vh scaled by sum(S): the projector onto the row space of a wide matrix."""
    _, s, vh = L.svd(a, full_matrices=False)
    return vh.mT @ vh * s.sum()


CASES = {
    "inv": [
        case(L.inv, well_conditioned(3, 3)),
        case(L.inv, well_conditioned(2, 1, 2, 2), note="stack"),
        case(second_order(lambda a: L.inv(a).sum() ** 2), well_conditioned(2, 2), note="second order"),
    ],
    "det": [
        case(L.det, well_conditioned(3, 3)),
        case(L.det, well_conditioned(2, 3, 3), note="stack"),
        case(second_order(L.det), well_conditioned(3, 3), note="second order"),
    ],
    "slogdet": [
        case(lambda a: L.slogdet(a).logabsdet, well_conditioned(2, 3, 3) - 5 * np.eye(3), note="negative det"),
        case(lambda a: L.slogdet(a).sign * L.slogdet(a).logabsdet, well_conditioned(2, 2)),
        case(second_order(lambda a: L.slogdet(a).logabsdet), well_conditioned(3, 3), note="second order"),
    ],
    "solve": [
        case(L.solve, well_conditioned(3, 3), rand(3, 2)),
        case(L.solve, well_conditioned(2, 3, 3), rand(3), note="one vector"),
        case(L.solve, well_conditioned(3, 3), rand(2, 3, 1), note="broadcast batch of b"),
        case(L.solve, well_conditioned(2, 1, 2, 2), rand(3, 2, 2), note="broadcast batches"),
        case(second_order(lambda a: L.solve(a, a[..., 0] * 1.0) * a[..., 1]), well_conditioned(3, 3),
             note="second order"),
    ],
    "cholesky": [
        case(lambda x: L.cholesky(spd(x)), rand(2, 3, 3)),
        case(lambda x, noise: L.cholesky(lower_read(x, noise)), rand(3, 3), rand(3, 3), note="reads lower triangle"),
        case(lambda x: L.cholesky(spd(x), upper=True), rand(3, 3), note="upper"),
        case(second_order(lambda x: L.cholesky(spd(x)) ** 2), rand(2, 2), note="second order"),
    ],
    "qr": [
        case(lambda a: L.qr(a).Q * 1.0, rand(4, 3), note="tall Q"),
        case(lambda a: L.qr(a).R * 1.0, rand(2, 4, 3), note="tall R, stack"),
        case(lambda a: L.qr(a).Q.sum(axis=0) + L.qr(a).R, rand(3, 3), note="square"),
        case(lambda a: L.qr(a).Q * 1.0, rand(2, 4), note="wide Q"),
        case(lambda a: L.qr(a, mode="r") * 1.0, rand(2, 2, 3), note="wide R"),
        case(second_order(lambda a: L.qr(a).R.sum() * L.qr(a).Q[0]), rand(3, 2), note="second order"),
    ],
    "eigh": [
        case(lambda x: L.eigh(spd(x)).eigenvalues, rand(2, 3, 3)),
        case(lambda x: eigvec_gauge_free(L.eigh(spd(x)).eigenvectors), rand(3, 3), note="vectors"),
        case(lambda x, noise: L.eigvalsh(lower_read(x, noise)), rand(3, 3), rand(3, 3), note="reads lower triangle"),
        case(lambda x: eigvec_gauge_free(L.eigh(x, UPLO="U").eigenvectors), rand(3, 3), note="upper triangle"),
        case(second_order(lambda x: L.eigvalsh(spd(x)) ** 2), rand(2, 2), note="second order"),
    ],
    "svd": [
        case(L.svdvals, rand(2, 4, 3), note="tall values"),
        case(L.svdvals, rand(3, 5), note="wide values"),
        case(svd_square_products, rand(3, 3), note="square"),
        case(svd_left_gram, rand(2, 4, 2), note="tall U"),
        case(svd_right_projector, rand(2, 3), note="wide Vh"),
        case(second_order(lambda a: L.svdvals(a) ** 3), rand(3, 2), note="second order"),
    ],
    "pinv": [
        case(L.pinv, rand(4, 3), note="tall"),
        case(L.pinv, rand(2, 2, 3), note="wide stack"),
        case(lambda a, b: L.lstsq(a, b)[0] + L.lstsq(a, b)[1], rand(5, 2), rand(5), note="lstsq"),
        case(second_order(lambda a: L.pinv(a) ** 2), rand(3, 2), note="second order"),
    ],
    "cross": [
        case(L.cross, rand(2, 3), rand(3), note="broadcast"),
        case(lambda a, b: L.cross(a, b, axis=0), rand(3, 2), rand(3, 1)),
        case(second_order(lambda a: L.cross(a, a * a)), rand(3), note="second order"),
    ],
}
