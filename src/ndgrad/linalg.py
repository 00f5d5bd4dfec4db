"""Linear algebra with gradients: `ndgrad.linalg`, NumPy's and the array API's names.

Every function works on stacks of matrices (leading batch axes), and the
kernels (inv, det, slogdet, solve, cholesky, qr, eigh, svd, pinv, cross) are
primitives whose VJP and JVP rules are written with ndgrad operations, so
gradients can be differentiated again.  Decompositions with several outputs
are one primitive whose output packs them into one array (eigh: the
eigenvalues as an extra row on top of the eigenvectors); the public function
slices it apart and returns NumPy's named tuples.

What the derivatives assume
---------------------------
* ``inv``, ``solve``, ``det``, ``slogdet``: an invertible matrix.
* ``cholesky`` and ``eigh`` read one triangle of their input, as NumPy does
  (the lower one by default), so their gradient lands on that triangle only:
  it is the exact derivative of what NumPy computes.  For a symmetric input
  built as ``(X + X.T) / 2`` the gradient of X comes out symmetric.
* ``eigh`` / ``svd``: the rules are exact where the eigenvalues (singular
  values) are distinct.  Where two are exactly equal, the terms that would
  divide by their difference are set to zero (PyTorch and JAX give inf/nan).
  That is still exact for functions that treat each group of equal values
  alike (sums of functions of ``eigvalsh``/``svdvals``, norms, log-det) and for
  functions of a whole eigenspace (the projector onto a repeated eigenspace).
  Other functions get a finite value that is *not* their derivative: notably a
  matrix function rebuilt as ``V @ diag(f(w)) @ V.T``, whose derivative needs
  f's divided differences, which the decomposition cannot see - perturb the
  matrix slightly or use a formula without eigh there.  Nearly equal values
  give very large gradients, as in every autodiff library.  The sign of each
  eigen/singular vector is arbitrary: differentiate functions that do not
  depend on it.  ``svd`` needs ``full_matrices=False`` for gradients of a
  non-square matrix and, for a non-square matrix, non-zero singular values.
* ``qr``: full column (or, for wide matrices, row) rank.
* ``pinv``, ``lstsq``: constant rank in a neighbourhood (e.g. full rank).
* Gradients of complex matrices are supported for the holomorphic functions
  (inv, solve, det, matrix_power, products) under JAX's convention (see
  ``ndgrad.fft``); the others raise an error that says so.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from .backend import xp
from .core import TensorBase, primitive
from .core.errors import DtypeError, ShapeError
from .core.graph import wrap
from .core.mode import STATE
from .ops._axes import normalize_axis
from .ops.elementwise import where
from .ops.joins import concatenate, stack
from .ops.norms import matrix_norm, norm, vector_norm
from .ops.products import matmul, matmul_p, outer, tensordot, vecdot
from .ops.reduce import sum as _sum
from .ops.shape import diagonal as _diagonal
from .ops.shape import matrix_transpose

__all__ = [
    "inv", "det", "slogdet", "solve", "cholesky", "qr", "eigh", "eigvalsh", "svd", "svdvals", "pinv",
    "matrix_norm", "vector_norm", "norm", "matrix_power", "matrix_rank", "trace", "diagonal", "outer", "cross",
    "vecdot", "tensordot", "matrix_transpose", "matmul", "lstsq",
    "EighResult", "QRResult", "SVDResult", "SlogdetResult", "LinAlgError",
]

LinAlgError = xp.linalg.LinAlgError


class EighResult(NamedTuple):
    eigenvalues: Any
    eigenvectors: Any


class QRResult(NamedTuple):
    Q: Any
    R: Any


class SVDResult(NamedTuple):
    U: Any
    S: Any
    Vh: Any


class SlogdetResult(NamedTuple):
    sign: Any
    logabsdet: Any


# ------------------------------------------------------------ building blocks for the rules
# They take arrays or tensors with leading batch axes and index matrices from the right.


def _mT(x: Any) -> Any:
    # The method (not ops.matrix_transpose) keeps raw-mode rules cheap; arrays and tensors both have it.
    return x.swapaxes(-1, -2)


@functools.lru_cache(maxsize=64)
def _triangle_mask(n: int, k: int, lower: bool) -> Any:
    mask = xp.tri(n, n, k, dtype=bool) if lower else ~xp.tri(n, n, k - 1, dtype=bool)
    mask.flags.writeable = False
    return mask


def _tril(x: Any, k: int = 0) -> Any:
    """Square matrices' lower triangle (from diagonal k), the rest zero."""
    return where(_triangle_mask(x.shape[-1], k, True), x, 0)


def _triu(x: Any, k: int = 0) -> Any:
    return where(_triangle_mask(x.shape[-1], k, False), x, 0)


def _diag(x: Any) -> Any:
    """The diagonals of a stack of square matrices."""
    return _diagonal(x, 0, -2, -1)


@functools.lru_cache(maxsize=32)
def _eye(n: int, dtype: Any) -> Any:
    """A read-only identity matrix, made once per size and dtype."""
    eye = xp.eye(n, dtype=dtype)
    eye.flags.writeable = False
    return eye


def _diag_embed(v: Any) -> Any:
    """Square matrices with `v` on the diagonal."""
    return v[..., None, :] * _eye(v.shape[-1], v.dtype)


def _trace_of_product(a: Any, b: Any) -> Any:
    """trace(a.T @ b) for each matrix of the stacks: sum(a * b) over the last two axes."""
    return _sum(a * b, axis=(-2, -1))


def _right_solve(x: Any, r: Any) -> Any:
    """x @ inv(r), without forming the inverse: (inv(r).T @ x.T).T."""
    return _mT(solve_p(_mT(r), _mT(x)))


def _safe_inverse_gaps(v: Any, squared: bool) -> Any:
    """F[i, j] = 1 / (v_j - v_i) (or v_j**2 - v_i**2), and 0 where the two are equal."""
    if squared:
        v = v * v
    gaps = v[..., None, :] - v[..., :, None]
    equal = gaps == 0
    return where(equal, 0, 1 / where(equal, 1, gaps))


def _from_triangle(t: Any, lower: bool) -> Any:
    """The symmetric matrix NumPy builds from one triangle of t (what cholesky/eigh read)."""
    if lower:
        return _tril(t) + _mT(_tril(t, -1))
    return _triu(t) + _mT(_triu(t, 1))


def _onto_triangle(g: Any, lower: bool) -> Any:
    """Transpose of `_from_triangle`: a gradient for the triangle that was read."""
    if lower:
        return _tril(g) + _tril(_mT(g), -1)
    return _triu(g) + _triu(_mT(g), 1)


# ------------------------------------------------------------ inv, det, slogdet, solve


def _inv_vjp(g: Any, ans: Any, a: Any) -> Any:
    # d inv(A) = -inv(A) dA inv(A)
    ainv_t = _mT(ans)
    return -matmul_p(matmul_p(ainv_t, g), ainv_t)


inv_p = primitive(
    "inv", xp.linalg.inv,
    vjp=_inv_vjp,
    jvp=lambda t, ans, a: -matmul_p(matmul_p(ans, t), ans),
)


def _det_vjp(g: Any, ans: Any, a: Any) -> Any:
    # d det(A) = det(A) trace(inv(A) dA)
    return (g * ans)[..., None, None] * _mT(inv_p(a))


det_p = primitive(
    "det", xp.linalg.det,
    vjp=_det_vjp,
    jvp=lambda t, ans, a: ans * _trace_of_product(_mT(inv_p(a)), t),
)


def _slogdet_impl(a: Any) -> Any:
    sign, logabsdet = xp.linalg.slogdet(a)
    return xp.stack([sign, logabsdet], axis=-1)


slogdet_p = primitive(
    "slogdet", _slogdet_impl,
    # Only log|det| varies: the sign is piecewise constant.
    vjp=lambda g, ans, a: g[..., 1, None, None] * _mT(inv_p(a)),
    jvp=lambda t, ans, a: _pack_sign_logdet(_trace_of_product(_mT(inv_p(a)), t)),
)


def _pack_sign_logdet(dlog: Any) -> Any:
    return stack([0 * dlog, dlog], axis=-1)


# VJPs of solve for A and for B both need solve(A.T, g); the first rule keeps
# it for the second (the engine calls them one after the other for one node).
_solve_cache: list = [None, None, None]


def _solve_transposed(g: Any, a: Any) -> Any:
    if _solve_cache[0] is g and _solve_cache[1] is a:
        result = _solve_cache[2]
        _solve_cache[:] = [None, None, None]
        return result
    result = solve_p(_mT(a), g)
    _solve_cache[:] = [g, a, result]
    return result


solve_p = primitive(
    "solve", xp.linalg.solve,
    vjp=(
        lambda g, ans, a, b: -matmul_p(_solve_transposed(g, a), _mT(ans)),
        lambda g, ans, a, b: _solve_transposed(g, a),
    ),
    jvp=(
        lambda t, ans, a, b: -solve_p(a, matmul_p(t, ans)),
        lambda t, ans, a, b: solve_p(a, t),
    ),
    broadcasting=True,
)


# ------------------------------------------------------------ cholesky


def _halve_diagonal(x: Any) -> Any:
    """tril(x) with its diagonal halved: Phi in d chol(A) = L Phi(inv(L) dA inv(L).T)."""
    return _tril(x) - 0.5 * x * _eye(x.shape[-1], x.dtype)


def _cholesky_jvp(t: Any, ans: Any, a: Any) -> Any:
    s = _from_triangle(t, lower=True)
    inner = solve_p(ans, _mT(solve_p(ans, s)))
    return matmul_p(ans, _halve_diagonal(inner))


def _cholesky_vjp(g: Any, ans: Any, a: Any) -> Any:
    lt = _mT(ans)
    phi = _halve_diagonal(matmul_p(lt, g))
    sym = _mT(solve_p(lt, _mT(solve_p(lt, phi))))
    return _onto_triangle(sym, lower=True)


cholesky_p = primitive("cholesky", xp.linalg.cholesky, vjp=_cholesky_vjp, jvp=_cholesky_jvp)


# ------------------------------------------------------------ qr (packed [Q; R] or [Q | R])


def _qr_impl(a: Any) -> Any:
    q, r = xp.linalg.qr(a)
    m, n = a.shape[-2:]
    return xp.concatenate([q, r], axis=-2 if m >= n else -1)


def _qr_square_jvp(q: Any, r: Any, t: Any) -> tuple[Any, Any]:
    """Tangents of Q, R (A = QR, Q with as many columns as A) for A's tangent t."""
    t_rinv = _right_solve(t, r)
    c = matmul_p(_mT(q), t_rinv)
    lower = _tril(c, -1)
    omega = lower - _mT(lower)
    return matmul_p(q, omega - c) + t_rinv, matmul_p(c - omega, r)


def _qr_square_vjp(q: Any, r: Any, gq: Any, gr: Any) -> Any:
    b = matmul_p(_mT(q), gq) - matmul_p(gr, _mT(r))
    k = _tril(b - _mT(b), -1) - b
    return _right_solve(gq + matmul_p(q, k), _mT(r))


def _qr_jvp(t: Any, ans: Any, a: Any) -> Any:
    m, n = a.shape[-2:]
    if m >= n:
        dq, dr = _qr_square_jvp(ans[..., :m, :], ans[..., m:, :], t)
        return concatenate([dq, dr], axis=-2)
    q, r1, y = ans[..., :m], ans[..., m : 2 * m], a[..., m:]
    dq, dr1 = _qr_square_jvp(q, r1, t[..., :m])
    dr2 = matmul_p(_mT(dq), y) + matmul_p(_mT(q), t[..., m:])  # R2 = Q.T Y
    return concatenate([dq, dr1, dr2], axis=-1)


def _qr_vjp(g: Any, ans: Any, a: Any) -> Any:
    m, n = a.shape[-2:]
    if m >= n:
        return _qr_square_vjp(ans[..., :m, :], ans[..., m:, :], g[..., :m, :], g[..., m:, :])
    q, r1, y = ans[..., :m], ans[..., m : 2 * m], a[..., m:]
    gq, gr1, gr2 = g[..., :m], g[..., m : 2 * m], g[..., 2 * m :]
    gx = _qr_square_vjp(q, r1, gq + matmul_p(y, _mT(gr2)), gr1)
    return concatenate([gx, matmul_p(q, gr2)], axis=-1)


qr_p = primitive("qr", _qr_impl, vjp=_qr_vjp, jvp=_qr_jvp)


# ------------------------------------------------------------ eigh (packed [w; V])


def _eigh_impl(a: Any, lower: bool) -> Any:
    w, v = xp.linalg.eigh(a, UPLO="L" if lower else "U")
    return xp.concatenate([w[..., None, :], v], axis=-2)


def _eigh_jvp(t: Any, ans: Any, a: Any, lower: bool) -> Any:
    w, v = ans[..., 0, :], ans[..., 1:, :]
    m = matmul_p(_mT(v), matmul_p(_from_triangle(t, lower), v))
    dv = matmul_p(v, _safe_inverse_gaps(w, squared=False) * m)
    return concatenate([_diag(m)[..., None, :], dv], axis=-2)


def _eigh_vjp(g: Any, ans: Any, a: Any, lower: bool) -> Any:
    w, v = ans[..., 0, :], ans[..., 1:, :]
    gw, gv = g[..., 0, :], g[..., 1:, :]
    inner = _diag_embed(gw) + _safe_inverse_gaps(w, squared=False) * matmul_p(_mT(v), gv)
    return _onto_triangle(matmul_p(v, matmul_p(inner, _mT(v))), lower)


eigh_p = primitive("eigh", _eigh_impl, vjp=_eigh_vjp, jvp=_eigh_jvp)


# ------------------------------------------------------------ svd (packed [U; s; V])


def _svd_impl(a: Any) -> Any:
    u, s, vh = xp.linalg.svd(a, full_matrices=False)
    return xp.concatenate([u, s[..., None, :], xp.swapaxes(vh, -1, -2)], axis=-2)


def _svd_parts(packed: Any, m: int) -> tuple[Any, Any, Any]:
    return packed[..., :m, :], packed[..., m, :], packed[..., m + 1 :, :]


def _svd_jvp(t: Any, ans: Any, a: Any) -> Any:
    m, n = a.shape[-2:]
    u, s, v = _svd_parts(ans, m)
    f = _safe_inverse_gaps(s, squared=True)
    c = matmul_p(_mT(u), matmul_p(t, v))
    cs, sc = c * s[..., None, :], c * s[..., :, None]  # C S and S C
    du = matmul_p(u, f * (cs + _mT(cs)))
    dv = matmul_p(v, f * (sc + _mT(sc)))
    if m > n:  # the part of dA V outside span(U)
        tv = matmul_p(t, v)
        du = du + (tv - matmul_p(u, c)) / s[..., None, :]
    if n > m:
        tu = matmul_p(_mT(t), u)
        dv = dv + (tu - matmul_p(v, _mT(c))) / s[..., None, :]
    return concatenate([du, _diag(c)[..., None, :], dv], axis=-2)


def _svd_vjp(g: Any, ans: Any, a: Any) -> Any:
    m, n = a.shape[-2:]
    u, s, v = _svd_parts(ans, m)
    gu, gs, gv = _svd_parts(g, m)
    f = _safe_inverse_gaps(s, squared=True)
    utgu, vtgv = matmul_p(_mT(u), gu), matmul_p(_mT(v), gv)
    j, k = f * utgu, f * vtgv
    inner = (j + _mT(j)) * s[..., None, :] + _diag_embed(gs) + (k + _mT(k)) * s[..., :, None]
    ga = matmul_p(u, matmul_p(inner, _mT(v)))
    if m > n:
        ga = ga + matmul_p((gu - matmul_p(u, utgu)) / s[..., None, :], _mT(v))
    if n > m:
        ga = ga + matmul_p(u, _mT((gv - matmul_p(v, vtgv)) / s[..., None, :]))
    return ga


svd_p = primitive("svd", _svd_impl, vjp=_svd_vjp, jvp=_svd_jvp)


# ------------------------------------------------------------ pinv


def _pinv_impl(a: Any, rtol: Any, hermitian: bool) -> Any:
    return xp.linalg.pinv(a, rtol=rtol, hermitian=hermitian)


def _pinv_jvp(t: Any, ans: Any, a: Any, rtol: Any, hermitian: bool) -> Any:
    # d A+ = -A+ dA A+ + A+ A+^T dA^T (I - A A+) + (I - A+ A) dA^T A+^T A+   (Golub & Pereyra)
    p, tt = ans, _mT(t)
    first = -matmul_p(p, matmul_p(t, p))
    x = matmul_p(matmul_p(p, _mT(p)), tt)
    second = x - matmul_p(matmul_p(x, a), p)
    y = matmul_p(tt, matmul_p(_mT(p), p))
    third = y - matmul_p(p, matmul_p(a, y))
    return first + second + third


def _pinv_vjp(g: Any, ans: Any, a: Any, rtol: Any, hermitian: bool) -> Any:
    p, gt = ans, _mT(g)
    first = -matmul_p(_mT(p), matmul_p(g, _mT(p)))
    x = matmul_p(gt, matmul_p(p, _mT(p)))
    second = x - matmul_p(a, matmul_p(p, x))
    y = matmul_p(matmul_p(_mT(p), p), gt)
    third = y - matmul_p(matmul_p(y, p), a)
    return first + second + third


pinv_p = primitive("pinv", _pinv_impl, vjp=_pinv_vjp, jvp=_pinv_jvp)


# ------------------------------------------------------------ cross


def _cross_impl(x: Any, y: Any, axis: int) -> Any:
    return xp.cross(x, y, axis=axis)


# a x b is linear in each argument; <g, a x b> = <b x g, a> = <g x a, b>.
cross_p = primitive(
    "cross", _cross_impl,
    vjp=(lambda g, ans, x, y, axis: cross_p(y, g, axis=axis), lambda g, ans, x, y, axis: cross_p(g, x, axis=axis)),
    jvp=(lambda t, ans, x, y, axis: cross_p(t, y, axis=axis), lambda t, ans, x, y, axis: cross_p(x, t, axis=axis)),
    broadcasting=True,
)


# ------------------------------------------------------------ public functions


def _operand(x: Any) -> Any:
    if isinstance(x, TensorBase) or hasattr(x, "shape"):
        return x
    return xp.asarray(x)


def _tracked(*xs: Any) -> bool:
    """Will a derivative be asked of this call (reverse or forward mode)?"""
    return any(
        isinstance(x, TensorBase) and ((x.requires_grad and STATE.grad_enabled) or bool(x._tan)) for x in xs
    )


def _values(x: Any) -> Any:
    return x.data if isinstance(x, TensorBase) else x


def _result(value: Any) -> Any:
    """A values-only result: raw inside derivative rules, a tensor elsewhere."""
    return value if STATE.raw else wrap(value)


def _square(x: Any, op: str) -> Any:
    x = _operand(x)
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ShapeError(
            f"{op}: needs a square matrix (or a stack of them, shape (..., n, n)), got shape {tuple(x.shape)}. "
            + ("Use pinv or lstsq for a non-square matrix." if x.ndim >= 2 else "Reshape a vector to (n, n) first.")
        )
    return x


def _matrix(x: Any, op: str) -> Any:
    x = _operand(x)
    if x.ndim < 2:
        raise ShapeError(f"{op}: needs a matrix (or a stack of them, shape (..., m, n)), got shape {tuple(x.shape)}")
    return x


def _real_only(x: Any, op: str) -> None:
    if _tracked(x) and xp.iscomplexobj(_values(x)):
        raise DtypeError(
            f"{op}: gradients of complex matrices are not implemented (only inv, solve, det and products are). "
            f"Detach the input (x.detach()) to compute values, or split it into real and imaginary parts."
        )


def inv(a: Any) -> Any:
    """The inverse of each square matrix."""
    return inv_p(_square(a, "inv"))


def det(a: Any) -> Any:
    """The determinant of each square matrix (gradient needs it invertible)."""
    return det_p(_square(a, "det"))


def slogdet(a: Any) -> SlogdetResult:
    """(sign, log|det|) of each square matrix; log|det| is differentiable."""
    a = _square(a, "slogdet")
    if not _tracked(a):  # also keeps a complex sign apart from the real log|det|
        sign, logabsdet = xp.linalg.slogdet(_values(a))
        return SlogdetResult(_result(sign), _result(logabsdet))
    _real_only(a, "slogdet")
    packed = slogdet_p(a)
    return SlogdetResult(packed[..., 0], packed[..., 1])


def solve(a: Any, b: Any) -> Any:
    """x with a @ x = b.  b is one vector if 1-D, else a stack of (n, k) right-hand sides (NumPy 2)."""
    a, b = _square(a, "solve"), _operand(b)
    n = a.shape[-1]
    vector = b.ndim == 1
    if vector:
        b = b.reshape((n, 1)) if b.shape == (n,) else b
    if b.ndim < 2 or b.shape[-2] != n:
        raise ShapeError(
            f"solve: a has shape {tuple(a.shape)}, so b needs {n} rows: shape ({n},) or (..., {n}, k); "
            f"got {tuple(_operand(b).shape)}. For a stack of vectors, use b[..., None] and take [..., 0] of the result."
        )
    x = solve_p(a, b)
    return x[..., 0] if vector else x


def cholesky(a: Any, upper: bool = False) -> Any:
    """L with a = L @ L.T (reads the lower triangle); with upper=True, U = L.T (reads the upper one)."""
    a = _square(a, "cholesky")
    _real_only(a, "cholesky")
    if upper:
        return _mT(cholesky_p(_mT(a)))
    return cholesky_p(a)


def qr(a: Any, mode: str = "reduced") -> Any:
    """QR decomposition: QRResult(Q, R) for mode 'reduced' (or 'complete'), R alone for mode 'r'."""
    a = _matrix(a, "qr")
    m, n = a.shape[-2:]
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"qr: mode must be 'reduced', 'complete' or 'r', got {mode!r}")
    if not _tracked(a) or (mode == "complete" and m > n):
        if _tracked(a):
            raise ValueError(
                f"qr: mode='complete' of a tall {m}x{n} matrix has no gradient (the extra columns of Q are not "
                "determined by a). Use mode='reduced'."
            )
        out = xp.linalg.qr(_values(a), mode=mode)
        return _result(out) if mode == "r" else QRResult(_result(out[0]), _result(out[1]))
    _real_only(a, "qr")
    packed = qr_p(a)
    q, r = (packed[..., :m, :], packed[..., m:, :]) if m >= n else (packed[..., :m], packed[..., m:])
    return r if mode == "r" else QRResult(q, r)


def _eigh_packed(a: Any, uplo: str, op: str) -> Any:
    a = _square(a, op)
    if uplo not in ("L", "U"):
        raise ValueError(f"{op}: UPLO must be 'L' or 'U', got {uplo!r}")
    _real_only(a, op)
    return eigh_p(a, lower=uplo == "L")


def eigh(a: Any, UPLO: str = "L") -> EighResult:  # noqa: N803 - NumPy's name
    """Eigenvalues (ascending) and eigenvectors of symmetric matrices, reading the `UPLO` triangle."""
    if not _tracked(a):
        w, v = xp.linalg.eigh(_values(_square(a, "eigh")), UPLO=UPLO)
        return EighResult(_result(w), _result(v))
    packed = _eigh_packed(a, UPLO, "eigh")
    return EighResult(packed[..., 0, :], packed[..., 1:, :])


def eigvalsh(a: Any, UPLO: str = "L") -> Any:  # noqa: N803 - NumPy's name
    """Eigenvalues (ascending) of symmetric matrices; the gradient is V diag(g) V.T (see the notes on repeats)."""
    if not _tracked(a):
        return _result(xp.linalg.eigvalsh(_values(_square(a, "eigvalsh")), UPLO=UPLO))
    return _eigh_packed(a, UPLO, "eigvalsh")[..., 0, :]


def _svd_packed(a: Any, op: str) -> Any:
    _real_only(a, op)
    return svd_p(a)


def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False) -> Any:
    """SVDResult(U, S, Vh) with a = U @ diag(S) @ Vh; S alone if compute_uv=False."""
    a = _matrix(a, "svd")
    if not compute_uv:
        return svdvals(a)
    m, n = a.shape[-2:]
    if not _tracked(a):
        u, s, vh = xp.linalg.svd(_values(a), full_matrices=full_matrices, hermitian=hermitian)
        return SVDResult(_result(u), _result(s), _result(vh))
    if full_matrices and m != n:
        raise ValueError(
            f"svd: gradients of a non-square ({m}x{n}) matrix need full_matrices=False: the extra "
            f"{'columns of U' if m > n else 'rows of Vh'} are not determined by the matrix."
        )
    packed = _svd_packed(a, "svd")
    u, s, v = _svd_parts(packed, m)
    return SVDResult(u, s, _mT(v))


def svdvals(a: Any) -> Any:
    """Singular values, descending; differentiable (see the module notes on repeated values)."""
    a = _matrix(a, "svdvals")
    if not _tracked(a):
        return _result(xp.linalg.svd(_values(a), compute_uv=False))
    return _svd_packed(a, "svdvals")[..., a.shape[-2], :]


def pinv(a: Any, rcond: Any = None, hermitian: bool = False, *, rtol: Any = None) -> Any:
    """Moore-Penrose pseudo-inverse; singular values below rtol * largest count as zero."""
    a = _matrix(a, "pinv")
    _real_only(a, "pinv")
    cutoff = rtol if rtol is not None else rcond
    if cutoff is None:
        cutoff = 1e-15  # NumPy's default rcond
    return pinv_p(a, rtol=cutoff, hermitian=bool(hermitian))


def matrix_power(a: Any, n: int) -> Any:
    """a @ a @ ... (n times) by repeated squaring; inv(a) powers for n < 0."""
    a = _square(a, "matrix_power")
    n = int(n)
    if n == 0:
        return 0 * a + xp.eye(a.shape[-1], dtype=a.dtype)
    if n < 0:
        a, n = inv(a), -n
    result = None
    while n:
        if n & 1:
            result = a if result is None else matmul_p(result, a)
        n >>= 1
        if n:
            a = matmul_p(a, a)
    return result


def matrix_rank(a: Any, tol: Any = None, hermitian: bool = False, *, rtol: Any = None) -> Any:
    """The number of singular values above the tolerance (an integer; not differentiable)."""
    return _result(xp.linalg.matrix_rank(_values(_operand(a)), tol=_values(tol), hermitian=hermitian, rtol=rtol))


def diagonal(x: Any, offset: int = 0) -> Any:
    """The diagonal (shifted by `offset`) of each matrix in a stack (the last two axes)."""
    return _diagonal(_matrix(x, "diagonal"), offset, -2, -1)


def trace(x: Any, offset: int = 0, dtype: Any = None) -> Any:
    """Sum of the diagonal of each matrix in a stack (the last two axes)."""
    out = _sum(diagonal(x, offset), axis=-1)
    return out if dtype is None else out.astype(dtype)


def cross(x1: Any, x2: Any, axis: int = -1) -> Any:
    """Cross product of 3-vectors along `axis` (the other axes broadcast)."""
    x1, x2 = _operand(x1), _operand(x2)
    nd = max(x1.ndim, x2.ndim)
    axis = normalize_axis(int(axis), nd, "cross")
    for x in (x1, x2):
        if x.ndim < -axis or x.shape[axis] != 3:
            raise ShapeError(
                f"cross: both vectors need 3 components along axis {axis}, got shapes {tuple(x1.shape)} and "
                f"{tuple(x2.shape)}"
            )
    return cross_p(x1, x2, axis=axis)


def lstsq(a: Any, b: Any, rcond: Any = None) -> tuple[Any, Any, Any, Any]:
    """Least-squares solution of a @ x = b: (x, residuals, rank, singular values), like NumPy.

    x = pinv(a) @ b, so it is differentiable where a keeps its rank; residuals
    (squared 2-norms of b - a @ x, empty unless a is tall and of full rank)
    and singular values are differentiable too, rank is an integer.
    """
    a, b = _operand(a), _operand(b)
    if a.ndim != 2 or b.ndim not in (1, 2) or b.shape[0] != a.shape[0]:
        raise ShapeError(
            f"lstsq: a must be a matrix (m, n) and b have m rows, shape (m,) or (m, k); got {tuple(a.shape)} and "
            f"{tuple(b.shape)}"
        )
    m, n = a.shape
    # NumPy computes in double precision and takes its epsilon for the default cutoff.
    cutoff = xp.finfo(xp.float64).eps * max(m, n) if rcond is None else rcond
    x = matmul(pinv(a, rtol=cutoff), b)
    rank = xp.linalg.matrix_rank(_values(a), rtol=cutoff)
    if rank == n and m > n:
        r = b - matmul(a, x)
        residuals = _sum(r * r, axis=0)
        if b.ndim == 1:
            residuals = residuals.reshape((1,))
    else:
        residuals = _result(xp.empty((0,), dtype=x.dtype))
    return x, residuals, _result(xp.asarray(rank)), svdvals(a)

